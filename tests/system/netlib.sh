# shellcheck shell=bash
# Helpers for the network test files (180-network.sh, 185-network-modes.sh),
# sourced by them after lib.sh.

# slirp4netns processes of this test (their working directory is the
# container's run directory, under $TEST_TMP).
slirp_pids() {
  local p
  for p in $(pgrep -x slirp4netns); do
    [[ $(readlink "/proc/$p/cwd" 2>/dev/null) == "$TEST_TMP"/* ]] && echo "$p"
  done
  return 0
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

no_slirp() { [[ -z $(slirp_pids) ]]; }
has_slirp() { [[ -n $(slirp_pids) ]]; }

assert_no_slirp() {
  wait_until 10 no_slirp || fail "slirp4netns left running: $(slirp_pids)"
}

free_port() {
  python3 -c 'import socket, sys; s = socket.socket(socket.AF_INET, getattr(socket, sys.argv[1])); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' "$1"
}

# Background `roost run ARGS...` with output to $TEST_TMP/bg.out; its PID in $bg.
start_bg() {
  "$ROOST" "${ROOST_OPTS[@]}" run "$@" >"$TEST_TMP/bg.out" 2>&1 &
  bg=$!
}

# $TEST_TMP/bin: every program of PATH but slirp4netns (use it as the only PATH).
path_without_slirp4netns() {
  mkdir -p "$TEST_TMP/bin"
  local d f
  for d in ${PATH//:/ } /usr/sbin /sbin; do
    for f in "$d"/*; do
      [[ -x $f && ! -e $TEST_TMP/bin/${f##*/} && ${f##*/} != slirp4netns ]] && ln -s "$f" "$TEST_TMP/bin/${f##*/}"
    done
  done
  return 0
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
