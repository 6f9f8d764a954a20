// storage.conf (the containers-storage.conf(5) format podman users already
// have) and the choice of graph root, run root and driver.
#pragma once

#include <optional>
#include <string>

#include "common/result.hpp"
#include "common/user_context.hpp"
#include "storage/store.hpp"

namespace roost::storage {

// The [storage] table of a storage.conf; only the keys roost uses.
struct StorageConf {
  std::optional<std::string> driver;
  std::optional<std::string> graphroot;
  std::optional<std::string> runroot;
  std::optional<std::string> rootless_storage_path;
};

// Parses TOML text of the subset storage.conf uses (tables, key = "string",
// comments). Unknown keys and tables are ignored; a malformed line is an
// error naming FILE_NAME and the line number.
Result<StorageConf> parse_storage_conf(const std::string& text, const std::string& file_name);

// Command-line overrides; empty means "not given".
struct StoreOverrides {
  std::string driver;
  std::string graph_root;
  std::string run_root;
};

// Graph root, run root and driver for USER: flags first, then
// $XDG_CONFIG_HOME/containers/storage.conf, then /etc/containers/storage.conf
// (its driver only, for rootless), then defaults: $XDG_DATA_HOME/roost and
// $XDG_RUNTIME_DIR/roost (root: /var/lib/roost and /run/roost), driver overlay
// where the kernel has it, else fuse-overlayfs where installed, else vfs.
Result<StoreOptions> resolve_store_options(const UserContext& user, const StoreOverrides& overrides);

// Whether this kernel offers overlayfs (listed in /proc/filesystems, or the
// module is available).
bool kernel_has_overlay();

}  // namespace roost::storage
