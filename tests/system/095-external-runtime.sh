# shellcheck shell=bash disable=SC2154,SC2016 # $output/$status come from lib.sh; $-strings are literal
# `--runtime runc`: the same container run through an external OCI runtime
# by its command line. What the container sees must match the built-in
# executor, and nothing of the runtime may be left behind.
#
# Differences between the two that are allowed (and so not compared):
# - cgroups: as root runc puts the container in cgroups of its own
#   (/proc/self/cgroup), which it removes again at `delete`; the built-in
#   executor sets up none. Rootless, runc gets no cgroup settings at all.
# Everything compared here (ID maps, capabilities, seccomp, no_new_privs,
# hostname, user and groups, environment, the mount list with types and
# options) was found identical with runc 1.1.5 in all three modes.

setup() {
  RUNC=$(command -v runc || true)
  [[ -n $RUNC ]] || skip "runc is not installed (Debian package runc)"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
}

run_root() {
  if [[ $TEST_MODE == root ]]; then echo "$TEST_TMP/run"; else echo "$XDG_RUNTIME_DIR/roost"; fi
}

# Nothing of any container is left: no record, no layer, no mount, no
# bundle, no state in the runtime's root.
assert_nothing_left() {
  run_roost 0 ps -a -q
  is "$output" "" "no container records left"
  is "$(ls -A "$(graph_root)/containers" 2>/dev/null)" "" "no container layers left"
  is "$(ls -A "$(run_root)/containers" 2>/dev/null)" "" "no bundles or run files left"
  is "$(ls -A "$(run_root)/${1:-runc}" 2>/dev/null)" "" "nothing left in the runtime's state root"
  is "$(grep -F "$TEST_TMP" /proc/self/mountinfo)" "" "no mounts left under $TEST_TMP"
}

# What a container sees of its own setup, one fact per line.
probe='
echo "id: $(id)"
echo "home: $HOME"
sed "s/^/uid_map: /" /proc/self/uid_map
sed "s/^/gid_map: /" /proc/self/gid_map
grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status
echo "hostname: $(hostname)"
env | sort | sed "s/^/env: /"
# mount point, options, type: field 5, 6 and the one after the "-".
awk "{ for (i = 7; \$i != \"-\"; i++) ; print \"mount:\", \$5, \$6, \$(i + 1) }" /proc/self/mountinfo | sort
'

# compare_with_builtin ARGS...: runs the probe with ARGS through both and
# requires the same view; leaves the runc view in $runc_view.
compare_with_builtin() {
  run_roost 0 run --rm --hostname same "$@" busybox sh -c "$probe"
  local builtin=$stdout
  run_roost 0 run --rm --hostname same --runtime runc "$@" busybox sh -c "$probe"
  runc_view=$stdout
  if [[ $builtin != "$runc_view" ]]; then
    fail "runc shows the container another setup than the built-in executor:"$'\n'"$(diff <(echo "$builtin") <(echo "$runc_view"))"
  fi
}

test_runc_shows_the_same_container_as_the_builtin_executor() {
  compare_with_builtin
  # The probe saw something: an empty view would compare equal too.
  assert_contains "$runc_view" "hostname: same"
  assert_match "$runc_view" $'CapEff:\t00000000800405fb'
  assert_match "$runc_view" $'Seccomp:\t2' "the default seccomp profile is in force"
  assert_contains "$runc_view" "mount: /proc "
  assert_contains "$runc_view" "mount: /dev/pts "
  local map
  case $TEST_MODE in
    root) map="uid_map: 0 0 4294967295" ;;
    rootless) map="uid_map: 0 $TEST_UID 1"$'\n'"uid_map: 1 $SUBUID_START $SUBUID_COUNT" ;;
    nosubid) map="uid_map: 0 $TEST_UID 1" ;;
  esac
  is "$(grep '^uid_map' <<<"$runc_view" | tr -s ' ')" "$map" "the container runs with the user's ID map"
  assert_nothing_left
}

test_options_reach_runc_as_they_reach_the_builtin_executor() {
  compare_with_builtin --cap-drop all --cap-add net_raw --security-opt no-new-privileges --read-only --network none
  assert_match "$runc_view" $'CapEff:\t0000000000002000' "only CAP_NET_RAW"
  assert_match "$runc_view" $'NoNewPrivs:\t1'
  assert_contains "$runc_view" "mount: / ro,"
  compare_with_builtin --security-opt seccomp=unconfined -e FOO=bar
  assert_match "$runc_view" $'Seccomp:\t0'
  assert_contains "$runc_view" "env: FOO=bar"
  assert_nothing_left
}

test_a_named_user_is_resolved_in_the_image() {
  skip_if_mode nosubid "only one ID is mapped without sub-IDs"
  compare_with_builtin -u user
  assert_contains "$runc_view" "id: uid=1000(user) gid=1000(user)"
  assert_contains "$runc_view" "home: /home/user"
  run_roost 125 run --rm --runtime runc -u daemon busybox true
  is "$output" "Error: unable to find user daemon: no matching entries in passwd file"
  assert_nothing_left
}

test_exit_codes_pass_through() {
  run_roost 7 run --rm --runtime runc busybox sh -c 'exit 7'
  run_roost 0 run --rm --runtime runc busybox true
  run_roost 1 run --rm --runtime runc busybox false
  # The command cannot be run: runc says why, the code says which way.
  run_roost 127 run --rm --runtime runc busybox no-such-command
  assert_contains "$output" 'exec: "no-such-command": executable file not found in $PATH'
  run_roost 126 run --rm --runtime runc busybox /etc/passwd
  assert_contains "$output" "permission denied"
  assert_nothing_left
}

test_stdin_and_output_pass_through() {
  printf 'line one\nline two\n' >"$TEST_TMP/in"
  run_roost 0 run --rm -i --runtime runc busybox sh -c 'cat; echo to-stderr >&2' <"$TEST_TMP/in"
  is "$stdout" $'line one\nline two'
  is "$stderr" "to-stderr"
  assert_nothing_left
}

test_a_missing_runtime_is_an_error_before_anything_is_made() {
  run_roost 125 run --rm --runtime /nonexistent busybox true
  is "$output" 'Error: runtime "/nonexistent" not found'
  run_roost 125 create --runtime roost-no-such-runtime busybox true
  is "$output" 'Error: runtime "roost-no-such-runtime" not found'
  assert_nothing_left
}

test_create_then_start_uses_the_recorded_runtime() {
  # A wrapper proves which runtime ran, and with which verbs.
  local wrapper=$TEST_TMP/bin/runc-wrapper
  mkdir -p "$TEST_TMP/bin"
  printf '#!/bin/sh\nfor a in "$@"; do case $a in create|start|delete) echo "$a" >>%q;; esac; done\nexec %q "$@"\n' \
    "$TEST_TMP/verbs" "$RUNC" >"$wrapper"
  chmod +x "$wrapper"
  run_roost 0 create --name viawrapper --runtime "$wrapper" busybox sh -c 'echo ran; exit 5'
  run_roost 0 container inspect viawrapper
  assert_contains "$stdout" "\"OCIRuntime\": \"$wrapper\""
  run_roost 5 start -a viawrapper
  is "$output" "ran"
  is "$(tr '\n' ' ' <"$TEST_TMP/verbs")" "create start delete " "create, start, then delete -f"
  run_roost 0 rm viawrapper
  assert_nothing_left runc-wrapper
  # Without --runtime the built-in executor runs it: the wrapper is not called.
  : >"$TEST_TMP/verbs"
  run_roost 0 run --rm busybox true
  is "$(cat "$TEST_TMP/verbs")" "" "no --runtime: the built-in executor"
  run_roost 0 run --rm --runtime roost busybox true
  is "$(cat "$TEST_TMP/verbs")" "" "--runtime roost: the built-in executor"
}

test_signals_reach_the_container() {
  # The binary itself in the background: $! of the roost function would be
  # a subshell's.
  "$ROOST" "${ROOST_OPTS[@]}" run --rm --runtime runc busybox \
    sh -c 'trap "exit 42" TERM; echo up; while :; do sleep 0.1; done' >"$TEST_TMP/out" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do grep -q up "$TEST_TMP/out" && break; sleep 0.1; done
  kill -TERM "$pid"
  wait "$pid"
  is "$?" 42 "SIGTERM to roost reached the container's trap"
  assert_nothing_left
}

test_rm_force_cleans_up_after_a_killed_roost() {
  "$ROOST" "${ROOST_OPTS[@]}" run --name orphan --runtime runc busybox sleep 1000 >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 100); do
    [[ -n $(ls -A "$(run_root)/runc" 2>/dev/null) ]] && break
    sleep 0.1
  done
  sleep 0.5
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null
  # Nobody waits for its container now: the next command kills what is left
  # of it and shows it exited ...
  run_roost 0 ps -q
  is "$output" "" "the orphaned container no longer counts as running"
  run_roost 0 ps -a --format json
  is "$(jq -r '.[0].State' <<<"$stdout")" "exited"
  is "$(ls -A "$(run_root)/runc" | wc -l)" 1 "runc still has its state"
  # ... and rm has runc delete that state.
  run_roost 0 rm orphan
  assert_nothing_left
}

test_detached_through_runc() {
  local secs=$((RANDOM + 100000))
  run_roost 0 run -d --runtime runc --name det busybox sh -c "echo via runc; exec sleep $secs"
  run_roost 0 ps --format json
  is "$(jq -r '.[0].Names[0] + " " + .[0].State' <<<"$stdout")" "det running" "run -d returns while it runs"
  wait_for_status det running
  local i
  for ((i = 0; i < 50; i++)); do [[ $(roost logs det 2>&1) == "via runc" ]] && break; sleep 0.1; done
  run_roost 0 logs det
  is "$output" "via runc"
  run_roost 0 stop -t 0 det
  run_roost 0 wait det
  is "$output" "137"
  is "$(monitor_pids)" "" "no monitor left"
  pgrep -f "sleep $secs" && fail "no process of the container is left"
  run_roost 0 rm det
  assert_nothing_left
}
