# --init: catatonit as PID 1 in front of the container's command, or
# roost's own init when catatonit is not installed.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
}

teardown() {
  roost rm -f -a >/dev/null 2>&1
}

# without_catatonit: a PATH in $TEST_TMP/bin with everything of /usr/bin
# and /usr/sbin but catatonit (/bin is /usr/bin here), as on a host without
# the package.
without_catatonit() {
  mkdir -p "$TEST_TMP/bin"
  local f
  for f in /usr/sbin/* /usr/bin/*; do
    [[ ${f##*/} == catatonit ]] || ln -sf "$f" "$TEST_TMP/bin/"
  done
  echo "$TEST_TMP/bin"
}

# run_root: this test's run root.
run_root() {
  if [[ $TEST_MODE == root ]]; then echo "$TEST_TMP/run"; else echo "$XDG_RUNTIME_DIR/roost"; fi
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
  # just before it exits; it waits first, so that it does not exit while PID 1
  # is still the shell, which would reap it while waiting for the subshell.
  local cmd='(sh -c "sleep 0.3; touch /tmp/orphan-done; exit 0" &); exec sleep 1000'
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

test_own_init_without_catatonit() {
  local path
  path=$(without_catatonit)
  PATH=$path run_roost 0 run --rm --init busybox sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; echo $$'
  is "$(sed -n 1p <<<"$stdout")" "/run/podman-init -- sh -c cat /proc/1/cmdline | tr \"\\0\" \" \"; echo; echo \$\$ " \
    "the init runs as PID 1 with the command after --"
  [[ $(sed -n 2p <<<"$stdout") != 1 ]] || fail "the command is not PID 1"
  PATH=$path run_roost 0 run --rm --init busybox sh -c '/run/podman-init 2>&1; true'
  is "$stdout" "usage: roost-init -- COMMAND [ARG...]" "it is roost's own init, not catatonit"
  run_roost 0 run --rm --init busybox sh -c '/run/podman-init 2>&1; true'
  assert_contains "$stdout" "catatonit" "with catatonit on PATH, catatonit is used"

  # Exit codes as without an init.
  PATH=$path run_roost 0 run --rm --init busybox true
  PATH=$path run_roost 3 run --rm --init busybox sh -c 'exit 3'
  PATH=$path run_roost 137 run --rm --init busybox sh -c 'kill -9 $$'
  PATH=$path run_roost 127 run --rm --init busybox nosuchcmd
  is "$stderr" 'Error: executable file "nosuchcmd" not found in $PATH: No such file or directory' \
    "the same line as without --init"
  PATH=$path run_roost 126 run --rm --init busybox /etc/passwd
  is "$stderr" "Error: /etc/passwd: permission denied"
  if [[ $TEST_MODE != nosubid ]]; then  # one ID only is mapped without sub-IDs
    PATH=$path run_roost 0 run --rm --init -u 1000:1000 busybox id -u
    is "$stdout" 1000 "another user than the container's root runs it too"
  fi
  run_roost 0 ps -a -q
  is "$stdout" "" "--rm removed them all"
}

test_own_init_forwards_signals_and_reaps() {
  local path
  path=$(without_catatonit)
  PATH=$path run_roost 0 run -d --init --name t1 busybox \
    sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done'
  local i
  for ((i = 0; i < 100; i++)); do
    [[ $(roost logs t1 2>&1) == *ready* ]] && break
    sleep 0.1
  done
  run_roost 0 kill -s TERM t1
  run_roost 0 wait t1
  is "$stdout" 7
  run_roost 0 logs t1
  assert_contains "$output" "got-term" "the trap in sh got the SIGTERM sent to the init"

  # As in test_init_reaps_zombies: the orphan is reparented to the init.
  local cmd='(sh -c "sleep 0.3; touch /tmp/orphan-done; exit 0" &); exec sleep 1000'
  PATH=$path run_roost 0 run -d --init --name reaped busybox sh -c "$cmd"
  run_roost 0 exec reaped sh -c 'for i in $(seq 50); do [ -e /tmp/orphan-done ] && break; sleep 0.1; done; sleep 0.5
    cat /proc/[0-9]*/stat 2>/dev/null | grep -c ") Z " || true'
  is "$stdout" 0 "the init reaped it"
  run_roost 0 stop -t 60 reaped
  run_roost 0 inspect --format '{{.State.ExitCode}}' reaped
  is "$stdout" 143 "sleep died of the SIGTERM the init forwarded"
}

test_own_init_is_written_again_after_a_reboot() {
  local path
  path=$(without_catatonit)
  PATH=$path run_roost 0 create --init --name r1 busybox sh -c 'exit 4'
  # A reboot empties the run root; start writes the init again.
  rm -rf "$(run_root)/init"
  run_roost 4 start -a r1
  [[ -x $(run_root)/init/roost-init ]] || fail "roost's init is in the run root"
}
