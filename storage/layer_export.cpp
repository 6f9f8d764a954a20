#include "storage/layer_export.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <vector>

#include "common/digest.hpp"
#include "common/fd.hpp"

namespace roost::storage {

Result<ExportedLayer> gzip_layer(int in_fd, const std::string& out) {
  auto file = ROOST_TRY(open_file(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return make_error(ErrorKind::internal, "deflateInit2 failed");
  struct ZEnd {
    z_stream* z;
    ~ZEnd() { deflateEnd(z); }
  } zend{&z};
  Sha256 tar_sha, gz_sha;
  ExportedLayer x;
  std::vector<unsigned char> in(1 << 17), buf(1 << 17);
  for (bool done = false; !done;) {
    ssize_t n = ::read(in_fd, in.data(), in.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("reading the layer tar");
    done = n == 0;
    tar_sha.update(in.data(), static_cast<size_t>(n));
    z.next_in = in.data();
    z.avail_in = static_cast<uInt>(n);
    do {
      z.next_out = buf.data();
      z.avail_out = static_cast<uInt>(buf.size());
      if (deflate(&z, done ? Z_FINISH : Z_NO_FLUSH) == Z_STREAM_ERROR) return make_error(ErrorKind::internal, "deflate failed");
      size_t produced = buf.size() - z.avail_out;
      gz_sha.update(buf.data(), produced);
      x.size += produced;
      ROOST_TRY_CTX(write_all(file.get(), buf.data(), produced), out);
    } while (z.avail_out == 0);
  }
  x.diff_id = tar_sha.digest();
  x.digest = gz_sha.digest();
  return x;
}

Result<ExportedLayer> hash_layer(int in_fd) {
  Sha256 sha;
  ExportedLayer x;
  std::vector<unsigned char> in(1 << 17);
  for (;;) {
    ssize_t n = ::read(in_fd, in.data(), in.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("reading the layer tar");
    if (n == 0) break;
    sha.update(in.data(), static_cast<size_t>(n));
    x.size += static_cast<uint64_t>(n);
  }
  x.diff_id = x.digest = sha.digest();
  return x;
}

}  // namespace roost::storage
