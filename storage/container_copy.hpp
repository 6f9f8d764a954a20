// Copying files out of and into a container's root file system (`roost cp`),
// as tar streams. Paths inside the container are resolved as if its root
// were /, so no symlink in it can send a copy outside.
#pragma once

#include <string>

#include "common/result.hpp"
#include "storage/container_root.hpp"

namespace roost::storage {

struct PathInfo {
  bool exists = false;
  bool is_dir = false;
};

Result<PathInfo> stat_in_container(const StoreOptions& options, const ContainerRoot& root, const std::string& path);

// Writes PATH as a tar to FD, its top entry named TOP_NAME; a PATH ending in
// "/." writes the directory's content under TOP_NAME instead ("" for none).
Result<void> copy_out(const StoreOptions& options, const ContainerRoot& root, const std::string& path,
                      const std::string& top_name, int fd);

// Extracts the tar read from FD into the container's directory DIR, which
// must exist; entries keep the owners the tar records.
Result<void> copy_in(const StoreOptions& options, const ContainerRoot& root, const std::string& dir, int fd);

}  // namespace roost::storage
