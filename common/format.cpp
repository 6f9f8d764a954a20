#include "common/format.hpp"

#include <cstdio>

namespace roost {

namespace {

std::string size_in_units(uint64_t bytes, int precision, const char* separator) {
  static const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000.0 && u < 5) {
    v /= 1000.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*g%s%s", precision, v, separator, units[u]);
  return buf;
}

}  // namespace

std::string human_size(uint64_t bytes) { return size_in_units(bytes, 3, " "); }
std::string human_size_compact(uint64_t bytes) { return size_in_units(bytes, 4, ""); }

std::string human_ago(std::time_t when, std::time_t now) {
  long long s = static_cast<long long>(now - when);
  if (s < 0) s = 0;
  auto plural = [](long long n, const char* unit) {
    return std::to_string(n) + " " + unit + (n == 1 ? "" : "s") + " ago";
  };
  if (s < 1) return "Less than a second ago";
  if (s < 60) return plural(s, "second");
  long long m = s / 60;
  if (m == 1) return "About a minute ago";
  if (m < 60) return plural(m, "minute");
  long long h = m / 60;
  if (h == 1) return "About an hour ago";
  if (h < 48) return plural(h, "hour");
  long long d = h / 24;
  if (d < 14) return plural(d, "day");
  if (d < 60) return plural(d / 7, "week");
  if (d < 730) return plural(d / 30, "month");
  return plural(d / 365, "year");
}

std::string rfc3339(std::time_t when) {
  struct tm tm;
  ::gmtime_r(&when, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::time_t parse_rfc3339(const std::string& s) {
  struct tm tm = {};
  int y, mo, d, h, mi, sec;
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec) != 6) return 0;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  std::time_t t = ::timegm(&tm);
  // A zone offset after the seconds (and optional fraction) shifts to UTC.
  auto tpos = s.find('T');
  auto zpos = s.find_first_of("+-", tpos == std::string::npos ? 0 : tpos);
  if (zpos != std::string::npos) {
    int zh = 0, zm = 0;
    if (std::sscanf(s.c_str() + zpos + 1, "%d:%d", &zh, &zm) >= 1) {
      long off = zh * 3600L + zm * 60L;
      t += s[zpos] == '+' ? -off : off;
    }
  }
  return t;
}

std::string render_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  std::string out;
  for (auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 3, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

}  // namespace roost
