# Restart policies, applied by the detached container's monitor.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
}

teardown() {
  roost rm -f -a >/dev/null 2>&1
}

# Waits (up to 20 s) until no monitor of this test runs.
wait_for_no_monitor() {
  local i
  for ((i = 0; i < 200; i++)); do
    [[ -z $(monitor_pids) ]] && return 0
    sleep 0.1
  done
  fail "a monitor still runs: $(monitor_pids)"
}

test_on_failure_with_a_limit() {
  run_roost 0 run -d --name f1 --restart on-failure:2 busybox sh -c 'echo run; exit 3'
  wait_for_no_monitor
  run_roost 0 inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}} {{json .HostConfig.RestartPolicy}}' f1
  is "$stdout" 'exited 3 2 {"MaximumRetryCount":2,"Name":"on-failure"}' "two restarts, then it stays exited"
  run_roost 0 logs f1
  is "$stdout" "$(printf 'run\nrun\nrun')" "three runs, one log"
}

test_on_failure_not_after_success() {
  run_roost 0 run -d --name f2 --restart on-failure busybox true
  wait_for_no_monitor
  run_roost 0 inspect --format '{{.State.Status}} {{.RestartCount}}' f2
  is "$stdout" "exited 0"
}

test_always_until_stopped() {
  run_roost 0 run -d --name a1 --restart always busybox sh -c 'echo run; sleep 0.2'
  local i
  for ((i = 0; i < 100; i++)); do
    [[ $(roost inspect --format '{{.RestartCount}}' a1) -ge 2 ]] && break
    sleep 0.1
  done
  run_roost 0 inspect --format '{{.RestartCount}}' a1
  ((stdout >= 2)) || fail "restarted at least twice (RestartCount $stdout)"
  run_roost 0 stop -t 1 a1
  wait_for_no_monitor
  local count
  count=$(roost inspect --format '{{.RestartCount}}' a1)
  sleep 1
  run_roost 0 inspect --format '{{.State.Status}} {{.RestartCount}}' a1
  is "$stdout" "exited $count" "a stopped container stays stopped"
  # Started again by the user, the policy applies again, counting its
  # restarts from 0 (as podman's RestartCount).
  run_roost 0 start a1
  for ((i = 0; i < 100; i++)); do
    [[ $(roost inspect --format '{{.RestartCount}}' a1) -ge 1 ]] && break
    sleep 0.1
  done
  run_roost 0 inspect --format '{{.RestartCount}}' a1
  ((stdout >= 1)) || fail "restarting again after start (RestartCount $stdout)"
  run_roost 0 rm -f a1
  wait_for_no_monitor
  run_roost 0 ps -a -q
  is "$stdout" "" "rm -f of a restarting container leaves nothing"
}

test_start_counts_restarts_from_0() {
  run_roost 0 run -d --name f3 --restart on-failure:1 busybox sh -c 'echo run; exit 3'
  wait_for_no_monitor
  run_roost 0 start f3
  wait_for_no_monitor
  run_roost 0 inspect --format '{{.State.Status}} {{.RestartCount}}' f3
  is "$stdout" "exited 1" "the user's start, then one restart again"
  run_roost 0 logs f3
  is "$(grep -c run <<<"$stdout")" "4" "two runs each time"
}

test_bad_restart_policies() {
  run_roost 125 run -d --restart sometimes busybox true
  assert_contains "$stderr" 'invalid restart policy "sometimes"'
  run_roost 125 run -d --restart always:3 busybox true
  assert_contains "$stderr" 'only on-failure takes a retry count'
  run_roost 125 run -d --restart on-failure:x busybox true
  run_roost 125 run --rm --restart always busybox true
  assert_contains "$stderr" "the --rm option conflicts with --restart"
  run_roost 0 ps -a -q
  is "$stdout" "" "nothing created"
}

# In the foreground, as podman 4.3: the first run is attached, the restarts
# are not (their output goes to the log), and `run` returns once the policy
# gives up, with the last run's exit code.
test_foreground_on_failure() {
  mkdir -m 0777 "$TEST_TMP/count"
  run_roost 4 run --name g1 -v "$TEST_TMP/count:/count" --restart on-failure:2 busybox \
    sh -c 'echo run; if [ -e /count/ran ]; then exit 4; fi; touch /count/ran; exit 3'
  is "$stdout" "run" "only the first run's output"
  run_roost 0 inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' g1
  is "$stdout" "exited 4 2" "two restarts, done when run returns"
  is "$(monitor_pids)" "" "no monitor left"
  run_roost 0 logs g1
  is "$stdout" "run"$'\n'"run" "the restarts' output is in the log"
}

# run -it on a terminal goes through a monitor (so that the user can
# detach): the same.
test_foreground_on_a_terminal_on_failure() {
  mkdir -m 0777 "$TEST_TMP/count"
  on_terminal 4 24 80 "" run -it --name g4 -v "$TEST_TMP/count:/count" --restart on-failure:2 busybox \
    sh -c 'echo run; if [ -e /count/ran ]; then exit 4; fi; touch /count/ran; exit 3'
  is "$(grep -c run <<<"$output")" 1 "only the first run's output"
  run_roost 0 inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' g4
  is "$stdout" "exited 4 2" "two restarts, done when run returns"
  is "$(monitor_pids)" "" "no monitor left"
}

test_foreground_not_after_success() {
  run_roost 0 run --name g2 --restart on-failure busybox sh -c 'echo once'
  is "$stdout" "once"
  run_roost 0 inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' g2
  is "$stdout" "exited 0 0"
}

test_foreground_always_until_stopped() {
  "$ROOST" "${ROOST_OPTS[@]}" run --name g3 --restart always busybox sh -c 'echo run; sleep 0.3' \
    >"$TEST_TMP/out" 2>&1 &
  local fg=$! i
  for ((i = 0; i < 100; i++)); do
    [[ $(roost inspect --format '{{.RestartCount}}' g3 2>/dev/null) -ge 1 ]] && break
    sleep 0.1
  done
  kill -0 "$fg" 2>/dev/null || fail "run returned while the policy still restarts the container"
  run_roost 0 stop -t 1 g3
  local rc=0
  wait "$fg" || rc=$?
  is "$(head -n 1 "$TEST_TMP/out")" "run" "the first run's output"
  run_roost 0 inspect --format '{{.State.Status}} {{.State.ExitCode}}' g3
  is "$stdout" "exited $rc" "run returned with the last run's exit code, once stopped"
  wait_for_no_monitor
}
