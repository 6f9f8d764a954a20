# Crash recovery of detached containers: a killed monitor, a cleared runtime
# directory (as after a reboot), a killed container process.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
}

teardown() {
  roost rm -f -a >/dev/null 2>&1
}

run_root() {
  if [[ $TEST_MODE == root ]]; then echo "$TEST_TMP/run"; else echo "$XDG_RUNTIME_DIR/roost"; fi
}

# Nothing of the store is mounted in this mount namespace.
assert_no_mounts() {
  local g
  g=$(graph_root)
  grep -F " $g/" /proc/self/mountinfo && fail "mounts of the store are left"
  return 0
}

test_killed_monitor_is_reconciled() {
  local secs=$((RANDOM + 100000))
  run_roost 0 run -d --name m busybox sleep "$secs"
  local id=$stdout pid mon
  pid=$(roost inspect m | jq -r '.[0].State.Pid')
  mon=$(monitor_pids "$id")
  [[ $mon =~ ^[0-9]+$ ]] || fail "a monitor runs (got '$mon')"
  kill -9 "$mon"
  local i
  for ((i = 0; i < 50; i++)); do [[ -e /proc/$mon ]] || break; sleep 0.1; done
  run_roost 0 ps -a
  # The container dies with its monitor (or is killed by the reconciling):
  # which code it ended with nobody saw.
  assert_match "$(sed -n 2p <<<"$output")" "Exited \\((137|255)\\) .* +m\$" "shown exited"
  run_roost 0 ps -q
  is "$output" "" "not running"
  for ((i = 0; i < 50; i++)); do [[ -e /proc/$pid ]] || break; sleep 0.1; done
  [[ ! -e /proc/$pid ]] || fail "the container's process is gone"
  pgrep -f "sleep $secs" && fail "no process of the container is left"
  assert_no_mounts
  run_roost 0 start m
  wait_for_status m running
  run_roost 0 rm -f m
  is "$(monitor_pids)" "" "no monitor left"
}

test_cleared_runtime_dir_means_not_running() {
  local secs=$((RANDOM + 100000))
  run_roost 0 run -d --name a busybox sleep "$secs"
  run_roost 0 run -d --name b busybox sleep "$secs"
  rm -rf "$(run_root)"
  run_roost 0 ps -q
  is "$stdout" "" "after a (simulated) reboot nothing runs"
  run_roost 0 ps -a --format json
  is "$(jq -r '[.[].State] | join(" ")' <<<"$stdout")" "exited exited"
  pgrep -f "sleep $secs" && fail "no process of the old containers is left"
  is "$(monitor_pids)" "" "no monitor left"
  assert_no_mounts
  run_roost 0 start a
  wait_for_status a running
  run_roost 0 stop -t 0 a
}

test_killed_container_process() {
  run_roost 0 run -d --name p busybox sleep 1000
  local pid
  pid=$(roost inspect p | jq -r '.[0].State.Pid')
  kill -9 "$pid"
  run_roost 0 wait p
  is "$output" "137" "the monitor records the kill"
  is "$(monitor_pids)" "" "and exits"
}
