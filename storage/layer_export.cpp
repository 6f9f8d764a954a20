#include "storage/layer_export.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <zlib.h>

#include <memory>
#include <vector>

#include "common/digest.hpp"
#include "common/fd.hpp"

namespace roost::storage {
namespace {

// The uncompressed tar from libarchive: hashed (the diff ID), deflated into
// the output file, which is hashed too.
struct GzipSink {
  UniqueFd out;
  Sha256 tar_sha;
  Sha256 gz_sha;
  uint64_t gz_size = 0;
  z_stream z{};
  std::vector<unsigned char> buf = std::vector<unsigned char>(1 << 16);
  std::string error;

  bool deflate_some(const void* data, size_t len, int flush) {
    z.next_in = static_cast<Bytef*>(const_cast<void*>(data));
    z.avail_in = static_cast<uInt>(len);
    do {
      z.next_out = buf.data();
      z.avail_out = static_cast<uInt>(buf.size());
      int rc = deflate(&z, flush);
      if (rc == Z_STREAM_ERROR) {
        error = "deflate failed";
        return false;
      }
      size_t n = buf.size() - z.avail_out;
      gz_sha.update(buf.data(), n);
      gz_size += n;
      if (n > 0 && !write_all(out.get(), buf.data(), n)) {
        error = "writing the layer file failed";
        return false;
      }
    } while (z.avail_out == 0);
    return true;
  }

  static la_ssize_t write_cb(struct archive*, void* self, const void* data, size_t len) {
    auto* s = static_cast<GzipSink*>(self);
    s->tar_sha.update(data, len);
    return s->deflate_some(data, len, Z_NO_FLUSH) ? static_cast<la_ssize_t>(len) : -1;
  }
};

struct ArchiveFree {
  void operator()(struct archive* a) const { archive_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveFree>;

bool is_overlay_xattr(const std::string& name) {
  return name.rfind("user.overlay.", 0) == 0 || name.rfind("trusted.overlay.", 0) == 0;
}

std::string parent_of(const std::string& p) {
  auto slash = p.rfind('/');
  return slash == std::string::npos ? "" : p.substr(0, slash + 1);
}

std::string base_of(const std::string& p) {
  auto slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

}  // namespace

Result<ExportedLayer> write_layer_gzip(const std::string& dir, const std::string& out) {
  GzipSink sink;
  sink.out = ROOST_TRY(open_file(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  // No timestamp or name in the gzip header: the same tar gives the same blob.
  if (deflateInit2(&sink.z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return make_error(ErrorKind::internal, "deflateInit2 failed");
  struct ZEnd {
    z_stream* z;
    ~ZEnd() { deflateEnd(z); }
  } zend{&sink.z};

  ArchivePtr disk(archive_read_disk_new());
  ArchivePtr tar(archive_write_new());
  archive_read_disk_set_symlink_physical(disk.get());
  archive_write_set_format_pax_restricted(tar.get());
  archive_write_set_bytes_per_block(tar.get(), 10240);
  if (archive_write_open2(tar.get(), &sink, nullptr, GzipSink::write_cb, nullptr, nullptr) != ARCHIVE_OK)
    return make_error(ErrorKind::io, std::string("writing layer tar: ") + archive_error_string(tar.get()));
  if (archive_read_disk_open(disk.get(), dir.c_str()) != ARCHIVE_OK)
    return make_error(ErrorKind::io, dir + ": " + archive_error_string(disk.get()));
  struct archive_entry_linkresolver* links = archive_entry_linkresolver_new();
  archive_entry_linkresolver_set_strategy(links, archive_format(tar.get()));
  struct ResolverFree {
    struct archive_entry_linkresolver* r;
    ~ResolverFree() { archive_entry_linkresolver_free(r); }
  } links_free{links};

  auto fail = [&](struct archive* a, const std::string& what) {
    const char* msg = archive_error_string(a);
    return make_error(ErrorKind::io, what + ": " + (msg ? msg : "libarchive error"));
  };
  auto write_entry = [&](struct archive_entry* e, bool with_data) -> Result<void> {
    if (archive_write_header(tar.get(), e) != ARCHIVE_OK) return fail(tar.get(), archive_entry_pathname(e));
    if (!with_data || archive_entry_size(e) == 0) return {};
    char buf[1 << 16];
    for (;;) {
      la_ssize_t n = archive_read_data(disk.get(), buf, sizeof buf);
      if (n < 0) return fail(disk.get(), archive_entry_pathname(e));
      if (n == 0) return {};
      if (archive_write_data(tar.get(), buf, static_cast<size_t>(n)) != n) return fail(tar.get(), archive_entry_pathname(e));
    }
  };
  const std::string prefix = dir + "/";
  for (;;) {
    struct archive_entry* e = archive_entry_new();
    struct EntryFree {
      struct archive_entry* e;
      ~EntryFree() { archive_entry_free(e); }
    } efree{e};
    int r = archive_read_next_header2(disk.get(), e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return fail(disk.get(), dir);
    archive_read_disk_descend(disk.get());
    std::string path = archive_entry_pathname(e);
    if (path == dir || path == dir + "/") continue;
    if (path.rfind(prefix, 0) != 0) return make_error(ErrorKind::internal, "unexpected path " + path);
    path = path.substr(prefix.size());
    archive_entry_set_pathname(e, path.c_str());
    archive_entry_set_uname(e, nullptr);
    archive_entry_set_gname(e, nullptr);

    bool opaque = false;
    std::vector<std::pair<std::string, std::string>> keep;
    const char* name;
    const void* value;
    size_t size;
    archive_entry_xattr_reset(e);
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
      std::string n = name;
      if (is_overlay_xattr(n)) {
        if (n.ends_with("overlay.opaque") && size >= 1 && static_cast<const char*>(value)[0] == 'y') opaque = true;
        continue;
      }
      keep.emplace_back(n, std::string(static_cast<const char*>(value), size));
    }
    archive_entry_xattr_clear(e);
    for (auto& [k, v] : keep) archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());

    if (archive_entry_filetype(e) == AE_IFCHR && archive_entry_rdev(e) == 0) {
      // An overlay whiteout: the OCI form is an empty ".wh.NAME" file.
      std::string wh = parent_of(path) + ".wh." + base_of(path);
      archive_entry_set_pathname(e, wh.c_str());
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_rdev(e, 0);
      archive_entry_set_size(e, 0);
      ROOST_TRY(write_entry(e, false));
      continue;
    }
    struct archive_entry* spare = nullptr;
    struct archive_entry* out_entry = e;
    archive_entry_linkify(links, &out_entry, &spare);
    if (out_entry) ROOST_TRY(write_entry(out_entry, archive_entry_hardlink(out_entry) == nullptr));
    if (opaque) {
      struct archive_entry* o = archive_entry_new();
      std::string p = path + "/.wh..wh..opq";
      archive_entry_set_pathname(o, p.c_str());
      archive_entry_set_filetype(o, AE_IFREG);
      archive_entry_set_perm(o, 0644);
      archive_entry_set_size(o, 0);
      archive_entry_set_mtime(o, archive_entry_mtime(e), 0);
      auto wr = write_entry(o, false);
      archive_entry_free(o);
      ROOST_TRY(wr);
    }
  }
  if (archive_write_close(tar.get()) != ARCHIVE_OK) return fail(tar.get(), "finishing the layer tar");
  if (!sink.error.empty()) return make_error(ErrorKind::io, sink.error);
  if (!sink.deflate_some(nullptr, 0, Z_FINISH)) return make_error(ErrorKind::io, sink.error);
  ExportedLayer x;
  x.diff_id = sink.tar_sha.digest();
  x.digest = sink.gz_sha.digest();
  x.size = sink.gz_size;
  return x;
}

}  // namespace roost::storage
