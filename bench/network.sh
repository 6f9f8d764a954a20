#!/usr/bin/env bash
# Benchmark (not a test): container networking, rootless, roost against podman
# in the same run, both with slirp4netns, for each port handler.
#
#   sudo bench/network.sh [RUNS] [MB] [REQUESTS]   (default 5 runs, 200 MB, 2000 requests)
#
# As the test user roosttest, each tool with its own empty store and runtime
# dir (as bench/run.sh). Measures:
# - `run --rm IMAGE true` with the default network (hyperfine, medians);
# - throughput of a published port: a client on the host sends MB megabytes
#   to 127.0.0.1:PORT, busybox nc in the container reads them, and the time
#   runs until the container has read everything (its nc closes the
#   connection); best of RUNS;
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
mb=${2:-200}
requests=${3:-2000}
bench_prepare
bench_workspace net

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

# client.py PORT MB: seconds to push MB megabytes to 127.0.0.1:PORT.
cat >"$work/client.py" <<'PY'
import socket, sys, time
port, mb = int(sys.argv[1]), int(sys.argv[2])
chunk = b"\0" * (1 << 20)
deadline = time.time() + 30
while True:
    try:
        s = socket.create_connection(("127.0.0.1", port))
        break
    except OSError:
        if time.time() > deadline:
            raise
        time.sleep(0.05)
start = time.time()
for _ in range(mb):
    s.sendall(chunk)
s.shutdown(socket.SHUT_WR)
s.recv(1)  # EOF once nc in the container has read everything and exited
print("%.4f" % (time.time() - start))
PY

# throughput CMD NETWORK: best seconds of $runs pushes of $mb MB.
throughput() {
  local cmd=$1 net=$2 port best="" t
  for _ in $(seq "$runs"); do
    port=$(free_port)
    run_as "$user" sh -c "$cmd run --rm --network $net -p 127.0.0.1:$port:8080 $image sh -c 'nc -l -p 8080 >/dev/null' >$work/out/server.log 2>&1 &"
    # Give the server time to listen before timing (early connections are reset).
    sleep 2
    t=$(python3 "$work/client.py" "$port" "$mb") || die "no throughput through $net: $(cat "$work/out/server.log")"
    best=$(awk -v a="$t" -v b="${best:-1e9}" 'BEGIN { print (a < b) ? a : b }')
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

declare -A secs rate
for s in "${setups[@]}"; do
  IFS='|' read -r name cmd net <<<"$s"
  say "$name: throughput ($runs x $mb MB), connections ($runs x $requests requests)"
  secs[$name]=$(throughput "$cmd" "$net")
  rate[$name]=$(conn_rate "$cmd" "$net")
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "run --rm true, default network:   podman/roost time $(ratio "$(median podman)" "$(median roost)")x"
echo "ratios against podman's default handler (rootlessport); > 1 is better than it:"
for s in "${setups[@]}"; do
  name=${s%%|*}
  printf '  %-20s throughput %6sx   connections/s %6sx\n' "$name" \
    "$(ratio "${secs[podman-rootlesskit]}" "${secs[$name]}")" "$(ratio "${rate[$name]}" "${rate[podman-rootlesskit]}")"
done
