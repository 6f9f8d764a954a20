# roost cp: files and directories between the host and a container, stopped
# or running, tar streams with -, and symlinks that must not lead outside.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
  mkdir -p "$TEST_TMP/host/srcdir/sub"
  echo one >"$TEST_TMP/host/srcdir/sub/a"
  echo top >"$TEST_TMP/host/file"
}

test_copy_into_and_out_of_a_stopped_container() {
  run_roost 0 create --name c busybox true
  run_roost 0 cp "$TEST_TMP/host/file" c:/tmp/
  run_roost 0 cp "$TEST_TMP/host/srcdir" c:/tmp/newdir
  run_roost 0 cp c:/tmp/file "$TEST_TMP/back"
  is "$(cat "$TEST_TMP/back")" "top" "a file in and out again"
  run_roost 0 cp c:/tmp/newdir "$TEST_TMP/host/"
  is "$(cat "$TEST_TMP/host/newdir/sub/a")" "one" "a directory into an existing one keeps its name"
  run_roost 0 cp c:/etc/passwd "$TEST_TMP/host/pw"
  assert_contains "$(cat "$TEST_TMP/host/pw")" "user:x:1000:1000" "the container's file, owned by the user"
  is "$(stat -c %u "$TEST_TMP/host/pw")" "$TEST_UID"
  run_roost 0 start -a c
  run_roost 0 diff c
  assert_contains "$stdout" "A /tmp/newdir/sub/a"
  run_roost 0 commit -q c localhost/withfiles
  run_roost 0 run --rm localhost/withfiles sh -c 'cat /tmp/file /tmp/newdir/sub/a; stat -c "%u:%g" /tmp/file'
  is "$stdout" "top
one
0:0" "copied files belong to the container's root"
}

test_copy_with_a_running_container() {
  run_roost 0 create --name r busybox sleep 60
  roost start -a r >/dev/null 2>&1 &
  local i
  for ((i = 0; i < 100; i++)); do
    [[ $(roost container inspect --format '{{.State.Status}} {{.State.Pid}}' r 2>/dev/null) =~ ^running\ [1-9] ]] && break
    sleep 0.1
  done
  run_roost 0 cp "$TEST_TMP/host/file" r:/root/copied
  run_roost 0 cp r:/root/copied "$TEST_TMP/out"
  is "$(cat "$TEST_TMP/out")" "top"
  run_roost 0 export -o "$TEST_TMP/r.tar" r
  tar -tf "$TEST_TMP/r.tar" | grep -qx root/copied || fail "export of a running container has its files"
  tar -tf "$TEST_TMP/r.tar" | grep -q '^proc/.' && fail "export leaves out the running container's /proc"
  run_roost 0 rm -f r
  wait
}

test_tar_streams() {
  run_roost 0 create --name c busybox true
  tar -C "$TEST_TMP/host" -cf "$TEST_TMP/in.tar" srcdir
  run_roost 0 cp - c:/tmp <"$TEST_TMP/in.tar"
  roost cp c:/tmp/srcdir - >"$TEST_TMP/out.tar" || fail "cp to stdout failed"
  is "$(tar -xOf "$TEST_TMP/out.tar" srcdir/sub/a)" "one" "a tar in and a tar out"
  run_roost 125 cp - c:/etc/passwd <"$TEST_TMP/in.tar"
  assert_contains "$output" "must be a directory"
}

test_symlinks_stay_inside_the_container() {
  mkdir -p "$TEST_TMP/outside"
  run_roost 0 run --name c busybox sh -c "ln -s $TEST_TMP/outside /escape && ln -s / /rootlink && ln -s ../../../../../.. /tmp/up"
  run_roost 125 cp "$TEST_TMP/host/file" c:/escape/
  [[ -e $TEST_TMP/outside/file ]] && fail "a symlink to a host path led the copy out of the container"
  run_roost 0 cp "$TEST_TMP/host/file" c:/tmp/up/landed
  [[ -e /landed ]] && fail "a relative symlink climbed out of the container"
  run_roost 0 cp c:/landed "$TEST_TMP/landed"
  is "$(cat "$TEST_TMP/landed")" "top" "../ past the container's root stays at its root"
  run_roost 0 cp c:/rootlink/etc/passwd "$TEST_TMP/pw"
  assert_contains "$(cat "$TEST_TMP/pw")" "user:x:1000:1000" "a symlink to / reads the container's /"
  python3 - "$TEST_TMP/evil.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    data = b"evil\n"
    info = tarfile.TarInfo("../../../../../../../../tmp/roost-cp-evil")
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))
PY
  run_roost 125 cp - c:/tmp <"$TEST_TMP/evil.tar"
  [[ -e /tmp/roost-cp-evil ]] && fail "a tar entry with .. wrote outside"
  return 0
}

test_bad_copies() {
  run_roost 0 create --name c busybox true
  run_roost 125 cp c:/nonexistent "$TEST_TMP/x"
  assert_contains "$output" '"/nonexistent" could not be found on container c'
  run_roost 125 cp "$TEST_TMP/nonexistent" c:/tmp
  assert_contains "$output" 'could not be found on the host'
  run_roost 125 cp "$TEST_TMP/host/file" c:/nodir/x
  assert_contains "$output" 'destination directory "/nodir" does not exist in container c'
  run_roost 125 cp "$TEST_TMP/host/file" nosuch:/tmp
  assert_contains "$output" 'no container with name or ID "nosuch" found'
  run_roost 125 cp "$TEST_TMP/host/file" "$TEST_TMP/x"
  assert_contains "$output" "name one side as CONTAINER:PATH"
  run_roost 125 cp "$TEST_TMP/host/srcdir" c:/etc/passwd
  assert_contains "$output" "cannot copy a directory onto the file"
}
