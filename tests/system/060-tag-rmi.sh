# roost tag and roost rmi.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
}

test_tag_adds_names() {
  run_roost 0 tag busybox mine quay.io/me/bb:v2
  run_roost 0 image inspect "$BUSYBOX_ID"
  is "$(jq -r '.[0].RepoTags | join(" ")' <<<"$output")" "localhost/busybox:latest localhost/mine:latest quay.io/me/bb:v2"
}

test_tag_errors() {
  run_roost 125 tag nosuchimage foo
  is "$output" "Error: nosuchimage: image not known"
  run_roost 125 tag busybox UPPER/Case
  assert_contains "$output" "must be lowercase"
  run_roost 125 tag busybox
  assert_contains "$output" "requires at least 2 arguments"
}

test_rmi_by_name_untags_first() {
  run_roost 0 tag busybox mine
  run_roost 0 rmi mine
  is "$output" "Untagged: localhost/mine:latest"
  run_roost 0 rmi busybox
  is "$output" "Untagged: localhost/busybox:latest"$'\n'"Deleted: $BUSYBOX_ID"
  run_roost 0 images -q
  is "$output" "" "gone"
  assert_store_empty
}

test_rmi_by_id_with_several_names_needs_force() {
  run_roost 0 tag busybox mine
  run_roost 125 rmi "${BUSYBOX_ID:0:12}"
  assert_contains "$output" "more than one tag"
  run_roost 0 images -q
  is "$output" "${BUSYBOX_ID:0:12}" "still there"
  run_roost 0 rmi -f "${BUSYBOX_ID:0:12}"
  assert_contains "$output" "Deleted: $BUSYBOX_ID"
  assert_store_empty
}

test_rmi_by_digest() {
  run_roost 0 rmi "sha256:$BUSYBOX_ID"
  assert_contains "$output" "Deleted: $BUSYBOX_ID"
}

test_rmi_unknown() {
  run_roost 125 rmi nosuchimage
  is "$output" "Error: nosuchimage: image not known"
  run_roost 0 images -q
  is "$output" "${BUSYBOX_ID:0:12}" "other images untouched"
}

test_rmi_keeps_shared_layers() {
  run_roost 0 load -i "$FIXTURES/multilayer-docker-archive.tar"
  local before
  before=$(ls "$(graph_root)/layers" | wc -l)
  run_roost 0 rmi -a
  run_roost 0 images -q
  is "$output" "" "all removed"
  assert_store_empty
  ((before >= 4)) || fail "expected at least 4 layers before removal, got $before"
}
