// Streaming gzip decompression for layer blobs: ISA-L's inflate when roost
// was built with it (several times zlib's speed), zlib otherwise. Input
// arrives in pieces as it comes off the network; output goes to a sink.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "common/result.hpp"

namespace roost::image {

class GzipStream {
 public:
  using Sink = std::function<Result<void>(const char* data, size_t len)>;
  explicit GzipStream(Sink sink);
  ~GzipStream();
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  // Decompresses DATA (any split of the input), passing output to the sink.
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
