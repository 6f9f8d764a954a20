#include "image/inflate.hpp"

#include <string>
#include <vector>

#ifdef ROOST_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#else
#include <zlib.h>
#endif

namespace roost::image {

namespace {
constexpr size_t kOutSize = 1 << 18;
}

#ifdef ROOST_HAVE_ISAL

struct GzipStream::Impl {
  Sink sink;
  inflate_state state;
  std::vector<unsigned char> out = std::vector<unsigned char>(kOutSize);
  bool in_member = false;  // a member was started and has not ended
  bool any = false;
};

GzipStream::GzipStream(Sink sink) : impl_(std::make_unique<Impl>()) {
  impl_->sink = std::move(sink);
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
    st.next_out = impl_->out.data();
    st.avail_out = static_cast<uint32_t>(impl_->out.size());
    uint32_t before = st.avail_in;
    int rc = isal_inflate(&st);
    if (rc < 0) return make_error(ErrorKind::corrupt, "gzip data is corrupt (ISA-L inflate error " + std::to_string(rc) + ")");
    size_t produced = impl_->out.size() - st.avail_out;
    if (produced > 0) ROOST_TRY(impl_->sink(reinterpret_cast<const char*>(impl_->out.data()), produced));
    impl_->any = true;
    if (st.block_state == ISAL_BLOCK_FINISH) impl_->in_member = false;
    else if (produced == 0 && st.avail_in == before)
      return make_error(ErrorKind::corrupt, "gzip data is corrupt (inflate made no progress)");
  }
  // Output still buffered inside the state (avail_in is 0 but more may be
  // pending when the output buffer filled up).
  while (impl_->in_member && st.avail_out == 0) {
    st.next_out = impl_->out.data();
    st.avail_out = static_cast<uint32_t>(impl_->out.size());
    int rc = isal_inflate(&st);
    if (rc < 0) return make_error(ErrorKind::corrupt, "gzip data is corrupt (ISA-L inflate error " + std::to_string(rc) + ")");
    size_t produced = impl_->out.size() - st.avail_out;
    if (produced > 0) ROOST_TRY(impl_->sink(reinterpret_cast<const char*>(impl_->out.data()), produced));
    if (st.block_state == ISAL_BLOCK_FINISH) impl_->in_member = false;
  }
  return {};
}

Result<void> GzipStream::finish() {
  if (!impl_->any || impl_->in_member) return make_error(ErrorKind::corrupt, "gzip data ends early (truncated blob)");
  return {};
}

#else

struct GzipStream::Impl {
  Sink sink;
  z_stream z{};
  std::vector<unsigned char> out = std::vector<unsigned char>(kOutSize);
  bool in_member = false;
  bool any = false;
  ~Impl() { inflateEnd(&z); }
};

GzipStream::GzipStream(Sink sink) : impl_(std::make_unique<Impl>()) {
  impl_->sink = std::move(sink);
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
    z.next_out = impl_->out.data();
    z.avail_out = static_cast<uInt>(impl_->out.size());
    int rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
      return make_error(ErrorKind::corrupt, std::string("gzip data is corrupt (") + (z.msg ? z.msg : "zlib error") + ")");
    size_t produced = impl_->out.size() - z.avail_out;
    if (produced > 0) ROOST_TRY(impl_->sink(reinterpret_cast<const char*>(impl_->out.data()), produced));
    impl_->any = true;
    if (rc == Z_STREAM_END) impl_->in_member = false;
    if (rc == Z_BUF_ERROR) break;
  }
  return {};
}

Result<void> GzipStream::finish() {
  if (!impl_->any || impl_->in_member) return make_error(ErrorKind::corrupt, "gzip data ends early (truncated blob)");
  return {};
}

#endif

GzipStream::~GzipStream() = default;

}  // namespace roost::image
