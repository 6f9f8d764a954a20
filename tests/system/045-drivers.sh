# Storage drivers: the layers roost stores mount as the image's file system,
# with native overlayfs (in the user namespace) and with fuse-overlayfs.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
}

# The owner a file stored as UID $1 shows inside the user namespace: with a
# single-ID map every file was stored as the user, who is 0 inside.
owner_inside() {
  if [[ $TEST_MODE == nosubid ]]; then echo 0; else echo "$1"; fi
}

# Mounts the multilayer image's layers at $TEST_TMP/merged with COMMAND run
# inside roost's user namespace and prints the merged view.
merged_view() {
  local mount_cmd=$1
  run_roost 0 image inspect localhost/multilayer
  local upper lower
  upper=$(jq -r '.[0].GraphDriver.Data.UpperDir' <<<"$output")
  lower=$(jq -r '.[0].GraphDriver.Data.LowerDir' <<<"$output")
  mkdir -p "$TEST_TMP/merged"
  local script="set -e; ${mount_cmd//@LOWER@/$upper:$lower} $TEST_TMP/merged;
    ls \"$TEST_TMP/merged/data\" | tr '\n' ' '; echo;
    ls -A \"$TEST_TMP/merged/opaque\" | tr '\n' ' '; echo;
    stat -c %u \"$TEST_TMP/merged/owned/by-uid-1000\"; cat \"$TEST_TMP/merged/etc/passwd\" | head -1"
  run_roost 0 unshare sh -c "$script"
}

test_overlay_layers_mount_natively() {
  ROOST_OPTS+=(--storage-driver overlay)
  run_roost 0 load -i "$FIXTURES/multilayer-docker-archive.tar"
  local opts="lowerdir=@LOWER@"
  [[ $TEST_MODE != root ]] && opts+=",userxattr"
  merged_view "mount -t overlay overlay -o $opts"
  assert_contains "$output" "added keep "$'\n'"new "$'\n'"$(owner_inside 1000)" "whiteouts and opaque directories hide lower files; owners map back"
  assert_contains "$output" "root:x:0:0"
}

test_fuse_overlayfs_layers_mount() {
  command -v fuse-overlayfs >/dev/null || skip "fuse-overlayfs is not installed (Debian package fuse-overlayfs)"
  [[ -r /dev/fuse && -w /dev/fuse ]] || skip "/dev/fuse is not accessible to $(id -un): see roost system check"
  ROOST_OPTS+=(--storage-driver fuse-overlayfs)
  run_roost 0 load -i "$FIXTURES/multilayer-docker-archive.tar"
  run_roost 0 info --format json
  is "$(jq -r '.store.graphDriverName' <<<"$output")" fuse-overlayfs "info shows the driver in use"
  merged_view "fuse-overlayfs -o lowerdir=@LOWER@"
  assert_contains "$output" "added keep "$'\n'"new "$'\n'"$(owner_inside 1000)" "fuse-overlayfs reads the same layers"
}
