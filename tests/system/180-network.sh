# Container networks: slirp4netns (the default), published ports reached from
# the host on 127.0.0.1, /etc/resolv.conf and /etc/hosts, and slirp4netns
# never outliving its container. Loopback only: no container connects to
# anything outside this machine.

# shellcheck source=netlib.sh
source "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"

test_default_network_is_slirp4netns() {
  run_roost 0 run --rm busybox sh -c 'cat /proc/net/dev; ip -4 addr show tap0; ip route'
  assert_match "$output" "tap0:" "the container has tap0"
  assert_contains "$output" "inet 10.0.2.100/24"
  assert_contains "$output" "default via 10.0.2.2 dev tap0"
  assert_no_slirp
  run_roost 0 create --name c busybox true
  run_roost 0 container inspect c
  is "$(jq -r '.[0].HostConfig.NetworkMode' <<<"$stdout")" slirp4netns
}

test_network_none_starts_nothing() {
  run_roost 0 run --rm --network none busybox sh -c 'cat /proc/net/dev; ls /run/.containerenv'
  is "$(grep ':' <<<"$output" | cut -d: -f1 | tr -d ' ' | sort | tr '\n' ' ')" "lo " "only lo"
  # Even without slirp4netns in PATH.
  path_without_slirp4netns
  PATH=$TEST_TMP/bin run_roost 0 run --rm --network none busybox true
}

test_slirp4netns_missing() {
  path_without_slirp4netns
  PATH=$TEST_TMP/bin run_roost 125 run --rm busybox true
  assert_contains "$output" "slirp4netns is not installed"
  assert_contains "$output" "install the Debian package slirp4netns"
  run_roost 0 ps -a -q
  is "$output" "" "--rm removed the container that could not start"
}

test_published_tcp_port() {
  local port
  port=$(free_port SOCK_STREAM)
  start_bg --rm --name web -p "127.0.0.1:$port:8080" busybox sh -c 'echo pong | nc -l -p 8080'
  is "$(tcp_reply "$port")" "pong" "the host reached the server in the container"
  finish_bg
  is "$bg_status" 0 "roost run's exit code"
  assert_contains "$(cat "$TEST_TMP/bg.out")" "ping" "the container got the host's message"
  assert_no_slirp
}

test_published_udp_port() {
  # busybox's nc has no UDP: a tiny static echo server does it.
  build_udpecho
  local port
  port=$(free_port SOCK_DGRAM)
  start_bg --rm -v "$TEST_TMP/udpecho:/udpecho:ro" -p "127.0.0.1:$port:8081/udp" busybox /udpecho 8081
  # The way in through the default port handler (roost's forwarder; its
  # answers are checked in 181-port-handlers.sh): the datagram reaches the
  # server in the container.
  got_it() { grep -q "got ping-udp" "$TEST_TMP/bg.out"; }
  send() { printf %s "$1" >"/dev/udp/127.0.0.1/$port"; }
  wait_until 30 eval 'send ping-udp; got_it' || fail "no datagram reached the container: $(cat "$TEST_TMP/bg.out")"
  wait_until 30 eval 'send bye; bg_done' || true
  finish_bg
  is "$bg_status" 0 "roost run's exit code"
  assert_contains "$(cat "$TEST_TMP/bg.out")" "got ping-udp" "the datagram from the host reached the container"
  assert_no_slirp
}

test_ports_in_ps_inspect_and_port() {
  local port
  port=$(free_port SOCK_STREAM)
  run_roost 0 create --name c -p "127.0.0.1:$port:80" -p 9000-9001:90-91/udp -p 127.0.0.1::53/udp busybox true
  run_roost 0 port c
  assert_contains "$output" "80/tcp -> 127.0.0.1:$port"
  assert_contains "$output" "90/udp -> 0.0.0.0:9000"
  assert_contains "$output" "91/udp -> 0.0.0.0:9001"
  local random
  random=$(roost port c 53/udp)
  assert_match "$random" '^127\.0\.0\.1:[0-9]+$' "a free host port was picked for 53/udp"
  [[ ${random#*:} != 0 ]] || fail "host port 0"
  run_roost 0 port c 80
  is "$output" "127.0.0.1:$port"
  run_roost 125 port c 81
  assert_contains "$output" "failed to find published port \"81\""
  run_roost 0 ps -a
  assert_contains "$output" "0.0.0.0:9000-9001->90-91/udp"
  assert_contains "$output" "127.0.0.1:$port->80/tcp"
  run_roost 0 container inspect c
  is "$(jq -r '.[0].HostConfig.PortBindings["80/tcp"][0].HostPort' <<<"$stdout")" "$port"
  is "$(jq -r '.[0].HostConfig.PortBindings["80/tcp"][0].HostIp' <<<"$stdout")" "127.0.0.1"
  is "$(jq -r '.[0].NetworkSettings.Ports["91/udp"][0].HostPort' <<<"$stdout")" "9001"
}

test_publish_all_exposed_ports() {
  run_roost 0 load -i "$FIXTURES/busybox-expose-oci"
  local img
  img=$(roost images -q --no-trunc | grep -v "$BUSYBOX_ID" | head -n1)
  run_roost 0 create --name c -P "${img#sha256:}" true
  run_roost 0 port c
  assert_match "$output" '8080/tcp -> 0\.0\.0\.0:[0-9]+'
  assert_match "$output" '8081/udp -> 0\.0\.0\.0:[0-9]+'
}

test_malformed_publish() {
  run_roost 125 run --rm -p 70000 busybox true
  is "$output" 'Error: invalid port "70000" in -p 70000: ports are 1-65535'
  run_roost 125 run --rm -p a:b busybox true
  assert_contains "$output" 'invalid port "b" in -p a:b: not a number'
  run_roost 125 run --rm -p 1-3:4-5 busybox true
  assert_contains "$output" "the host port range 1-3 and the container port range 4-5 differ in size"
  run_roost 125 run --rm -p 8080:80/sctp busybox true
  assert_contains "$output" 'invalid protocol "sctp"'
  run_roost 125 run --rm --network none -p 8080:80 busybox true
  assert_contains "$output" "publishing ports needs the container's own network (slirp4netns)"
  run_roost 125 run --rm --add-host nocolon busybox true
  assert_contains "$output" 'invalid --add-host "nocolon": expected NAME:IP'
  run_roost 0 ps -a -q
  is "$output" "" "nothing was created"
}

test_host_port_in_use() {
  python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(60)' >"$TEST_TMP/port" &
  local holder=$!
  wait_until 10 test -s "$TEST_TMP/port" || fail "no port"
  local port
  port=$(<"$TEST_TMP/port")
  run_roost 125 run --rm -p "127.0.0.1:$port:80" busybox echo never
  is "$output" "Error: cannot publish host port $port/tcp on 127.0.0.1: it is already in use; pick another with -p HOSTPORT:CTRPORT"
  assert_not_contains "$output" "never" "the container did not start"
  kill "$holder"
  run_roost 0 ps -a -q
  is "$output" "" "--rm removed it"
  assert_no_slirp
}

test_privileged_port_as_normal_user() {
  skip_if_mode root "root may publish any port"
  run_roost 125 run --rm -p 127.0.0.1:80:80 busybox true
  assert_contains "$output" "cannot publish host port 80/tcp as a normal user"
  assert_contains "$output" "net.ipv4.ip_unprivileged_port_start"
}

test_resolv_conf() {
  run_roost 0 run --rm busybox cat /etc/resolv.conf
  local expected
  expected=$(awk '$1 == "nameserver" { print ($2 ~ /^127\./ || $2 == "::1") ? "10.0.2.3" : $2 }' /etc/resolv.conf | awk '!seen[$0]++')
  [[ -n $expected ]] || expected=10.0.2.3
  is "$(awk '$1 == "nameserver" { print $2 }' <<<"$output")" "$expected" \
    "the host's nameservers, loopback ones replaced by slirp4netns's forwarder"
  run_roost 0 run --rm --dns 192.0.2.1 --dns-search example.org --dns-option ndots:2 busybox cat /etc/resolv.conf
  is "$output" "search example.org"$'\n'"nameserver 192.0.2.1"$'\n'"options ndots:2"
}

test_hosts_file() {
  run_roost 0 run --rm --name web --hostname h1 --add-host db.example:192.0.2.7 busybox cat /etc/hosts
  assert_contains "$output" $'192.0.2.7\tdb.example'
  assert_contains "$output" $'10.0.2.100\th1 web'
  assert_contains "$output" "127.0.0.1"$'\t'"localhost"
  assert_not_contains "$output" "host.containers.internal" "only with allow_host_loopback"
  run_roost 0 run --rm --network slirp4netns:allow_host_loopback=true busybox cat /etc/hosts
  assert_contains "$output" $'10.0.2.2\thost.containers.internal'
  run_roost 0 run --rm --no-hosts --add-host db:192.0.2.7 busybox sh -c 'cat /etc/hosts 2>&1; true'
  assert_not_contains "$output" "192.0.2.7" "--no-hosts leaves the image's /etc/hosts"
}

test_slirp4netns_gone_after_kill_9_of_the_container() {
  start_bg --name k busybox sleep 300
  wait_until 30 running k || fail "not running: $(cat "$TEST_TMP/bg.out")"
  wait_until 10 has_slirp || fail "no slirp4netns while the container runs"
  local pid
  pid=$(roost inspect --format json k | jq -r '.[0].State.Pid')
  kill -9 "$pid"
  finish_bg
  is "$bg_status" 137 "the container's exit code (SIGKILL)"
  assert_no_slirp
  run_roost 0 ps -a
  assert_contains "$output" "Exited (137)"
}

test_slirp4netns_gone_after_kill_9_of_roost() {
  start_bg --name k busybox sleep 300
  wait_until 30 running k || fail "not running: $(cat "$TEST_TMP/bg.out")"
  wait_until 10 has_slirp || fail "no slirp4netns while the container runs"
  kill -9 "$bg"
  finish_bg
  assert_no_slirp
  run_roost 0 rm -f k
}
