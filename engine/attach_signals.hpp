// The signals an attach session handles (attach.hpp), blocked from before
// it connects.
#pragma once

#include <signal.h>

namespace roost::engine {

// Holds the signals relay_attach handles blocked from before the connection
// until relay_attach has its handlers (which unblocks them): a signal in
// between is handled, not fatal. Restores the mask when it goes.
class AttachSignalBlock {
 public:
  AttachSignalBlock();
  ~AttachSignalBlock();
  AttachSignalBlock(const AttachSignalBlock&) = delete;
  AttachSignalBlock& operator=(const AttachSignalBlock&) = delete;

 private:
  sigset_t old_;
};

}  // namespace roost::engine
