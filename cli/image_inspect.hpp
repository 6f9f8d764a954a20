// The JSON `roost image inspect` prints for one image (podman's shape),
// shared with the combined `roost inspect`.
#pragma once

#include <nlohmann/json.hpp>

#include "storage/store.hpp"

namespace roost::cli {

nlohmann::json image_inspect_json(storage::Store& store, const storage::ImageRecord& img);

}  // namespace roost::cli
