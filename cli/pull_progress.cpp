#include "cli/pull_progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include "common/fd.hpp"
#include "common/format.hpp"

namespace roost::cli {
namespace {

constexpr const char* kBlob = "Copying blob ";

std::string short_digest(const std::string& digest) {
  auto colon = digest.find(':');
  return digest.substr(colon == std::string::npos ? 0 : colon + 1, 12);
}

}  // namespace

std::string progress_bar(uint64_t bytes, uint64_t total, size_t width) {
  size_t filled = total == 0 ? width : static_cast<size_t>(static_cast<double>(width) * static_cast<double>(bytes) / static_cast<double>(total));
  if (filled > width) filled = width;
  std::string bar(filled, '=');
  if (filled < width) bar += '>';
  bar.resize(width, ' ');
  return "[" + bar + "]";
}

PullProgress::PullProgress(int fd) : fd_(fd), tty_(::isatty(fd) == 1) {
  struct winsize ws {};
  if (tty_ && ::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) width_ = ws.ws_col;
}

void PullProgress::line(const std::string& text) {
  if (!tty_) {
    std::string l = text + "\n";
    (void)write_all(fd_, l.data(), l.size());
    return;
  }
  if (text.rfind(kBlob, 0) == 0 && text.find(' ', std::string(kBlob).size()) == std::string::npos) {
    // A layer starting: its line becomes its bar.
    std::string digest = text.substr(std::string(kBlob).size());
    layers_[digest] = Layer{lines_.size(), std::chrono::steady_clock::now()};
    lines_.push_back(kBlob + short_digest(digest));
  } else if (text.rfind(kBlob, 0) == 0) {
    lines_.push_back(kBlob + short_digest(text.substr(std::string(kBlob).size())) + " skipped: already exists");
  } else {
    lines_.push_back(text);
  }
  draw();
}

void PullProgress::layer(const std::string& digest, uint64_t bytes, uint64_t total, bool done) {
  if (!tty_) return;
  auto it = layers_.find(digest);
  if (it == layers_.end()) return;
  auto now = std::chrono::steady_clock::now();
  std::string text = kBlob + short_digest(digest);
  if (done) {
    text += " done   " + human_size_compact(total);
  } else {
    // Redrawn at most ten times a second.
    if (now - last_draw_ < std::chrono::milliseconds(100)) return;
    double secs = std::chrono::duration<double>(now - it->second.started).count();
    uint64_t rate = secs > 0 ? static_cast<uint64_t>(static_cast<double>(bytes) / secs) : 0;
    text += " " + progress_bar(bytes, total, 30) + " " + human_size_compact(bytes) + " / " + human_size_compact(total) + " (" +
            human_size_compact(rate) + "/s)";
  }
  lines_[it->second.slot] = text;
  draw();
}

void PullProgress::draw() {
  std::string out;
  if (drawn_ > 0) out += "\x1b[" + std::to_string(drawn_) + "A";
  for (auto& l : lines_) out += "\r\x1b[2K" + (l.size() >= width_ ? l.substr(0, width_ - 1) : l) + "\n";
  drawn_ = lines_.size();
  last_draw_ = std::chrono::steady_clock::now();
  (void)write_all(fd_, out.data(), out.size());
}

}  // namespace roost::cli
