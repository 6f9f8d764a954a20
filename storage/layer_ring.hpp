// A layer tar handed from the puller to its layer helper (a child process in
// the user namespace) through memory both share, instead of a pipe: the bytes
// are written once into a slot (copied there, or inflated there in place) and
// read in place by the helper's tar reader, where a pipe costs a copy in, a
// copy out and a page allocation per chunk.
//
// Two pipes carry only the bookkeeping, and keep a pipe's behaviour when
// either side goes away: the producer posts a slot's length on the doorbell
// pipe (closing it ends the stream; the helper sees a short tar if it was
// cut), the consumer gives slots back as one byte each on the credit pipe
// (end of file there: the helper is gone). Slots go round in order.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

#include "common/fd.hpp"
#include "common/result.hpp"

namespace roost::storage {

class LayerRing {
 public:
  // 2 MiB a layer: every page of a new mapping costs a fault and a clear on
  // first touch (on a VM, often a fault in the host too), which for 1 MiB
  // slots was more CPU than the slots saved in doorbell round trips.
  static constexpr size_t kSlots = 8;
  static constexpr size_t kSlotSize = size_t{256} << 10;

  // Must be created before the helper is forked (the slots are a shared
  // mapping the child inherits).
  static Result<std::unique_ptr<LayerRing>> create();
  ~LayerRing();
  LayerRing(const LayerRing&) = delete;
  LayerRing& operator=(const LayerRing&) = delete;

  // The descriptors the helper keeps (everything else it closes).
  int consumer_doorbell() const { return doorbell_rd_.get(); }
  int consumer_credit() const { return credit_wr_.get(); }
  // In the parent once the helper is forked: without this, the parent's own
  // copies would hide the helper's exit from it.
  void close_consumer_ends();

  // Producer side. WRITE copies into slots, posting each one that fills;
  // ErrorKind::io once the helper stopped reading.
  Result<void> write(const char* data, size_t len);
  // WRITE without the copy, for a producer that makes its bytes (an
  // inflater): ROOM is the free part of the slot being filled (never empty;
  // waits for a slot given back when a new one starts), FILLED says its first
  // N bytes were written, posting the slot once it is full.
  Result<std::span<char>> room();
  Result<void> filled(size_t n);
  // Posts what is left and ends the stream.
  Result<void> close();
  // Ends the stream without posting the rest (the helper sees a short tar).
  void abort();
  bool open() const { return doorbell_wr_.valid(); }

  // Consumer side (in the helper). NEXT waits for the next posted slot: its
  // bytes, or an empty view at the end of the stream. Slots are given back
  // oldest first with RELEASE, one call per slot NEXT returned.
  Result<std::string_view> next();
  void release();

 private:
  LayerRing() = default;
  Result<void> post();

  char* slots_ = nullptr;  // kSlots * kSlotSize, MAP_SHARED
  UniqueFd doorbell_rd_, doorbell_wr_, credit_rd_, credit_wr_;
  // Producer: the slot being filled, how full it is, whether its credit is
  // taken, free slots in hand.
  size_t fill_slot_ = 0;
  size_t fill_len_ = 0;
  bool filling_ = false;
  size_t credits_ = kSlots;
  // Consumer: the next slot to read.
  size_t read_slot_ = 0;
};

}  // namespace roost::storage
