// Shared inputs for the spec-generation tests: a busybox-like image and the
// host facts of a root and of a rootless run.
#pragma once

#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <string>
#include <vector>

#include "runtime/spec.hpp"

namespace spec_test {

using nlohmann::json;
using namespace roost;
using namespace roost::runtime;

inline const std::string kId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

inline ImageConfig busybox() {
  ImageConfig img;
  img.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  img.cmd = {"sh"};
  return img;
}

inline RunOptions options() {
  RunOptions o;
  o.container_id = kId;
  o.name = "test";
  return o;
}

inline HostFacts root_host() {
  HostFacts h;
  h.mapping.identity = true;
  h.rootfs = "/var/lib/roost/rootfs";
  h.hosts_file = "/run/roost/c/hosts";
  h.hostname_file = "/run/roost/c/hostname";
  h.containerenv_file = "/run/roost/c/.containerenv";
  h.resolv_conf = "/run/roost/c/resolv.conf";
  return h;
}

// The usual rootless map: 0 -> the user, 1..65536 -> sub-IDs.
inline HostFacts rootless_host() {
  HostFacts h = root_host();
  h.mapping.identity = false;
  h.mapping.uids = {{0, 1001, 1}, {1, 200000, 65536}};
  h.mapping.gids = {{0, 1001, 1}, {1, 200000, 65536}};
  return h;
}

inline HostFacts single_id_host() {
  HostFacts h = rootless_host();
  h.mapping.uids = {{0, 1002, 1}};
  h.mapping.gids = {{0, 1002, 1}};
  h.mapping.single_id = true;
  return h;
}

inline json spec_ok(const ImageConfig& img, const RunOptions& o, const HostFacts& h) {
  auto r = build_spec(img, o, h);
  BOOST_REQUIRE_MESSAGE(r.ok(), "build_spec failed: " + (r.ok() ? std::string() : r.error().str()));
  return *r;
}

inline Error spec_err(const ImageConfig& img, const RunOptions& o, const HostFacts& h) {
  auto r = build_spec(img, o, h);
  BOOST_REQUIRE_MESSAGE(!r.ok(), "build_spec succeeded: " + (r.ok() ? r->dump() : std::string()));
  return r.error();
}

inline std::vector<std::string> strings(const json& j) {
  std::vector<std::string> out;
  for (const auto& e : j) out.push_back(e.get<std::string>());
  return out;
}

inline bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// A JSON value as text, for comparisons that print well in Boost.Test
// (which would otherwise compare json objects element by element).
inline std::string str(const json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); }

inline bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

}  // namespace spec_test

#define CHECK_JSON(actual, expected)                                                           \
  do {                                                                                         \
    const nlohmann::json a_ = (actual);                                                        \
    const nlohmann::json e_ = (expected);                                                      \
    BOOST_CHECK_MESSAGE(a_ == e_, "got  " << a_.dump() << "\nwant " << e_.dump());            \
  } while (0)
