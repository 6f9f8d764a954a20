#include "engine/signals.hpp"

#include <signal.h>

#include <cctype>
#include <cstdlib>
#include <optional>
#include <utility>

namespace roost::engine {
namespace {

const std::pair<const char*, int> kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT},     {"ILL", SIGILL},   {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},       {"FPE", SIGFPE},   {"KILL", SIGKILL},
    {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},     {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},
    {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},     {"CLD", SIGCHLD},  {"CONT", SIGCONT},
    {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU}, {"URG", SIGURG},
    {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH},
    {"IO", SIGIO},     {"POLL", SIGPOLL},     {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

constexpr int kMaxSignal = 64;

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

Result<int> parse_signal(const std::string& text) {
  auto invalid = [&] { return make_error(ErrorKind::invalid, "invalid signal: " + text); };
  if (all_digits(text)) {
    if (text.size() > 4) return make_error(ErrorKind::invalid, "valid signals are 1 through 64");
    int n = std::atoi(text.c_str());
    if (n == 0) return invalid();
    if (n > kMaxSignal) return make_error(ErrorKind::invalid, "valid signals are 1 through 64");
    return n;
  }
  std::string name;
  for (char c : text) name.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  if (name.rfind("SIG", 0) == 0) name.erase(0, 3);
  for (const auto& [n, v] : kSignals)
    if (name == n) return v;
  // Real-time signals: RTMIN, RTMIN+N, RTMAX-N.
  auto rt = [&](const char* base, int value, char sign) -> std::optional<int> {
    std::string b = base;
    if (name == b) return value;
    if (name.size() > b.size() + 1 && name.compare(0, b.size(), b) == 0 && name[b.size()] == sign &&
        all_digits(name.substr(b.size() + 1))) {
      int off = std::atoi(name.substr(b.size() + 1).c_str());
      int v = sign == '+' ? value + off : value - off;
      if (v >= SIGRTMIN && v <= SIGRTMAX) return v;
    }
    return std::nullopt;
  };
  if (auto v = rt("RTMIN", SIGRTMIN, '+')) return *v;
  if (auto v = rt("RTMAX", SIGRTMAX, '-')) return *v;
  return invalid();
}

std::string signal_name(int sig) {
  for (const auto& [n, v] : kSignals)
    if (v == sig && std::string(n) != "IOT" && std::string(n) != "CLD" && std::string(n) != "POLL")
      return std::string("SIG") + n;
  if (sig == SIGRTMIN) return "SIGRTMIN";
  if (sig > SIGRTMIN && sig <= SIGRTMAX) return "SIGRTMIN+" + std::to_string(sig - SIGRTMIN);
  return std::to_string(sig);
}

}  // namespace roost::engine
