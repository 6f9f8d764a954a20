// Finding an image in the store from what a user typed, and splitting stored
// names for display. Shared by the image verbs.
#pragma once

#include <string>
#include <utility>

#include "common/result.hpp"
#include "storage/store.hpp"

namespace roost::cli {

Result<storage::ImageRecord> lookup_image(storage::Store& store, const std::string& text);

// "docker.io/library/busybox:latest" -> {"docker.io/library/busybox", "latest"}.
std::pair<std::string, std::string> split_repo_tag(const std::string& name);

}  // namespace roost::cli
