// Opening the container engine on the session's store, for container verbs.
#pragma once

#include <memory>

#include "cli/session.hpp"
#include "common/result.hpp"
#include "engine/containers.hpp"

namespace roost::cli {

Result<std::unique_ptr<engine::Engine>> open_engine(Session& s);

// Records an image event (pull, push, tag, untag, remove, load, save) for
// `roost events`; never fails.
void record_image_event(Session& s, const std::string& status, const std::string& id, const std::string& name);

// A container with what its root file system is made of, for the verbs that
// read it (diff, export, commit).
struct ContainerFiles {
  engine::ContainerRecord container;
  storage::ImageRecord image;
  storage::ContainerLayer layer;
  bool rootless = true;
};
Result<ContainerFiles> container_files(Session& s, const std::string& id_or_name);

}  // namespace roost::cli
