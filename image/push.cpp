#include "image/push.hpp"

#include <unistd.h>

#include <optional>

#include "common/log.hpp"
#include "image/export_image.hpp"
#include "image/manifest.hpp"
#include "storage/blob_memo.hpp"

namespace roost::image {
namespace {

// A failure to note where a blob went only costs a later upload.
void remember(storage::Store& store, const Reference& dest, const std::string& digest) {
  (void)store.record_blob_location(digest, dest.domain, dest.path);
}

// True when DEST's repository has DIGEST already, or the registry mounts it
// from another repository there that earlier pushes left it in.
Result<bool> reuse_blob(storage::Store& store, RegistryClient& client, const Reference& dest, const std::string& digest) {
  if (ROOST_TRY(client.has_blob(digest))) {
    remember(store, dest, digest);
    return true;
  }
  auto known = store.blob_repositories(digest, dest.domain);
  if (!known) return false;
  for (auto& repo : *known) {
    if (repo == dest.path) continue;
    // A registry that refuses mounts just gets the upload.
    if (auto mounted = client.mount_blob(digest, repo); mounted && *mounted) {
      remember(store, dest, digest);
      return true;
    }
  }
  return false;
}

}  // namespace

Result<std::string> push_to_registry(storage::Store& store, const storage::ImageRecord& image, const Reference& dest,
                                     const RegistryOptions& options, const Progress& progress) {
  auto say = [&](const std::string& s) {
    if (progress) progress(s);
  };
  RegistryOptions o = options;
  o.push = true;
  auto client = ROOST_TRY(RegistryClient::open(dest.domain, dest.path, o));
  say("Getting image source signatures");
  const auto compression = storage::LayerCompression::gzip;
  // Without the memo (a store it cannot write) every layer is just exported.
  auto memo = storage::BlobMemo::open(store.database());
  std::unique_ptr<storage::ScratchDir> scratch;
  detail::ExportedImage x;
  for (size_t i = 0; i < image.layers.size(); ++i) {
    const auto& id = image.layers[i];
    std::optional<storage::ExportedLayer> known;
    if (memo) {
      if (auto found = memo->lookup(id, compression)) known = *found;
    }
    if (known && ROOST_TRY(reuse_blob(store, *client, dest, known->digest))) {
      say("Copying blob " + known->digest + " skipped: already exists");
      x.layers.push_back(*known);
      continue;
    }
    // Never exported, or the registry lost the blob: export it (again).
    log_debug("push: exporting layer " + id);
    if (!scratch) scratch = ROOST_TRY(store.new_scratch());
    std::string file = scratch->path() + "/layer-" + std::to_string(i);
    auto l = ROOST_TRY_CTX(store.export_layer(id, file, compression), "layer " + std::to_string(i + 1));
    if (memo) (void)memo->remember(id, compression, l);
    x.layers.push_back(l);
    bool asked = known && known->digest == l.digest;
    if (!asked && ROOST_TRY(reuse_blob(store, *client, dest, l.digest))) {
      say("Copying blob " + l.digest + " skipped: already exists");
    } else {
      say("Copying blob " + l.digest);
      ROOST_TRY(client->put_blob(l.digest, file, ""));
      remember(store, dest, l.digest);
    }
    ::unlink(file.c_str());  // a big image need not sit in scratch twice
  }
  ROOST_TRY(detail::describe_export(image, compression, x));
  say("Copying config " + x.config_digest);
  if (!ROOST_TRY(reuse_blob(store, *client, dest, x.config_digest))) {
    ROOST_TRY(client->put_blob(x.config_digest, "", x.config));
    remember(store, dest, x.config_digest);
  }
  say("Writing manifest to image destination");
  ROOST_TRY(client->put_manifest(dest.digest.empty() ? dest.tag : dest.digest, x.manifest, kOciManifest));
  return x.manifest_digest;
}

Result<std::string> push_to_oci_layout(storage::Store& store, const storage::ImageRecord& image, const std::string& dir,
                                       const std::string& ref_name, const Progress& progress) {
  auto scratch = ROOST_TRY(store.new_scratch());
  auto x = ROOST_TRY(detail::export_image(store, image, storage::LayerCompression::gzip, scratch->path(), "layer-"));
  if (progress) {
    for (auto& l : x.layers) progress("Copying blob " + l.digest);
    progress("Copying config " + x.config_digest);
  }
  auto digest = ROOST_TRY(detail::write_oci_layout(x, dir, ref_name));
  if (progress) progress("Writing manifest to image destination");
  return digest;
}

}  // namespace roost::image
