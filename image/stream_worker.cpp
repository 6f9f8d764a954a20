#include "image/stream_worker.hpp"

namespace roost::image {

StreamWorker::StreamWorker(Consume consume, size_t max_queued)
    : consume_(std::move(consume)), max_queued_(max_queued) {}

StreamWorker::~StreamWorker() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StreamWorker::push(const char* data, size_t len) {
  if (len == 0) return;
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return queued_ < max_queued_ || stop_; });
  if (stop_) return;
  std::vector<char> chunk;
  if (!spare_.empty()) {
    chunk = std::move(spare_.back());
    spare_.pop_back();
  }
  chunk.assign(data, data + len);
  queued_ += len;
  queue_.push_back(std::move(chunk));
  lock.unlock();
  changed_.notify_all();
}

void StreamWorker::drain() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return (queue_.empty() && !busy_) || stop_; });
}

void StreamWorker::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return !queue_.empty() || stop_; });
    if (stop_) return;
    std::vector<char> chunk = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    consume_(chunk.data(), chunk.size());
    lock.lock();
    busy_ = false;
    queued_ -= chunk.size();
    if (spare_.size() < 8) spare_.push_back(std::move(chunk));
    changed_.notify_all();
  }
}

}  // namespace roost::image
