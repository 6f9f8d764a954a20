#!/usr/bin/env bash
# Benchmark (not a test): the detached-container lifecycle, rootless, roost
# against podman in the same run.
#
#   sudo bench/lifecycle.sh [RUNS]   (default 20 timed runs per command, after 2 warm-ups)
#
# Times `run -d` + `stop -t 0` + `rm` of one container, and `exec CONTAINER
# true`, with hyperfine; then the idle memory of roost's per-container
# monitor against podman's conmon (Rss, Pss and anonymous memory of one,
# measured on a container sleeping for a while, and the sum of Pss over
# IDLE_CONTAINERS, default 10, idle containers of each); then `ps -a` with
# PS_CONTAINERS (default 500) created containers in each store. Setup as in bench/run.sh: the test user roosttest, each tool with
# its own empty XDG dirs (runtime dirs on the login's tmpfs), the busybox
# fixture, the overlay driver, podman with runc and cgroupfs.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../setup/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../setup/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_root "$@"
runs=${1:-20}
ps_containers=${PS_CONTAINERS:-500}
bench_prepare
bench_workspace lifecycle

lifecycle() {
  echo "id=\$($1 run -d --network none $image sleep 1000) && $1 stop -t 0 \$id >/dev/null && $1 rm \$id >/dev/null"
}
run_as "$user" sh -c "$roost_cmd run -d --name ex --network none $image sleep 100000" >/dev/null
run_as "$user" sh -c "$podman_cmd run -d --name ex --network none $image sleep 100000" >/dev/null

say "timing ($runs runs each)"
run_as "$user" hyperfine --style basic --warmup 2 --runs "$runs" --export-json "$work/out/times.json" \
  -n roost-lifecycle "$(lifecycle "$roost_cmd")" \
  -n podman-lifecycle "$(lifecycle "$podman_cmd")" \
  -n roost-exec "$roost_cmd exec ex true" \
  -n podman-exec "$podman_cmd exec ex true" \
  >/dev/null

median() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median * 1000' "$work/out/${2:-times}.json"; }
rl=$(median roost-lifecycle) pl=$(median podman-lifecycle) re=$(median roost-exec) pe=$(median podman-exec)
# Rss counts the binary's pages that every monitor shares; Pss divides
# them among the processes that map them, so the sum of Pss over many
# monitors is what they cost together.
mem() { awk '/^Rss:/ {r = $2} /^Pss:/ {p = $2} /^Anonymous:/ {a = $2} END {printf "Rss %6d KB  Pss %6d KB  Anon %5d KB", r, p, a}' "/proc/$1/smaps_rollup"; }
sum_pss() { local t=0 p; for p in "$@"; do t=$((t + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup"))); done; echo "$t"; }
# This run's own (the test user may run others at the same time).
monitors() { pgrep -u "$uid" -f "^$work/roost-bin .*container-monitor"; }
conmons() {
  local p
  for p in $(pgrep -u "$uid" -x conmon); do
    if grep -qa "$(bench_runtime_dir podman)" "/proc/$p/cmdline"; then echo "$p"; fi
  done
}
roost_mon=$(monitors | head -1)
conmon=$(conmons | head -1)
one_roost=$(mem "$roost_mon") one_conmon=$(mem "$conmon")
idle=${IDLE_CONTAINERS:-10}
for tool_cmd in "$roost_cmd" "$podman_cmd"; do
  run_as "$user" sh -c "i=1; while [ \$i -lt $idle ]; do
    $tool_cmd run -d --network none $image sleep 100000 >/dev/null 2>&1 || exit 1; i=\$((i + 1)); done"
done
sleep 1
# shellcheck disable=SC2046 # one PID a word
roost_sum=$(sum_pss $(monitors)) conmon_sum=$(sum_pss $(conmons))

printf '\nmedian run -d + stop -t 0 + rm:  roost %7.1f ms   podman %7.1f ms   podman/roost %.1fx\n' "$rl" "$pl" \
  "$(awk -v a="$pl" -v b="$rl" 'BEGIN { print a / b }')"
printf 'median exec CONTAINER true:      roost %7.1f ms   podman %7.1f ms   podman/roost %.1fx\n' "$re" "$pe" \
  "$(awk -v a="$pe" -v b="$re" 'BEGIN { print a / b }')"
printf 'one idle monitor:    roost %s   conmon %s\n' "$one_roost" "$one_conmon"
printf '%d idle monitors, sum of Pss:  roost %6d KB   conmon %6d KB   roost/conmon %.1fx\n' "$idle" "$roost_sum" \
  "$conmon_sum" "$(awk -v a="$roost_sum" -v b="$conmon_sum" 'BEGIN { print a / b }')"

say "creating $ps_containers containers in each store"
for tool_cmd in "$roost_cmd" "$podman_cmd"; do
  run_as "$user" sh -c "i=0; while [ \$i -lt $ps_containers ]; do
    $tool_cmd create --network none $image true >/dev/null 2>&1 || exit 1; i=\$((i + 1)); done"
done
say "timing ps -a ($runs runs each)"
run_as "$user" hyperfine --style basic --warmup 2 --runs "$runs" --export-json "$work/out/ps.json" \
  -n roost-ps "$roost_cmd ps -a" \
  -n podman-ps "$podman_cmd ps -a" \
  >/dev/null
rp=$(median roost-ps ps) pp=$(median podman-ps ps)
printf 'median ps -a, %d containers:   roost %7.1f ms   podman %7.1f ms   podman/roost %.1fx\n' \
  "$((ps_containers + idle))" "$rp" "$pp" "$(awk -v a="$pp" -v b="$rp" 'BEGIN { print a / b }')"
