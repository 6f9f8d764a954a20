#include "storage/config.hpp"

#include <sys/stat.h>

#include <sstream>

#include "common/fd.hpp"
#include "common/process.hpp"

namespace roost::storage {
namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// Drops a trailing comment that is not inside a quoted string.
std::string strip_comment(const std::string& s) {
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == '\\' && quote == '"') ++i;
      else if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#') {
      return s.substr(0, i);
    }
  }
  return s;
}

Result<StorageConf> read_conf_file(const std::string& path, bool* found) {
  *found = false;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return StorageConf{};
  *found = true;
  auto text = ROOST_TRY(read_file(path));
  return parse_storage_conf(text, path);
}

}  // namespace

Result<StorageConf> parse_storage_conf(const std::string& text, const std::string& file_name) {
  StorageConf conf;
  std::istringstream in(text);
  std::string raw, table;
  int lineno = 0;
  auto bad = [&](const std::string& why) {
    return make_error(ErrorKind::invalid, file_name + ":" + std::to_string(lineno) + ": " + why);
  };
  while (std::getline(in, raw)) {
    ++lineno;
    std::string line = trim(strip_comment(raw));
    if (line.empty()) continue;
    if (line.front() == '[') {
      if (line.back() != ']') return bad("unterminated table header \"" + line + "\"");
      table = trim(line.substr(line.find_first_not_of('['), line.find_last_not_of(']') - line.find_first_not_of('[') + 1));
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos) return bad("expected key = value, got \"" + line + "\"");
    std::string key = trim(line.substr(0, eq));
    std::string value = trim(line.substr(eq + 1));
    if (key.empty()) return bad("missing key before '='");
    if (value.empty()) return bad("missing value for " + key);
    std::optional<std::string> str;
    if ((value.front() == '"' || value.front() == '\'')) {
      if (value.size() < 2 || value.back() != value.front()) return bad("unterminated string for " + key);
      str = value.substr(1, value.size() - 2);
    }
    if (table != "storage") continue;
    std::optional<std::string>* slot = nullptr;
    if (key == "driver") slot = &conf.driver;
    else if (key == "graphroot") slot = &conf.graphroot;
    else if (key == "runroot") slot = &conf.runroot;
    else if (key == "rootless_storage_path") slot = &conf.rootless_storage_path;
    if (!slot) continue;
    if (!str) return bad(key + " must be a quoted string");
    *slot = *str;
  }
  return conf;
}

bool kernel_has_overlay() {
  auto fs = read_file("/proc/filesystems");
  if (fs && fs->find("\toverlay\n") != std::string::npos) return true;
  // Not loaded yet; a module on disk is loaded on the first mount.
  auto rel = read_file("/proc/sys/kernel/osrelease");
  if (!rel) return false;
  std::string release = rel.value();
  while (!release.empty() && release.back() == '\n') release.pop_back();
  struct stat st;
  std::string dir = "/lib/modules/" + release + "/kernel/fs/overlayfs";
  return ::stat(dir.c_str(), &st) == 0;
}

Result<StoreOptions> resolve_store_options(const UserContext& user, const StoreOverrides& overrides) {
  StoreOptions opts;
  bool found = false;
  std::string user_conf_path = user.config_home + "/containers/storage.conf";
  StorageConf user_conf = ROOST_TRY(read_conf_file(user_conf_path, &found));
  bool user_found = found;
  StorageConf sys_conf;
  std::string sys_conf_path = "/etc/containers/storage.conf";
  if (!user_found) sys_conf = ROOST_TRY(read_conf_file(sys_conf_path, &found));
  bool sys_found = !user_found && found;

  if (user.rootless) {
    opts.graph_root = user.data_home + "/roost";
    if (user_conf.graphroot) opts.graph_root = *user_conf.graphroot;
    else if (user_conf.rootless_storage_path) opts.graph_root = *user_conf.rootless_storage_path;
    opts.run_root = user.runtime_dir + "/roost";
    if (user_conf.runroot) opts.run_root = *user_conf.runroot;
  } else {
    // Root shares /etc's file with podman, but not its graph root: roost's
    // store layout is its own.
    opts.graph_root = "/var/lib/roost";
    opts.run_root = "/run/roost";
    if (user_found && user_conf.graphroot) opts.graph_root = *user_conf.graphroot;
    if (user_found && user_conf.runroot) opts.run_root = *user_conf.runroot;
  }
  if (!overrides.graph_root.empty()) opts.graph_root = overrides.graph_root;
  if (!overrides.run_root.empty()) opts.run_root = overrides.run_root;

  std::string driver;
  if (!overrides.driver.empty()) {
    driver = overrides.driver;
    opts.driver_source = "--storage-driver";
  } else if (user_found && user_conf.driver && !user_conf.driver->empty()) {
    driver = *user_conf.driver;
    opts.driver_source = user_conf_path;
  } else if (sys_found && sys_conf.driver && !sys_conf.driver->empty()) {
    driver = *sys_conf.driver;
    opts.driver_source = sys_conf_path;
  }
  if (!driver.empty()) {
    opts.driver = ROOST_TRY_CTX(parse_driver(driver), opts.driver_source);
  } else if (kernel_has_overlay()) {
    opts.driver = Driver::overlay;
    opts.driver_source = "default (kernel overlayfs)";
  } else if (!find_program("fuse-overlayfs").empty()) {
    opts.driver = Driver::fuse_overlayfs;
    opts.driver_source = "default (no kernel overlayfs; fuse-overlayfs installed)";
  } else {
    opts.driver = Driver::vfs;
    opts.driver_source = "default (neither overlayfs nor fuse-overlayfs available)";
  }
  return opts;
}

}  // namespace roost::storage
