// Diagnostics go to one sink chosen by main; library code never prints.
#pragma once

#include <functional>
#include <string>

namespace roost {

enum class LogLevel { debug, info, warn, error };

using LogSink = std::function<void(LogLevel, const std::string&)>;

void set_log_sink(LogSink sink);
void set_log_level(LogLevel min);
void log(LogLevel level, const std::string& message);
inline void log_warn(const std::string& m) { log(LogLevel::warn, m); }
inline void log_debug(const std::string& m) { log(LogLevel::debug, m); }

}  // namespace roost
