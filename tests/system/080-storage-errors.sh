# The store on a file system that is read-only or full.

test_readonly_graph_root() {
  skip_unless_mode root "mounting a read-only file system needs root"
  mkdir "$TEST_TMP/ro"
  mount -t tmpfs -o ro,size=1m tmpfs "$TEST_TMP/ro" || skip "cannot mount tmpfs here"
  ROOST_OPTS=(--root "$TEST_TMP/ro/store" --runroot "$TEST_TMP/run")
  run_roost 125 load -i "$FIXTURES/busybox-docker-archive.tar"
  assert_contains "$output" "$TEST_TMP/ro/store"
  assert_contains "$output" "Read-only file system"
  umount "$TEST_TMP/ro"
}

test_full_graph_root() {
  skip_unless_mode root "mounting a small file system needs root"
  mkdir "$TEST_TMP/small"
  mount -t tmpfs -o size=600k tmpfs "$TEST_TMP/small" || skip "cannot mount tmpfs here"
  ROOST_OPTS=(--root "$TEST_TMP/small/store" --runroot "$TEST_TMP/run")
  run_roost 125 load -i "$FIXTURES/busybox-docker-archive.tar"
  assert_contains "$output" "No space left on device"
  run_roost 0 images -q
  is "$output" "" "no image"
  is "$(ls -A "$TEST_TMP/small/store/layers" "$TEST_TMP/small/store/staging" | grep -v ':$' | grep -v '^$')" "" "nothing half-written left"
  umount "$TEST_TMP/small"
}
