// Hands a byte stream from the thread that receives it (curl's callbacks on
// the pull's main thread) to a thread of its own that consumes it (hashing,
// inflating, feeding a layer helper), so that the network and the work on
// several layers spread over the cores instead of queueing on one thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace roost::image {

class StreamWorker {
 public:
  using Consume = std::function<void(const char* data, size_t len)>;
  // At most MAX_QUEUED bytes wait for CONSUME; push blocks beyond that.
  explicit StreamWorker(Consume consume, size_t max_queued = size_t{8} << 20);
  // Drops what was not consumed yet and joins the thread.
  ~StreamWorker();
  StreamWorker(const StreamWorker&) = delete;
  StreamWorker& operator=(const StreamWorker&) = delete;

  // Copies DATA for the consumer, in order. The thread starts with the first
  // push (not at construction: layer helpers are forked before any data
  // flows, and a fork is best done while the process has one thread).
  void push(const char* data, size_t len);
  // Returns once every byte pushed so far has been consumed.
  void drain();

 private:
  void run();

  Consume consume_;
  size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::vector<char>> queue_;
  std::vector<std::vector<char>> spare_;  // consumed buffers, reused
  size_t queued_ = 0;
  bool busy_ = false;  // the consumer holds a chunk
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace roost::image
