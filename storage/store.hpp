// Content-addressed layers and images under a graph root.
//
// On disk: GRAPH/roost.db (SQLite: layers, images, names), GRAPH/layers/<id>
// (one directory per layer, id = chain ID hex), GRAPH/staging/<random> (layers
// being written; swept on open when their writer is gone, whose claim is a
// byte lock on GRAPH/staging.lock), GRAPH/mount-targets (mount_targets.hpp),
// GRAPH/containers/<id> (containers' layers). A layer or image
// appears only once fully written and verified: layers are staged, then moved
// into place and recorded in one transaction with the image that uses them.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/file_lock.hpp"
#include "common/result.hpp"
#include "storage/db.hpp"
#include "storage/layer_export.hpp"
#include "userns/idmap.hpp"

namespace roost::storage {

class LayerRing;

enum class Driver { overlay, fuse_overlayfs, vfs };
std::string driver_name(Driver d);
Result<Driver> parse_driver(const std::string& name);

struct StoreOptions {
  std::string graph_root;
  std::string run_root;
  Driver driver = Driver::overlay;
  std::string driver_source;  // where the choice came from, for `roost info`
  userns::IdMapping mapping;
};

struct LayerRecord {
  std::string id;      // chain ID hex
  std::string parent;  // parent's chain ID hex, empty for a base layer
  std::string diff_id;
  std::string compressed_digest;
  uint64_t compressed_size = 0;
  uint64_t size = 0;  // uncompressed tar bytes
};

struct ImageRecord {
  std::string id;  // hex of the config digest
  std::vector<std::string> names;  // full names, oldest first
  std::string config_json;
  std::string manifest_json;
  std::string manifest_type;
  std::string manifest_digest;
  std::vector<std::string> layers;  // chain IDs, bottom first
  std::time_t created = 0;          // from the config
  std::time_t loaded = 0;           // when it entered this store
  uint64_t size = 0;                // sum of layer sizes
};

class Store;

// A container's writable layer over its image: GRAPH/containers/<id>/ holds
// upper/ and work/ (overlay, fuse-overlayfs) or rootfs/ (vfs: a full copy).
struct ContainerLayer {
  std::string container_id;
  Driver driver = Driver::overlay;
  std::string dir;                      // GRAPH/containers/<id>
  std::vector<std::string> lower_dirs;  // image layers, topmost first
  // The store's read-only layer of empty mount targets (etc/hostname, ...),
  // mounted under the image layers so that the executor need not create them
  // in upper/; empty for vfs, and left out when the mount options would not
  // fit (the executor then creates missing targets itself).
  std::string targets_dir;
};

// Mounts the container's root file system at TARGET. Runs inside the
// container's user and mount namespaces (the mount dies with them): native
// overlay (userxattr when rootless), fuse-overlayfs (its daemon is started
// here and exits at unmount), or vfs (a bind mount of rootfs/).
Result<void> mount_container_root(const ContainerLayer& layer, const std::string& target, bool rootless);

// A private path under the store's staging area (a directory for unpacking
// input, or a tree renamed there); removed on destruction, and by the next
// open if the process dies. It is claimed by a shared OFD lock on one byte of
// GRAPH/staging.lock (chosen from the name), which dies with the process.
class ScratchDir {
 public:
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  friend class Store;
  ScratchDir(std::string path, UniqueFd lock) : path_(std::move(path)), lock_(std::move(lock)) {}
  std::string path_;
  UniqueFd lock_;
};

// Writes one image's layers and then the image. Layers written through it are
// staged and become visible only with commit(); destroying it uncommitted
// removes everything it staged.
class ImageWriter {
 public:
  ~ImageWriter();
  ImageWriter(const ImageWriter&) = delete;
  ImageWriter& operator=(const ImageWriter&) = delete;

  // Applies a layer tar read from FD on top of the previous layer. When
  // EXPECTED_DIFF_ID is given and the layer already exists, FD is not read.
  // The computed diff ID and compressed digest must match the expected ones
  // when given (ErrorKind::corrupt otherwise).
  Result<LayerRecord> add_layer(int fd, const std::string& expected_diff_id,
                                const std::string& expected_compressed_digest);

  // Layers applied while the caller is still producing them, several at
  // once: start_layer forks a helper that applies the tar FD delivers (the
  // caller writes the other end and closes it when done; the helper keeps its
  // own copy of FD, so the caller may close it after the call). finish_layer
  // waits for the oldest started layer and checks it against CHECK. With vfs a
  // layer needs its parent's finished tree: one layer at a time
  // (parallel_layers() says so). Must be called while single-threaded.
  struct LayerCheck {
    std::string diff_id;        // expected sha256 of the tar stream ("" = any)
    std::string stream_digest;  // expected sha256 of the bytes read from FD ("" = any)
    // When the caller decompressed the blob itself (and verifies its digest
    // before commit), the digest and size to record for the layer.
    std::string compressed_digest;
    uint64_t compressed_size = 0;
  };
  Result<void> start_layer(int fd);
  // The same with the tar (uncompressed) arriving through RING instead of a
  // pipe; the ring's consumer ends are closed here once the helper has them.
  Result<void> start_layer(LayerRing& ring);
  bool parallel_layers() const;
  Result<LayerRecord> finish_layer(const LayerCheck& check);

  // Records the image (ID = sha256 of CONFIG_JSON) and attaches NAMES, moving
  // names that belonged to other images. Config diff_ids must match the
  // layers added. Committing an image that exists adds the names only.
  Result<ImageRecord> commit(const std::string& config_json, const std::string& manifest_json,
                             const std::string& manifest_type, const std::vector<std::string>& names);

 private:
  friend class Store;
  struct Impl;
  explicit ImageWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Store {
 public:
  // Opens (creating when missing) the store, sweeps abandoned staging
  // directories, and checks the driver matches the one the store was made
  // with.
  static Result<std::unique_ptr<Store>> open(const StoreOptions& options);
  ~Store();

  const StoreOptions& options() const;
  // The store's connection to GRAPH/roost.db, for other modules' tables in the
  // same database (engine's containers): one connection per process spares
  // every command a second open and schema load.
  Database& database();

  Result<std::unique_ptr<ImageWriter>> new_image();
  Result<std::unique_ptr<ScratchDir>> new_scratch();
  // A name under the staging area, claimed and cleaned up as new_scratch()'s
  // directory is, but with nothing made there yet: the caller makes or renames
  // a directory there, sparing a directory made and removed.
  Result<std::unique_ptr<ScratchDir>> new_staging_path();

  std::vector<ImageRecord> images();
  Result<ImageRecord> image_by_id(const std::string& full_id);
  // Finds an image by full name, short name (through CANDIDATES and
  // repository-suffix match), full or short (>= 3 hex) ID, "sha256:ID", or
  // manifest digest. Ambiguous short IDs are an error.
  Result<ImageRecord> find_image(const std::string& text, const std::vector<std::string>& candidates);

  Result<void> add_name(const std::string& image_id, const std::string& name);
  Result<void> remove_name(const std::string& name);

  // Where blobs (by compressed digest) were last seen on a registry, so that
  // a push to another repository there can mount them instead of uploading.
  Result<void> record_blob_location(const std::string& digest, const std::string& registry, const std::string& repository);
  // The repositories on REGISTRY known to hold DIGEST, most recent first.
  Result<std::vector<std::string>> blob_repositories(const std::string& digest, const std::string& registry);
  // Deletes the image and every layer no other image uses.
  Result<void> delete_image(const std::string& image_id);

  // Creates (vfs: copies the image's tree into) the container's layer.
  Result<ContainerLayer> create_container_layer(const std::string& container_id, const ImageRecord& image);
  Result<ContainerLayer> container_layer(const std::string& container_id, const ImageRecord& image) const;
  // Bytes written by the container (its upper directory; with vfs its whole
  // tree), as far as this user can read them; 0 when it has none.
  uint64_t container_layer_size(const std::string& container_id) const;
  // Removes the container's layer; a missing one is fine.
  Result<void> delete_container_layer(const std::string& container_id);

  std::optional<LayerRecord> layer(const std::string& id);
  // Writes layer ID's own content as a layer tar (gzip-compressed or not)
  // into the new file OUT (write_layer_tar, gzip_layer), inside the store's
  // user namespace.
  Result<ExportedLayer> export_layer(const std::string& id, const std::string& out,
                                     LayerCompression compression = LayerCompression::gzip);
  std::string layer_dir(const std::string& id) const;
  // Total bytes of distinct layers.
  uint64_t layers_size();

 private:
  friend class ImageWriter;
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Chain ID of a layer given its parent's chain ID (empty for none) and diff ID.
std::string chain_id(const std::string& parent_chain_id, const std::string& diff_id);

}  // namespace roost::storage
