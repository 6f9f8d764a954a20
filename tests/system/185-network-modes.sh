# Sharing networks: --network container:NAME (two containers on one
# localhost), --network ns:PATH; /dev/net/tun missing; slirp4netns gone after
# `roost stop` and after kill -9 of a detached container's monitor.
# Loopback only: no container connects to anything outside this machine.

# shellcheck source=tests/system/netlib.sh
source "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"

# Instead of netlib's teardown: also undoes what the ns:PATH and /dev/net/tun tests set up.
teardown() {
  roost rm -a -f >/dev/null 2>&1 || true
  [[ -n ${ns_holder-} ]] && kill -9 "$ns_holder" 2>/dev/null
  [[ -n ${ns_file-} ]] && umount "$ns_file" 2>/dev/null
  [[ -n ${user_home-} ]] && rm -rf "$user_home"
  return 0
}

# A detached server A answering on its 127.0.0.1:8080 only.
start_server_a() {
  run_roost 0 run -d --name a busybox sh -c \
    'mkdir /www && echo hello-from-a >/www/index.html && exec httpd -f -p 127.0.0.1:8080 -h /www'
  wait_until 30 running a || fail "a is not running"
}

test_container_network_shares_localhost() {
  start_server_a
  wait_until 10 has_slirp || fail "no slirp4netns for a"
  local slirps
  slirps=$(slirp_pids | wc -l)
  local reply=""
  for _ in $(seq 50); do
    # (busybox-static's wget crashes; nc speaks HTTP well enough.)
    run_roost '?' run --rm --network container:a busybox sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc 127.0.0.1 8080'
    reply=$(tail -n1 <<<"$stdout")
    [[ $reply == hello-from-a ]] && break
    sleep 0.2
  done
  is "$reply" "hello-from-a" "b reached a's server on their shared 127.0.0.1"
  run_roost 0 run --rm --network container:a busybox cat /proc/net/dev
  assert_contains "$output" "tap0:" "b sees a's interfaces"
  is "$(slirp_pids | wc -l)" "$slirps" "b started no slirp4netns of its own"

  run_roost 0 create --name b --network container:a busybox cat /etc/hosts /etc/resolv.conf
  local a_id
  a_id=$(roost container inspect --format '{{.Id}}' a)
  run_roost 0 container inspect b
  is "$(jq -r '.[0].HostConfig.NetworkMode' <<<"$stdout")" "container:$a_id" "stored by a's full ID"
  run_roost 0 start -a b
  local b_files=$output
  run_roost 0 exec a cat /etc/hosts /etc/resolv.conf
  is "$b_files" "$output" "b shares a's /etc/hosts and /etc/resolv.conf"
  grep -qE '^10\.0\.2\.100\s.* a$' <<<"$b_files" || fail "a's name is not in the shared /etc/hosts: $b_files"
}

test_container_network_with_runc() {
  command -v runc >/dev/null || skip "runc is not installed"
  start_server_a
  if [[ $TEST_MODE == root ]]; then
    run_roost 0 run --rm --runtime runc --network container:a busybox sh -c \
      'printf "GET / HTTP/1.0\r\n\r\n" | nc 127.0.0.1 8080'
    assert_contains "$output" "hello-from-a" "runc's container reached a on their shared 127.0.0.1"
  else
    run_roost 125 run --rm --runtime runc --network container:a busybox true
    is "$output" "Error: cannot share the network of container a: --network container: needs roost's own runtime as a normal user (drop --runtime)"
    run_roost 0 ps -a -q
    is "$(wc -l <<<"$output")" 1 "only a"
  fi
}

test_container_network_conflicting_options() {
  run_roost 125 run --rm --network container:a -p 8080:80 busybox true
  is "$output" "Error: conflicting options: published ports (-p, -P) and the network mode container:a"
  run_roost 125 run --rm --network container:a -P busybox true
  assert_contains "$output" "conflicting options: published ports"
  run_roost 125 run --rm --network container:a --dns 192.0.2.1 busybox true
  is "$output" "Error: conflicting options: dns (--dns, --dns-search, --dns-option) and the network mode container:a"
  run_roost 125 run --rm --network container:a --dns-search example.org busybox true
  assert_contains "$output" "conflicting options: dns"
  run_roost 125 run --rm --network container:a --add-host db:192.0.2.7 busybox true
  assert_contains "$output" "conflicting options: custom host-to-IP mapping (--add-host)"
  run_roost 0 ps -a -q
  is "$output" "" "nothing was created"
}

test_container_network_of_a_missing_container() {
  run_roost 125 run --rm --network container:nosuch busybox true
  is "$output" 'Error: --network container:nosuch: no container with name or ID "nosuch" found: no such container'
  run_roost 125 create --network container:nosuch busybox true
  run_roost 0 ps -a -q
  is "$output" "" "nothing was created"
  assert_no_slirp
}

test_container_network_of_a_stopped_container() {
  run_roost 0 create --name a busybox true
  local a_id=$stdout
  run_roost 125 run --rm --network container:a busybox true
  is "$output" "Error: cannot share the network of container a: it is not running (start it first)"
  run_roost 125 run -d --network container:a busybox true
  is "$(wc -l <<<"$output")" 1 "one line"
  run_roost 0 ps -a -q --no-trunc
  is "$output" "$a_id" "only a: nothing was created"
  assert_no_slirp
}

test_container_network_peer_stops_first() {
  start_server_a
  run_roost 0 run -d --name b --network container:a busybox sleep 300
  wait_until 30 running b || fail "b is not running"
  run_roost 0 stop -t 1 a
  assert_no_slirp
  run_roost 0 exec b cat /proc/net/dev
  assert_contains "$output" "lo:" "b still has the namespace it shared (the kernel keeps it)"
  assert_not_contains "$output" "tap0:" "a's slirp4netns is gone with a"
  run_roost 0 rm a
  run_roost 0 rm -f b
  run_roost 0 ps -a -q
  is "$output" "" "both removed"
  # A container whose peer is gone cannot start again, and says why.
  start_server_a
  run_roost 0 create --name c --network container:a busybox true
  run_roost 0 rm -f a
  run_roost 125 start c
  assert_contains "$output" 'no container with name or ID'
}

test_network_ns_path_as_root() {
  skip_unless_mode root "a normal user cannot make a persistent network namespace"
  command -v ip >/dev/null || skip "no ip(8) to mark the namespace"
  ns_file=$TEST_TMP/netns
  touch "$ns_file"
  unshare --net="$ns_file" true || skip "cannot bind-mount a network namespace here"
  # Marked by lo's MTU, which only this namespace has.
  nsenter --net="$ns_file" ip link set lo mtu 1234
  run_roost 0 run --rm --network "ns:$ns_file" busybox cat /sys/class/net/lo/mtu
  is "$output" 1234 "the container is in that namespace"
  assert_no_slirp
  run_roost 0 run --rm --cap-add NET_ADMIN --network "ns:$ns_file" busybox ip link set lo mtu 4321
  assert_match "$(nsenter --net="$ns_file" ip -o link show lo)" "mtu 4321 " "the container changed the shared namespace"
}

test_network_ns_path_of_another_user_namespace() {
  skip_if_mode root "root may join any network namespace"
  # The user's own namespace, but owned by a user namespace of its own.
  unshare --user --map-root-user --net sleep 300 &
  ns_holder=$!
  wait_until 10 eval '[[ $(readlink /proc/$ns_holder/ns/net) != $(readlink /proc/self/ns/net) ]]' ||
    fail "no namespace"
  run_roost 125 run --rm --network "ns:/proc/$ns_holder/ns/net" busybox true
  is "$output" "Error: cannot join the network namespace /proc/$ns_holder/ns/net: another user namespace owns it, and a normal user's container cannot enter that one (share a container's network with --network container:NAME)"
  run_roost 0 ps -a -q
  is "$output" "" "--rm removed the container"
  run_roost 125 run --rm --network ns:/nonexistent busybox true
  assert_contains "$output" "/nonexistent"
}

# tun_hidden USER CMD...: runs CMD as USER in a mount namespace where
# /dev/net/tun exists but cannot be opened (on a nodev mount).
tun_hidden() {
  local user=$1
  shift
  unshare -m bash -c 'mount -t tmpfs -o nodev,mode=0755 tmpfs /dev/net && mknod -m 0666 /dev/net/tun c 10 200 &&
    exec setpriv --reuid="$0" --regid="$0" --init-groups "$@"' "$user" "$@"
}

test_tun_not_accessible() {
  skip_unless_mode root "needs root to hide /dev/net/tun (this test runs roost as root and as a normal user)"
  tun_hidden root "$ROOST" "${ROOST_OPTS[@]}" run --rm busybox echo never >"$TEST_TMP/out" 2>&1
  is "$?" 125 "exit code"
  is "$(cat "$TEST_TMP/out")" "Error: /dev/net/tun is not accessible (Permission denied): slirp4netns needs it for the container's network; run \`roost system check\` for the fix, or use --network none or --network host"
  run_roost 0 ps -a -q
  is "$output" "" "--rm removed the container"
  assert_no_slirp
  tun_hidden root "$ROOST" "${ROOST_OPTS[@]}" run --rm --network none busybox echo works >"$TEST_TMP/out" 2>&1 ||
    fail "--network none: $(cat "$TEST_TMP/out")"
  is "$(cat "$TEST_TMP/out")" works "--network none needs no /dev/net/tun"
  tun_hidden root "$ROOST" "${ROOST_OPTS[@]}" system check >"$TEST_TMP/out" 2>&1
  is "$?" 1 "system check fails"
  assert_contains "$(cat "$TEST_TMP/out")" "FAIL  /dev/net/tun: cannot be opened read-write by you (mode 0666): Permission denied"
  assert_contains "$(cat "$TEST_TMP/out")" "meanwhile containers can run with --network none"
  assert_contains "$(cat "$TEST_TMP/out")" "fix: make /dev/net/tun usable here: its file system must not be mounted nodev"

  # The same for a normal user with sub-IDs, with a store of their own.
  local user=roosttest
  id "$user" >/dev/null 2>&1 || skip "no user $user"
  # Outside TEST_TMP, whose parents the user cannot enter; teardown removes it.
  user_home=$(mktemp -d /tmp/roost-tun-XXXXXX)
  local home=$user_home
  mkdir -m 0700 "$home/run" && chown -R "$user:" "$home"
  as_user() {
    tun_hidden "$user" env -i PATH="$PATH" HOME="$home" XDG_RUNTIME_DIR="$home/run" XDG_DATA_HOME="$home/data" \
      XDG_CONFIG_HOME="$home/config" "$ROOST" "$@" >"$TEST_TMP/out" 2>&1
  }
  as_user load -i "$FIXTURES/busybox-docker-archive.tar" || fail "load: $(cat "$TEST_TMP/out")"
  as_user run --rm busybox echo never
  is "$?" 125 "exit code as $user"
  is "$(cat "$TEST_TMP/out")" "Error: /dev/net/tun is not accessible (Permission denied): slirp4netns needs it for the container's network; run \`roost system check\` for the fix, or use --network none or --network host"
  as_user system check
  is "$?" 1 "system check fails as $user"
  assert_contains "$(cat "$TEST_TMP/out")" "FAIL  /dev/net/tun: cannot be opened read-write by you (mode 0666)"
  assert_contains "$(cat "$TEST_TMP/out")" "must not be mounted nodev"
  as_user run --rm --network none busybox echo works
  is "$(cat "$TEST_TMP/out")" works "--network none as $user"
  as_user ps -a -q
  is "$(cat "$TEST_TMP/out")" "" "nothing left in $user's store"
}

test_slirp4netns_gone_after_stop() {
  run_roost 0 run -d --name k busybox sleep 300
  wait_until 10 has_slirp || fail "no slirp4netns while the container runs"
  run_roost 0 stop -t 1 k
  assert_no_slirp
  run_roost 0 ps -a
  assert_match "$output" "Exited \([0-9]+\)"
}

test_slirp4netns_gone_after_kill_9_of_the_monitor() {
  run_roost 0 run -d --name k busybox sleep 300
  wait_until 10 has_slirp || fail "no slirp4netns while the container runs"
  local monitor pid
  monitor=$(roost inspect --format json k | jq -r '.[0].State.ConmonPid')
  pid=$(roost inspect --format json k | jq -r '.[0].State.Pid')
  [[ $monitor -gt 0 && -e /proc/$monitor ]] || fail "no monitor PID in inspect: $monitor"
  is "$(monitor_pids)" "$monitor" "State.ConmonPid is the monitor"
  kill -9 "$monitor"
  assert_no_slirp
  run_roost 0 ps -a
  # Its process dies with the monitor (parent-death signal), so its exit
  # code is unknown.
  assert_match "$output" "Exited \([0-9]+\)" "shown exited"
  wait_until 10 eval "[[ ! -e /proc/$pid ]]" || fail "the container's process $pid outlived its monitor"
  run_roost 0 rm k
}
