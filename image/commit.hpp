// A new image from an image plus one more layer: `roost commit`.
#pragma once

#include <string>
#include <vector>

#include "common/result.hpp"
#include "storage/store.hpp"

namespace roost::image {

struct CommitOptions {
  std::vector<std::string> names;    // full names (already normalised); may be empty
  std::string author;                // config "author"
  std::string message;               // the history entry's comment
  std::string created_by;            // the history entry's created_by
  std::vector<std::string> changes;  // Dockerfile-style, as for import: "CMD ["sh"]", "ENV A=B", ...
};

// Stores BASE's layers plus the layer tar read from LAYER_FD as a new image
// whose config is BASE's with the changes applied and one history entry
// more. The manifest is OCI; BASE's layers keep their descriptors.
Result<storage::ImageRecord> commit_image(storage::Store& store, const storage::ImageRecord& base, int layer_fd,
                                          const CommitOptions& options);

}  // namespace roost::image
