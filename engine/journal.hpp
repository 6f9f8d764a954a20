// The systemd journal, for the journald log driver: libsystemd's
// sd_journal_sendv to write a container's output as podman (conmon) does,
// and sd_journal to read it back.
//
// libsystemd is loaded with dlopen the first time the journal is used, as
// libcurl is (image/curl_shim.hpp): linking it would make every command load
// it and the half-dozen libraries it needs.
#pragma once

#include <memory>
#include <string>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "common/result.hpp"
#include "engine/log_sink.hpp"

namespace roost::engine {

// The socket journald reads native messages from (libsystemd's fixed path).
inline constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

struct JournalApi {
  decltype(&::sd_journal_sendv) sendv;
  decltype(&::sd_journal_open) open;
  decltype(&::sd_journal_close) close;
  decltype(&::sd_journal_add_match) add_match;
  decltype(&::sd_journal_seek_head) seek_head;
  decltype(&::sd_journal_seek_realtime_usec) seek_realtime_usec;
  decltype(&::sd_journal_next) next;
  decltype(&::sd_journal_get_data) get_data;
  decltype(&::sd_journal_get_realtime_usec) get_realtime_usec;
  decltype(&::sd_journal_wait) wait;
  decltype(&::sd_journal_set_data_threshold) set_data_threshold;
};

// Loads libsystemd; the error names the library and its package.
Result<const JournalApi*> journal_api();

// Whether journald takes messages: its socket accepts a connection. The
// error says what is missing, as `run --log-driver journald` reports it.
Result<void> journal_reachable();

// Whether this user can read any journal file (volatile /run/log/journal or
// persistent /var/log/journal); the error says why not.
Result<void> journal_readable();

// What each entry of a container carries besides MESSAGE and PRIORITY.
struct JournalFields {
  std::string id;    // the full container ID
  std::string name;
  std::string tag;   // --log-opt tag: CONTAINER_TAG and SYSLOG_IDENTIFIER
};

// A LogSink writing entries as conmon's journald driver: one entry per line
// (its newline kept in MESSAGE), PRIORITY=6 for stdout and 3 for stderr, a
// line without its newline held back until it ends (up to a buffer's
// worth), and sent as CONTAINER_PARTIAL_MESSAGE=true by flush().
Result<std::unique_ptr<LogSink>> open_journal_sink(const JournalFields& fields);

}  // namespace roost::engine
