#include "runtime/user_lookup.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <sstream>

namespace roost::runtime {
namespace {

struct PasswdEntry {
  std::string name;
  uint32_t uid = 0, gid = 0;
  std::string home;
};
struct GroupEntry {
  std::string name;
  uint32_t gid = 0;
  std::vector<std::string> members;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (;;) {
    size_t next = s.find(sep, pos);
    out.push_back(s.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
    if (next == std::string::npos) return out;
    pos = next + 1;
  }
}

std::optional<uint32_t> number(const std::string& s) {
  uint32_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Malformed lines are skipped, as libc does.
std::vector<PasswdEntry> parse_passwd(const std::string& text) {
  std::vector<PasswdEntry> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto f = split(line, ':');
    if (f.size() < 4) continue;
    auto uid = number(f[2]), gid = number(f[3]);
    if (!uid || !gid) continue;
    out.push_back({f[0], *uid, *gid, f.size() > 5 ? f[5] : ""});
  }
  return out;
}

std::vector<GroupEntry> parse_group(const std::string& text) {
  std::vector<GroupEntry> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto f = split(line, ':');
    if (f.size() < 3) continue;
    auto gid = number(f[2]);
    if (!gid) continue;
    GroupEntry g{f[0], *gid, {}};
    if (f.size() > 3 && !f[3].empty()) g.members = split(f[3], ',');
    out.push_back(std::move(g));
  }
  return out;
}

std::vector<gid_t> memberships(const std::string& user, gid_t primary, const std::vector<GroupEntry>& groups) {
  std::vector<gid_t> out;
  if (user.empty()) return out;
  for (const auto& g : groups) {
    if (g.gid == primary) continue;
    if (std::find(g.members.begin(), g.members.end(), user) == g.members.end()) continue;
    if (std::find(out.begin(), out.end(), g.gid) == out.end()) out.push_back(g.gid);
  }
  return out;
}

}  // namespace

Result<ResolvedUser> resolve_user(const std::string& spec, const std::string& passwd, const std::string& group) {
  auto users = parse_passwd(passwd);
  auto groups = parse_group(group);
  std::string user_part = spec, group_part;
  bool has_group = false;
  if (auto colon = spec.find(':'); colon != std::string::npos) {
    user_part = spec.substr(0, colon);
    group_part = spec.substr(colon + 1);
    has_group = true;
  }
  if (user_part.empty()) return make_error(ErrorKind::invalid, "invalid user \"" + spec + "\": empty user name");

  ResolvedUser r;
  const PasswdEntry* entry = nullptr;
  if (auto uid = number(user_part)) {
    r.uid = *uid;
    for (const auto& u : users)
      if (u.uid == *uid) {
        entry = &u;
        break;
      }
  } else {
    for (const auto& u : users)
      if (u.name == user_part) {
        entry = &u;
        break;
      }
    if (!entry)
      return make_error(ErrorKind::not_found,
                        "unable to find user " + user_part + ": no matching entries in passwd file");
    r.uid = entry->uid;
  }
  r.gid = entry ? entry->gid : 0;
  r.home = entry ? entry->home : "/";
  if (r.home.empty()) r.home = "/";

  if (has_group) {
    if (group_part.empty()) return make_error(ErrorKind::invalid, "invalid user \"" + spec + "\": empty group name");
    if (auto gid = number(group_part)) {
      r.gid = *gid;
    } else {
      auto it = std::find_if(groups.begin(), groups.end(), [&](const GroupEntry& g) { return g.name == group_part; });
      if (it == groups.end())
        return make_error(ErrorKind::not_found,
                          "unable to find group " + group_part + ": no matching entries in group file");
      r.gid = it->gid;
    }
  }
  r.groups = memberships(entry ? entry->name : "", r.gid, groups);
  return r;
}

ResolvedUser lookup_uid(uid_t uid, gid_t gid, const std::string& passwd, const std::string& group) {
  ResolvedUser r;
  r.uid = uid;
  r.gid = gid;
  r.home = "/";
  for (const auto& u : parse_passwd(passwd)) {
    if (u.uid != uid) continue;
    if (!u.home.empty()) r.home = u.home;
    r.groups = memberships(u.name, gid, parse_group(group));
    break;
  }
  return r;
}

}  // namespace roost::runtime
