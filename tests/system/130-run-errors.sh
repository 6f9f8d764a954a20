# roost run with bad input: the message, the exit code, and nothing left.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
}

assert_nothing_left() {
  run_roost 0 ps -a -q
  is "$output" "" "no container records left"
  is "$(ls -A "$(graph_root)/containers" 2>/dev/null)" "" "no container layers left"
  is "$(grep -F "$TEST_TMP" /proc/self/mountinfo)" "" "no mounts left under $TEST_TMP"
  is "$(mount | grep -F "$(graph_root)")" "" "mount shows nothing of the store"
}

test_unknown_image() {
  run_roost 125 run --rm nosuchimage true
  is "$output" "Error: nosuchimage: image not known"
  run_roost 125 run nosuchimage
  is "$output" "Error: nosuchimage: image not known"
  assert_nothing_left
}

test_command_not_found_127() {
  run_roost 127 run --rm busybox nosuchcommand
  assert_contains "$output" 'executable file "nosuchcommand" not found'
  run_roost 127 run --rm busybox /no/such/path
  assert_nothing_left
}

test_not_executable_126() {
  run_roost 126 run --rm busybox /etc/passwd
  assert_contains "$output" "/etc/passwd"
  assert_nothing_left
}

test_missing_bind_source() {
  local src=/nonexistent-$(random_string)
  run_roost 125 run --rm -v "$src:/data" busybox true
  is "$output" "Error: statfs $src: no such file or directory"
  run_roost 125 run -v "$src:/data" busybox true
  is "$output" "Error: statfs $src: no such file or directory"
  run_roost 125 run --rm -v "relative:/data" busybox true
  assert_contains "$output" "not supported yet"
  run_roost 125 run --rm -v "$TEST_TMP:data" busybox true
  assert_contains "$output" "must be absolute"
  assert_nothing_left
}

test_unknown_capability() {
  run_roost 125 run --rm --cap-add FOO busybox true
  assert_contains "$output" 'unknown capability "CAP_FOO"'
  run_roost 125 run --cap-drop NOPE busybox true
  assert_contains "$output" 'unknown capability "CAP_NOPE"'
  assert_nothing_left
}

test_malformed_seccomp_profile() {
  printf '{"defaultAction": ' >"$TEST_TMP/bad.json"
  run_roost 125 run --rm --security-opt "seccomp=$TEST_TMP/bad.json" busybox true
  assert_contains "$output" "seccomp"
  run_roost 125 run --rm --security-opt "seccomp=$TEST_TMP/missing.json" busybox true
  assert_contains "$output" "$TEST_TMP/missing.json"
  run_roost 125 run --rm --security-opt bogus busybox true
  assert_contains "$output" 'invalid --security-opt "bogus"'
  assert_nothing_left
}

test_bad_flags() {
  run_roost 125 run --rm --network bridge0 busybox true
  is "$output" 'Error: network mode "bridge0" is not supported: use slirp4netns[:OPTIONS], pasta[:OPTIONS], none, host, container:NAME or ns:PATH'
  run_roost 125 run --rm --runtime /nonexistent busybox true
  is "$output" 'Error: runtime "/nonexistent" not found'
  run_roost 125 run --rm --ulimit nofile=abc busybox true
  assert_contains "$output" "nofile=abc"
  run_roost 125 run --rm
  assert_contains "$output" "image name must be given"
  assert_nothing_left
}

test_rm_container_that_fails_to_start() {
  # The user does not exist in the image: the container is created, then
  # fails before its command runs.
  run_roost '?' run --rm -u nosuchuser busybox true
  ((status != 0)) || fail "a missing user must fail the run"
  assert_contains "$output" "nosuchuser"
  assert_nothing_left
}

test_killed_by_signal_128_plus_n() {
  local secs=$((RANDOM + 100000))
  roost run --rm --name victim busybox sleep "$secs" >"$TEST_TMP/out" 2>&1 &
  local bg=$! pid="" i
  for ((i = 0; i < 100; i++)); do
    pid=$(roost inspect victim 2>/dev/null | jq -r '.[0].State.Pid // 0' 2>/dev/null)
    [[ -n $pid && $pid != 0 ]] && break
    sleep 0.1
  done
  [[ -n $pid && $pid != 0 ]] || fail "the container never ran"
  kill -KILL "$pid"
  wait "$bg"
  is "$?" "137" "exit code 128+9"
  pgrep -f "sleep $secs" && fail "no process of the container remains"
  assert_nothing_left
}
