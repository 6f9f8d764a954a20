// Applying one layer tar (uncompressed, gzip or zstd) to a directory, safely.
//
// Every path is resolved against a directory fd beneath the root: entries with
// ".." components or absolute names, hard links whose target is outside, and
// anything reached through a symlink that points outside the root are rejected
// as ErrorKind::security, and nothing is ever created outside ROOT.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.hpp"

namespace roost::storage {

class LayerRing;

enum class WhiteoutFormat {
  // Keep whiteouts for overlayfs: ".wh.NAME" becomes a 0/0 character device
  // NAME, ".wh..wh..opq" sets the opaque xattr (user.overlay.opaque=y, and
  // trusted.overlay.opaque=y when root) on its directory.
  overlay,
  // Apply whiteouts in place (ROOT holds the parent's full tree): ".wh.NAME"
  // deletes NAME, ".wh..wh..opq" empties its directory of lower entries.
  vfs,
  // No whiteouts: ".wh." names are plain files (copying files in, not
  // applying a layer).
  none,
};

struct ApplyOptions {
  WhiteoutFormat whiteouts = WhiteoutFormat::overlay;
  // With a single-ID map, chown to other owners fails; keep the file with the
  // caller's owner instead of failing.
  bool ignore_chown_errors = false;
};

struct ApplyStats {
  std::string diff_id;            // sha256 of the uncompressed tar stream
  std::string compressed_digest;  // sha256 of the bytes read from the input
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;  // bytes of the uncompressed tar stream
  uint64_t content_size = 0;       // sum of regular file sizes
  uint64_t files = 0;
  uint64_t skipped_devices = 0;    // device nodes that could not be created
};

// Reads the whole tar from INPUT_FD and applies it beneath ROOT (a directory
// that exists). Owners are set as recorded (the caller runs this inside a user
// namespace so they land shifted through the ID map); device nodes that cannot
// be created are counted and skipped. On error the caller discards ROOT.
Result<ApplyStats> apply_layer(int input_fd, const std::string& root, const ApplyOptions& options);
// The same for an uncompressed tar that arrives through RING (its consumer
// side); compressed_digest is then the diff ID.
Result<ApplyStats> apply_layer(LayerRing& ring, const std::string& root, const ApplyOptions& options);

}  // namespace roost::storage
