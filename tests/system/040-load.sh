# roost load: docker-archive, oci-archive and OCI layout directories.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
}

test_load_docker_archive() {
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
  is "$output" "Loaded image: localhost/busybox:latest"
  run_roost 0 images --format json
  is "$(jq -r '.[0].Id' <<<"$output")" "$BUSYBOX_ID" "image ID is the config digest"
  run_roost 0 image inspect localhost/busybox
  is "$(jq -r '.[0].RootFS.Layers[0]' <<<"$output")" "$BUSYBOX_DIFF_ID" "diff ID recorded"
}

test_load_oci_archive_and_layout() {
  run_roost 0 load -i "$FIXTURES/busybox-oci-archive.tar"
  assert_contains "$output" "Loaded image: "
  run_roost 0 load -i "$FIXTURES/busybox-oci"
  run_roost 0 images -q --no-trunc
  is "$output" "sha256:$BUSYBOX_ID" "the same image, stored once"
  run_roost 0 image inspect "$BUSYBOX_ID"
  is "$(jq -r '.[0].Config.Labels["org.roost.fixture"]' <<<"$output")" busybox "config kept"
}

test_load_from_stdin() {
  run_roost 0 load <"$FIXTURES/busybox-docker-archive.tar"
  is "$output" "Loaded image: localhost/busybox:latest"
}

test_shared_layers_are_stored_once() {
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
  run_roost 0 load -i "$FIXTURES/busybox-oci"
  run_roost 0 tag localhost/busybox other:1
  is "$(ls "$(graph_root)/layers" | wc -l)" 1 "one layer directory for one distinct layer"
}

test_load_multilayer_final_view_vfs() {
  ROOST_OPTS+=(--storage-driver vfs)
  run_roost 0 load -i "$FIXTURES/multilayer-docker-archive.tar"
  run_roost 0 image inspect localhost/multilayer
  is "$(jq -r '.[0].GraphDriver.Name' <<<"$output")" vfs
  local top
  top=$(jq -r '.[0].GraphDriver.Data.UpperDir' <<<"$output")
  is "$(ls "$top/data" | tr '\n' ' ')" "added keep " "whiteout removed data/remove-me"
  is "$(ls -A "$top/opaque" | tr '\n' ' ')" "new " "opaque directory hides lower entries"
  is "$(stat -c %i "$top/links/original")" "$(stat -c %i "$top/links/hardlink-1")" "hard links share an inode"
  is "$(readlink "$top/links/symlink")" original "symlink kept"
  is "$(stat -c %a "$top/owned/dir-1000")" 750 "directory mode kept"
}

test_load_multilayer_overlay_whiteouts() {
  ROOST_OPTS+=(--storage-driver overlay)
  run_roost 0 load -i "$FIXTURES/multilayer-docker-archive.tar"
  run_roost 0 image inspect localhost/multilayer
  is "$(jq -r '.[0].GraphDriver.Name' <<<"$output")" overlay
  local lower second
  lower=$(jq -r '.[0].GraphDriver.Data.LowerDir' <<<"$output")
  second=${lower%%:*}
  is "$(stat -c '%F %t:%T' "$second/data/remove-me")" "character special file 0:0" "whiteout kept as a 0/0 device for overlayfs"
  [[ ! -e $second/data/.wh.remove-me ]] || fail "no .wh. file left in the layer"
  is "$(getfattr --only-values -n user.overlay.opaque "$second/opaque" 2>/dev/null)" y "opaque directory marked"
}

test_driver_is_fixed_per_store() {
  ROOST_OPTS+=(--storage-driver vfs)
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
  ROOST_OPTS=("${ROOST_OPTS[@]:0:${#ROOST_OPTS[@]}-2}" --storage-driver overlay)
  run_roost 125 images
  assert_contains "$output" "was created with the vfs driver, not overlay"
}

test_load_missing_file() {
  run_roost 125 load -i "$TEST_TMP/missing.tar"
  assert_contains "$output" "$TEST_TMP/missing.tar"
  assert_store_empty
}

test_load_not_an_archive() {
  head -c 5000 /dev/urandom >"$TEST_TMP/junk.tar"
  run_roost 125 load -i "$TEST_TMP/junk.tar"
  assert_contains "$output" "junk.tar"
  run_roost 0 images -q
  is "$output" "" "nothing stored"
  assert_store_empty
}

test_load_diff_id_mismatch_leaves_nothing() {
  run_roost 125 load -i "$FIXTURES/bad-diffid-docker-archive.tar"
  assert_contains "$output" "diff ID"
  assert_contains "$output" "mismatch"
  run_roost 0 images -q
  is "$output" "" "no image"
  assert_store_empty
}

# Each hostile layer must be refused without a trace inside or outside the store.
check_hostile() {
  local name=$1
  rm -rf /tmp/abs 2>/dev/null
  run_roost 125 load -i "$FIXTURES/hostile-$name-docker-archive.tar"
  assert_match "$output" "escape|outside" "error says the layer tried to escape"
  run_roost 0 images -q
  is "$output" "" "no image from a hostile archive"
  assert_store_empty
  [[ ! -e $TEST_TMP/escape && ! -e $(graph_root)/escape && ! -e /pwned && ! -e /tmp/abs ]] ||
    fail "a file was written outside the layer root"
}

test_hostile_dotdot() { check_hostile dotdot; }
test_hostile_absolute() { check_hostile absolute; }
test_hostile_symlink() { check_hostile symlink; }
test_hostile_hardlink() {
  local before
  before=$(stat -c '%h %Y' /etc/passwd)
  check_hostile hardlink
  is "$(stat -c '%h %Y' /etc/passwd)" "$before" "/etc/passwd untouched"
}

test_kill_9_during_load_leaves_store_consistent() {
  # An OCI layout whose layer blob is a FIFO: roost blocks mid-layer, half
  # the layer written, until killed.
  local layout=$TEST_TMP/layout
  cp -r "$FIXTURES/busybox-oci" "$layout"
  local blob
  blob=$(jq -r '.layers[0].digest' <"$layout/blobs/sha256/$(jq -r '.manifests[0].digest' <"$layout/index.json" | cut -d: -f2)" | cut -d: -f2)
  local data=$TEST_TMP/layer.bin
  mv "$layout/blobs/sha256/$blob" "$data"
  mkfifo "$layout/blobs/sha256/$blob"
  "$ROOST" "${ROOST_OPTS[@]}" load -i "$layout" >"$TEST_TMP/load.out" 2>&1 &
  local pid=$!
  exec 3>"$layout/blobs/sha256/$blob"
  head -c 200000 "$data" >&3
  sleep 1
  kill -9 "$pid"
  wait "$pid" 2>/dev/null
  exec 3>&-
  sleep 1
  run_roost 0 images -q
  is "$output" "" "no image from the interrupted load"
  assert_store_empty
  rm "$layout/blobs/sha256/$blob"
  mv "$data" "$layout/blobs/sha256/$blob"
  run_roost 0 load -i "$layout"
  run_roost 0 images -q --no-trunc
  is "$output" "sha256:$BUSYBOX_ID" "the next load completes"
}

test_load_zstd_layers() {
  run_roost 0 load -i "$FIXTURES/multilayer-zstd-oci"
  run_roost 0 image inspect "$MULTILAYER_ID"
  is "$(jq -r '.[0].RootFS.Layers | join(" ")' <<<"$stdout")" "$MULTILAYER_DIFF_IDS" "zstd layers give the same diff IDs"
  assert_match "$(jq -r '.[0].Digest' <<<"$stdout")" '^sha256:' "manifest digest recorded"
}

test_device_nodes() {
  ROOST_OPTS+=(--storage-driver vfs)
  run_roost 0 load -i "$FIXTURES/devices-oci"
  local dir
  dir=$(roost image inspect "$(jq -r '.[0].Id' <<<"$(roost images --format json)")" | jq -r '.[0].GraphDriver.Data.UpperDir')
  is "$(cat "$dir/dev/regular")" kept "regular files around the devices are kept"
  is "$(stat -c %F "$dir/dev/fifo")" fifo "a fifo needs no privilege"
  if [[ $TEST_MODE == root ]]; then
    is "$(stat -c '%F %t:%T' "$dir/dev/null-copy")" "character special file 1:3" "root creates device nodes"
    is "$(stat -c '%F %t:%T' "$dir/dev/loop-copy")" "block special file 7:0"
    assert_not_contains "$output" "device"
  else
    assert_contains "$stderr" "device nodes" "one warning says devices were skipped"
    is "$(grep -c 'device nodes' <<<"$stderr")" 1 "only one warning"
    [[ ! -e $dir/dev/null-copy && ! -e $dir/dev/loop-copy ]] || fail "device nodes cannot exist rootless"
  fi
}
