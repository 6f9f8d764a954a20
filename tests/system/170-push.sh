# roost push to a real registry and to OCI layouts, cross-checked with skopeo.

# shellcheck source=registry.sh
source "${BASH_SOURCE[0]%/*}/registry.sh"

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
}

teardown() {
  stop_registry
}

test_push_then_pull_back_and_run() {
  start_registry
  run_roost 0 load -i "$FIXTURES/multilayer-docker-archive.tar"
  run_roost 0 push --tls-verify=false localhost/multilayer "$REGISTRY/pushed/multi:1"
  assert_match "$stderr" "Copying blob sha256:[0-9a-f]{64}"
  assert_contains "$stderr" "Writing manifest to image destination"
  # skopeo, an independent client, reads what roost pushed.
  local config
  config=$(skopeo inspect --tls-verify=false --config "docker://$REGISTRY/pushed/multi:1") ||
    fail "skopeo cannot read the pushed image"
  is "$(jq -r '.rootfs.diff_ids | length' <<<"$config")" 3 "three layers"
  # Pushed again: the registry has every blob.
  run_roost 0 push --tls-verify=false localhost/multilayer "$REGISTRY/pushed/multi:1"
  assert_contains "$stderr" "skipped: already exists"
  # Back into an empty store, and run.
  run_roost 0 rmi -a -f
  run_roost 0 pull -q --tls-verify=false "$REGISTRY/pushed/multi:1"
  run_roost 0 run --rm "$REGISTRY/pushed/multi:1" ls /data /opaque
  is "$(tr '\n' ' ' <<<"$stdout")" "/data: added keep  /opaque: new " "whiteouts and opaque directories survive the round trip"
  # Without sub-IDs the store keeps every file as the user (0 inside).
  local owner=1000:1000
  [[ $TEST_MODE == nosubid ]] && owner=0:0
  run_roost 0 run --rm "$REGISTRY/pushed/multi:1" stat -c '%u:%g %h' /owned/by-uid-1000 /links/original
  is "$(tr '\n' ' ' <<<"$stdout")" "$owner 1 0:0 3 " "owners and hard links kept"
}

# A second repository on the same registry gets the blobs by a cross-repository
# mount: the registry answers HEAD in the new repository with 404 until a blob
# is linked there, so "already exists" for every layer means each was mounted.
test_push_to_another_repository_mounts_blobs() {
  start_registry
  run_roost 0 load -i "$FIXTURES/multilayer-docker-archive.tar"
  run_roost 0 push --tls-verify=false localhost/multilayer "$REGISTRY/first/multi:1"
  assert_not_contains "$stderr" "skipped: already exists"
  run_roost 0 push --tls-verify=false localhost/multilayer "$REGISTRY/second/multi:1"
  is "$(grep -c 'Copying blob sha256:[0-9a-f]* skipped: already exists' <<<"$stderr")" 3 "all three layers mounted"
  local config
  config=$(skopeo inspect --tls-verify=false --config "docker://$REGISTRY/second/multi:1") ||
    fail "skopeo cannot read the image pushed by mounts"
  is "$(jq -r '.rootfs.diff_ids | length' <<<"$config")" 3 "three layers"
  skopeo --insecure-policy copy --quiet --src-tls-verify=false "docker://$REGISTRY/second/multi:1" "oci:$TEST_TMP/copy:x" ||
    fail "skopeo cannot fetch the mounted blobs from the second repository"
}

# A repeat push asks the registry for the blobs the first push made (by the
# digests roost remembers per layer) before exporting anything: with every
# blob there or mountable, no layer is exported and compressed again. A
# registry that has lost them gets the layers exported anew, same bytes.
test_repeat_push_exports_no_layer() {
  start_registry
  run_roost 0 load -i "$FIXTURES/multilayer-docker-archive.tar"
  run_roost 0 --log-level debug push --tls-verify=false localhost/multilayer "$REGISTRY/first/multi:1"
  is "$(grep -c 'push: exporting layer' <<<"$stderr")" 3 "the first push exports the three layers"
  local first
  first=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REGISTRY/first/multi:1") ||
    fail "skopeo cannot read the first push"
  run_roost 0 --log-level debug push --tls-verify=false localhost/multilayer "$REGISTRY/second/multi:1"
  assert_not_contains "$stderr" "push: exporting layer"
  is "$(grep -c 'Copying blob sha256:[0-9a-f]* skipped: already exists' <<<"$stderr")" 3 "all three layers mounted"
  is "$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REGISTRY/second/multi:1")" "$first" \
    "the same manifest as the first push"
  skopeo --insecure-policy copy --quiet --src-tls-verify=false "docker://$REGISTRY/second/multi:1" "oci:$TEST_TMP/copy:x" ||
    fail "skopeo cannot fetch the image pushed without exports"
  # A new, empty registry: the remembered digests are unknown there.
  stop_registry
  rm -rf "$REGISTRY_DIR"
  start_registry
  run_roost 0 --log-level debug push --tls-verify=false localhost/multilayer "$REGISTRY/third/multi:1"
  is "$(grep -c 'push: exporting layer' <<<"$stderr")" 3 "the layers are exported again"
  assert_not_contains "$stderr" "skipped: already exists"
  is "$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REGISTRY/third/multi:1")" "$first" \
    "the new export has the same digests"
}

test_push_to_oci_layout_read_by_skopeo() {
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
  run_roost 0 push localhost/busybox "oci:$TEST_TMP/out:mine"
  skopeo inspect "oci:$TEST_TMP/out:mine" >/dev/null || fail "skopeo cannot read the layout"
  run_roost 0 rmi -a -f
  run_roost 0 pull "oci:$TEST_TMP/out:mine"
  run_roost 0 run --rm "$(tail -n 1 <<<"$stdout")" cat /etc/group
  assert_contains "$stdout" "root:x:0:"
}

test_push_needs_credentials() {
  start_registry --auth
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
  run_roost 125 push --tls-verify=false localhost/busybox "$REGISTRY/bb:1"
  assert_contains "$output" "authentication required by $REGISTRY"
  run_roost 125 push --tls-verify=false --creds "$REG_USER:bad-Pa55" localhost/busybox "$REGISTRY/bb:1"
  assert_contains "$output" "authentication failed for $REGISTRY"
  assert_not_contains "$output" "bad-Pa55"
  run_roost 0 push -q --tls-verify=false --creds "$REG_USER:$REG_PASS" localhost/busybox "$REGISTRY/bb:1"
  is "$output" "" "nothing printed with -q"
  skopeo inspect --tls-verify=false --creds "$REG_USER:$REG_PASS" "docker://$REGISTRY/bb:1" >/dev/null ||
    fail "skopeo cannot read the pushed image"
}

test_push_errors() {
  run_roost 125 push no-such-image "127.0.0.1:1/x:1"
  assert_contains "$output" "no-such-image"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
  run_roost 125 push localhost/busybox busybox
  assert_contains "$output" "push needs a destination with a registry"
}

test_push_from_vfs_store() {
  start_registry
  ROOST_OPTS+=(--storage-driver vfs)
  run_roost 0 load -i "$FIXTURES/multilayer-docker-archive.tar"
  # vfs layers hold whole trees: each pushed layer is its difference from the one below.
  run_roost 0 push -q --tls-verify=false localhost/multilayer "$REGISTRY/vfs/multi:1"
  run_roost 0 rmi -a -f
  run_roost 0 pull -q --tls-verify=false "$REGISTRY/vfs/multi:1"
  run_roost 0 run --rm "$REGISTRY/vfs/multi:1" ls /data /opaque
  is "$(tr '\n' ' ' <<<"$stdout")" "/data: added keep  /opaque: new " "deletions survive the round trip"
  local config
  config=$(skopeo inspect --tls-verify=false --config "docker://$REGISTRY/vfs/multi:1")
  is "$(jq -r '.rootfs.diff_ids | length' <<<"$config")" 3 "three layers, not three full trees"
}
