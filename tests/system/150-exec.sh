# roost exec: a process in a running container's namespaces, with its
# capabilities, seccomp filter and environment.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
  run_roost 0 run -d --name c -e FROM_RUN=yes busybox sh -c 'echo inside > /tmp/mark; exec sleep 100000'
  cid=$stdout
  wait_for_status c running
}

teardown() {
  roost rm -f -a >/dev/null 2>&1
}

test_exec_sees_the_container() {
  run_roost 0 exec c cat /tmp/mark
  is "$output" "inside" "the container's root file system"
  run_roost 0 exec c hostname
  is "$output" "${cid:0:12}" "its UTS namespace"
  run_roost 0 exec c sh -c 'tr "\0" " " </proc/1/cmdline'
  is "$output" "sleep 100000 " "its PID namespace: PID 1 is the container's process"
  run_roost 0 exec c sh -c 'echo $FROM_RUN $HOME; pwd; id -u'
  is "$output" "yes /root"$'\n'"/"$'\n'"0" "its environment, working directory and user"
  local init_caps own_caps
  init_caps=$(roost exec c grep -E '^(CapEff|CapBnd|Seccomp|NoNewPrivs):' /proc/1/status)
  own_caps=$(roost exec c grep -E '^(CapEff|CapBnd|Seccomp|NoNewPrivs):' /proc/self/status)
  is "$own_caps" "$init_caps" "the same capabilities, seccomp mode and no_new_privs as the container's process"
  assert_contains "$own_caps" "Seccomp:	2" "the seccomp filter is on"
  run_roost 0 exec c readlink /proc/self/ns/net
  is "$output" "$(roost exec c readlink /proc/1/ns/net)" "its network namespace"
}

test_exec_options() {
  run_roost 0 exec -e A=1 -e FROM_RUN=over -w /tmp c sh -c 'echo $A $FROM_RUN; pwd'
  is "$output" "1 over"$'\n'"/tmp"
  if [[ $TEST_MODE != nosubid ]]; then  # without sub-IDs only root is mapped
    run_roost 0 exec -u 1000 c id -u
    is "$output" "1000"
    run_roost 0 exec -u nobody c id -un
    is "$output" "nobody"
  fi
  run_roost 0 exec -i c sh -c 'cat; echo end' <<<"from stdin"
  is "$output" "from stdin"$'\n'"end" "-i passes stdin"
  run_roost 0 exec c sh -c 'cat; echo end' <<<"from stdin"
  is "$output" "end" "without -i stdin is empty"
  run_roost 0 exec -d c sh -c 'sleep 0.2; echo later > /tmp/detached'
  is "$output" "" "-d returns at once"
  local i
  for ((i = 0; i < 50; i++)); do
    [[ $(roost exec c cat /tmp/detached 2>/dev/null) == later ]] && break
    sleep 0.1
  done
  run_roost 0 exec c cat /tmp/detached
  is "$output" "later" "the detached process ran"
}

test_exec_exit_codes_and_errors() {
  run_roost 3 exec c sh -c 'exit 3'
  run_roost 127 exec c nosuchcmd
  is "$output" 'Error: executable file "nosuchcmd" not found in $PATH: No such file or directory'
  run_roost 126 exec c /etc/passwd
  run_roost 125 exec nosuch true
  is "$output" 'Error: no container with name or ID "nosuch" found: no such container'
  run_roost 125 exec c
  assert_contains "$output" "a command to run"
  run_roost 0 create --name made busybox true
  run_roost 125 exec made true
  is "$output" "Error: can only create exec sessions on running containers: container state improper"
  run_roost 0 stop -t 0 c
  run_roost 125 exec c true
  is "$output" "Error: can only create exec sessions on running containers: container state improper"
}
