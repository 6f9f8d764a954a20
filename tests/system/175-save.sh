# roost save (docker-archive, oci-archive, oci-dir) and roost push to
# oci-archive: and docker-archive:; what is written, roost load and skopeo
# read back.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
  run_roost 0 load -i "$FIXTURES/multilayer-docker-archive.tar"
}

# reload FILE: empties the store and loads FILE back.
reload() {
  run_roost 0 rmi -a -f
  run_roost 0 load -i "$1"
}

test_save_docker_archive_round_trip() {
  run_roost 0 save -o "$TEST_TMP/bb.tar" localhost/busybox
  assert_match "$stderr" "Copying blob sha256:[0-9a-f]{64}"
  assert_contains "$stderr" "Writing manifest to image destination"
  # docker save's layout: plain layer tars named by diff ID, the config, manifest.json.
  local files
  files=$(tar tf "$TEST_TMP/bb.tar" | sed -E 's/^[0-9a-f]{64}/HEX/' | sort | tr '\n' ' ')
  is "$files" "HEX.json HEX.tar manifest.json " "a config, a layer tar and manifest.json"
  is "$(tar xOf "$TEST_TMP/bb.tar" manifest.json | jq -c '.[0].RepoTags')" '["localhost/busybox:latest"]'
  local config
  config=$(skopeo inspect --config "docker-archive:$TEST_TMP/bb.tar") || fail "skopeo cannot read the docker-archive"
  is "$(jq -r '.config.Labels["org.roost.fixture"]' <<<"$config")" busybox "skopeo sees the image's config"
  reload "$TEST_TMP/bb.tar"
  is "$stdout" "Loaded image: localhost/busybox:latest"
  run_roost 0 run --rm localhost/busybox cat /etc/group
  assert_contains "$stdout" "root:x:0:"
}

test_save_several_images_into_one_docker_archive() {
  run_roost 0 save -q -o "$TEST_TMP/both.tar" localhost/busybox multilayer
  is "$output" "" "nothing printed with -q"
  is "$(tar xOf "$TEST_TMP/both.tar" manifest.json | jq -r '[.[].RepoTags[0]] | join(" ")')" \
    "localhost/busybox:latest localhost/multilayer:latest" "both images, each under the name given"
  skopeo inspect "docker-archive:$TEST_TMP/both.tar:localhost/multilayer:latest" >/dev/null ||
    fail "skopeo cannot read the second image"
  reload "$TEST_TMP/both.tar"
  assert_contains "$stdout" "Loaded image: localhost/busybox:latest"
  assert_contains "$stdout" "Loaded image: localhost/multilayer:latest"
  run_roost 0 run --rm localhost/multilayer ls /data /opaque
  is "$(tr '\n' ' ' <<<"$stdout")" "/data: added keep  /opaque: new " "whiteouts survive save and load"
}

test_save_by_id_records_no_name() {
  run_roost 0 save -q -o "$TEST_TMP/id.tar" "${BUSYBOX_ID:0:12}"
  is "$(tar xOf "$TEST_TMP/id.tar" manifest.json | jq -c '.[0].RepoTags')" '[]'
  reload "$TEST_TMP/id.tar"
  assert_match "$stdout" "^Loaded image: sha256:[0-9a-f]{64}$"
}

test_save_oci_archive_round_trip() {
  run_roost 0 save --format oci-archive -o "$TEST_TMP/oci.tar" localhost/multilayer
  local files
  files=$(tar tf "$TEST_TMP/oci.tar" | tr '\n' ' ')
  assert_contains "$files" "oci-layout"
  assert_contains "$files" "index.json"
  local config
  config=$(skopeo inspect --config "oci-archive:$TEST_TMP/oci.tar") || fail "skopeo cannot read the oci-archive"
  is "$(jq -r '.rootfs.diff_ids | length' <<<"$config")" 3 "three layers"
  reload "$TEST_TMP/oci.tar"
  is "$stdout" "Loaded image: localhost/multilayer:latest"
  run_roost 0 run --rm localhost/multilayer cat /data/keep
}

test_save_oci_dir_round_trip() {
  run_roost 0 save --format oci-dir -o "$TEST_TMP/layout" localhost/busybox
  [[ -f $TEST_TMP/layout/index.json && -f $TEST_TMP/layout/oci-layout ]] || fail "no OCI layout written"
  skopeo inspect "oci:$TEST_TMP/layout:localhost/busybox:latest" >/dev/null || fail "skopeo cannot read the layout"
  is "$(find "$TEST_TMP" -maxdepth 1 -name '*.roost-*' | wc -l)" 0 "no temporary directory left"
  reload "$TEST_TMP/layout"
  is "$stdout" "Loaded image: localhost/busybox:latest"
}

test_save_to_standard_output() {
  roost save localhost/busybox >"$TEST_TMP/out.tar" 2>"$TEST_TMP/err" || fail "save to a pipe failed: $(cat "$TEST_TMP/err")"
  reload "$TEST_TMP/out.tar"
  is "$stdout" "Loaded image: localhost/busybox:latest"
}

test_save_refuses_a_terminal() {
  local out rc
  out=$(printf '' | timeout -k 5 60 python3 "$(dirname "${BASH_SOURCE[0]}")/ptyexpect.py" --timeout 20 -- \
    "$ROOST" "${ROOST_OPTS[@]}" save localhost/busybox)
  rc=$?
  echo "$out"
  is "$rc" 125 "exit code on a terminal"
  assert_contains "$out" "refusing to write an image archive to the terminal: use -o FILE or redirect"
  is "$(wc -l <<<"$out")" 1 "one line, no archive bytes"
}

test_failed_save_leaves_the_old_file() {
  local layer
  layer=$(ls "$(graph_root)/layers" | head -n 1)
  echo old >"$TEST_TMP/out.tar"
  # A layer gone from the store (for a moment): saving fails midway.
  mv "$(graph_root)/layers/$layer" "$TEST_TMP/away"
  run_roost 125 save -q -o "$TEST_TMP/out.tar" localhost/busybox localhost/multilayer
  mv "$TEST_TMP/away" "$(graph_root)/layers/$layer"
  is "$(wc -l <<<"$output")" 1 "a one-line error"
  is "$(cat "$TEST_TMP/out.tar")" old "the file is as it was"
  is "$(ls -A "$TEST_TMP" | grep -c roost-output)" 0 "no temporary file left"
  run_roost 125 save --format oci-dir -o "$TEST_TMP/new-layout" localhost/busybox no-such-image
  [[ ! -e $TEST_TMP/new-layout ]] || fail "a layout was written for a failed save"
}

test_save_errors() {
  run_roost 125 save --format tarball -o "$TEST_TMP/x" localhost/busybox
  assert_contains "$output" 'unknown format "tarball" (use docker-archive, oci-archive or oci-dir)'
  run_roost 125 save --format oci-dir localhost/busybox
  assert_contains "$output" "--format oci-dir writes a directory: give it with -o DIR"
  run_roost 125 save --format oci-archive -o "$TEST_TMP/x" localhost/busybox localhost/multilayer
  assert_contains "$output" 'unsupported format "oci-archive" for saving multiple images (only docker-archive)'
  run_roost 125 save -o "$TEST_TMP/x" no-such-image
  assert_contains "$output" "no-such-image"
  [[ ! -e $TEST_TMP/x ]] || fail "a file was written for a failed save"
}

test_push_to_oci_archive() {
  run_roost 0 push localhost/multilayer "oci-archive:$TEST_TMP/p.tar:localhost/pushed:1"
  assert_contains "$stderr" "Writing manifest to image destination"
  skopeo inspect "oci-archive:$TEST_TMP/p.tar" >/dev/null || fail "skopeo cannot read the oci-archive"
  reload "$TEST_TMP/p.tar"
  is "$stdout" "Loaded image: localhost/pushed:1"
  run_roost 0 run --rm localhost/pushed:1 cat /data/keep
}

test_push_to_docker_archive() {
  run_roost 0 push -q localhost/busybox "docker-archive:$TEST_TMP/d.tar:example.com/bb:2"
  is "$output" "" "nothing printed with -q"
  skopeo inspect "docker-archive:$TEST_TMP/d.tar" >/dev/null || fail "skopeo cannot read the docker-archive"
  reload "$TEST_TMP/d.tar"
  is "$stdout" "Loaded image: example.com/bb:2"
  # Without a name in the destination, none is recorded.
  run_roost 0 push -q example.com/bb:2 "docker-archive:$TEST_TMP/plain.tar"
  is "$(tar xOf "$TEST_TMP/plain.tar" manifest.json | jq -c '.[0].RepoTags')" '[]'
  run_roost 125 push example.com/bb:2 "docker-archive:"
  assert_contains "$output" "no path after the transport"
}
