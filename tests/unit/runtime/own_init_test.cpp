#include "runtime/own_init.hpp"

#include <elf.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/digest.hpp"
#include "common/fd.hpp"
#include "common/fs_tree.hpp"
#include "init/init_logic.h"
#include "runtime/container_init.hpp"

using namespace roost;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/roost-own-init-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { (void)remove_tree(path); }
};

int command_index(std::initializer_list<const char*> args) {
  std::vector<char*> argv;
  for (auto* a : args) argv.push_back(const_cast<char*>(a));
  argv.push_back(nullptr);
  return init_command_index(static_cast<int>(args.size()), argv.data());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(own_init)

BOOST_AUTO_TEST_CASE(command_follows_the_double_dash_or_comes_first) {
  BOOST_TEST(command_index({"/run/podman-init", "--", "sh", "-c", "x"}) == 2);
  BOOST_TEST(command_index({"/run/podman-init", "sh"}) == 1);
  BOOST_TEST(command_index({"/run/podman-init", "--"}) == -1);
  BOOST_TEST(command_index({"/run/podman-init"}) == -1);
  // Only the first "--" is the init's.
  BOOST_TEST(command_index({"/run/podman-init", "--", "--", "x"}) == 2);
}

BOOST_AUTO_TEST_CASE(exit_code_is_the_commands_or_128_plus_its_signal) {
  BOOST_TEST(init_exit_code(0) == 0);
  BOOST_TEST(init_exit_code(3 << 8) == 3);
  BOOST_TEST(init_exit_code(SIGKILL) == 137);
  BOOST_TEST(init_exit_code(SIGTERM | 0x80) == 143);  // with a core dump
}

BOOST_AUTO_TEST_CASE(exec_failures_give_a_shells_codes) {
  BOOST_TEST(init_exec_failure_code(ENOENT) == 127);
  BOOST_TEST(init_exec_failure_code(ENOTDIR) == 126);
  BOOST_TEST(init_exec_failure_code(EACCES) == 126);
  BOOST_TEST(init_exec_failure_code(ENOEXEC) == 126);
}

BOOST_AUTO_TEST_CASE(exec_failure_line_is_roosts_own) {
  char buf[256];
  auto line = [&](const char* cmd, int err) { return std::string(buf, init_exec_failure_line(buf, sizeof buf, cmd, err)); };
  // podman's lines, which roost prints without an init too (runtime::exec_failure_line).
  BOOST_TEST(line("nosuch", ENOENT) == "Error: executable file \"nosuch\" not found in $PATH: No such file or directory\n");
  BOOST_TEST(line("/bin/nosuch", ENOENT) == "Error: executable file \"/bin/nosuch\" not found: No such file or directory\n");
  BOOST_TEST(runtime::exec_failure_line("/etc/passwd", EACCES) == "Error: /etc/passwd: permission denied\n");
  BOOST_TEST(line("/etc/passwd", EACCES) == "Error: /etc/passwd: permission denied\n");
  char small[8];
  BOOST_TEST(std::string(small, init_exec_failure_line(small, sizeof small, "x", EACCES)) == "Error: \n");
  BOOST_TEST(init_exec_failure_line(small, 0, "x", EACCES) == 0u);
}

BOOST_AUTO_TEST_CASE(embedded_binary_is_a_static_executable) {
  auto bin = runtime::own_init_binary();
  BOOST_REQUIRE(bin.size() > sizeof(Elf64_Ehdr));
  BOOST_TEST(bin.substr(0, 4) == std::string_view(ELFMAG, SELFMAG));
  auto* eh = reinterpret_cast<const Elf64_Ehdr*>(bin.data());
  BOOST_TEST(eh->e_type == ET_EXEC);  // not ET_DYN: no dynamic loader needed
  for (int i = 0; i < eh->e_phnum; ++i) {
    Elf64_Phdr ph;
    std::memcpy(&ph, bin.data() + eh->e_phoff + i * eh->e_phentsize, sizeof ph);
    BOOST_TEST(ph.p_type != static_cast<Elf64_Word>(PT_INTERP));
  }
}

BOOST_AUTO_TEST_CASE(install_writes_it_once_mode_0755_and_replaces_another) {
  TempDir dir;
  std::string path = runtime::own_init_path(dir.path);
  BOOST_TEST(path == dir.path + "/init/roost-init");
  mode_t old_umask = ::umask(077);
  BOOST_REQUIRE(runtime::install_own_init(path).ok());
  struct stat st {};
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 07777) == 0755u);
  BOOST_TEST(*read_file(path) == std::string(runtime::own_init_binary()));
  ino_t first = st.st_ino;
  BOOST_REQUIRE(runtime::install_own_init(path).ok());
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  BOOST_TEST(st.st_ino == first, "an intact copy is kept");
  BOOST_REQUIRE(write_file_atomic(path, "old version", 0755).ok());
  BOOST_REQUIRE(runtime::install_own_init(path).ok());
  BOOST_TEST(*read_file(path) == std::string(runtime::own_init_binary()));
  ::umask(old_umask);
}

BOOST_AUTO_TEST_CASE(install_stamps_the_binarys_digest_and_replaces_an_unstamped_copy) {
  TempDir dir;
  std::string path = runtime::own_init_path(dir.path);
  auto bin = runtime::own_init_binary();
  BOOST_REQUIRE(runtime::install_own_init(path).ok());
  char stamp[80];
  ssize_t n = ::getxattr(path.c_str(), "user.roost.sha256", stamp, sizeof stamp);
  if (n < 0 && errno == ENOTSUP) {
    BOOST_TEST_MESSAGE("no user xattrs on " + dir.path + ": install compares bytes (the case above)");
    return;
  }
  BOOST_REQUIRE(n > 0);
  BOOST_TEST("sha256:" + std::string(stamp, static_cast<size_t>(n)) == sha256_digest(bin));
  // Same size and mode, other bytes, no stamp: as a copy of another build
  // would be, so it must be replaced.
  BOOST_REQUIRE(write_file_atomic(path, std::string(bin.size(), 'x'), 0755).ok());
  BOOST_REQUIRE(::chmod(path.c_str(), 0755) == 0);
  BOOST_REQUIRE(runtime::install_own_init(path).ok());
  BOOST_TEST(*read_file(path) == std::string(bin));
}

BOOST_AUTO_TEST_SUITE_END()
