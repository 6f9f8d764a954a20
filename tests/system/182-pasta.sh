# --network pasta (Debian's passt): a published TCP port reached on
# 127.0.0.1, pasta gone once the container exits, its DNS forwarder in the
# container's resolv.conf, and a clear error when pasta is missing. Loopback only.

# shellcheck source=netlib.sh
source "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"

# pasta processes of this test: their PID file is in a run directory under
# $TEST_TMP. (Their name is passt or passt.avx2; the command line says pasta.)
pasta_pids() {
  local p
  for p in $(pgrep -f "pasta --config-net"); do
    [[ $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) == *" --pid $TEST_TMP/"* ]] && echo "$p"
  done
  return 0
}
no_pasta() { [[ -z $(pasta_pids) ]]; }
# As root, pasta gets the container's network namespace bind-mounted in the
# run directory; none may stay.
no_netns_mount() {
  ! grep -q " $TEST_TMP/.*/pasta.netns " /proc/self/mountinfo || fail "mount left: $(grep pasta.netns /proc/self/mountinfo)"
}

skip_unless_pasta_runs() {
  command -v pasta >/dev/null || skip "pasta is not installed (Debian package passt)"
}

test_pasta_published_tcp_port() {
  skip_unless_pasta_runs
  local port
  port=$(free_port SOCK_STREAM)
  start_bg --rm --network pasta -p "127.0.0.1:$port:8080" busybox sh -c 'echo pong | nc -l -p 8080'
  # Looked for before connecting: once the one connection ends, so do the
  # container and its pasta.
  wait_until 10 eval '[[ -n $(pasta_pids) ]]' || fail "no pasta process found while the container runs"
  is "$(tcp_reply "$port")" "pong" "the host reached the server in the container through pasta"
  finish_bg
  is "$bg_status" 0 "roost run's exit code"
  assert_contains "$(cat "$TEST_TMP/bg.out")" "ping" "the container got the host's message"
  wait_until 10 no_pasta || fail "pasta left running: $(pasta_pids)"
  no_netns_mount
}

test_pasta_gone_after_a_detached_container_stops() {
  skip_unless_pasta_runs
  run_roost 0 run -d --name p --network pasta busybox sleep 300
  wait_until 10 eval '[[ -n $(pasta_pids) ]]' || fail "no pasta while the container runs"
  run_roost 0 container inspect p
  is "$(jq -r '.[0].HostConfig.NetworkMode' <<<"$stdout")" pasta
  run_roost 0 stop -t 0 p
  wait_until 10 no_pasta || fail "pasta left running: $(pasta_pids)"
  no_netns_mount
  run_roost 0 rm p
}

test_pasta_gone_after_kill_9_of_the_monitor() {
  skip_unless_pasta_runs
  run_roost 0 run -d --name p --network pasta busybox sleep 300
  wait_until 10 eval '[[ -n $(pasta_pids) ]]' || fail "no pasta while the container runs"
  local monitor
  monitor=$(roost inspect p --format '{{.State.ConmonPid}}')
  kill -9 "$monitor"
  # The next roost command reconciles the container and ends its pasta.
  run_roost 0 ps -a --format '{{.Names}} {{.Status}}'
  assert_contains "$output" "p Exited"
  wait_until 10 no_pasta || fail "pasta left running: $(pasta_pids)"
  no_netns_mount
  run_roost 0 rm p
}

test_pasta_dns_forwarder() {
  skip_unless_pasta_runs
  # Only what roost sets up is checked: no lookup leaves the machine.
  run_roost 0 run -d --name p --network pasta busybox sleep 300
  wait_until 10 eval '[[ -n $(pasta_pids) ]]' || fail "no pasta while the container runs"
  local cmdline
  cmdline=$(tr '\0' ' ' <"/proc/$(pasta_pids | head -1)/cmdline")
  assert_contains "$cmdline" " --dns-forward 169.254.1.1 " "pasta answers DNS at 169.254.1.1"
  run_roost 0 exec p cat /etc/resolv.conf
  is "$(grep -m1 nameserver <<<"$output")" "nameserver 169.254.1.1" "the container's first nameserver is pasta's forwarder"
  [[ $output != *"nameserver 127."* ]] || fail "a loopback nameserver, unreachable from the container: $output"
  run_roost 0 rm -f p
  wait_until 10 no_pasta || fail "pasta left running: $(pasta_pids)"
  no_netns_mount
}

test_pasta_missing() {
  path_without pasta
  PATH=$TEST_TMP/bin run_roost 125 run --rm --network pasta busybox true
  assert_contains "$output" "pasta is not installed"
  assert_contains "$output" "install the Debian package passt"
  run_roost 0 ps -a -q
  is "$output" "" "--rm removed the container that could not start"
}
