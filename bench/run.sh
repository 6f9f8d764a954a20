#!/usr/bin/env bash
# Benchmark (not a test): container start-up, rootless, roost against podman
# in the same run, with `unshare` as the floor.
#
#   sudo bench/run.sh [RUNS]     (default 30 timed runs per command, in 5 rounds, after 3 warm-ups)
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

# In rounds, with the order of roost and podman swapped each round: this
# shared 2-core machine has slow spells of several seconds, and one block of
# 30 runs per command let a spell land on one tool only.
rounds=5
per_round=$(((runs + rounds - 1) / rounds))
say "timing ($((per_round * rounds)) runs each, in $rounds rounds that alternate roost and podman)"
for ((r = 1; r <= rounds; r++)); do
  roost_run=(-n roost-none "$roost_cmd run --rm --network none $image true")
  podman_run=(-n podman-none "$podman_cmd run --rm --network none $image true")
  if ((r % 2)); then pair=("${roost_run[@]}" "${podman_run[@]}"); else pair=("${podman_run[@]}" "${roost_run[@]}"); fi
  run_as "$user" hyperfine --style basic --warmup $((r == 1 ? 3 : 1)) --runs "$per_round" \
    --export-json "$work/out/times-$r.json" \
    -n floor "unshare -U -r -m -p -f --mount-proc true" \
    "${pair[@]}" \
    -n roost-create-start "$roost_cmd start -a \$($roost_cmd create --network none $image true) && $roost_cmd rm -f -a >/dev/null" \
    >/dev/null
done

# The median of every run of a command, over all rounds.
median() {
  jq -s -r --arg n "$1" '[.[].results[] | select(.command == $n) | .times[]] | sort
    | (if length % 2 == 1 then .[(length - 1) / 2] else (.[length / 2 - 1] + .[length / 2]) / 2 end) * 1000' \
    "$work"/out/times-*.json
}
floor=$(median floor) rn=$(median roost-none) pn=$(median podman-none) cs=$(median roost-create-start)
rss() { run_as "$user" sh -c "/usr/bin/time -f %M $1 run --rm --network none $image true 2>&1 >/dev/null | tail -1"; }
roost_rss=$(rss "$roost_cmd") podman_rss=$(rss "$podman_cmd")

printf '\nmedian run --rm true (--network none):  roost %7.1f ms   podman %7.1f ms\n' "$rn" "$pn"
printf 'median create + start -a + rm:           roost %7.1f ms\n' "$cs"
printf 'median unshare floor:                          %7.1f ms\n' "$floor"
awk -v r="$rn" -v p="$pn" -v f="$floor" 'BEGIN {
  printf "podman/roost: %.1fx   roost/floor: %.1fx\n", p / r, r / f }'
printf 'peak RSS of one run: roost %s KB, podman %s KB\n' "$roost_rss" "$podman_rss"
