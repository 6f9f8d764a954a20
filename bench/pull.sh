#!/usr/bin/env bash
# Benchmark (not a test): `roost pull` against `podman pull` of the same
# image from a local registry (docker-registry on 127.0.0.1, plain HTTP),
# rootless, into fresh empty stores, overlay driver for both. Also times
# single-core `gzip -dc` and `igzip -dc` of the image's layer blobs, the
# decompression floor.
#
#   sudo bench/pull.sh [RUNS]        (default 3 runs of each, alternating)
#
# The image (4 layers, ~420 MB uncompressed: many small files, incompressible
# random files, compressible text, hard links) is generated once into
# $BENCH_DIR (default /var/tmp/roost-bench) as a docker-archive, and pushed by
# skopeo (which gzips the layers) into a registry whose storage lives there
# too. Each run gets its own XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_RUNTIME_DIR
# and TMPDIR, owned by the test user roosttest. Prints each time, the medians
# and podman/roost (> 1: roost is faster).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../setup/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../setup/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_root "$@"
runs=${1:-3}
bench_prepare
bench_runs_dir
registry_pid=
cleanup() {
  if [[ -n $registry_pid ]]; then kill "$registry_pid" 2>/dev/null; wait "$registry_pid" 2>/dev/null || true; fi
  rm -rf "$runs_dir"
}
trap cleanup EXIT
archive=$bench/pull-bench-docker-archive.tar

if [[ ! -f $archive.complete ]]; then
  say "generating $archive (once)"
  python3 - "$archive.tmp.$$" "$ROOST_SRC/tests/system" <<'PY'
import os, random, sys
sys.path.insert(0, sys.argv[2])
import imagegen as g

out = sys.argv[1]
work = out + ".work"
os.makedirs(work, exist_ok=True)

def small_files(prefix, dirs, per_dir, seed):
    rng = random.Random(seed)
    entries = [g.d(prefix)]
    for i in range(dirs):
        d = "%s/d%03d" % (prefix, i)
        entries.append(g.d(d))
        for j in range(per_dir):
            entries.append(g.f("%s/f%04d" % (d, j), rng.randbytes(rng.randint(512, 8192))))
    return entries

text_line = "%08d the quick brown fox jumps over the lazy dog; lorem ipsum dolor sit amet %d\n"
def text(n_lines, base):
    return "".join(text_line % (base + i, (base + i) % 97) for i in range(n_lines))

layers = [
    small_files("small", 40, 100, 1),                                              # ~18 MB, 4,000 files
    [g.d("big")] + [g.big("big/random-%d.bin" % i, 48 << 20, "pull-%d" % i) for i in range(4)],  # 192 MiB random
    [g.d("text")] + [g.f("text/log-%d.txt" % i, text(200_000, i * 200_000)) for i in range(8)],  # ~128 MiB text
    small_files("more", 30, 100, 2)
    + [g.d("links")]
    + [g.hard("links/l%04d" % i, "more/d%03d/f%04d" % (i // 100, i % 100)) for i in range(3000)]
    + [g.big("more/random.bin", 64 << 20, "pull-more")],                           # ~78 MB
]
paths, diffs = [], []
for i, entries in enumerate(layers):
    p = os.path.join(work, "layer-%d.tar" % i)
    diffs.append(g.write_layer(p, entries))
    paths.append(p)
g.docker_archive(out, paths, g.image_config(diffs, labels={"org.roost.bench": "pull"}),
                 ["localhost/pull-bench:latest"])
for p in paths:
    os.unlink(p)
os.rmdir(work)
PY
  mv "$archive.tmp.$$" "$archive"
  touch "$archive.complete"
fi
chmod 0644 "$archive"
say "archive: $archive ($(du -h "$archive" | cut -f1))"

# The registry: storage kept across runs of the benchmark (the push is slow).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
registry=127.0.0.1:$port
mkdir -p "$bench/registry"
cat >"$runs_dir/registry.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $bench/registry
http:
  addr: $registry
YAML
docker-registry serve "$runs_dir/registry.yml" >"$runs_dir/registry.log" 2>&1 &
registry_pid=$!
for ((i = 0; i < 100; i++)); do
  curl -s -o /dev/null "http://$registry/v2/" && break
  sleep 0.1
done
image=$registry/pull-bench:latest
if ! skopeo inspect --tls-verify=false "docker://$image" >/dev/null 2>&1; then
  say "pushing the image into the registry (once)"
  skopeo --insecure-policy copy --quiet --dest-tls-verify=false "docker-archive:$archive" "docker://$image"
fi
manifest=$(skopeo inspect --raw --tls-verify=false "docker://$image")
mapfile -t blobs < <(jq -r '.layers[].digest' <<<"$manifest" | while read -r d; do
  h=${d#sha256:}
  echo "$bench/registry/docker/registry/v2/blobs/sha256/${h:0:2}/$h/data"
done)
say "image: $image, $(jq '[.layers[].size] | add' <<<"$manifest" | numfmt --to=iec) compressed in ${#blobs[@]} layers"


elapsed() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.3f\n", (e - s) / 1e9 }'; }

time_pull() {
  local tool=$1 run=$2 dir start end rc=0
  dir=$(bench_store_dir "$tool" "$run")
  local env=(XDG_DATA_HOME="$dir/data" XDG_CONFIG_HOME="$dir/config" XDG_RUNTIME_DIR="$dir/runtime"
    TMPDIR="$dir/tmp")
  local cmd
  if [[ $tool == roost ]]; then
    cmd=("$runs_dir/roost" --storage-driver overlay pull -q --tls-verify=false "$image")
  else
    cmd=(podman --runtime runc --cgroup-manager cgroupfs --events-backend file
      --storage-driver overlay pull -q --tls-verify=false "$image")
  fi
  sync
  start=$(date +%s%N)
  run_as "$user" "${env[@]}" "${cmd[@]}" >"$dir.log" 2>&1 || rc=$?
  end=$(date +%s%N)
  if ((rc != 0)); then
    echo "$tool run $run failed (exit $rc):" >&2
    sed 's/^/  /' "$dir.log" >&2
  fi
  local pidfile
  for pidfile in "$dir/runtime/libpod/tmp/pause.pid" "$dir/runtime/containers/pause.pid"; do
    if [[ -f $pidfile ]]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
  done
  # The stores stay until the end (cleanup): on ext4 without a journal, inodes
  # freed in the last 60 s are skipped one by one when allocating, so deleting
  # ~10,000 files right before the next run made every file it created cost
  # a scan over them (seconds of system time, for whichever tool came next).
  # Earlier invocations' deletions are avoided by the fresh block groups
  # (bench_runs_dir).
  ((rc == 0)) || return 1
  rm -f "$dir.log"
  elapsed "$start" "$end"
}

time_decompress() {
  local tool=$1 start end
  cat "${blobs[@]}" >/dev/null # warm the page cache
  start=$(date +%s%N)
  for b in "${blobs[@]}"; do "$tool" -dc <"$b" >/dev/null; done
  end=$(date +%s%N)
  elapsed "$start" "$end"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

roost_times=() podman_times=()
for ((i = 1; i <= runs; i++)); do
  if ((i % 2)); then order=(roost podman); else order=(podman roost); fi
  for tool in "${order[@]}"; do
    t=$(time_pull "$tool" "$i") || die "$tool pull failed; see above"
    printf '%-7s run %d: %8.3f s\n' "$tool" "$i" "$t"
    if [[ $tool == roost ]]; then roost_times+=("$t"); else podman_times+=("$t"); fi
  done
done

r=$(printf '%s\n' "${roost_times[@]}" | median)
p=$(printf '%s\n' "${podman_times[@]}" | median)
echo
printf 'median roost  pull: %8.3f s\n' "$r"
printf 'median podman pull: %8.3f s\n' "$p"
awk -v p="$p" -v r="$r" 'BEGIN { printf "podman/roost: %.2f (%s)\n", p / r, (p > r ? "roost is faster" : "podman is faster") }'
g=$(time_decompress gzip)
printf 'gzip -dc of the layers (one core):  %8.3f s   roost/gzip:  %.2f\n' "$g" "$(awk -v r="$r" -v g="$g" 'BEGIN { print r / g }')"
if command -v igzip >/dev/null; then
  z=$(time_decompress igzip)
  printf 'igzip -dc of the layers (one core): %8.3f s   roost/igzip: %.2f\n' "$z" "$(awk -v r="$r" -v z="$z" 'BEGIN { print r / z }')"
else
  echo "igzip not installed (Debian package isal): no ISA-L floor"
fi
