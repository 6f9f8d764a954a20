# shellcheck shell=bash
# Helpers for the network test files (sourced by them): background `roost
# run`, waiting, free loopback ports, helper processes of this test.

# Each test: the busybox fixture loaded into its fresh store. A file that
# needs more defines its own setup or teardown after sourcing this one.
setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
}

# A test that failed half-way may leave a background roost behind.
teardown() {
  local p
  for p in $(jobs -p); do kill -9 "$p" 2>/dev/null; done
  roost rm -a -f >/dev/null 2>&1 || true
}

# wait_until SECONDS CMD...: retries CMD until it succeeds; false on timeout.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS >= deadline)) && return 1
    sleep 0.1
  done
}

# free_port SOCK_STREAM|SOCK_DGRAM: a port free on 127.0.0.1 right now.
free_port() {
  python3 -c 'import socket, sys; s = socket.socket(socket.AF_INET, getattr(socket, sys.argv[1])); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' "$1"
}

# Background `roost run ARGS...` with output to $TEST_TMP/bg.out; its PID in $bg.
start_bg() {
  "$ROOST" "${ROOST_OPTS[@]}" run "$@" >"$TEST_TMP/bg.out" 2>&1 &
  bg=$!
}

bg_done() { [[ ! -e /proc/$bg || $(awk '{print $3}' "/proc/$bg/stat" 2>/dev/null) == Z ]]; }

# finish_bg: waits (up to 60s) for the background roost; its exit code in $bg_status.
finish_bg() {
  if ! wait_until 60 bg_done; then
    kill -9 "$bg"
    fail "roost run did not end: $(cat "$TEST_TMP/bg.out")"
  fi
  bg_status=0
  wait "$bg" || bg_status=$?
}

running() {
  [[ $(roost inspect --type container --format json "$1" 2>/dev/null | jq -r '.[0].State.Status') == running ]]
}

# path_without PROGRAM: $TEST_TMP/bin holds every program of PATH but
# PROGRAM (use it as the only PATH).
path_without() {
  mkdir -p "$TEST_TMP/bin"
  local d f
  for d in ${PATH//:/ } /usr/sbin /sbin; do
    for f in "$d"/*; do
      [[ -x $f && ! -e $TEST_TMP/bin/${f##*/} && ${f##*/} != "$1" ]] && ln -s "$f" "$TEST_TMP/bin/${f##*/}"
    done
  done
  return 0
}

# helper_pids PATTERN: processes whose command line matches PATTERN (pgrep
# -f) and whose stdout goes to a file of this test (a container's run
# directory, under $TEST_TMP): other tests' helpers are not ours.
helper_pids() {
  local p
  for p in $(pgrep -f "$1"); do
    [[ $(readlink "/proc/$p/fd/1" 2>/dev/null) == "$TEST_TMP"/* ]] && echo "$p"
  done
  return 0
}

# tcp_reply PORT: sends "ping" to 127.0.0.1:PORT and prints the first line
# of the answer, retrying for up to 10 seconds while the server starts.
tcp_reply() {
  local reply=""
  for _ in $(seq 100); do
    reply=$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && echo ping >&3 && head -n1 <&3" 2>/dev/null) || true
    [[ -n $reply ]] && break
    sleep 0.1
  done
  echo "$reply"
}

# slirp4netns processes of this test (their working directory is the
# container's run directory, under $TEST_TMP).
slirp_pids() {
  local p
  for p in $(pgrep -x slirp4netns); do
    [[ $(readlink "/proc/$p/cwd" 2>/dev/null) == "$TEST_TMP"/* ]] && echo "$p"
  done
  return 0
}

no_slirp() { [[ -z $(slirp_pids) ]]; }
has_slirp() { [[ -n $(slirp_pids) ]]; }

assert_no_slirp() {
  wait_until 10 no_slirp || fail "slirp4netns left running: $(slirp_pids)"
}

# $TEST_TMP/bin: every program of PATH but slirp4netns (use it as the only PATH).
path_without_slirp4netns() { path_without slirp4netns; }

# build_udpecho: $TEST_TMP/udpecho, a static UDP echo server (busybox's nc
# has no UDP) to bind-mount into a container; skips the test without a
# C compiler or a static libc.
build_udpecho() {
  command -v cc >/dev/null || skip "no C compiler to build the UDP echo server"
  cc -static -O2 -o "$TEST_TMP/udpecho" "$(dirname "${BASH_SOURCE[0]}")/udpecho.c" ||
    skip "cannot link statically (libc6-dev missing?)"
}
