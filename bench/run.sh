#!/usr/bin/env bash
# Benchmark (not a test): container start-up, rootless, roost against podman
# in the same run, with `unshare` as the floor.
#
#   sudo bench/run.sh [RUNS]     (default 30 timed runs per command, after 3 warm-ups)
#
# As the test user roosttest, each tool gets its own empty XDG_DATA_HOME,
# XDG_CONFIG_HOME and XDG_RUNTIME_DIR, the same busybox image (loaded from the
# system-test fixtures) and the overlay driver. Times come from hyperfine;
# prints medians, the ratios, and the peak RSS of one run of each.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../setup/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../setup/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_root "$@"
runs=${1:-30}
bench_prepare
bench_workspace run

say "timing ($runs runs each)"
run_as "$user" hyperfine --style basic --warmup 3 --runs "$runs" --export-json "$work/out/times.json" \
  -n floor "unshare -U -r -m -p -f --mount-proc true" \
  -n roost-none "$roost_cmd run --rm --network none $image true" \
  -n podman-none "$podman_cmd run --rm --network none $image true" \
  -n roost-create-start "$roost_cmd start -a \$($roost_cmd create --network none $image true) && $roost_cmd rm -f -a >/dev/null" \
  >/dev/null

median() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median * 1000' "$work/out/times.json"; }
floor=$(median floor) rn=$(median roost-none) pn=$(median podman-none) cs=$(median roost-create-start)
rss() { run_as "$user" sh -c "/usr/bin/time -f %M $1 run --rm --network none $image true 2>&1 >/dev/null | tail -1"; }
roost_rss=$(rss "$roost_cmd") podman_rss=$(rss "$podman_cmd")

printf '\nmedian run --rm true (--network none):  roost %7.1f ms   podman %7.1f ms\n' "$rn" "$pn"
printf 'median create + start -a + rm:           roost %7.1f ms\n' "$cs"
printf 'median unshare floor:                          %7.1f ms\n' "$floor"
awk -v r="$rn" -v p="$pn" -v f="$floor" 'BEGIN {
  printf "podman/roost: %.1fx   roost/floor: %.1fx\n", p / r, r / f }'
printf 'peak RSS of one run: roost %s KB, podman %s KB\n' "$roost_rss" "$podman_rss"
