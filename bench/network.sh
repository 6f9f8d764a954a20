#!/usr/bin/env bash
# Benchmark (not a test): container networking, rootless, roost against podman
# in the same run, both with slirp4netns, for each port handler.
#
#   sudo bench/network.sh [RUNS] [SECS] [REQUESTS]   (default 5 runs, 5 s, 2000 requests)
#
# As the test user roosttest, each tool with its own empty store and runtime
# dir (as bench/run.sh). Measures:
# - `run --rm IMAGE true` with the default network (hyperfine, medians);
# - throughput of a published port: iperf3 on both ends (the host's binary
#   and the libraries it links, imported as one image into both stores), the
#   client on the host sending to 127.0.0.1:PORT for SECS seconds, the server
#   (`iperf3 -s -1`) in the container; the bits per second it received, best
#   of RUNS (iperf3 keeps both ends cheap, so the forwarders are what is
#   measured, not a client or server using a core of their own);
# - connections per second: `ab -n REQUESTS -c 4` (a new connection per
#   request) against busybox httpd in the container; best of RUNS.
# Port handlers: roost's own forwarder (port_handler=rootlesskit) and
# slirp4netns's API (port_handler=slirp4netns); podman 4.3's rootlessport
# (its rootlesskit handler, its default) and slirp4netns. Prints ratios
# only: absolute numbers on a shared machine mean little. Loopback only.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../setup/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../setup/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_root "$@"
runs=${1:-5}
secs=${2:-5}
requests=${3:-2000}
bench_prepare
bench_workspace net

# The iperf3 image: the host's binary, the libraries ldd lists and the loader.
iperf_image=localhost/iperf3:latest
mkdir "$work/iperf3"
for f in /usr/bin/iperf3 $(ldd /usr/bin/iperf3 | grep -o '/[^ ]*'); do
  install -D -m 0755 "$(readlink -f "$f")" "$work/iperf3$f"
done
install -d -m 1777 "$work/iperf3/tmp"  # iperf3 maps its buffers from a file there
tar -C "$work/iperf3" -cf "$work/iperf3.tar" .
chmod a+r "$work/iperf3.tar"
run_as "$user" sh -c "$roost_cmd import -q $work/iperf3.tar $iperf_image" >/dev/null
run_as "$user" sh -c "$podman_cmd import -q $work/iperf3.tar $iperf_image" >/dev/null 2>&1

# The setups compared: NAME TOOL-COMMAND NETWORK.
setups=(
  "roost-rootlesskit|$roost_cmd|slirp4netns:port_handler=rootlesskit"
  "roost-slirp4netns|$roost_cmd|slirp4netns:port_handler=slirp4netns"
  "podman-rootlesskit|$podman_cmd|slirp4netns:port_handler=rootlesskit"
  "podman-slirp4netns|$podman_cmd|slirp4netns:port_handler=slirp4netns"
)

say "start-up ($runs runs each)"
run_as "$user" hyperfine --style basic --warmup 1 --runs "$runs" --export-json "$work/out/times.json" \
  -n roost "$roost_cmd run --rm $image true" \
  -n podman "$podman_cmd run --rm --network slirp4netns $image true" \
  >/dev/null
median() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median' "$work/out/times.json"; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_port PORT: until a TCP connection to 127.0.0.1:PORT is accepted.
cat >"$work/wait_port.py" <<'PY'
import socket, sys, time
deadline = time.time() + 30
while True:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        break
    except OSError:
        if time.time() > deadline:
            raise
        time.sleep(0.05)
PY

# throughput CMD NETWORK: best bits per second of $runs iperf3 tests of $secs s.
throughput() {
  local cmd=$1 net=$2 port best=0 r try
  for _ in $(seq "$runs"); do
    port=$(free_port)
    run_as "$user" sh -c "$cmd run --rm --network $net -p 127.0.0.1:$port:5201 $iperf_image \
      /usr/bin/iperf3 -s -1 >$work/out/server.log 2>&1 &"
    # No probe: the one-test server would take it for its test. A client
    # that comes too early is reset by the forwarder, before the server saw it.
    sleep 2
    for try in $(seq 10); do
      r=$(iperf3 -c 127.0.0.1 -p "$port" -t "$secs" -J | jq -r '.end.sum_received.bits_per_second // empty') || true
      [[ -n $r ]] && break
      ((try < 10)) || die "no throughput through $net: $(cat "$work/out/server.log")"
      sleep 1
    done
    best=$(awk -v a="$r" -v b="$best" 'BEGIN { print (a > b) ? a : b }')
    sleep 1
  done
  echo "$best"
}

# conn_rate CMD NETWORK: best requests per second of $runs `ab` runs.
conn_rate() {
  local cmd=$1 net=$2 port best=0 r
  port=$(free_port)
  run_as "$user" sh -c "$cmd run -d --name web --network $net -p 127.0.0.1:$port:8080 $image \
    sh -c 'mkdir /www && echo hello >/www/index.html && exec httpd -f -p 8080 -h /www'" >/dev/null
  python3 "$work/wait_port.py" "$port"
  sleep 1
  for _ in $(seq "$runs"); do
    r=$(ab -q -n "$requests" -c 4 "http://127.0.0.1:$port/" 2>/dev/null | awk '/^Requests per second/ { print $4 }')
    best=$(awk -v a="${r:-0}" -v b="$best" 'BEGIN { print (a > b) ? a : b }')
  done
  run_as "$user" sh -c "$cmd rm -f -t 0 web" >/dev/null 2>&1 || run_as "$user" sh -c "$cmd rm -f web" >/dev/null 2>&1
  echo "$best"
}

declare -A bps rate
for s in "${setups[@]}"; do
  IFS='|' read -r name cmd net <<<"$s"
  say "$name: throughput ($runs x $secs s), connections ($runs x $requests requests)"
  bps[$name]=$(throughput "$cmd" "$net")
  rate[$name]=$(conn_rate "$cmd" "$net")
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "run --rm true, default network:   podman/roost time $(ratio "$(median podman)" "$(median roost)")x"
echo "ratios against podman's default handler (rootlessport); > 1 is better than it:"
for s in "${setups[@]}"; do
  name=${s%%|*}
  printf '  %-20s throughput %6sx   connections/s %6sx\n' "$name" \
    "$(ratio "${bps[$name]}" "${bps[podman-rootlesskit]}")" "$(ratio "${rate[$name]}" "${rate[podman-rootlesskit]}")"
done
