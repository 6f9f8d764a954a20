# Detached containers: run -d, start without -a, the monitor, logs, stop,
# kill, wait, restart, rm of running ones.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
}

teardown() {
  roost rm -f -a >/dev/null 2>&1
}

# Waits (up to 10 s) until `roost logs $1` has $2 in its output.
wait_for_log() {
  local i
  for ((i = 0; i < 100; i++)); do
    [[ $(roost logs "$1" 2>&1) == *"$2"* ]] && return 0
    sleep 0.1
  done
  fail "the log of $1 never showed '$2': $(roost logs "$1" 2>&1)"
}

# Nothing of the test's containers runs: no monitor, no process with MARKER.
assert_nothing_running() {
  is "$(monitor_pids)" "" "no monitor left"
  if [[ -n ${1-} ]]; then
    pgrep -f "$1" >/dev/null && fail "a process of the container is left: $(pgrep -af "$1")"
  fi
  return 0
}

test_run_detached_outlives_the_cli() {
  local secs=$((RANDOM + 100000))
  run_roost 0 run -d --name d1 busybox sh -c "echo hello; echo oops >&2; exec sleep $secs"
  local id=$stdout
  assert_match "$id" '^[0-9a-f]{64}$' "run -d prints the full ID and nothing else"
  run_roost 0 ps
  assert_match "$(sed -n 2p <<<"$output")" "^${id:0:12} .* Up (Less than a second|[0-9]+ seconds?) +d1\$"
  wait_for_log d1 hello
  run_roost 0 logs d1
  is "$stdout" "hello" "stdout in the log, on stdout"
  is "$stderr" "oops" "stderr in the log, on stderr"
  local pid
  pid=$(roost inspect d1 | jq -r '.[0].State.Pid')
  is "$(tr '\0' ' ' </proc/"$pid"/cmdline)" "sleep $secs " "the container's process runs"

  local mon
  mon=$(monitor_pids "$id")
  [[ $mon =~ ^[0-9]+$ ]] || fail "one monitor for the container (got '$mon')"
  [[ $(ps -o sid= -p "$mon" | tr -d ' ') != "$(ps -o sid= -p $$ | tr -d ' ')" ]] ||
    fail "the monitor runs in its own session"
  is "$(ps -o tty= -p "$mon" | tr -d ' ')" "?" "the monitor has no controlling terminal"
  [[ $(readlink /proc/"$mon"/cwd) == / ]] || fail "the monitor does not keep the caller's directory busy"
  is "$(cut -d' ' -f3 /proc/"$mon"/stat)" "S" "the monitor sleeps while the container is quiet"

  local log
  log=$(graph_root)/containers/$id/ctr.log
  local ts='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}[+-][0-9]{2}:[0-9]{2}'
  assert_match "$(grep stdout "$log")" "^$ts stdout F hello\$" "k8s-file line format"
  assert_match "$(grep stderr "$log")" "^$ts stderr F oops\$"

  run_roost 0 rm -f d1
  is "$output" "d1"
  assert_nothing_running "sleep $secs"
  [[ ! -e /proc/$pid ]] || fail "the container's process is gone"
  is "$(ls -A "$(graph_root)/containers")" "" "layer and log removed"
}

test_exit_code_and_rm() {
  run_roost 0 run -d --name ex busybox sh -c 'echo bye; exit 3'
  run_roost 0 wait ex
  is "$output" "3" "wait prints the exit code"
  run_roost 0 ps -a
  assert_match "$(sed -n 2p <<<"$output")" "Exited \\(3\\) (Less than a second|[0-9]+ seconds?) ago +ex\$"
  run_roost 0 logs ex
  is "$output" "bye" "the log stays after the exit"
  run_roost 0 inspect ex
  assert_match "$(jq -r '.[0].State.FinishedAt' <<<"$stdout")" '^20[0-9]{2}-' "finish time recorded"
  assert_nothing_running

  run_roost 0 run -d --rm --name gone busybox true
  local i
  for ((i = 0; i < 100; i++)); do
    [[ $(roost ps -a --format json | jq -r '.[].Names[0]' | grep -c '^gone$') == 0 ]] && break
    sleep 0.1
  done
  run_roost 0 ps -a --format json
  is "$(jq -r '.[].Names[0]' <<<"$stdout")" "ex" "--rm removed the detached container when it exited"
  assert_nothing_running
}

test_start_detached_and_stop() {
  local secs=$((RANDOM + 100000))
  run_roost 0 create --name c busybox sh -c "echo started; exec sleep $secs"
  local id=$stdout
  run_roost 0 start c
  is "$output" "c" "start prints the name as given"
  run_roost 0 ps
  assert_match "$(sed -n 2p <<<"$output")" "Up .* +c\$"
  wait_for_log c started
  run_roost 0 start c
  is "$output" "c" "starting a running container is a no-op"
  run_roost 0 stop -t 0 "${id:0:12}"
  is "$output" "${id:0:12}" "stop prints the name as given"
  run_roost 0 ps -a
  assert_match "$(sed -n 2p <<<"$output")" "Exited \\(137\\) .* +c\$"
  assert_nothing_running "sleep $secs"
  run_roost 0 stop c
  is "$output" "c" "stopping a stopped container is fine"

  run_roost 0 restart c
  is "$output" "c"
  run_roost 0 ps
  assert_match "$(sed -n 2p <<<"$output")" "Up .* +c\$" "restart started it again"
  run_roost 0 stop --all -t 0
  is "$output" "$id"
  assert_nothing_running "sleep $secs"
}

test_stop_signal_and_timeout() {
  # PID 1 of a PID namespace ignores signals it has no handler for: sleep
  # only dies of the SIGKILL after the timeout.
  run_roost 0 run -d --name sl busybox sleep 1000
  run_roost 0 stop -t 1 sl
  is "$stdout" "sl"
  assert_contains "$stderr" "StopSignal SIGTERM failed to stop container sl in 1 seconds, resorting to SIGKILL"
  run_roost 0 wait sl
  is "$output" "137"

  run_roost 0 run -d --name tr busybox sh -c 'trap "exit 7" TERM; echo ready; while :; do sleep 0.1; done'
  wait_for_log tr ready
  run_roost 0 stop tr
  is "$output" "tr"
  run_roost 0 wait tr
  is "$output" "7" "the container's own handler ran"

  run_roost 0 run -d --name us --stop-signal USR1 --stop-timeout 30 busybox \
    sh -c 'trap "exit 5" USR1; echo ready; while :; do sleep 0.1; done'
  wait_for_log us ready
  run_roost 0 inspect us
  run_roost 0 stop us
  run_roost 0 wait us
  is "$output" "5" "--stop-signal is what stop sends"
  run_roost 125 run -d --stop-signal NOPE busybox true
  is "$output" "Error: invalid signal: NOPE"
  assert_nothing_running
}

test_kill() {
  run_roost 0 run -d --name k busybox sh -c 'trap "exit 9" USR1; echo ready; while :; do sleep 0.1; done'
  local id=$stdout
  wait_for_log k ready
  run_roost 125 kill -s FOO k
  is "$output" "Error: invalid signal: FOO"
  run_roost 125 kill -s 99 k
  is "$output" "Error: valid signals are 1 through 64"
  run_roost 0 kill -s SIGUSR1 k
  is "$output" "k"
  run_roost 0 wait k
  is "$output" "9"
  run_roost 125 kill k
  is "$output" "Error: can only kill running containers. $id is in state exited: container state improper"
  run_roost 0 start k
  wait_for_status k running
  run_roost 0 kill -s 10 k
  run_roost 0 wait k
  is "$output" "9" "signals by number"
  run_roost 0 start k
  wait_for_status k running
  run_roost 0 kill k
  run_roost 0 wait k
  is "$output" "137" "SIGKILL by default"
  assert_nothing_running
}

test_errors_for_missing_containers() {
  local verb
  for verb in stop kill wait restart logs; do
    run_roost 125 "$verb" nosuch
    is "$output" 'Error: no container with name or ID "nosuch" found: no such container' "$verb"
  done
  run_roost 0 create --name cr busybox true
  local id=$stdout
  run_roost 125 kill cr
  is "$output" "Error: can only kill running containers. $id is in state created: container state improper"
  run_roost 0 wait cr
  is "$output" "0" "a created container has not failed"
}

test_rm_of_a_running_detached_container() {
  local secs=$((RANDOM + 100000))
  run_roost 0 run -d --name r busybox sleep "$secs"
  local id=$stdout
  run_roost 2 rm r
  is "$output" "Error: cannot remove container $id as it is running - running or paused containers cannot be removed without force: container state improper"
  run_roost 0 ps -q
  is "$output" "${id:0:12}" "still running"
  run_roost 0 rm -f r
  assert_nothing_running "sleep $secs"
  run_roost 0 ps -a -q
  is "$output" ""
}

test_command_not_found() {
  run_roost 127 run -d --name nf busybox nosuchcmd
  is "$stdout" "" "no ID when it did not start"
  is "$stderr" 'Error: executable file "nosuchcmd" not found in $PATH: No such file or directory'
  run_roost 0 ps -a --format json
  is "$(jq -r '.[0].State' <<<"$stdout")" "exited"
  assert_nothing_running
}

test_stdin_and_tty() {
  run_roost 0 run -d --name noin busybox sh
  run_roost 0 wait noin
  is "$output" "0" "without -i, stdin is /dev/null: sh reads EOF and exits"
  run_roost 0 run -di --name in busybox sh
  sleep 0.5
  run_roost 0 ps --format json
  is "$(jq -r '.[].Names[0]' <<<"$stdout")" "in" "with -i, stdin stays open and sh waits"
  run_roost 0 run -dt --name t busybox sh -c 'tty; echo done'
  run_roost 0 wait t
  run_roost 0 logs t
  is "$(tr -d '\r' <<<"$output")" "/dev/pts/0"$'\n'"done" "with -t, the log is the terminal's output"
  run_roost 0 stop -t 0 in
  assert_nothing_running
}

test_logs_options() {
  run_roost 0 run -d --name l busybox sh -c 'echo one; echo two; printf part; echo three >&2'
  run_roost 0 wait l
  run_roost 0 logs l
  is "$stdout" "one"$'\n'"two"$'\n'"part" "partial lines are joined, not broken"
  is "$stderr" "three"
  run_roost 0 logs --tail 2 l
  is "$stdout" "two"$'\n'"part"
  is "$stderr" "three"
  run_roost 0 logs --tail 1 l
  is "$stdout" "" "a partial line of another stream is not part of the last line"
  is "$stderr" "three"
  run_roost 0 logs -t l
  local ts='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})'
  assert_match "$(head -1 <<<"$stdout")" "^$ts one\$" "-t prefixes each line with its time"
  run_roost 0 logs --since 10m l
  is "$(wc -l <<<"$stdout")" "3" "--since 10m has it all"
  run_roost 0 logs --until 10m l
  is "$output" "" "--until 10m ago has nothing"
  run_roost 0 logs --since "$(date -d '+1 hour' +%s)" l
  is "$output" "" "--since the future has nothing"
  run_roost 0 logs --since "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)" l
  is "$(wc -l <<<"$stdout")" "3" "RFC 3339"
  run_roost 125 logs --since yesterday l
  assert_contains "$output" 'invalid time "yesterday"'
}

test_logs_follow() {
  run_roost 0 run -d --name f busybox sh -c 'echo first; sleep 1; echo second'
  run_roost 0 logs -f f
  is "$output" "first"$'\n'"second" "-f follows until the container exits"
}

test_log_drivers() {
  run_roost 0 run -d --log-driver none --name n busybox echo hidden
  run_roost 0 wait n
  run_roost 125 logs n
  is "$output" "Error: this container is using the 'none' log driver, cannot read logs: this container is not logging output"
  run_roost 125 run -d --log-driver bogus busybox true
  assert_contains "$output" 'invalid log driver "bogus"'
  run_roost 125 run -d --log-opt mode=x busybox true
  assert_contains "$output" 'invalid --log-opt "mode=x"'
  run_roost 0 ps -a -q
  is "$(wc -l <<<"$output")" "1" "nothing created by the refused runs"

  run_roost 0 run -d --name big --log-opt max-size=2kb busybox sh -c 'i=0; while [ $i -lt 300 ]; do echo line $i; i=$((i+1)); done'
  local id=$stdout
  run_roost 0 wait big
  local size
  size=$(stat -c %s "$(graph_root)/containers/$id/ctr.log")
  ((size <= 2000)) || fail "max-size keeps the log at most 2 kB (it is $size bytes)"
  run_roost 0 logs --tail 1 big
  is "$output" "line 299" "the newest lines are kept"
}
