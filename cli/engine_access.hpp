// Opening the container engine on the session's store, for container verbs.
#pragma once

#include <memory>

#include "cli/session.hpp"
#include "common/result.hpp"
#include "engine/containers.hpp"

namespace roost::cli {

Result<std::unique_ptr<engine::Engine>> open_engine(Session& s);

}  // namespace roost::cli
