#include "storage/blob_memo.hpp"

namespace roost::storage {
namespace {

const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS exported_blobs(
  layer_id TEXT NOT NULL, compression TEXT NOT NULL, diff_id TEXT NOT NULL,
  digest TEXT NOT NULL, size INTEGER NOT NULL,
  PRIMARY KEY(layer_id, compression));
)";

std::string compression_name(LayerCompression c) { return c == LayerCompression::gzip ? "gzip" : "none"; }

}  // namespace

Result<BlobMemo> BlobMemo::open(Database& db) {
  ROOST_TRY(db.exec(kSchema));
  return BlobMemo(db);
}

Result<void> BlobMemo::remember(const std::string& layer_id, LayerCompression compression, const ExportedLayer& blob) {
  auto st = ROOST_TRY(db_->prepare(
      "INSERT OR REPLACE INTO exported_blobs(layer_id, compression, diff_id, digest, size) VALUES(?, ?, ?, ?, ?)"));
  st.bind(1, layer_id).bind(2, compression_name(compression)).bind(3, blob.diff_id).bind(4, blob.digest);
  st.bind(5, static_cast<int64_t>(blob.size));
  return st.run();
}

Result<std::optional<ExportedLayer>> BlobMemo::lookup(const std::string& layer_id, LayerCompression compression) {
  auto st = ROOST_TRY(db_->prepare("SELECT diff_id, digest, size FROM exported_blobs WHERE layer_id = ? AND compression = ?"));
  st.bind(1, layer_id).bind(2, compression_name(compression));
  if (!ROOST_TRY(st.step())) return std::optional<ExportedLayer>{};
  return std::optional<ExportedLayer>{ExportedLayer{st.text(0), st.text(1), static_cast<uint64_t>(st.integer(2))}};
}

}  // namespace roost::storage
