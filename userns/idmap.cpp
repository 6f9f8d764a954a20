#include "userns/idmap.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>

namespace roost::userns {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool parse_u32(std::string_view s, uint32_t& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Appends ranges covering COUNT sub-IDs taken from SUB (starting at *RANGE,
// *OFFSET within it) at container IDs from *NEXT on.
void take_sub_ids(const std::vector<SubIdRange>& sub, size_t& range, uint64_t& offset, uint64_t count,
                  uint64_t& next, std::vector<IdRange>& out) {
  while (count > 0 && range < sub.size()) {
    uint64_t avail = sub[range].count - offset;
    if (avail == 0) {
      ++range;
      offset = 0;
      continue;
    }
    uint64_t n = std::min(avail, count);
    out.push_back({static_cast<uint32_t>(next), static_cast<uint32_t>(sub[range].start + offset),
                   static_cast<uint32_t>(n)});
    next += n;
    offset += n;
    count -= n;
  }
}

uint64_t total(const std::vector<SubIdRange>& sub) {
  uint64_t n = 0;
  for (const auto& r : sub) n += r.count;
  return n;
}

// Container IDs are 32-bit and 4294967295 is never valid (it is (uid_t)-1),
// so a map may cover at most IDs 0..4294967294.
constexpr uint64_t kIdLimit = 4294967295ULL;

}  // namespace

Result<std::vector<SubIdRange>> parse_subid_file(const std::string& content, const std::string& user, uid_t id,
                                                 const std::string& file_name) {
  std::vector<SubIdRange> out;
  const std::string id_text = std::to_string(id);
  std::istringstream in(content);
  std::string raw;
  for (int lineno = 1; std::getline(in, raw); ++lineno) {
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    auto bad = [&](const std::string& why) {
      return make_error(ErrorKind::invalid, file_name + " line " + std::to_string(lineno) + ": " + why + ": \"" +
                                                std::string(line) + "\" (expected NAME:START:COUNT)");
    };
    auto c1 = line.find(':');
    auto c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string_view::npos || line.find(':', c2 + 1) != std::string_view::npos)
      return bad("not three colon-separated fields");
    std::string_view name = line.substr(0, c1);
    SubIdRange r;
    if (name.empty()) return bad("empty user name");
    if (!parse_u32(line.substr(c1 + 1, c2 - c1 - 1), r.start)) return bad("start is not a number");
    if (!parse_u32(line.substr(c2 + 1), r.count)) return bad("count is not a number");
    if (uint64_t(r.start) + r.count > kIdLimit + 1) return bad("range goes past the largest ID");
    if (r.count == 0) continue;
    if (name == user || name == id_text) out.push_back(r);
  }
  return out;
}

std::vector<IdRange> rootless_ranges(uint32_t id, const std::vector<SubIdRange>& sub) {
  std::vector<IdRange> out{{0, id, 1}};
  uint64_t next = 1;
  for (const auto& r : sub) {
    if (next >= kIdLimit) break;
    uint64_t n = std::min<uint64_t>(r.count, kIdLimit - next);
    if (n == 0) continue;
    out.push_back({static_cast<uint32_t>(next), r.start, static_cast<uint32_t>(n)});
    next += n;
  }
  return out;
}

Result<std::vector<IdRange>> keep_id_ranges(uint32_t id, const std::vector<SubIdRange>& sub) {
  if (total(sub) < id)
    return make_error(ErrorKind::invalid, "keep-id needs at least " + std::to_string(id) +
                                              " sub-IDs to map container IDs 0-" + std::to_string(id - 1) +
                                              " below your own ID, but only " + std::to_string(total(sub)) +
                                              " are assigned");
  std::vector<IdRange> out;
  size_t range = 0;
  uint64_t offset = 0, next = 0;
  take_sub_ids(sub, range, offset, id, next, out);
  out.push_back({id, id, 1});
  next = uint64_t(id) + 1;
  take_sub_ids(sub, range, offset, kIdLimit - std::min(next, kIdLimit), next, out);
  return out;
}

std::optional<uint32_t> to_host(const std::vector<IdRange>& map, uint32_t container_id) {
  for (const auto& r : map)
    if (container_id >= r.container_id && uint64_t(container_id) < uint64_t(r.container_id) + r.size)
      return r.host_id + (container_id - r.container_id);
  return std::nullopt;
}

std::optional<uint32_t> to_container(const std::vector<IdRange>& map, uint32_t host_id) {
  for (const auto& r : map)
    if (host_id >= r.host_id && uint64_t(host_id) < uint64_t(r.host_id) + r.size)
      return r.container_id + (host_id - r.host_id);
  return std::nullopt;
}

std::string format_map(const std::vector<IdRange>& map) {
  std::string out;
  for (const auto& r : map)
    out += std::to_string(r.container_id) + " " + std::to_string(r.host_id) + " " + std::to_string(r.size) + "\n";
  return out;
}

Result<std::vector<IdRange>> parse_proc_map(const std::string& text) {
  std::vector<IdRange> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::istringstream fields(line);
    IdRange r;
    std::string rest;
    if (!(fields >> r.container_id >> r.host_id >> r.size) || (fields >> rest))
      return make_error(ErrorKind::corrupt, "malformed ID map line \"" + line + "\"");
    out.push_back(r);
  }
  return out;
}

uint64_t mapped_count(const std::vector<IdRange>& map) {
  uint64_t n = 0;
  for (const auto& r : map) n += r.size;
  return n;
}

}  // namespace roost::userns
