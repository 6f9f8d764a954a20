# shellcheck shell=bash
# Helpers for roost's system tests; sourced by tests/system/run before each
# test file. Plain bash, shaped after Podman's bats helpers.
#
# A test file is tests/system/NNN-topic.sh defining functions named test_*.
# Each test runs in its own bash process, with no `set -e`: a test fails on
# the first failed assertion (`run_roost` with a wrong exit code, `is`,
# `assert_*`, `fail`), or when the test function itself returns non-zero
# (so a bare `[[ ... ]]` as the last line still asserts). Optional functions
# `setup` and `teardown` in the file run before and after every test;
# teardown runs even when the test failed.
#
# Each test gets, fresh:
#   TEST_TMP            an empty directory, removed afterwards
#   XDG_DATA_HOME       $TEST_TMP/data    (so a rootless store is fresh)
#   XDG_CONFIG_HOME     $TEST_TMP/config
#   XDG_RUNTIME_DIR     $TEST_TMP/runtime (0700; rootless modes only; the
#                       login's own is kept in ROOST_HOST_RUNTIME_DIR)
#   ROOST_OPTS          array of global options: in root mode
#                       (--root $TEST_TMP/root --runroot $TEST_TMP/run)
# Exported by the runner:
#   ROOST               absolute path of the roost binary
#   TEST_MODE           root | rootless | nosubid
#   TEST_UID, TEST_USER who runs the test
#   SUBUID_START SUBUID_COUNT SUBGID_START SUBGID_COUNT
#                       the user's first range in /etc/subuid and /etc/subgid
#                       (empty in nosubid mode)
#   FIXTURES            prebuilt images, see tests/system/fixtures.sh; facts
#                       about them in $FIXTURES/fixtures.env
#   TEST_FILE TEST_NAME the file (basename) and function being run
#
# Feed a command's stdin with `run_roost 0 load < FILE`, not through a pipe:
# a pipeline runs run_roost in a subshell and $output/$status would be lost.

# roost ARGS...: runs the binary with the mode's global options, output not
# captured.
roost() {
  "$ROOST" "${ROOST_OPTS[@]}" "$@"
}

# run_roost EXPECTED_EXIT ARGS...: runs roost with ROOST_OPTS, leaves the
# combined stdout+stderr in $output (trailing newlines stripped), the exit
# code in $status, and each stream alone in $stdout and $stderr; fails the
# test unless the exit code is EXPECTED_EXIT (`?` accepts any). Parse JSON
# and IDs from $stdout: warnings (such as the single-ID one in nosubid mode)
# go to stderr and so into $output.
run_roost() {
  local expected=${1-}
  if [[ ! $expected =~ ^([0-9]+|\?)$ ]]; then
    fail "run_roost: first argument must be the expected exit code (or ?), got '$expected'"
  fi
  shift
  local cmd
  cmd="roost $(_roost_quote "${ROOST_OPTS[@]}" "$@")"
  echo "\$ $cmd"
  # stdout and stderr each pass through a tee into their own file and on
  # into $output together, so $output is the combined text and $stdout (for
  # JSON, IDs) has no warnings in it.
  local tmp=${_ROOST_MARK:-${TMPDIR:-/tmp}/roost-lib.$$}.cmd
  output=$(
    {
      {
        timeout -k 5 "${ROOST_CMD_TIMEOUT:-120}" "$ROOST" "${ROOST_OPTS[@]}" "$@" 2>&1 1>&3 3>&- |
          tee "$tmp.err"
        echo "${PIPESTATUS[0]}" >"$tmp.status"
      } 3>&1 1>&2 | tee "$tmp.out"
    } 2>&1
  )
  status=$(<"$tmp.status")
  # shellcheck disable=SC2034 # for the tests
  stdout=$(<"$tmp.out") stderr=$(<"$tmp.err")
  rm -f "$tmp.status" "$tmp.out" "$tmp.err"
  [[ -n $output ]] && printf '%s\n' "$output"
  echo "[exit $status]"
  if [[ $expected != '?' && $status != "$expected" ]]; then
    local why=""
    ((status == 124)) && why=" (timed out after ${ROOST_CMD_TIMEOUT:-120}s)"
    fail "expected exit $expected, got $status$why: $cmd"$'\n'"$output"
  fi
  return 0
}

# is ACTUAL EXPECTED MSG: exact string equality.
is() {
  local actual=$1 expected=$2 msg=${3:-values differ}
  if [[ $actual != "$expected" ]]; then
    fail "$msg"$'\n'"expected: '$expected'"$'\n'"  actual: '$actual'"
  fi
}

# assert_contains HAYSTACK NEEDLE MSG: NEEDLE is a fixed string.
assert_contains() {
  local haystack=$1 needle=$2 msg=${3:-text does not contain the expected string}
  if [[ $haystack != *"$needle"* ]]; then
    fail "$msg"$'\n'"expected to contain: '$needle'"$'\n'"              actual: '$haystack'"
  fi
}

assert_not_contains() {
  local haystack=$1 needle=$2 msg=${3:-text contains an unexpected string}
  if [[ $haystack == *"$needle"* ]]; then
    fail "$msg"$'\n'"expected not to contain: '$needle'"$'\n'"                  actual: '$haystack'"
  fi
}

# assert_match HAYSTACK REGEX MSG: bash extended regular expression, unanchored.
assert_match() {
  local haystack=$1 regex=$2 msg=${3:-text does not match}
  if [[ ! $haystack =~ $regex ]]; then
    fail "$msg"$'\n'"expected to match: /$regex/"$'\n'"            actual: '$haystack'"
  fi
}

# fail MSG: fails the test now, naming where.
fail() {
  local i where=""
  for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
    if [[ ${BASH_SOURCE[i]} != "${BASH_SOURCE[0]}" ]]; then
      where="${BASH_SOURCE[i]##*/}:${BASH_LINENO[i - 1]} in ${FUNCNAME[i]}"
      break
    fi
  done
  {
    echo "FAIL: $*"
    [[ -n $where ]] && echo "  at $where"
  } >&2
  # A marker, so a failure inside a subshell ( ... ) still fails the test.
  [[ -n ${_ROOST_MARK-} ]] && printf '%s\n' "$*" >>"$_ROOST_MARK.failed"
  exit 1
}

# skip REASON: ends the test now; it counts as skipped, with the reason shown.
skip() {
  local reason=${*:-no reason given}
  echo "skip: $reason"
  [[ -n ${_ROOST_MARK-} ]] && printf '%s\n' "$reason" >"$_ROOST_MARK.skipped"
  exit 0
}

# skip_if_mode "MODE..." REASON / skip_unless_mode "MODE..." REASON
skip_if_mode() {
  local m
  for m in $1; do [[ $m == "$TEST_MODE" ]] && skip "${2:-not in $TEST_MODE mode}"; done
  return 0
}
skip_unless_mode() {
  local m
  for m in $1; do [[ $m == "$TEST_MODE" ]] && return 0; done
  skip "${2:-only in mode(s) $1}"
}

# random_string [N]: N (default 10) lowercase letters and digits.
random_string() {
  tr -dc 'a-z0-9' </dev/urandom | head -c "${1:-10}"
}

_roost_quote() {
  local a out=()
  for a in "$@"; do
    if [[ $a =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then out+=("$a"); else out+=("$(printf '%q' "$a")"); fi
  done
  echo "${out[*]}"
}

# Sets up the per-test environment; called by _roost_run_one.
_roost_test_env() {
  export XDG_DATA_HOME=$TEST_TMP/data XDG_CONFIG_HOME=$TEST_TMP/config
  mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
  ROOST_OPTS=()
  if [[ $TEST_MODE == root ]]; then
    ROOST_OPTS=(--root "$TEST_TMP/root" --runroot "$TEST_TMP/run")
  else
    export ROOST_HOST_RUNTIME_DIR=${XDG_RUNTIME_DIR-}
    export XDG_RUNTIME_DIR=$TEST_TMP/runtime
    mkdir -m 0700 "$XDG_RUNTIME_DIR"
    if [[ $TEST_MODE == nosubid ]]; then
      # The single-ID warning comes once per login session; tests start
      # after it, except those about the warning (they remove this marker).
      mkdir -m 0700 "$XDG_RUNTIME_DIR/roost"
      : >"$XDG_RUNTIME_DIR/roost/single-id-warning-shown"
    fi
  fi
}

# _roost_run_one FILE FUNCTION: the body of one test's process.
_roost_run_one() {
  local file=$1 func=$2
  cd "$TEST_TMP" || exit 1
  _roost_test_env
  # shellcheck source=/dev/null
  if ! source "$file"; then
    fail "sourcing $file failed"
  fi
  declare -F "$func" >/dev/null || fail "$func is not defined in $file"
  if declare -F teardown >/dev/null; then
    trap 'teardown' EXIT
  fi
  if declare -F setup >/dev/null; then
    setup
  fi
  "$func"
  local rc=$?
  if ((rc != 0)); then
    fail "$func returned $rc (its last command failed)"
  fi
  exit 0
}

# on_terminal EXPECTED_EXIT ROWS COLS SCRIPT ROOST_ARGS...: runs roost on a
# new ROWSxCOLS terminal driven by SCRIPT (ptyexpect steps); leaves what the
# terminal showed in $output and fails unless roost exits EXPECTED_EXIT.
on_terminal() {
  local expected=$1 rows=$2 cols=$3 script=$4
  shift 4
  echo "\$ roost $(_roost_quote "$@")   (on a ${rows}x${cols} terminal)"
  output=$(printf '%s\n' "$script" | timeout -k 5 60 python3 "${BASH_SOURCE[0]%/*}/ptyexpect.py" \
    --rows "$rows" --cols "$cols" --timeout 20 -- "$ROOST" "${ROOST_OPTS[@]}" "$@")
  status=$?
  printf '%s\n[exit %s]\n' "$output" "$status"
  is "$status" "$expected" "exit code of roost on the terminal"
}

# resize_steps: ptyexpect steps for a shell prompt ("# ") on a 24x80
# terminal: its size, then a resize to 31x101 that the shell must see.
resize_steps() {
  cat <<'EOF'
send stty size
expect \n24 80\r?\n
expect # 
resize 31 101
send stty size
expect \n31 101\r?\n
expect # 
EOF
}

# graph_root: the directory holding this test's image store.
graph_root() {
  if [[ $TEST_MODE == root ]]; then echo "$TEST_TMP/root"; else echo "$XDG_DATA_HOME/roost"; fi
}

# forget_single_id_warning: makes the next roost command behave as the first
# of a login session, which shows the single-ID warning (nosubid mode).
forget_single_id_warning() {
  rm -f "$XDG_RUNTIME_DIR/roost/single-id-warning-shown"
}

# wait_for_status CONTAINER STATUS: waits (up to 10 s) until inspect shows
# the container in STATUS (running, exited, ...).
wait_for_status() {
  local i s
  for ((i = 0; i < 100; i++)); do
    s=$(roost container inspect "$1" 2>/dev/null | jq -r '.[0].State.Status' 2>/dev/null)
    [[ $s == "$2" ]] && return 0
    sleep 0.1
  done
  fail "container $1 did not reach status $2 (last: $s)"
}

# store_pids PATTERN: PIDs of this test's roost processes (those given this
# test's store) whose command line matches PATTERN, one a line.
store_pids() {
  local p
  for p in $(pgrep -f -- "$1" 2>/dev/null); do
    tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF -- " $(graph_root) " && echo "$p"
  done
  return 0
}

# monitor_pids [ID]: PIDs of this test's detached-container monitors (of
# container ID when given), one a line.
monitor_pids() {
  store_pids "container-monitor ${1:-}"
}

# assert_store_empty: no layer directories and nothing staged (no partial
# layers, no scratch files) in this test's store.
assert_store_empty() {
  local g left
  g=$(graph_root)
  left=$(cd "$g" 2>/dev/null && ls -A layers staging 2>/dev/null | grep -v -e ':$' -e '^$')
  is "$left" "" "no layers or staging files left in $g"
}
