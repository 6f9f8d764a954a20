// Pulling an image from a registry into the store: manifest (through a list
// when there is one), config, then every layer streamed from the network
// through digest checks and decompression straight into layer application,
// up to parallel_layers at a time. Nothing is committed unless every byte
// verified.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "image/manifest.hpp"
#include "image/reference.hpp"
#include "image/registry.hpp"
#include "storage/store.hpp"

namespace roost::image {

struct PullOptions {
  RegistryOptions registry;
  std::optional<Platform> platform;  // default: the host's
  // Receives podman-shaped progress lines ("Copying blob sha256:..."); may be empty.
  std::function<void(const std::string&)> progress;
  // Called as a layer blob arrives: BYTES of TOTAL so far, DONE once it is
  // verified. For progress bars; may be empty.
  std::function<void(const std::string& digest, uint64_t bytes, uint64_t total, bool done)> layer_progress;
  // Layers downloaded and applied at once (podman's default is 6 too): all
  // of a typical image, so a small layer never waits behind a big one.
  size_t parallel_layers = 6;
  // The name to store the image under when REF is where it comes from but
  // not what the user asked for (a mirror, a registry's location).
  std::optional<Reference> store_as;
};

Result<storage::ImageRecord> pull_image(storage::Store& store, const Reference& ref, const PullOptions& options);

}  // namespace roost::image
