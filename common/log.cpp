#include "common/log.hpp"

#include <cstdio>

namespace roost {
namespace {

LogLevel g_min = LogLevel::warn;

void stderr_sink(LogLevel level, const std::string& m) {
  const char* tag = level == LogLevel::error ? "Error" : level == LogLevel::warn ? "WARN" : level == LogLevel::info ? "INFO" : "DEBU";
  std::fprintf(stderr, "%s[0000] %s\n", tag, m.c_str());
}

LogSink g_sink = stderr_sink;

}  // namespace

void set_log_sink(LogSink sink) { g_sink = std::move(sink); }
void set_log_level(LogLevel min) { g_min = min; }
void log(LogLevel level, const std::string& message) {
  if (level >= g_min && g_sink) g_sink(level, message);
}

}  // namespace roost
