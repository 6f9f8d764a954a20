#!/usr/bin/env bash
# Benchmark (not a test): container networking, rootless, roost against podman
# in the same run, both with slirp4netns.
#
#   sudo bench/network.sh [RUNS] [MB]   (default 20 timed runs, 256 MB through a port)
#
# As the test user roosttest, each tool with its own empty store and runtime
# dir (as bench/run.sh). Measures `run --rm IMAGE true` with the default
# network and with --network none (hyperfine), and the throughput of a
# published port: a client on the host sends MB megabytes to 127.0.0.1:PORT,
# busybox nc in the container reads them, and the time runs until the
# container has read everything (its nc closes the connection). podman 4.3
# forwards ports with its own rootlessport by default, roost through
# slirp4netns's API (add_hostfwd). Loopback only.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../setup/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../setup/lib.sh"

need_root "$@"
runs=${1:-20}
mb=${2:-256}
user=roosttest
"$ROOST_SRC/setup/deps" --bench >/dev/null
"$ROOST_SRC/setup/users" >/dev/null

work=$(mktemp -d /tmp/roost-bench-net.XXXXXX)
uid=$(id -u "$user")
cleanup() {
  local pid
  pid=$(cat "/run/user/$uid/bench-podman-${work##*.}/libpod/tmp/pause.pid" 2>/dev/null || true)
  [[ -n $pid ]] && kill "$pid" 2>/dev/null
  rm -rf "$work" "/run/user/$uid/bench-roost-${work##*.}" "/run/user/$uid/bench-podman-${work##*.}"
}
trap cleanup EXIT
chmod 0755 "$work"
install -m 0755 "${ROOST:-$ROOST_SRC/build/roost}" "$work/roost-bin"
bash "$ROOST_SRC/tests/system/fixtures.sh" "$work/fixtures" >/dev/null
chmod -R a+rX "$work/fixtures"
install -d -o "$uid" -m 0755 "$work/out"
for tool in roost podman; do
  install -d -o "$uid" -g "$uid" -m 0700 "$work/$tool" "$work/$tool/data" "$work/$tool/config" \
    "/run/user/$uid/bench-$tool-${work##*.}"
done
env_for() { echo "HOME=$work/$1 XDG_DATA_HOME=$work/$1/data XDG_CONFIG_HOME=$work/$1/config XDG_RUNTIME_DIR=/run/user/$uid/bench-$1-${work##*.}"; }
roost_cmd="env $(env_for roost) $work/roost-bin --storage-driver overlay"
podman_cmd="env $(env_for podman) podman --runtime runc --cgroup-manager cgroupfs --storage-driver overlay --events-backend none"
image=localhost/busybox:latest

run_as "$user" sh -c "$roost_cmd load -i $work/fixtures/busybox-docker-archive.tar" >/dev/null
run_as "$user" sh -c "$podman_cmd load -i $work/fixtures/busybox-docker-archive.tar" >/dev/null 2>&1

say "start-up ($runs runs each)"
run_as "$user" hyperfine --style basic --warmup 3 --runs "$runs" --export-json "$work/out/times.json" \
  -n roost-default "$roost_cmd run --rm $image true" \
  -n podman-default "$podman_cmd run --rm --network slirp4netns $image true" \
  -n roost-none "$roost_cmd run --rm --network none $image true" \
  -n podman-none "$podman_cmd run --rm --network none $image true" \
  >/dev/null
median() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median * 1000' "$work/out/times.json"; }

# throughput CMD: seconds to push $mb MB through a published port.
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
print("%.3f" % (time.time() - start))
PY
throughput() {
  local cmd=$1 port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  run_as "$user" sh -c "$cmd run --rm -p 127.0.0.1:$port:8080 $image sh -c 'nc -l -p 8080 >/dev/null' >/dev/null 2>&1 &"
  # Give the server time to listen before timing (slirp4netns resets early connections).
  sleep 2
  python3 "$work/client.py" "$port" "$mb"
  sleep 1
}
say "throughput ($mb MB through -p 127.0.0.1:PORT:8080)"
rt=$(throughput "$roost_cmd") pt=$(throughput "$podman_cmd")

rd=$(median roost-default) pd=$(median podman-default) rn=$(median roost-none) pn=$(median podman-none)
printf '\nmedian run --rm true, default network:  roost %7.1f ms   podman %7.1f ms   podman/roost %.2fx\n' \
  "$rd" "$pd" "$(awk -v a="$pd" -v b="$rd" 'BEGIN { print a / b }')"
printf 'median run --rm true, --network none:   roost %7.1f ms   podman %7.1f ms   podman/roost %.2fx\n' \
  "$rn" "$pn" "$(awk -v a="$pn" -v b="$rn" 'BEGIN { print a / b }')"
awk -v r="$rt" -v p="$pt" -v mb="$mb" 'BEGIN {
  printf "published port throughput:               roost %7.1f MB/s podman %7.1f MB/s roost/podman %.2fx\n",
    mb / r, mb / p, p / r }'
