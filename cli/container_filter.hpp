// `--filter KEY=VALUE` for container lists (ps), as podman reads them:
// id, name (regular expressions, unanchored, as podman matches), status,
// ancestor (image name or ID), exited (exit code), label (KEY or KEY=VALUE,
// from the container's image). Filters with one key are alternatives; with
// different keys, all must hold.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "engine/containers.hpp"

namespace roost::cli {

class ContainerFilter {
 public:
  // Rejects an unknown key or a malformed value with the filter named.
  static Result<ContainerFilter> parse(const std::vector<std::string>& filters);
  bool empty() const { return by_key_.empty(); }
  // True with a status or exited filter, which may select stopped containers.
  bool selects_status() const { return by_key_.count("status") || by_key_.count("exited"); }

  // LABELS gives the labels of a container (from its image), asked only for
  // when a label filter is given; IMAGE_NAMES the names of its image.
  struct Facts {
    std::function<std::map<std::string, std::string>()> labels;
    std::function<std::vector<std::string>()> image_names;
  };
  bool matches(const engine::ContainerRecord& c, const Facts& facts) const;

 private:
  std::map<std::string, std::vector<std::string>> by_key_;
};

}  // namespace roost::cli
