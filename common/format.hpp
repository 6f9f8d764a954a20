// Output helpers shared by CLI verbs: sizes and times in the shape podman prints.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

namespace roost {

// Decimal units with 3 significant digits: "4.49 MB", "812 B".
std::string human_size(uint64_t bytes);
// Four significant digits, no space: "4.304MB", "0B" (podman system df).
std::string human_size_compact(uint64_t bytes);
// "About a minute ago", "3 hours ago", "2 weeks ago".
std::string human_ago(std::time_t when, std::time_t now);
// RFC 3339 with nanoseconds and zone, as Go prints time.Time in JSON.
std::string rfc3339(std::time_t when);
// Parses RFC 3339 ("2024-01-02T03:04:05.123Z" or with +hh:mm); 0 on failure.
std::time_t parse_rfc3339(const std::string& s);

// WORDS joined by single spaces, as a command line is shown ("sh -c exit").
std::string join_words(const std::vector<std::string>& words);

// Columns separated by at least three spaces, as Go's tabwriter does for podman.
std::string render_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace roost
