#include "image/push.hpp"

#include "image/export_image.hpp"
#include "image/manifest.hpp"

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
  auto scratch = ROOST_TRY(store.new_scratch());
  auto x = ROOST_TRY(detail::export_image(store, image, storage::LayerCompression::gzip, scratch->path(), "layer-"));
  for (size_t i = 0; i < x.layers.size(); ++i) {
    auto& l = x.layers[i];
    if (ROOST_TRY(reuse_blob(store, *client, dest, l.digest))) {
      say("Copying blob " + l.digest + " skipped: already exists");
      continue;
    }
    say("Copying blob " + l.digest);
    ROOST_TRY(client->put_blob(l.digest, x.layer_files[i], ""));
    remember(store, dest, l.digest);
  }
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
