# The journald log driver: a detached container's output as journal entries
# (the fields podman's conmon writes), read back by `roost logs`.
#
# The journal is real: setup/systest and setup/test run the tests beside a
# journald of their own (tests/system/journald-ns), and the test users are in
# group systemd-journal (setup/users), which may read its files.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
}

teardown() {
  roost rm -f -a >/dev/null 2>&1
}

need_journal() {
  [[ -S /run/systemd/journal/socket ]] ||
    skip "no journald here: run the tests through setup/systest or setup/test, which start one (tests/system/journald-ns)"
}

need_journal_readable() {
  local f
  for f in /run/log/journal/*/*.journal /var/log/journal/*/*.journal; do
    [[ -r $f ]] && return 0
  done
  skip "$TEST_USER cannot read the journal's files (setup/users puts the test users in group systemd-journal)"
}

# wait_for_entries ID N: waits (up to 10 s) until the journal holds N entries
# of container ID: journald stores what it receives a moment later.
wait_for_entries() {
  local i n
  for ((i = 0; i < 100; i++)); do
    n=$(journalctl --no-pager -q -o cat "CONTAINER_ID_FULL=$1" 2>/dev/null | wc -l)
    ((n >= $2)) && return 0
    sleep 0.1
  done
  fail "the journal has $n entries of container $1, not $2"
}

# Runs "$@" where the journal is out of reach: /run/systemd and /run/log
# hidden by empty tmpfs mounts in a mount namespace of its own. A normal user
# mounts them as root of a user namespace, then runs "$@" as itself again in
# a user namespace inside that one.
without_journal() {
  local hide='mount -t tmpfs none /run/systemd && mount -t tmpfs none /run/log'
  if [[ $TEST_MODE == root ]]; then
    unshare --mount --propagation private sh -c "$hide"' && exec "$@"' sh "$@"
  else
    # shellcheck disable=SC2016 # expanded by the inner sh
    unshare --map-root-user --mount sh -c "$hide"' && uid=$1 gid=$2 && shift 2 &&
      exec unshare --user --map-user="$uid" --map-group="$gid" -- "$@"' sh "$TEST_UID" "$(id -g)" "$@"
  fi
}

test_journald_entries_and_logs() {
  need_journal
  need_journal_readable
  run_roost 0 run -d --name jl --log-driver journald busybox sh -c 'echo out1; echo err1 >&2; echo out2; printf part'
  local id=$stdout
  run_roost 0 wait jl
  wait_for_entries "$id" 4
  run_roost 0 logs jl
  is "$stdout" "out1"$'\n'"out2"$'\n'"part" "stdout: the lines of PRIORITY 6, the partial one without a newline"
  is "$stderr" "err1" "stderr: the line of PRIORITY 3"

  # The entries as conmon writes them (podman 4.3).
  local json
  json=$(journalctl --no-pager -q -o json "CONTAINER_ID_FULL=$id")
  is "$(jq -r 'select(.MESSAGE != null) | "\(.PRIORITY) \(.CONTAINER_ID) \(.CONTAINER_NAME) \(.SYSLOG_IDENTIFIER) \(.CONTAINER_PARTIAL_MESSAGE)"' <<<"$json" | LC_ALL=C sort | uniq -c | sed 's/^ *//')" \
    "1 3 ${id:0:12} jl jl null"$'\n'"2 6 ${id:0:12} jl jl null"$'\n'"1 6 ${id:0:12} jl jl true" \
    "PRIORITY, CONTAINER_ID, CONTAINER_NAME, SYSLOG_IDENTIFIER; CONTAINER_PARTIAL_MESSAGE only on the partial line"
  is "$(journalctl --no-pager -q -o cat "CONTAINER_ID_FULL=$id" CONTAINER_PARTIAL_MESSAGE=true)" "part" "the partial line's MESSAGE"

  run_roost 0 inspect --format '{{.HostConfig.LogConfig.Type}}|{{.HostConfig.LogConfig.Path}}|{{.LogPath}}' jl
  is "$stdout" "journald||" "inspect: the driver, and no log file"
}

test_journald_logs_options() {
  need_journal
  need_journal_readable
  run_roost 0 run -d --name jo --log-driver journald busybox sh -c 'echo a; echo b; echo c'
  local id=$stdout
  run_roost 0 wait jo
  wait_for_entries "$id" 3
  run_roost 0 logs --tail 2 jo
  is "$stdout" "b"$'\n'"c" "--tail 2"
  run_roost 0 logs --since 1m jo
  is "$stdout" "a"$'\n'"b"$'\n'"c" "--since 1m: all of them"
  run_roost 0 logs --until 1h jo
  is "$stdout" "" "--until an hour ago: none"
  run_roost 0 logs -t --tail 1 jo
  assert_match "$stdout" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}(Z|[+-][0-9]{2}:[0-9]{2}) c$' \
    "-t: the entry's time with all nine digits, as podman prints journal entries"

  run_roost 0 run -d --name jf --log-driver journald busybox sh -c 'echo first; sleep 1; echo second'
  run_roost 0 logs -f jf
  is "$stdout" "first"$'\n'"second" "-f follows until the container exits"
}

test_journald_tag() {
  need_journal
  need_journal_readable
  run_roost 0 run -d --name jt --log-driver journald --log-opt tag=mytag busybox echo tagged
  local id=$stdout
  run_roost 0 wait jt
  wait_for_entries "$id" 1
  is "$(journalctl --no-pager -q -o json "CONTAINER_ID_FULL=$id" | jq -r '"\(.CONTAINER_TAG) \(.SYSLOG_IDENTIFIER) \(.MESSAGE)"')" \
    "mytag mytag tagged" "the tag is CONTAINER_TAG and SYSLOG_IDENTIFIER"
  run_roost 0 inspect --format '{{.HostConfig.LogConfig.Tag}}' jt
  is "$stdout" "mytag"
}

test_journald_restarts_logged() {
  need_journal
  need_journal_readable
  run_roost 0 run -d --name jr --log-driver journald --restart on-failure:1 busybox sh -c 'echo run; exit 3'
  local id=$stdout
  wait_for_entries "$id" 2
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -z $(monitor_pids) ]] && break
    sleep 0.1
  done
  run_roost 0 logs jr
  is "$stdout" "run"$'\n'"run" "both runs in the journal"
}

test_journald_unreachable() {
  run_roost 0 run -d --name kept busybox true
  local out rc=0
  out=$(without_journal "$ROOST" "${ROOST_OPTS[@]}" run -d --log-driver journald busybox true 2>&1) || rc=$?
  [[ $out == *"mount:"* || $out == *"unshare:"* ]] && skip "cannot hide the journal here: $out"
  is "$rc" "125" "run with journald and no journal"
  is "$out" "Error: failed to initialize journal: connecting to /run/systemd/journal/socket: No such file or directory (is systemd-journald running? --log-driver k8s-file needs no journal)"
  run_roost 0 ps -a --format '{{.Names}}'
  is "$stdout" "kept" "nothing created"
}

test_journald_logs_without_journal() {
  need_journal
  run_roost 0 run -d --name jw --log-driver journald busybox echo hi
  run_roost 0 wait jw
  local out rc=0
  out=$(without_journal "$ROOST" "${ROOST_OPTS[@]}" logs jw 2>&1) || rc=$?
  [[ $out == *"mount:"* || $out == *"unshare:"* ]] && skip "cannot hide the journal here: $out"
  [[ $out == *newuidmap* ]] &&
    skip "this store's user namespace needs newuidmap, which works in no user namespace but the first (root and nosubid modes test this)"
  is "$rc" "125" "logs without a journal"
  is "$out" "Error: reading the container's log: no journal files in /run/log/journal or /var/log/journal: is systemd-journald running?"
}
