# roost run: what the container sees and what comes back out of it.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
}

# Nothing of any container is left: no record, no layer, no mount.
assert_nothing_left() {
  run_roost 0 ps -a -q
  is "$output" "" "no container records left"
  is "$(ls -A "$(graph_root)/containers" 2>/dev/null)" "" "no container layers left"
  is "$(grep -F "$TEST_TMP" /proc/self/mountinfo)" "" "no mounts left under $TEST_TMP"
}

test_run_echo_and_rm() {
  run_roost 0 run --rm localhost/busybox echo hi
  is "$output" "hi"
  assert_nothing_left
}

test_args_after_image_go_to_the_command() {
  run_roost 0 run --rm busybox ls -d /etc
  is "$output" "/etc" "-d after the image is ls's flag, not roost's"
  run_roost 0 run --rm busybox echo --rm -e X
  is "$output" "--rm -e X"
}

test_exit_code_passes_through() {
  run_roost 3 run --rm busybox sh -c 'exit 3'
  run_roost 0 run --rm busybox true
  run_roost 1 run --rm busybox false
  assert_nothing_left
}

test_env() {
  export ROOST_T_FROM_HOST=outside
  printf '# comment\n\nFILE_VAR=from file\nOVER=file\nROOST_T_FROM_HOST\n' >"$TEST_TMP/env"
  run_roost 0 run --rm --env-file "$TEST_TMP/env" -e OVER=flag -e FOO=bar -e ROOST_T_FROM_HOST -e ROOST_T_UNSET \
    busybox sh -c 'echo "$FOO|$OVER|$FILE_VAR|$ROOST_T_FROM_HOST|${ROOST_T_UNSET-unset}"'
  is "$output" "bar|flag|from file|outside|unset"
  run_roost 0 run --rm busybox sh -c 'echo $PATH'
  assert_contains "$output" "/bin"
  run_roost 125 run --rm --env-file "$TEST_TMP/nonexistent" busybox true
  assert_contains "$output" "$TEST_TMP/nonexistent"
}

test_workdir() {
  run_roost 0 run --rm -w /tmp busybox pwd
  is "$output" "/tmp"
  run_roost 0 run --rm busybox pwd
  is "$output" "/" "the image has no WorkingDir"
}

test_user() {
  skip_if_mode nosubid "only one ID is mapped without sub-IDs"
  run_roost 0 run --rm -u 1000 busybox id -u
  is "$output" "1000"
  run_roost 0 run --rm -u 1000:1000 busybox sh -c 'id -u; id -g'
  is "$output" "1000"$'\n'"1000"
  run_roost 0 run --rm -u nobody busybox sh -c 'id -u; id -g; id -un'
  is "$output" "65534"$'\n'"65534"$'\n'"nobody" "a name resolves through the image's /etc/passwd"
  run_roost 0 run --rm busybox id -u
  is "$output" "0"
}

test_hostname_and_hosts() {
  run_roost 0 run --rm --name named --hostname myhost busybox sh -c 'hostname; cat /etc/hostname; cat /etc/hosts'
  assert_contains "$output" "myhost"$'\n'"myhost"
  assert_match "$output" $'10\\.0\\.2\\.100\tmyhost named' "the container's address with slirp4netns"
  assert_contains "$output" "localhost"
}

test_interactive_stdin() {
  printf 'line one\nline two\n' >"$TEST_TMP/in"
  run_roost 0 run --rm -i busybox cat <"$TEST_TMP/in"
  is "$output" "line one"$'\n'"line two"
  run_roost 0 run --rm busybox cat <"$TEST_TMP/in"
  is "$output" "" "without -i the container's stdin is empty"
}

test_entrypoint() {
  run_roost 0 run --rm --entrypoint echo busybox hello
  is "$output" "hello"
  run_roost 0 run --rm --entrypoint '["echo","a"]' busybox b
  is "$output" "a b"
}

test_bind_mount() {
  mkdir "$TEST_TMP/vol"
  echo outside >"$TEST_TMP/vol/existing"
  run_roost 0 run --rm -v "$TEST_TMP/vol:/data" busybox sh -c 'cat /data/existing; echo inside > /data/new'
  is "$output" "outside"
  is "$(cat "$TEST_TMP/vol/new")" "inside" "the container's write is visible outside"
  is "$(stat -c %u:%g "$TEST_TMP/vol/new")" "$(id -u):$(id -g)" "root in the container writes as the user"
  run_roost 1 run --rm -v "$TEST_TMP/vol:/data:ro" busybox sh -c 'cat /data/existing; echo no > /data/refused'
  assert_contains "$output" "Read-only file system"
  [[ ! -e $TEST_TMP/vol/refused ]] || fail ":ro let the container write"
  assert_nothing_left
}

test_read_only_root() {
  run_roost 1 run --rm --read-only busybox touch /newfile
  assert_contains "$output" "Read-only file system"
  run_roost 0 run --rm busybox touch /newfile
}

test_tmpfs() {
  run_roost 0 run --rm --tmpfs /scratch busybox sh -c 'echo a > /scratch/f && cat /scratch/f && grep " /scratch " /proc/mounts'
  assert_contains "$output" "a"$'\n'"tmpfs /scratch tmpfs"
}

test_network_none_has_only_loopback() {
  run_roost 0 run --rm --network none busybox cat /proc/net/dev
  is "$(grep ':' <<<"$output" | cut -d: -f1 | tr -d ' ' | sort | tr '\n' ' ')" "lo " "only lo"
  run_roost 0 run --rm busybox cat /proc/net/dev
  is "$(grep ':' <<<"$output" | cut -d: -f1 | tr -d ' ' | sort | tr '\n' ' ')" "lo tap0 " "default: slirp4netns's tap0"
}

test_each_run_gets_a_fresh_root() {
  run_roost 0 run --rm busybox sh -c 'echo x > /etc/scribble'
  run_roost 1 run --rm busybox cat /etc/scribble
  assert_contains "$output" "No such file or directory"
}
