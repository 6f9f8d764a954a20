#include "engine/log_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

namespace roost::engine {
namespace {

// Days since 1970-01-01 of a civil date, and back (Howard Hinnant's
// algorithms): no tables, no locale, no locks.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

char* put_digits(char* p, int64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return p + width;
}

long local_gmtoff() {
  time_t now = ::time(nullptr);
  struct tm tm{};
  ::localtime_r(&now, &tm);
  return tm.tm_gmtoff;
}

// Reads N digits at S[I]; advances I.
bool digits(const std::string& s, size_t& i, size_t n, int64_t& v) {
  v = 0;
  for (size_t k = 0; k < n; ++k, ++i) {
    if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  return true;
}

// "2006-01-02[THH:MM:SS[.frac]][Z|+hh:mm]": Unix nanoseconds; ZONED tells
// whether a zone was given (else the time is UTC-based and the caller
// applies local time). Must consume all of S.
bool parse_datetime(const std::string& s, int64_t& ns, bool& zoned) {
  size_t i = 0;
  int64_t y, mo, d, h = 0, mi = 0, se = 0, frac = 0;
  if (!digits(s, i, 4, y) || i >= s.size() || s[i++] != '-' || !digits(s, i, 2, mo) || i >= s.size() ||
      s[i++] != '-' || !digits(s, i, 2, d))
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return false;
  if (i < s.size() && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
    ++i;
    if (!digits(s, i, 2, h) || i >= s.size() || s[i++] != ':' || !digits(s, i, 2, mi) || i >= s.size() ||
        s[i++] != ':' || !digits(s, i, 2, se))
      return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      int64_t scale = 100000000;
      size_t start = i;
      for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
        frac += (s[i] - '0') * scale;
        scale /= 10;
      }
      if (i == start) return false;
    }
  }
  int64_t offset = 0;
  zoned = false;
  if (i < s.size()) {
    if (s[i] == 'Z' || s[i] == 'z') {
      ++i;
      zoned = true;
    } else if (s[i] == '+' || s[i] == '-') {
      int sign = s[i++] == '-' ? -1 : 1;
      int64_t oh, om;
      if (!digits(s, i, 2, oh) || i >= s.size() || s[i++] != ':' || !digits(s, i, 2, om)) return false;
      offset = sign * (oh * 3600 + om * 60);
      zoned = true;
    }
  }
  if (i != s.size()) return false;
  int64_t secs = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 +
                 se - offset;
  ns = secs * 1000000000 + frac;
  return true;
}

}  // namespace

bool parse_duration(const std::string& s, int64_t& ns) {
  if (s.empty()) return false;
  ns = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (i == start) return false;
    double v = std::strtod(s.substr(start, i - start).c_str(), nullptr);
    size_t u = i;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
    std::string unit = s.substr(u, i - u);
    double scale = unit == "h" ? 3600e9 : unit == "m" ? 60e9 : unit == "s" ? 1e9 : unit == "ms" ? 1e6
                 : unit == "us" ? 1e3 : unit == "ns" ? 1 : 0;
    if (scale == 0) return false;
    ns += static_cast<int64_t>(v * scale);
  }
  return true;
}


size_t format_log_time(char* out, const timespec& t, long gmtoff) {
  int64_t local = static_cast<int64_t>(t.tv_sec) + gmtoff;
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  int64_t rem = local - days * 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char* p = out;
  p = put_digits(p, y, 4);
  *p++ = '-';
  p = put_digits(p, m, 2);
  *p++ = '-';
  p = put_digits(p, d, 2);
  *p++ = 'T';
  p = put_digits(p, rem / 3600, 2);
  *p++ = ':';
  p = put_digits(p, rem / 60 % 60, 2);
  *p++ = ':';
  p = put_digits(p, rem % 60, 2);
  *p++ = '.';
  p = put_digits(p, t.tv_nsec, 9);
  long off = gmtoff < 0 ? -gmtoff : gmtoff;
  *p++ = gmtoff < 0 ? '-' : '+';
  p = put_digits(p, off / 3600, 2);
  *p++ = ':';
  p = put_digits(p, off / 60 % 60, 2);
  return static_cast<size_t>(p - out);
}

Result<LogWriter> LogWriter::open(const std::string& path, uint64_t max_size) {
  LogWriter w;
  w.fd_ = ROOST_TRY(open_file(path, O_WRONLY | O_CREAT | O_APPEND, 0600));
  struct stat st;
  if (::fstat(w.fd_.get(), &st) == 0) w.size_ = static_cast<uint64_t>(st.st_size);
  w.max_size_ = max_size;
  w.gmtoff_ = local_gmtoff();
  return w;
}

void LogWriter::entry(const char* stamp, size_t stamp_len, const char* head, const char* data, size_t len) noexcept {
  const size_t head_len = std::strlen(head);
  const size_t total = stamp_len + head_len + len + 1;
  if (max_size_ > 0 && size_ + total > max_size_ && size_ > 0) {
    if (::ftruncate(fd_.get(), 0) == 0) size_ = 0;
  }
  char nl = '\n';
  iovec iov[4] = {{const_cast<char*>(stamp), stamp_len},
                  {const_cast<char*>(head), head_len},
                  {const_cast<char*>(data), len},
                  {&nl, 1}};
  ssize_t n;
  do n = ::writev(fd_.get(), iov, 4);
  while (n < 0 && errno == EINTR);
  if (n > 0) size_ += static_cast<uint64_t>(n);
}

void LogWriter::write(LogStream s, const char* data, size_t len) noexcept {
  if (!fd_.valid() || len == 0) return;
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  char stamp[48];
  size_t stamp_len = format_log_time(stamp, now, gmtoff_);
  const bool out = s == LogStream::out;
  while (len > 0) {
    const char* nl = static_cast<const char*>(std::memchr(data, '\n', len));
    if (!nl) {
      entry(stamp, stamp_len, out ? " stdout P " : " stderr P ", data, len);
      return;
    }
    size_t line = static_cast<size_t>(nl - data);
    entry(stamp, stamp_len, out ? " stdout F " : " stderr F ", data, line);
    data += line + 1;
    len -= line + 1;
  }
}

bool parse_log_line(const std::string& line, LogEntry& out) {
  size_t a = line.find(' ');
  if (a == std::string::npos) return false;
  size_t b = line.find(' ', a + 1);
  if (b == std::string::npos || b + 2 > line.size()) return false;
  std::string stream = line.substr(a + 1, b - a - 1);
  if (stream == "stdout") out.stream = LogStream::out;
  else if (stream == "stderr") out.stream = LogStream::err;
  else return false;
  char tag = line[b + 1];
  if (tag != 'F' && tag != 'P') return false;
  out.partial = tag == 'P';
  out.stamp = line.substr(0, a);
  bool zoned = false;
  if (!parse_datetime(out.stamp, out.time_ns, zoned) || !zoned) return false;
  out.text = b + 3 <= line.size() ? line.substr(b + 3) : std::string();
  return true;
}

Result<int64_t> parse_log_time(const std::string& text, int64_t now_ns) {
  int64_t ns = 0;
  bool zoned = false;
  if (parse_datetime(text, ns, zoned)) {
    if (!zoned) {
      // Local time: the zone's offset at that moment.
      time_t guess = static_cast<time_t>(ns / 1000000000);
      struct tm tm{};
      ::localtime_r(&guess, &tm);
      ns -= static_cast<int64_t>(tm.tm_gmtoff) * 1000000000;
    }
    return ns;
  }
  if (!text.empty() && text.find_first_not_of("0123456789.") == std::string::npos &&
      std::count(text.begin(), text.end(), '.') <= 1 && text[0] != '.') {
    auto dot = text.find('.');
    int64_t secs = std::strtoll(text.substr(0, dot).c_str(), nullptr, 10);
    int64_t frac = 0;
    if (dot != std::string::npos) {
      std::string f = (text.substr(dot + 1) + "000000000").substr(0, 9);
      frac = std::strtoll(f.c_str(), nullptr, 10);
    }
    return secs * 1000000000 + frac;
  }
  if (parse_duration(text, ns)) return now_ns - ns;
  return make_error(ErrorKind::invalid, "invalid time \"" + text +
                                            "\": give an RFC 3339 time, a date (2006-01-02), Unix seconds or a "
                                            "duration such as 10m");
}

}  // namespace roost::engine
