// What `roost save` and `roost push` to an archive record for an image the
// user named: the image, and the name it was found by (none when it was
// named by ID), as podman does.
#pragma once

#include <string>

#include "common/result.hpp"
#include "image/save.hpp"
#include "storage/store.hpp"

namespace roost::cli {

Result<image::SaveItem> save_item(storage::Store& store, const std::string& text);

}  // namespace roost::cli
