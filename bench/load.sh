#!/usr/bin/env bash
# Benchmark (not a test): `roost load` against `podman load` of the same
# docker-archive, rootless, into fresh empty stores, overlay driver for both.
#
#   sudo bench/load.sh [RUNS]        (default 3 runs of each, alternating)
#
# The archive (4 layers, ~320 MB uncompressed, ~7,000 files: many small
# files, big random files, compressible text, small files with hard links) is
# generated deterministically once into $BENCH_DIR (default
# /var/tmp/roost-bench) and reused. Each run gets its own XDG_DATA_HOME,
# XDG_CONFIG_HOME, XDG_RUNTIME_DIR and TMPDIR, owned by the test user
# roosttest; the page cache is flushed (sync) before each timed command.
# BENCH_DROP_CACHES=1 also drops caches, so both read the archive cold.
# Prints each time, the medians and podman/roost (> 1: roost is faster).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../setup/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../setup/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_root "$@"
runs=${1:-3}
bench_prepare
bench_runs_dir
trap 'rm -rf "$runs_dir"' EXIT
archive=$bench/load-bench-docker-archive.tar

if [[ ! -f $archive.complete ]]; then
  say "generating $archive (once)"
  python3 - "$archive.tmp.$$" "$ROOST_SRC/tests/system" <<'PY'
import os, sys
sys.path.insert(0, sys.argv[2])
import imagegen as g

out = sys.argv[1]
work = out + ".work"
os.makedirs(work, exist_ok=True)

def small_files(prefix, dirs, per_dir, seed):
    import random
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
    # 1: 4,000 small files in 40 directories (~18 MB)
    small_files("small", 40, 100, 1),
    # 2: big incompressible files (192 MiB)
    [g.d("big")] + [g.big("big/random-%d.bin" % i, 48 << 20, "bench-%d" % i) for i in range(4)],
    # 3: compressible text (~64 MiB in 8 files)
    [g.d("text")] + [g.f("text/log-%d.txt" % i, text(100_000, i * 100_000)) for i in range(8)],
    # 4: 3,000 more small files, each hard linked once, and one 40 MiB file
    small_files("more", 30, 100, 2)
    + [g.d("links")]
    + [g.hard("links/l%04d" % i, "more/d%03d/f%04d" % (i // 100, i % 100)) for i in range(3000)]
    + [g.big("more/random.bin", 40 << 20, "bench-more")],
]
paths, diffs = [], []
for i, entries in enumerate(layers):
    p = os.path.join(work, "layer-%d.tar" % i)
    diffs.append(g.write_layer(p, entries))
    paths.append(p)
g.docker_archive(out, paths, g.image_config(diffs, labels={"org.roost.bench": "load"}),
                 ["localhost/load-bench:latest"])
for p in paths:
    os.unlink(p)
os.rmdir(work)
PY
  mv "$archive.tmp.$$" "$archive"
  touch "$archive.complete"
fi
chmod 0644 "$archive"
say "archive: $archive ($(du -h "$archive" | cut -f1))"


# Runs one timed load; prints the seconds it took.
time_load() {
  local tool=$1 run=$2 dir start end rc=0
  dir=$(bench_store_dir "$tool" "$run")
  local env=(XDG_DATA_HOME="$dir/data" XDG_CONFIG_HOME="$dir/config" XDG_RUNTIME_DIR="$dir/runtime"
    TMPDIR="$dir/tmp")
  local cmd
  if [[ $tool == roost ]]; then
    cmd=("$runs_dir/roost" --storage-driver overlay load -i "$archive")
  else
    cmd=(podman --runtime runc --cgroup-manager cgroupfs --events-backend file
      --storage-driver overlay load -i "$archive")
  fi
  sync
  [[ ${BENCH_DROP_CACHES-} == 1 ]] && echo 3 >/proc/sys/vm/drop_caches
  start=$(date +%s%N)
  run_as "$user" "${env[@]}" "${cmd[@]}" >"$dir.log" 2>&1 || rc=$?
  end=$(date +%s%N)
  if ((rc != 0)); then
    echo "$tool run $run failed (exit $rc):" >&2
    sed 's/^/  /' "$dir.log" >&2
  elif ! grep -q "load-bench" "$dir.log"; then
    echo "$tool run $run: output does not name the image:" >&2
    sed 's/^/  /' "$dir.log" >&2
    rc=1
  fi
  # Podman leaves a pause process holding its user namespace; it is ours,
  # found by the PID file in this run's own runtime dir.
  local pidfile
  for pidfile in "$dir/runtime/libpod/tmp/pause.pid" "$dir/runtime/containers/pause.pid"; do
    if [[ -f $pidfile ]]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
  done
  rm -rf "$dir"
  ((rc == 0)) || return 1
  rm -f "$dir.log"
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", (e - s) / 1e9 }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

roost_times=() podman_times=()
for ((i = 1; i <= runs; i++)); do
  if ((i % 2)); then order=(roost podman); else order=(podman roost); fi
  for tool in "${order[@]}"; do
    t=$(time_load "$tool" "$i") || die "$tool load failed; see above"
    printf '%-7s run %d: %8.3f s\n' "$tool" "$i" "$t"
    if [[ $tool == roost ]]; then roost_times+=("$t"); else podman_times+=("$t"); fi
  done
done

r=$(printf '%s\n' "${roost_times[@]}" | median)
p=$(printf '%s\n' "${podman_times[@]}" | median)
echo
printf 'median roost  load: %8.3f s\n' "$r"
printf 'median podman load: %8.3f s\n' "$p"
awk -v p="$p" -v r="$r" 'BEGIN { printf "podman/roost: %.2f (%s)\n", p / r, (p > r ? "roost is faster" : "podman is faster") }'
