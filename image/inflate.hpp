// Streaming gzip decompression for layer blobs: ISA-L's inflate when roost
// was built with it (several times zlib's speed), zlib otherwise. Input
// arrives in pieces as it comes off the network; output is inflated in place
// into buffers the caller lends (a layer ring's slot), which spares copying
// every byte of the tar once more.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>

#include "common/result.hpp"

namespace roost::image {

class GzipStream {
 public:
  // The output: ROOM gives the next buffer to inflate into (not empty),
  // FILLED how many bytes of it were written (possibly none).
  struct Output {
    std::function<Result<std::span<char>>()> room;
    std::function<Result<void>(size_t n)> filled;
  };
  explicit GzipStream(Output out);
  ~GzipStream();
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  // Decompresses DATA (any split of the input), passing output on.
  // Concatenated gzip members are read as one stream, as gzip -d does.
  Result<void> feed(const char* data, size_t len);
  // Checks the stream ended at a member boundary (a truncated blob fails).
  Result<void> finish();

  // "isa-l" or "zlib".
  static const char* engine();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roost::image
