# roost import: root file system tarballs into single-layer images.

test_import_file_with_name() {
  run_roost 0 import "$FIXTURES/busybox-rootfs.tar" busybox
  assert_match "$output" '^[0-9a-f]{64}$' "import prints the full image ID"
  local id=$output
  run_roost 0 images --format json
  is "$(jq -r '.[0].Id' <<<"$output")" "$id" "the image is listed"
  is "$(jq -r '.[0].Names[0]' <<<"$output")" "localhost/busybox:latest" "a short name becomes localhost/NAME:latest"
  run_roost 0 image inspect busybox
  is "$(jq -r '.[0].Os' <<<"$output")" linux
  is "$(jq -r '.[0].RootFS.Layers | length' <<<"$output")" 1 "one layer"
}

test_import_from_stdin_with_changes() {
  run_roost 0 import -c 'CMD ["sh", "-c", "echo hi"]' -c 'ENV FOO=bar' -c 'WORKDIR /tmp' -m "from a pipe" - piped:v1 <"$FIXTURES/busybox-rootfs.tar"
  run_roost 0 image inspect localhost/piped:v1
  is "$(jq -c '.[0].Config.Cmd' <<<"$output")" '["sh","-c","echo hi"]' "CMD change applied"
  is "$(jq -c '.[0].Config.Env' <<<"$output")" '["FOO=bar"]' "ENV change applied"
  is "$(jq -r '.[0].Config.WorkingDir' <<<"$output")" /tmp "WORKDIR change applied"
  is "$(jq -r '.[0].History[0].comment' <<<"$output")" "from a pipe" "message kept in history"
}

test_import_bad_change_is_rejected() {
  run_roost 125 import -c 'FROBNICATE x' "$FIXTURES/busybox-rootfs.tar" bad
  assert_contains "$output" 'invalid change "FROBNICATE x"'
  run_roost 0 images -q
  is "$output" "" "no image after a rejected change"
}

test_import_shifts_owners_through_the_id_map() {
  run_roost 0 import "$FIXTURES/busybox-rootfs.tar" busybox
  run_roost 0 image inspect busybox
  local dir
  dir=$(jq -r '.[0].GraphDriver.Data.UpperDir' <<<"$output")
  local owner
  owner=$(stat -c %u "$dir/home/user/owned-by-1000")
  case $TEST_MODE in
    root) is "$owner" 1000 "root stores owners unchanged" ;;
    rootless) is "$owner" $((SUBUID_START + 999)) "container UID 1000 is sub-UID start + 999 on the host" ;;
    nosubid) is "$owner" "$TEST_UID" "with a single-ID map every file belongs to the user" ;;
  esac
  is "$(stat -c %u "$dir/root/owned-by-0")" "$([[ $TEST_MODE == root ]] && echo 0 || echo "$TEST_UID")" "container root is the user"
  is "$(stat -c %a "$dir/tmp")" 1777 "modes are kept"
}

test_import_missing_file() {
  run_roost 125 import "$TEST_TMP/nope.tar" x
  assert_contains "$output" "$TEST_TMP/nope.tar" "error names the file"
  assert_contains "$output" "No such file or directory"
  run_roost 0 images -q
  is "$output" "" "nothing stored"
}

test_import_malformed_tarball_leaves_nothing() {
  head -c 100000 /dev/urandom >"$TEST_TMP/garbage.tar"
  run_roost 125 import "$TEST_TMP/garbage.tar" garbage
  assert_contains "$output" "importing $TEST_TMP/garbage.tar"
  run_roost 0 images -q
  is "$output" "" "no image"
  assert_store_empty
}

test_import_truncated_gzip_leaves_nothing() {
  gzip -c "$FIXTURES/busybox-rootfs.tar" | head -c 300000 >"$TEST_TMP/trunc.tar.gz"
  run_roost 125 import "$TEST_TMP/trunc.tar.gz" trunc
  run_roost 0 images -q
  is "$output" "" "no image"
  assert_store_empty
}
