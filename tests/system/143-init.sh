# --init: catatonit as PID 1 in front of the container's command.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
}

teardown() {
  roost rm -f -a >/dev/null 2>&1
}

test_init_is_pid_1() {
  run_roost 0 run --rm --init busybox sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; echo $$'
  is "$(sed -n 1p <<<"$stdout")" "/run/podman-init -- sh -c cat /proc/1/cmdline | tr \"\\0\" \" \"; echo; echo \$\$ " \
    "the init runs as PID 1 with the command after --"
  [[ $(sed -n 2p <<<"$stdout") != 1 ]] || fail "the command is not PID 1"
  run_roost 7 run --rm --init busybox sh -c 'exit 7'
}

test_init_forwards_the_stop_signal() {
  # sleep as PID 1 would ignore SIGTERM and need the SIGKILL after the timeout.
  run_roost 0 run -d --init --name i1 busybox sleep 1000
  run_roost 0 inspect --format '{{.HostConfig.Init}} {{json .Config.Cmd}}' i1
  is "$stdout" 'true ["sleep","1000"]'
  run_roost 0 ps --format '{{.Command}}'
  is "$stdout" "sleep 1000" "ps shows the command, not the init"
  run_roost 0 stop -t 60 i1
  run_roost 0 inspect --format '{{.State.ExitCode}}' i1
  is "$stdout" 143 "sleep died of the SIGTERM the init forwarded, not of SIGKILL"
}

test_init_reaps_zombies() {
  # The subshell exits at once, so its child is reparented to PID 1: sleep,
  # which never waits, or the init, which reaps it. The child leaves a file
  # just before it exits.
  local cmd='(sh -c "touch /tmp/orphan-done; exit 0" &); exec sleep 1000'
  run_roost 0 run -d --name plain busybox sh -c "$cmd"
  run_roost 0 run -d --init --name reaped busybox sh -c "$cmd"
  local zombies='for i in $(seq 50); do [ -e /tmp/orphan-done ] && break; sleep 0.1; done; sleep 0.5
    cat /proc/[0-9]*/stat 2>/dev/null | grep -c ") Z " || true'
  run_roost 0 exec plain sh -c "$zombies"
  is "$stdout" 1 "without an init the orphan stays a zombie"
  run_roost 0 exec reaped sh -c "$zombies"
  is "$stdout" 0 "the init reaped it"
}

test_init_path_errors() {
  run_roost 125 run --rm --init --init-path /nonexistent/init busybox true
  assert_contains "$stderr" "/nonexistent/init"
  run_roost 0 ps -a -q
  is "$stdout" "" "nothing created"
}
