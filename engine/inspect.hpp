#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "engine/containers.hpp"

namespace roost::engine {

// podman's `container inspect` object; LAYER_DIR is GRAPH/containers/<id>.
nlohmann::json inspect_json(const ContainerRecord& c, const std::string& layer_dir, storage::Driver driver);

}  // namespace roost::engine
