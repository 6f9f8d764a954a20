# Published ports through each port handler of --network slirp4netns:
# roost's own forwarder (the default; port_handler=rootlesskit, podman's name
# for its own) and slirp4netns's API (port_handler=slirp4netns): reached from 127.0.0.1,
# the client address the server in the container sees, UDP answers, and the
# forwarder never outliving its container. Loopback only.

# shellcheck source=netlib.sh
source "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"

forwarder_pids() { helper_pids "port-forwarder"; }
no_forwarder() { [[ -z $(forwarder_pids) ]]; }
has_forwarder() { [[ -n $(forwarder_pids) ]]; }
assert_no_forwarder() {
  wait_until 10 no_forwarder || fail "the port forwarder was left running: $(forwarder_pids)"
}

# tcp_through HANDLER: a TCP server in a container answers on 127.0.0.1
# through HANDLER, and nothing is left running after it exits.
tcp_through() {
  local port
  port=$(free_port SOCK_STREAM)
  start_bg --rm --network "slirp4netns:port_handler=$1" -p "127.0.0.1:$port:8080" busybox \
    sh -c 'echo pong | nc -l -p 8080'
  is "$(tcp_reply "$port")" "pong" "the host reached the server in the container through $1"
  finish_bg
  is "$bg_status" 0 "roost run's exit code"
  assert_contains "$(cat "$TEST_TMP/bg.out")" "ping" "the container got the host's message"
  assert_no_forwarder
}

test_tcp_through_roosts_forwarder() {
  tcp_through rootlesskit
}

test_tcp_through_slirp4netns() {
  tcp_through slirp4netns
}

test_unknown_port_handler() {
  run_roost 125 run --rm --network slirp4netns:port_handler=socat busybox true
  assert_contains "$output" 'unknown slirp4netns option "port_handler=socat"'
  assert_contains "$output" "port_handler=rootlesskit|slirp4netns"
}

# client_seen_by HANDLER [SOURCE]: the client address busybox httpd in a
# container logs for a request to 127.0.0.1 from SOURCE (a loopback address,
# default 127.0.0.1) through HANDLER ("" = the default).
client_seen_by() {
  local port net=slirp4netns source=${2:-127.0.0.1}
  [[ -n $1 ]] && net="slirp4netns:port_handler=$1"
  port=$(free_port SOCK_STREAM)
  run_roost 0 run -d --name web --network "$net" -p "127.0.0.1:$port:8080" busybox \
    sh -c 'mkdir /www && echo hello >/www/index.html && exec httpd -f -vv -p 8080 -h /www' >&2
  local body=""
  for _ in $(seq 100); do
    body=$(curl -s --max-time 5 --interface "$source" "http://127.0.0.1:$port/") && [[ -n $body ]] && break
    sleep 0.1
  done
  [[ $body == hello ]] || fail "no answer through $net: $(roost logs web 2>&1)"
  wait_until 10 eval 'roost logs web 2>&1 | grep -q response:200' || fail "httpd logged nothing: $(roost logs web 2>&1)"
  # "[::ffff:10.0.2.2]:41234: response:200" (httpd listens on IPv6 too)
  roost logs web 2>&1 | awk '/response:200/ { sub(/:[0-9]+: response:200.*/, ""); gsub(/^\[(::ffff:)?|\]$/, ""); print; exit }'
  roost rm -f web >/dev/null
}

test_client_address_seen_by_the_server() {
  # slirp4netns shows a client on the host's loopback as its gateway
  # (10.0.2.2; a client on another address keeps its own); roost's
  # forwarder connects from inside the container's namespace, from the
  # client's own loopback address (local there too).
  is "$(client_seen_by slirp4netns)" "10.0.2.2" "the client as seen through slirp4netns"
  is "$(client_seen_by rootlesskit)" "127.0.0.1" "the client as seen through roost's forwarder"
  is "$(client_seen_by "")" "127.0.0.1" "the default handler is roost's forwarder"
  assert_no_forwarder
}

test_real_loopback_client_address_through_roosts_forwarder() {
  # A client that bound another loopback address is seen with that one, not
  # with 127.0.0.1 or the address it connected to.
  is "$(client_seen_by rootlesskit 127.0.0.7)" "127.0.0.7" "the client bound to 127.0.0.7 as the server saw it"
  is "$(client_seen_by "" 127.0.0.7)" "127.0.0.7" "the same through the default handler"
  is "$(client_seen_by slirp4netns 127.0.0.7)" "10.0.2.2" "the same client through slirp4netns"
  assert_no_forwarder
}

test_udp_through_roosts_forwarder() {
  build_udpecho
  local port
  port=$(free_port SOCK_DGRAM)
  start_bg --rm --network slirp4netns:port_handler=rootlesskit -v "$TEST_TMP/udpecho:/udpecho:ro" \
    -p "127.0.0.1:$port:8081/udp" busybox /udpecho 8081
  # Unlike slirp4netns's (see 180-network.sh), roost's forwarder answers
  # from the host port the client sent to: the echo comes back.
  local echo=""
  for _ in $(seq 100); do
    echo=$(python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.3)
s.sendto(b"ping-udp", ("127.0.0.1", int(sys.argv[1])))
try: print(s.recv(100).decode())
except OSError: pass' "$port")
    [[ -n $echo ]] && break
  done
  is "$echo" "echo:ping-udp" "the answer from the container reached the host"
  printf bye >"/dev/udp/127.0.0.1/$port"
  finish_bg
  is "$bg_status" 0 "roost run's exit code"
  assert_contains "$(cat "$TEST_TMP/bg.out")" "got ping-udp from 127.0.0.1" "the server saw the client's address"
  assert_no_forwarder
}

test_port_in_use_fails_before_start() {
  python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(60)' >"$TEST_TMP/port" &
  local holder=$!
  wait_until 10 test -s "$TEST_TMP/port" || fail "no port"
  local port
  port=$(<"$TEST_TMP/port")
  run_roost 125 run --rm --network slirp4netns:port_handler=rootlesskit -p "127.0.0.1:$port:80" busybox echo never
  is "$output" "Error: cannot publish host port $port/tcp on 127.0.0.1: it is already in use; pick another with -p HOSTPORT:CTRPORT"
  kill "$holder"
  run_roost 0 ps -a -q
  is "$output" "" "--rm removed it"
}

test_forwarder_gone_after_kill_9_of_roost() {
  local port
  port=$(free_port SOCK_STREAM)
  start_bg --name k --network slirp4netns:port_handler=rootlesskit -p "127.0.0.1:$port:8080" busybox sleep 300
  wait_until 30 running k || fail "not running: $(cat "$TEST_TMP/bg.out")"
  wait_until 10 has_forwarder || fail "no port forwarder while the container runs"
  kill -9 "$bg"
  finish_bg
  assert_no_forwarder
  run_roost 0 rm -f k
}

test_forwarder_of_a_detached_container_goes_with_it() {
  local port
  port=$(free_port SOCK_STREAM)
  run_roost 0 run -d --name d --network slirp4netns:port_handler=rootlesskit -p "127.0.0.1:$port:8080" busybox sh -c 'echo pong | nc -l -p 8080; sleep 300'
  is "$(tcp_reply "$port")" "pong" "the host reached the detached container"
  has_forwarder || fail "no port forwarder while the container runs"
  run_roost 0 stop -t 1 d
  assert_no_forwarder
  run_roost 0 rm d
}
