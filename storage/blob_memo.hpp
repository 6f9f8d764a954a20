// What each layer became the last time it was exported for a push: the blob's
// digest and size, and the tar's diff ID. Exports are deterministic, so a
// repeat push can ask the registry for that blob (HEAD, cross-repository
// mount) before spending the time to export and compress the layer again.
// Its own table in roost.db, kept apart from store.hpp, which nearly every
// file includes.
#pragma once

#include <optional>
#include <string>

#include "common/result.hpp"
#include "storage/db.hpp"
#include "storage/layer_export.hpp"

namespace roost::storage {

class BlobMemo {
 public:
  // Creates the table when the store has none yet.
  static Result<BlobMemo> open(Database& db);

  Result<void> remember(const std::string& layer_id, LayerCompression compression, const ExportedLayer& blob);
  Result<std::optional<ExportedLayer>> lookup(const std::string& layer_id, LayerCompression compression);

 private:
  explicit BlobMemo(Database& db) : db_(&db) {}
  Database* db_;
};

}  // namespace roost::storage
