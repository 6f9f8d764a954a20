# roost attach and detach keys: a detached container's monitor serves an
# attach socket; clients come and go while the container runs on.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
}

teardown() {
  roost rm -f -a >/dev/null 2>&1
}

# monitor_sockets CONTAINER: how many sockets its monitor holds (its
# listening one, what the container's set-up keeps, one per client).
monitor_sockets() {
  local mon
  mon=$(monitor_pids "$(roost inspect "$1" | jq -r '.[0].Id')")
  [[ $mon =~ ^[0-9]+$ ]] || fail "one monitor for $1 (got '$mon')"
  find /proc/"$mon"/fd -lname 'socket:*' 2>/dev/null | wc -l
}

# wait_for_sockets CONTAINER N: waits (up to 10 s) until its monitor holds N
# sockets: clients attached or dropped.
wait_for_sockets() {
  local i n
  for ((i = 0; i < 100; i++)); do
    n=$(monitor_sockets "$1")
    ((n == $2)) && return 0
    sleep 0.1
  done
  fail "the monitor of $1 holds $n sockets, not $2"
}

# roost_exec ARGS...: roost itself in place of the calling (sub)shell, so
# that `(roost_exec ...) &` leaves roost's own PID in $!.
roost_exec() {
  exec "$ROOST" "${ROOST_OPTS[@]}" "$@"
}

# wait_for_attached PID: waits (up to 10 s) until `roost attach` PID relays:
# it handles SIGTERM, which it does from once it is connected.
wait_for_attached() {
  local i cgt blk
  for ((i = 0; i < 100; i++)); do
    cgt=$(awk '/^SigCgt/ {print $2}' /proc/"$1"/status 2>/dev/null)
    blk=$(awk '/^SigBlk/ {print $2}' /proc/"$1"/status 2>/dev/null)
    if [[ -n $cgt && -n $blk ]] && (((16#$cgt >> 14) & 1)) && ! (((16#$blk >> 14) & 1)); then
      return 0
    fi
    sleep 0.1
  done
  fail "roost attach ($1) never got attached"
}

# exit_through_attach CONTAINER: attaches to the shell CONTAINER runs on a
# terminal and makes it exit 3: attach returns that, and the container and
# its monitor are gone.
exit_through_attach() {
  on_terminal 3 24 80 "$(
    cat <<'EOF'
send echo "again $((2*3))"
expect \nagain 6\r?\n
send exit 3
EOF
  )" attach "$1"
  run_roost 0 ps -a --format '{{.Names}} {{.Status}}'
  assert_match "$output" "^$1 Exited \\(3\\)" "attach ended with the container's exit code"
  is "$(monitor_pids)" "" "the monitor is gone with the container"
}

# keys_go_to_the_shell: a script for a shell on a terminal with the detach
# keys disabled: ctrl-p ctrl-q go to the shell (ctrl-p recalls the last
# command, which ctrl-c then drops), which then exits 5.
keys_go_to_the_shell() {
  cat <<'EOF'
send echo "two $((1+1))"
expect \ntwo 2\r?\n
type \x10\x11
expect two
type \x03
send exit 5
EOF
}

test_attach_gives_a_shell_on_a_terminal() {
  run_roost 0 run -dit --name sh1 --network none busybox sh
  # The prompt was shown before anyone attached: the first one seen here
  # follows the first command.
  on_terminal 0 24 80 "$(
    cat <<'EOF'
send echo "hi $((6*7))"
expect \nhi 42\r?\n
expect # 
send tty
expect \n/dev/pts/0\r?\n
expect # 
EOF
    resize_steps
    cat <<'EOF'
type \x10\x11
EOF
  )" attach sh1
  run_roost 0 ps --format '{{.Names}} {{.Status}}'
  assert_match "$output" "^sh1 Up " "detaching leaves the container running"
  run_roost 0 logs sh1
  assert_contains "$output" "hi 42" "what was shown is in the log too"

  # A second session sees the same shell; its exit code is attach's.
  exit_through_attach sh1
}

test_attach_resizes_a_runc_containers_terminal() {
  command -v runc >/dev/null || skip "runc is not installed"
  run_roost 0 run -dit --name rc --runtime runc --network none busybox sh
  on_terminal 0 24 80 "$(resize_steps)"$'\ntype \\x10\\x11' attach rc
  run_roost 0 ps --format '{{.Names}} {{.Status}}'
  assert_match "$output" "^rc Up " "detaching leaves it running"
  exit_through_attach rc
}

test_detach_keys() {
  run_roost 0 run -dit --name k1 --network none busybox sh
  on_terminal 0 24 80 "$(
    cat <<'EOF'
send echo "one $((1+0))"
expect \none 1\r?\n
type \x18q
EOF
  )" attach --detach-keys ctrl-x,q k1
  on_terminal 5 24 80 "$(keys_go_to_the_shell)" attach --detach-keys "" k1

  # start -ai of a created -it container attaches through its monitor too.
  run_roost 0 create -it --name k2 --network none busybox sh
  on_terminal 0 24 80 "$(
    cat <<'EOF'
expect # 
send echo "three $((1+2))"
expect \nthree 3\r?\n
type \x10\x11
EOF
  )" start -ai k2
  run_roost 0 ps --format '{{.Names}} {{.Status}}'
  assert_match "$output" "^k2 Up " "detached from start -ai, k2 runs on"
  on_terminal 2 24 80 "$(
    cat <<'EOF'
send exit 2
EOF
  )" attach k2
}

test_attach_without_a_terminal() {
  run_roost 0 run -di --name p1 --network none busybox sh -c 'read x; echo "got $x"; echo oops >&2; exit 4'
  run_roost 4 attach p1 < <(echo hello)
  is "$stdout" "got hello" "stdin relayed, stdout on stdout"
  is "$stderr" "oops" "stderr on stderr"

  # A container made without -i gets no input; --no-stdin sends none.
  run_roost 0 run -d --name p2 --network none busybox sh -c 'cat; echo "stdin ended"; exec sleep 1000'
  run_roost 0 run -di --name p3 --network none busybox sh -c 'while read l; do echo "line $l"; done; echo eof; exit 6'
  local i
  for i in 1 2; do
    (roost_exec attach --no-stdin p3 >"$TEST_TMP/out$i" 2>&1) &
    wait_for_attached $!
  done
  run_roost 6 attach p3 < <(printf 'a\nb\n')
  is "$output" $'line a\nline b\neof' "the client with stdin"
  wait
  for i in 1 2; do
    is "$(<"$TEST_TMP/out$i")" $'line a\nline b\neof' "client $i with --no-stdin saw the same"
  done
  run_roost 0 logs p2
  is "$output" "stdin ended" "without -i the container's stdin is empty"
}

test_sig_proxy() {
  run_roost 0 run -d --name s1 --network none busybox sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done'
  (roost_exec attach s1 >"$TEST_TMP/out" 2>&1) &
  local pid=$!
  wait_for_attached "$pid"
  kill -TERM "$pid"
  wait "$pid"
  is "$?" "7" "the container's exit code, after SIGTERM went on to it"
  assert_contains "$(<"$TEST_TMP/out")" "got-term"

  run_roost 0 run -d --name s2 --network none busybox sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done'
  (roost_exec attach --sig-proxy=false s2 >/dev/null 2>&1) &
  pid=$!
  wait_for_attached "$pid"
  kill -TERM "$pid"
  wait "$pid"
  is "$?" "143" "attach ends as by SIGTERM"
  run_roost 0 ps --format '{{.Names}} {{.Status}}'
  assert_match "$output" "^s2 Up " "the container did not get it"
}

test_killed_and_slow_clients_never_stop_the_monitor() {
  run_roost 0 run -dit --name m1 --network none busybox sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done; head -c 3000000 /dev/zero | tr "\0" x; echo; echo done-marker; exec sh'
  # One that stops reading, one that is killed.
  local base
  base=$(monitor_sockets m1)
  (roost_exec attach --no-stdin m1 | sleep 1000) &
  local slow=$!
  (roost_exec attach --no-stdin m1 >/dev/null 2>&1) &
  local killed=$!
  wait_for_attached "$killed"
  wait_for_sockets m1 $((base + 2))
  kill -9 "$killed"
  wait "$killed" 2>/dev/null
  run_roost 0 exec m1 touch /tmp/go
  local i
  for ((i = 0; i < 100; i++)); do
    [[ $(roost logs m1 2>&1) == *done-marker* ]] && break
    sleep 0.1
  done
  assert_contains "$(roost logs m1 | grep -c done-marker)" "1" "the monitor went on logging"
  wait_for_sockets m1 "$base"
  # The slow one ends once its reader does.
  pkill -P "$slow" sleep
  wait "$slow" 2>/dev/null
  is "$(cut -d' ' -f3 /proc/"$(monitor_pids)"/stat)" "S" "the monitor sleeps while the container is quiet"
  # And a new session works.
  on_terminal 0 24 80 "$(
    cat <<'EOF'
send echo "fine $((3*3))"
expect \nfine 9\r?\n
type \x10\x11
EOF
  )" attach m1
}

test_killed_monitor() {
  run_roost 0 run -d --name km --network none busybox sleep 1000
  (roost_exec attach km >"$TEST_TMP/out" 2>&1) &
  local pid=$!
  wait_for_attached "$pid"
  kill -9 "$(monitor_pids)"
  wait "$pid"
  is "$?" "125" "attach fails when the monitor is killed"
  assert_match "$(<"$TEST_TMP/out")" "^Error: lost the connection to the monitor of container [0-9a-f]{64}: it was stopped or killed$"
  run_roost 125 attach km
  is "$output" "Error: you can only attach to running containers"
}

test_bad_input() {
  run_roost 125 attach nosuch
  is "$output" 'Error: no container with name or ID "nosuch" found: no such container'
  run_roost 0 create --name c1 --network none busybox true
  run_roost 125 attach c1
  is "$output" "Error: you can only attach to running containers"
  run_roost 0 run -d --name r1 --network none busybox sleep 1000
  run_roost 125 attach --detach-keys foo r1
  is "$output" "Error: invalid detach keys: Unknown character: 'foo'"
  run_roost 125 attach --detach-keys ctrl-A r1
  is "$output" "Error: invalid detach keys: Unknown character: 'ctrl-A'"
  run_roost 125 start -ai --detach-keys ctrl-p, c1
  is "$output" "Error: invalid detach keys: Unknown character: ''"
  run_roost 125 run --detach-keys ctrl- --name r2 --network none busybox true
  is "$output" "Error: invalid detach keys: Unknown character: 'ctrl-'"
  run_roost 0 ps -a --format '{{.Names}}'
  assert_not_contains "$output" "r2" "nothing created for a bad --detach-keys"
}

test_run_it_detaches() {
  # As podman 4.3: ctrl-p ctrl-q leave `run -it`, which prints nothing more
  # and exits 0; the container runs on.
  on_terminal 0 24 80 "$(
    cat <<'EOF'
expect # 
send echo "one $((1+0))"
expect \none 1\r?\n
expect # 
type \x10\x11
EOF
  )" run -it --name r1 --network none busybox sh
  run_roost 0 ps --format '{{.Names}} {{.Status}}'
  assert_match "$output" "^r1 Up " "detaching from run -it leaves the container running"
  exit_through_attach r1

  # Disabled: run -it is the container's monitor itself.
  on_terminal 5 24 80 "expect # "$'\n'"$(keys_go_to_the_shell)" run -it --rm --detach-keys "" --network none busybox sh
}

test_run_rm_it_detached_then_removed() {
  on_terminal 0 24 80 "$(
    cat <<'EOF'
expect started
type \x18q
EOF
  )" run --rm -it --detach-keys ctrl-x,q --name r2 --network none busybox \
    sh -c 'echo started; while [ ! -e /tmp/go ]; do sleep 0.1; done; echo going'
  run_roost 0 ps --format '{{.Names}} {{.Status}}'
  assert_match "$output" "^r2 Up " "the custom keys detached from it"
  run_roost 0 exec r2 touch /tmp/go
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -z $(roost ps -a -q) ]] && break
    sleep 0.1
  done
  run_roost 0 ps -a -q
  is "$stdout" "" "its monitor removed it once it exited"
  is "$(monitor_pids)" "" "and is gone"
}

test_run_i_on_a_terminal_detaches() {
  # Without -t the terminal stays in line mode: the keys count once Enter
  # sends the line.
  on_terminal 0 24 80 "$(
    cat <<'EOF'
expect ready
send hello
expect got hello
type \x18q\n
EOF
  )" run -i --detach-keys ctrl-x,q --name i1 --network none busybox \
    sh -c 'echo ready; while read l; do echo "got $l"; done; echo eof; exit 6'
  run_roost 0 ps --format '{{.Names}} {{.Status}}'
  assert_match "$output" "^i1 Up " "detaching from run -i leaves the container running"
  run_roost 6 attach i1 < <(echo last)
  is "$stdout" $'got last\neof' "attached again, its input ends with the pipe"
  run_roost 0 rm i1

  on_terminal 127 24 80 "" run -it --rm --network none busybox nosuchcmd
  assert_contains "$output" 'Error: executable file "nosuchcmd" not found in $PATH'
  run_roost 0 ps -a -q
  is "$stdout" "" "nothing left"
}

# From a pipe (no terminal) run -i stays the container's monitor itself.
test_run_i_from_a_pipe() {
  run_roost 0 run -i --rm --network none busybox sh -c 'read x; echo "got $x"; echo oops >&2' < <(echo hello)
  is "$stdout" "got hello"
  is "$stderr" "oops"
  run_roost 127 run -i --rm --network none busybox nosuchcmd </dev/null
  is "$stderr" 'Error: executable file "nosuchcmd" not found in $PATH: No such file or directory'
}

test_run_it_passes_signals() {
  # On a terminal too, signals to roost go on to the container, as they do
  # when roost runs it without a monitor.
  printf '%s\n' 'expect ready' 'expect got-term' |
    timeout -k 5 60 python3 "${BASH_SOURCE[0]%/*}/ptyexpect.py" --timeout 20 -- "$ROOST" "${ROOST_OPTS[@]}" \
      run -it --name sp --network none busybox \
      sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done' >"$TEST_TMP/out" 2>&1 &
  local pty=$! pid i
  for ((i = 0; i < 100; i++)); do
    pid=$(pgrep -f "^$ROOST .*run -it --name sp")
    [[ -n $pid ]] && break
    sleep 0.1
  done
  wait_for_attached "$pid"
  kill -TERM "$pid"
  wait "$pty"
  is "$?" "7" "the container's exit code, after SIGTERM went on to it"
  assert_contains "$(<"$TEST_TMP/out")" "got-term"
  run_roost 0 rm sp
}
