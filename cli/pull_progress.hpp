// Pull progress on a terminal: the progress lines of a pull kept as a block
// that is redrawn in place, each layer's "Copying blob" line showing its
// bytes and rate as they arrive. Not on a terminal, lines are printed as
// they come and byte counts are not shown.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace roost::cli {

class PullProgress {
 public:
  // Writes to FD (stderr), which decides whether it is a terminal.
  explicit PullProgress(int fd);
  bool on_terminal() const { return tty_; }

  // A progress line ("Copying blob sha256:...", "Writing manifest ...").
  void line(const std::string& text);
  // Bytes of layer DIGEST so far (its "Copying blob" line must have come).
  void layer(const std::string& digest, uint64_t bytes, uint64_t total, bool done);

 private:
  struct Layer {
    size_t slot = 0;
    std::chrono::steady_clock::time_point started;
  };
  void draw();

  int fd_;
  bool tty_;
  size_t width_ = 80;
  std::vector<std::string> lines_;
  size_t drawn_ = 0;
  std::map<std::string, Layer> layers_;
  std::chrono::steady_clock::time_point last_draw_{};
};

// "[=====>      ]" for BYTES of TOTAL in WIDTH characters inside the brackets.
std::string progress_bar(uint64_t bytes, uint64_t total, size_t width);

}  // namespace roost::cli
