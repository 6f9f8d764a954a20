# roost diff, commit and export: a container's changes as a list, as a new
# image, and its whole file system as a tar; with each storage driver.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
}

# Loads busybox with driver $1 and runs container "c" making changes: a new
# directory and files (one hard-linked, one owned by UID 1000 unless there is
# a single ID), a deleted file, a changed file.
make_changes() {
  ROOST_OPTS+=(--storage-driver "$1")
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
  local chown="chown 1000 /data/f"
  [[ $TEST_MODE == nosubid ]] && chown=true
  run_roost 0 run --name c busybox sh -c "mkdir /data && echo hi >/data/f && ln /data/f /data/hard &&
    $chown && rm /bin/vi && echo 'x:x:5:5::/:/bin/sh' >>/etc/passwd"
}

check_diff() {
  run_roost 0 diff c
  local expected="C /bin
D /bin/vi
A /data
A /data/f
A /data/hard
C /etc
C /etc/passwd"
  is "$stdout" "$expected" "the changes, sorted, without the runtime's mount points"
  run_roost 0 container diff --format json c
  is "$(jq -r '.deleted | join(" ")' <<<"$stdout")" "/bin/vi"
  is "$(jq -r '.added | join(" ")' <<<"$stdout")" "/data /data/f /data/hard"
}

check_commit() {
  run_roost 0 commit -q -m "added data" -a "Tester <t@example.org>" -c 'CMD ["cat", "/data/f"]' -c "ENV STAGE=two" c localhost/committed:v1
  local id=$stdout
  assert_match "$id" '^[0-9a-f]{64}$' "prints the new image ID"
  run_roost 0 images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
  assert_contains "$stdout" "localhost/committed:v1 ${id:0:12}"
  run_roost 0 run --rm localhost/committed:v1
  is "$stdout" "hi" "the new CMD reads the committed file"
  local owner=1000
  [[ $TEST_MODE == nosubid ]] && owner=0
  run_roost 0 run --rm localhost/committed:v1 sh -c 'stat -c "%u %h" /data/f; test -e /bin/vi || echo vi gone; tail -n1 /etc/passwd; echo $STAGE'
  is "$stdout" "$owner 2
vi gone
x:x:5:5::/:/bin/sh
two" "owner, hard link, deletion, change and ENV carried over"
  run_roost 0 image inspect --format '{{.Author}}|{{(index .History 1).Comment}}|{{len .RootFS.Layers}}' localhost/committed:v1
  is "$stdout" "Tester <t@example.org>|added data|2" "author, history and one more layer"
}

check_export() {
  run_roost 0 export -o "$TEST_TMP/c.tar" c
  tar -tf "$TEST_TMP/c.tar" >"$TEST_TMP/list" || fail "export is not a tar"
  grep -qx 'bin/busybox' "$TEST_TMP/list" || fail "the image's files are in the export"
  grep -qx 'data/f' "$TEST_TMP/list" || fail "the container's files are in the export"
  grep -qx 'bin/vi' "$TEST_TMP/list" && fail "a deleted file is not in the export"
  is "$(tar -xOf "$TEST_TMP/c.tar" data/f)" "hi"
  if [[ $TEST_MODE != nosubid ]]; then
    assert_match "$(tar -tvf "$TEST_TMP/c.tar" data/f)" '^-rw-r--r-- 1000/0 ' "owners as the container sees them"
  fi
  ls -A "$TEST_TMP" | grep -q roost-output && fail "no temporary file left"
  return 0
}

test_overlay() {
  make_changes overlay
  check_diff
  check_commit
  check_export
}

test_vfs() {
  make_changes vfs
  check_diff
  check_commit
  check_export
}

test_fuse_overlayfs() {
  make_changes fuse-overlayfs
  check_diff
  check_commit
  check_export
}

test_export_to_stdout_and_bad_targets() {
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
  run_roost 0 create --name fresh busybox true
  roost export fresh >"$TEST_TMP/out.tar" || fail "export to a pipe failed"
  tar -tf "$TEST_TMP/out.tar" | grep -qx bin/busybox || fail "export to stdout is the tar"
  run_roost 125 export -o "$TEST_TMP/missing/dir/c.tar" fresh
  assert_contains "$output" "$TEST_TMP/missing/dir"
  run_roost 125 export -o "$TEST_TMP/x.tar" nosuch
  assert_contains "$output" 'no container with name or ID "nosuch" found'
  [[ -e $TEST_TMP/x.tar ]] && fail "nothing written for a missing container"
  run_roost 125 diff nosuch
  assert_contains "$output" 'no container with name or ID "nosuch" found'
  run_roost 125 commit nosuch localhost/x
  assert_contains "$output" 'no container with name or ID "nosuch" found'
  run_roost 125 commit fresh 'Bad/Name'
  run_roost 0 images -q
  is "$(wc -l <<<"$stdout")" 1 "no image made by failed commits"
}

# The files bind-mounted into every container (/etc/hostname, /etc/hosts,
# /etc/resolv.conf, /run/.containerenv; busybox has none of them, nor /run)
# are the runtime's, not the container's changes: as with podman, a container
# that only ran shows none, while it saw those files in place.
only_ran_has_no_changes() {
  ROOST_OPTS+=(--storage-driver "$1")
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
  run_roost 0 run --name r busybox sh -c 'cat /etc/hostname; test -f /etc/hosts && test -f /etc/resolv.conf &&
    test -f /run/.containerenv && echo targets present'
  assert_contains "$stdout" "targets present"
  run_roost 0 diff r
  is "$stdout" "" "no changes from the mount targets"
}

test_overlay_only_ran_has_no_changes() { only_ran_has_no_changes overlay; }

test_fuse_overlayfs_only_ran_has_no_changes() { only_ran_has_no_changes fuse-overlayfs; }
