# roost run -t / -i: a real pseudo-terminal in the container, stdin relayed
# only when asked for. Interactive sessions are driven on a real pty by
# ptyexpect.py (see there for its script steps).

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
}

assert_nothing_left() {
  run_roost 0 ps -a -q
  is "$output" "" "no container records left"
  is "$(grep -F "$TEST_TMP" /proc/self/mountinfo)" "" "no mounts left under $TEST_TMP"
}

test_it_shell_on_a_terminal() {
  # After each command's output, the next prompt; busybox's prompt is "/ # "
  # (it may be followed by a cursor position query).
  on_terminal 3 24 80 "$(
    cat <<'EOF'
expect # 
send tty
expect \n/dev/pts/0\r?\n
expect # 
EOF
    resize_steps
    cat <<'EOF'
send echo "term=$TERM"
expect \nterm=xterm\r?\n
expect # 
send exit 3
EOF
  )" run -it --rm localhost/busybox sh
  assert_nothing_left
}

test_it_ctrl_c_reaches_the_container() {
  # Raw mode: ^C is a byte for the container's terminal, whose line
  # discipline turns it into SIGINT for the foreground job (here a sleep that
  # would outlast the test), not a signal for roost.
  on_terminal 0 24 80 "$(
    cat <<'EOF'
expect # 
send sh -c 'echo sleeping; exec sleep 100'
expect \nsleeping\r?\n
type \x03
expect # 
send echo "still $((6*7))"
expect \nstill 42\r?\n
expect # 
send exit
EOF
  )" run -it --rm localhost/busybox sh
  assert_nothing_left
}

test_terminal_hangup_ends_the_container() {
  # Closing the terminal (its window) must not leave roost waiting forever
  # on a shell that, as PID 1 of its namespace, ignores SIGHUP.
  on_terminal 0 24 80 "$(
    cat <<'EOF'
expect # 
send echo "up $((1+1))"
expect \nup 2\r?\n
close
EOF
  )" run -it --rm localhost/busybox sh
  assert_nothing_left
}

test_t_without_a_terminal_on_stdin() {
  # -t without -i: the container still gets a pty (lines end in CR LF), and
  # nothing is read from roost's stdin.
  run_roost 0 run -t --rm busybox sh -c 'tty; echo "term=$TERM"; stty size >/dev/null && echo sized'
  assert_contains "$output" $'/dev/pts/0\r'
  assert_contains "$output" $'term=xterm\r'
  assert_contains "$output" "sized"
  assert_nothing_left
}

test_i_relays_stdin() {
  run_roost 0 run -i --rm busybox cat < <(echo hello)
  is "$output" "hello"
  # Much more than a pipe holds, both ways at once.
  head -c 3000000 /dev/urandom >"$TEST_TMP/in"
  run_roost 0 run -i --rm busybox sh -c 'md5sum; cat /dev/zero | head -c 1000000 | wc -c' <"$TEST_TMP/in"
  is "$output" "$(md5sum <"$TEST_TMP/in" | cut -d' ' -f1)  -"$'\n'"1000000"
  assert_nothing_left
}

test_without_i_stdin_is_not_read() {
  run_roost 0 run --rm busybox cat < <(echo hello)
  is "$output" "" "the container's stdin is empty without -i"
  # roost itself leaves it unread for whoever comes next.
  echo hello >"$TEST_TMP/in"
  local after
  after=$({ roost run --rm busybox true && cat; } <"$TEST_TMP/in")
  is "$after" "hello" "stdin left unread by roost run"
  assert_nothing_left
}

test_it_input_and_output_do_not_deadlock() {
  # Input from a pipe while the container writes much more than a pty
  # holds and reads nothing: typed input must wait in roost without
  # stopping the output, or both sides block for ever.
  yes 'typed ahead' | head -c 400000 |
    timeout -k 5 60 "$ROOST" "${ROOST_OPTS[@]}" run -it --rm busybox \
      sh -c 'head -c 2000000 /dev/zero | tr "\0" x; echo; echo done' >"$TEST_TMP/out"
  is "${PIPESTATUS[2]}" "0" "roost's exit code (124: it hung)"
  is "$(tr -cd x <"$TEST_TMP/out" | wc -c)" "2000000" "all of the container's output came through"
  assert_contains "$(tail -c 20 "$TEST_TMP/out")" "done"
  assert_nothing_left
}

test_exec_it_on_a_terminal() {
  run_roost 0 run -d --name e1 localhost/busybox sleep 1000
  on_terminal 4 24 80 "$(
    cat <<'EOF'
expect # 
send tty
expect \n/dev/pts/[0-9]+\r?\n
expect # 
EOF
    resize_steps
    echo 'send exit 4'
  )" exec -it e1 sh
  run_roost 0 top e1 comm
  is "$stdout" "$(printf 'COMMAND\nsleep')" "the exec shell is gone"
  run_roost 0 rm -f e1
}

test_exec_t_without_a_terminal() {
  run_roost 0 run -d --name e2 localhost/busybox sleep 1000
  run_roost 0 exec -t e2 sh -c 'tty; echo "[$TERM]"'
  assert_match "$stdout" $'^/dev/pts/[0-9]+\r\n\\[xterm\\]\r?$' "a terminal, with its CR LF line ends"
  run_roost 5 exec -t e2 sh -c 'exit 5'
  run_roost 125 exec -d -t e2 true
  assert_contains "$stderr" "exec -d with -t is not supported"
  run_roost 0 rm -f e2
}
