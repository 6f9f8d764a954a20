#include "image/inflate.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#ifdef ROOST_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#else
#include <zlib.h>
#endif

namespace roost::image {

namespace {

// The room the inflater may use in one call (its counters are 32 bits).
template <class Count>
Count room_size(std::span<char> room) {
  return static_cast<Count>(std::min<size_t>(room.size(), std::numeric_limits<Count>::max()));
}

}  // namespace

#ifdef ROOST_HAVE_ISAL

struct GzipStream::Impl {
  Output out;
  inflate_state state;
  bool in_member = false;  // a member was started and has not ended
  bool any = false;

  // One call of the inflater into the output's room: the bytes it produced.
  Result<size_t> step() {
    std::span<char> room = ROOST_TRY(out.room());
    auto size = room_size<uint32_t>(room);
    state.next_out = reinterpret_cast<uint8_t*>(room.data());
    state.avail_out = size;
    int rc = isal_inflate(&state);
    if (rc < 0) return make_error(ErrorKind::corrupt, "gzip data is corrupt (ISA-L inflate error " + std::to_string(rc) + ")");
    size_t produced = size - state.avail_out;
    ROOST_TRY(out.filled(produced));
    if (state.block_state == ISAL_BLOCK_FINISH) in_member = false;
    return produced;
  }
};

GzipStream::GzipStream(Output out) : impl_(std::make_unique<Impl>()) {
  impl_->out = std::move(out);
  isal_inflate_init(&impl_->state);
  impl_->state.crc_flag = ISAL_GZIP;
}

const char* GzipStream::engine() { return "isa-l"; }

Result<void> GzipStream::feed(const char* data, size_t len) {
  auto& st = impl_->state;
  st.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(data));
  st.avail_in = static_cast<uint32_t>(len);
  while (st.avail_in > 0) {
    if (!impl_->in_member) {
      isal_inflate_reset(&st);
      st.crc_flag = ISAL_GZIP;
      impl_->in_member = true;
    }
    uint32_t before = st.avail_in;
    size_t produced = ROOST_TRY(impl_->step());
    impl_->any = true;
    if (impl_->in_member && produced == 0 && st.avail_in == before)
      return make_error(ErrorKind::corrupt, "gzip data is corrupt (inflate made no progress)");
  }
  // Output still buffered inside the state (avail_in is 0 but more may be
  // pending when the output room filled up).
  while (impl_->in_member && st.avail_out == 0) ROOST_TRY(impl_->step());
  return {};
}

#else

struct GzipStream::Impl {
  Output out;
  z_stream z{};
  bool in_member = false;
  bool any = false;
  ~Impl() { inflateEnd(&z); }
};

GzipStream::GzipStream(Output out) : impl_(std::make_unique<Impl>()) {
  impl_->out = std::move(out);
  inflateInit2(&impl_->z, 15 + 16);
}

const char* GzipStream::engine() { return "zlib"; }

Result<void> GzipStream::feed(const char* data, size_t len) {
  auto& z = impl_->z;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
  z.avail_in = static_cast<uInt>(len);
  while (z.avail_in > 0 || (impl_->in_member && z.avail_out == 0)) {
    if (!impl_->in_member) {
      inflateReset(&z);
      impl_->in_member = true;
    }
    std::span<char> room = ROOST_TRY(impl_->out.room());
    auto size = room_size<uInt>(room);
    z.next_out = reinterpret_cast<Bytef*>(room.data());
    z.avail_out = size;
    int rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
      return make_error(ErrorKind::corrupt, std::string("gzip data is corrupt (") + (z.msg ? z.msg : "zlib error") + ")");
    ROOST_TRY(impl_->out.filled(size - z.avail_out));
    impl_->any = true;
    if (rc == Z_STREAM_END) impl_->in_member = false;
    if (rc == Z_BUF_ERROR) break;
  }
  return {};
}

#endif

Result<void> GzipStream::finish() {
  if (!impl_->any || impl_->in_member) return make_error(ErrorKind::corrupt, "gzip data ends early (truncated blob)");
  return {};
}

GzipStream::~GzipStream() = default;

}  // namespace roost::image
