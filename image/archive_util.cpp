#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "common/digest.hpp"
#include "image/archive_internal.hpp"

namespace roost::image::detail {
namespace {

constexpr off_t kMaxJsonBytes = 64 << 20;

}  // namespace

Result<std::vector<std::string>> split_relative(const std::string& rel) {
  if (rel.empty()) return make_error(ErrorKind::invalid, "empty path");
  if (rel.front() == '/') return make_error(ErrorKind::security, "\"" + rel + "\": absolute path");
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    auto slash = rel.find('/', start);
    std::string part = rel.substr(start, slash - start);
    if (part == "..") return make_error(ErrorKind::security, "\"" + rel + "\": path escapes the archive");
    if (!part.empty() && part != ".") parts.push_back(std::move(part));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

Result<UniqueFd> open_dir(const std::string& path) {
  return open_file(path, O_RDONLY | O_DIRECTORY);
}

Result<UniqueFd> open_beneath(int dirfd, const std::string& rel) {
  auto parts = ROOST_TRY(split_relative(rel));
  if (parts.empty()) return make_error(ErrorKind::invalid, "\"" + rel + "\": not a file");
  struct open_how how = {};
  how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long fd;
  do {
    fd = ::syscall(SYS_openat2, dirfd, rel.c_str(), &how, sizeof how);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0 && errno == ENOSYS) {
    // Kernels before 5.6: split_relative already refused "..", so only
    // symlinks could lead out, and the final one at least is not followed.
    fd = ::openat(dirfd, rel.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
  }
  if (fd < 0) {
    if (errno == ENOENT) return Error(ErrorKind::not_found, rel + ": no such file");
    if (errno == EXDEV || errno == ELOOP)
      return make_error(ErrorKind::security, rel + ": symlink leads outside the archive");
    return sys_error("open", rel);
  }
  UniqueFd out(static_cast<int>(fd));
  struct stat st;
  if (::fstat(out.get(), &st) != 0) return sys_error("stat", rel);
  if (!S_ISREG(st.st_mode)) return make_error(ErrorKind::corrupt, rel + ": not a regular file");
  return out;
}

Result<std::string> read_beneath(int dirfd, const std::string& rel) {
  auto fd = ROOST_TRY(open_beneath(dirfd, rel));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return sys_error("stat", rel);
  if (st.st_size > kMaxJsonBytes) return make_error(ErrorKind::corrupt, rel + ": implausibly large (" + std::to_string(st.st_size) + " bytes)");
  return ROOST_TRY_CTX(read_fd(fd.get()), rel);
}

Result<FileFacts> hash_fd(int fd) {
  FileFacts facts;
  Sha256 h;
  std::string buf(1 << 20, '\0');
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("read");
    }
    if (n == 0) break;
    if (facts.size == 0 && n >= 2) facts.gzip = static_cast<unsigned char>(buf[0]) == 0x1f && static_cast<unsigned char>(buf[1]) == 0x8b;
    h.update(buf.data(), static_cast<size_t>(n));
    facts.size += static_cast<uint64_t>(n);
  }
  facts.digest = h.digest();
  return facts;
}

Result<nlohmann::json> parse_json(const std::string& bytes, const std::string& what) {
  auto doc = nlohmann::json::parse(bytes, nullptr, false);
  if (doc.is_discarded()) return make_error(ErrorKind::corrupt, what + ": not valid JSON");
  return doc;
}

Result<std::vector<std::string>> config_diff_ids(const std::string& config_json, const std::string& what) {
  auto doc = ROOST_TRY(parse_json(config_json, what));
  return json_guard(what, [&]() -> Result<std::vector<std::string>> {
    if (!doc.is_object() || !doc.contains("rootfs"))
      return make_error(ErrorKind::corrupt, what + ": no rootfs in image config");
    auto ids = doc.at("rootfs").at("diff_ids").get<std::vector<std::string>>();
    for (const auto& id : ids) {
      auto v = validate_digest(id);
      if (!v) return std::move(v).error().context(what + ": rootfs.diff_ids");
    }
    return ids;
  });
}

std::string host_architecture() {
  struct utsname u;
  if (::uname(&u) != 0) return "amd64";
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64" || m == "arm64") return "arm64";
  if (m.rfind("armv", 0) == 0) return "arm";
  if (m == "i386" || m == "i686") return "386";
  return m;  // ppc64le, s390x, riscv64 already match GOARCH
}

}  // namespace roost::image::detail
