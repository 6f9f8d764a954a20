// Finding an image in the store from what a user typed, and splitting stored
// names for display. Shared by the image verbs.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "storage/store.hpp"

namespace roost::cli {

Result<storage::ImageRecord> lookup_image(storage::Store& store, const std::string& text);

// "REPOSITORY@MANIFEST_DIGEST" for each of the image's names.
std::vector<std::string> repo_digests(const storage::ImageRecord& image);

// "docker.io/library/busybox:latest" -> {"docker.io/library/busybox", "latest"}.
std::pair<std::string, std::string> split_repo_tag(const std::string& name);

}  // namespace roost::cli
