// Events of containers (events.hpp) as the engine records them: each with
// the container's ID, name, image and labels, as podman's do.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "engine/containers.hpp"
#include "engine/events.hpp"

namespace roost::engine {

Event container_event(const ContainerRecord& c, const std::string& status);

// Records STATUS for C in the store's events log; never fails.
void record_container_event(const storage::StoreOptions& store, const ContainerRecord& c, const std::string& status,
                            std::optional<int> exit_code = std::nullopt,
                            const std::map<std::string, std::string>& extra = {});

}  // namespace roost::engine
