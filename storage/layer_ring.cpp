#include "storage/layer_ring.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace roost::storage {
namespace {

constexpr size_t kMapSize = LayerRing::kSlots * LayerRing::kSlotSize;

Error helper_gone() { return make_error(ErrorKind::io, "layer helper stopped reading"); }

}  // namespace

Result<std::unique_ptr<LayerRing>> LayerRing::create() {
  std::unique_ptr<LayerRing> ring(new LayerRing());
  void* p = ::mmap(nullptr, kMapSize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return sys_error("mmap");
  ring->slots_ = static_cast<char*>(p);
  int doorbell[2], credit[2];
  if (::pipe2(doorbell, O_CLOEXEC) != 0) return sys_error("pipe");
  ring->doorbell_rd_.reset(doorbell[0]);
  ring->doorbell_wr_.reset(doorbell[1]);
  if (::pipe2(credit, O_CLOEXEC) != 0) return sys_error("pipe");
  ring->credit_rd_.reset(credit[0]);
  ring->credit_wr_.reset(credit[1]);
  return ring;
}

LayerRing::~LayerRing() {
  if (slots_) ::munmap(slots_, kMapSize);
}

void LayerRing::close_consumer_ends() {
  doorbell_rd_.reset();
  credit_wr_.reset();
}

Result<void> LayerRing::write(const char* data, size_t len) {
  if (!doorbell_wr_.valid()) return helper_gone();
  while (len > 0) {
    std::span<char> space = ROOST_TRY(room());
    size_t n = std::min(len, space.size());
    std::memcpy(space.data(), data, n);
    ROOST_TRY(filled(n));
    data += n;
    len -= n;
  }
  return {};
}

Result<std::span<char>> LayerRing::room() {
  if (!doorbell_wr_.valid()) return helper_gone();
  if (!filling_) {
    // A new slot: wait until the helper has given one back.
    while (credits_ == 0) {
      char buf[kSlots];
      ssize_t n = ::read(credit_rd_.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return helper_gone();
      credits_ += static_cast<size_t>(n);
    }
    --credits_;
    filling_ = true;
  }
  return std::span<char>(slots_ + fill_slot_ * kSlotSize + fill_len_, kSlotSize - fill_len_);
}

Result<void> LayerRing::filled(size_t n) {
  if (n > 0 && (!filling_ || n > kSlotSize - fill_len_))
    return make_error(ErrorKind::internal, "layer ring: more bytes filled than there was room for");
  fill_len_ += n;
  if (fill_len_ == kSlotSize) return post();
  return {};
}

Result<void> LayerRing::post() {
  if (fill_len_ == 0) return {};
  auto len = static_cast<uint32_t>(fill_len_);
  if (!write_all(doorbell_wr_.get(), &len, sizeof len)) return helper_gone();
  fill_slot_ = (fill_slot_ + 1) % kSlots;
  fill_len_ = 0;
  filling_ = false;
  return {};
}

Result<void> LayerRing::close() {
  if (!doorbell_wr_.valid()) return helper_gone();
  auto r = post();
  doorbell_wr_.reset();
  return r;
}

void LayerRing::abort() { doorbell_wr_.reset(); }

Result<std::string_view> LayerRing::next() {
  uint32_t len = 0;
  size_t got = 0;
  while (got < sizeof len) {
    ssize_t n = ::read(doorbell_rd_.get(), reinterpret_cast<char*>(&len) + got, sizeof len - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("reading layer");
    if (n == 0) {
      if (got == 0) return std::string_view{};
      return make_error(ErrorKind::io, "reading layer: the stream ends inside a slot header");
    }
    got += static_cast<size_t>(n);
  }
  if (len == 0 || len > kSlotSize) return make_error(ErrorKind::internal, "reading layer: bad slot length");
  std::string_view view(slots_ + read_slot_ * kSlotSize, len);
  read_slot_ = (read_slot_ + 1) % kSlots;
  return view;
}

void LayerRing::release() {
  char one = 1;
  // The producer gone: nothing left to tell it.
  while (::write(credit_wr_.get(), &one, 1) < 0 && errno == EINTR) {
  }
}

}  // namespace roost::storage
