# Cgroups for containers: pause and unpause through the freezer, stats from
# the cgroup's files, and no cgroup left once a container is gone (stopped,
# its monitor killed, removed). Rootless on a cgroup v1 host there are no
# cgroups: pause, unpause and stats say so in one line.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
}

teardown() {
  roost rm -f -a >/dev/null 2>&1
}

# cgroup_dirs ID: the directories of container ID's cgroup that exist, in
# every cgroup hierarchy mounted here (v1 controllers or v2), one a line.
cgroup_dirs() {
  local mp
  for mp in $(awk '$0 ~ / - cgroup2? / {print $5}' /proc/self/mountinfo); do
    find "$mp" -maxdepth 4 -type d -path "*/roost/$1" 2>/dev/null
  done
  return 0
}

# The cgroup mount points of the host, for the checks below.
host_has_v1_freezer() { awk '$0 ~ / - cgroup / && $NF ~ /freezer/ {f=1} END {exit !f}' /proc/self/mountinfo; }

root_with_cgroups() {
  skip_unless_mode root "containers get cgroups as root here (rootless: see test_rootless_has_no_cgroups)"
  [[ -n $(awk '$0 ~ / - cgroup2? / {print $5}' /proc/self/mountinfo) ]] || skip "no cgroup file system on this host"
}

log_lines() { roost logs "$1" 2>/dev/null | wc -l; }

assert_cgroups_gone() {
  is "$(cgroup_dirs "$1")" "" "no cgroup of container $1 is left"
}

test_pause_stops_the_container_and_unpause_resumes_it() {
  root_with_cgroups
  run_roost 0 run -d --name p busybox sh -c 'while true; do echo tick; sleep 0.1; done'
  local id=$stdout pid
  pid=$(roost inspect p | jq -r '.[0].State.Pid')
  [[ -n $(cgroup_dirs "$id") ]] || fail "the container has a cgroup"
  local d
  for d in $(cgroup_dirs "$id"); do
    grep -qx "$pid" "$d/cgroup.procs" || fail "its first process is in $d"
  done
  sleep 0.5
  run_roost 0 pause p
  is "$output" "p" "pause prints the name it was given"
  sleep 0.3
  local n1 n2 n3
  n1=$(log_lines p)
  sleep 1
  n2=$(log_lines p)
  is "$n2" "$n1" "a paused container writes nothing"
  if host_has_v1_freezer; then
    is "$(cat "$(cgroup_dirs "$id" | grep /freezer/)/freezer.state")" "FROZEN" "its freezer cgroup is frozen"
  fi

  run_roost 0 ps
  assert_not_contains "$output" " p" "plain ps lists running containers only, as podman's"
  run_roost 0 ps -a
  assert_match "$(sed -n 2p <<<"$output")" "^${id:0:12} .* Paused +p\$" "ps -a shows it Paused"
  run_roost 0 ps --filter status=paused --format '{{.Names}}'
  is "$output" "p" "ps --filter status=paused"
  run_roost 0 inspect p --format '{{.State.Status}} {{.State.Paused}} {{.State.Running}} {{.State.Pid}}'
  is "$output" "paused true false $pid" "inspect, as podman shows a paused container"

  run_roost 0 unpause p
  is "$output" "p"
  sleep 1
  n3=$(log_lines p)
  ((n3 > n2)) || fail "after unpause it writes again ($n2 lines, then $n3)"
  run_roost 0 inspect p --format '{{.State.Status}} {{.State.Paused}}'
  is "$output" "running false"
  run_roost 0 stop -t 0 p
  assert_cgroups_gone "$id"
}

test_what_a_paused_container_refuses() {
  root_with_cgroups
  run_roost 0 run -d --name q busybox sleep 1000
  local id=$stdout
  run_roost 0 pause q
  run_roost 125 pause q
  is "$stderr" "Error: \"$id\" is already paused: container state improper"
  run_roost 125 exec q true
  is "$stderr" "Error: can only create exec sessions on running containers: container state improper"
  run_roost 125 stop -t 1 q
  is "$stderr" "Error: container $id is running or paused, refusing to clean up: container state improper" \
    "stop of a paused container fails at once, as in podman 4.3"
  run_roost 125 restart q
  is "$stderr" "Error: unable to restart a container in a paused or unknown state: container state improper"
  run_roost 125 start q
  is "$stderr" "Error: unable to start container \"$id\": container $id must be in Created or Stopped state to be started: container state improper"
  run_roost 2 rm q
  is "$stderr" "Error: cannot remove container $id as it is paused - running or paused containers cannot be removed without force: container state improper"
  wait_for_status q paused
  run_roost 0 unpause q
  run_roost 125 unpause q
  is "$stderr" "Error: \"$id\" is not paused, can't unpause: container state improper"
  run_roost 0 create --name c busybox true
  run_roost 125 pause c
  is "$stderr" "Error: \"created\" is not running, can't pause: container state improper"
  run_roost 125 pause nosuch
  assert_contains "$stderr" 'no container with name or ID "nosuch" found'
  run_roost 125 pause
  is "$stderr" "Error: you must provide at least one container name or ID"
}

test_kill_rm_and_wait_of_a_paused_container() {
  root_with_cgroups
  run_roost 0 run -d --name k busybox sh -c 'trap "exit 3" TERM; while true; do sleep 0.1; done'
  local k=$stdout
  run_roost 0 pause k
  run_roost 0 kill -s TERM k
  sleep 0.5
  run_roost 0 inspect k --format '{{.State.Status}}'
  is "$output" "paused" "a caught signal waits for unpause"
  # wait blocks while it is paused, and returns once it has run its trap.
  roost wait k >"$TEST_TMP/wait.out" 2>&1 &
  local waiter=$!
  sleep 0.5
  [[ -e /proc/$waiter ]] || fail "wait returned while the container was paused: $(cat "$TEST_TMP/wait.out")"
  run_roost 0 unpause k
  wait "$waiter"
  is "$(cat "$TEST_TMP/wait.out")" "3" "wait gives the code of the trap that ran after unpause"
  assert_cgroups_gone "$k"

  run_roost 0 run -d --name k2 busybox sleep 1000
  local k2=$stdout
  run_roost 0 pause k2
  run_roost 0 kill k2
  run_roost 0 wait k2
  is "$output" "137" "SIGKILL ends a paused container"
  assert_cgroups_gone "$k2"

  local secs=$((RANDOM + 200000))
  run_roost 0 run -d --name r busybox sleep "$secs"
  local r=$stdout
  run_roost 0 pause r
  run_roost 0 rm -f r
  is "$output" "r" "rm -f removes a paused container"
  assert_cgroups_gone "$r"
  pgrep -fx "sleep $secs" >/dev/null && fail "nothing of it runs: $(pgrep -afx "sleep $secs")"
  return 0
}

test_pause_and_unpause_all() {
  root_with_cgroups
  run_roost 0 run -d --name a1 busybox sleep 1000
  run_roost 0 run -d --name a2 busybox sleep 1000
  run_roost 0 pause --all
  run_roost 0 ps -a --filter status=paused --format '{{.Names}}'
  is "$(sort <<<"$output" | tr '\n' ' ')" "a1 a2 " "both paused"
  run_roost 0 unpause --all
  run_roost 0 ps --format '{{.Names}} {{.Status}}'
  assert_not_contains "$output" "Paused"
  run_roost 125 pause --all a1
  is "$stderr" "Error: --all and containers cannot be used together"
  run_roost 0 events --stream=false --filter container=a1 --filter event=pause --filter event=unpause --format '{{.Status}}'
  is "$(tr '\n' ' ' <<<"$stdout")" "pause unpause " "pause and unpause are events"
}

test_stop_and_kill_all_include_paused_containers() {
  root_with_cgroups
  run_roost 0 run -d --name up busybox sleep 1000
  local up=$stdout
  run_roost 0 run -d --name pz busybox sleep 1000
  local pz=$stdout
  run_roost 0 pause pz
  run_roost 125 stop --all -t 1
  is "$stdout" "$up" "the running one stopped"
  assert_contains "$stderr" "Error: container $pz is running or paused, refusing to clean up: container state improper" \
    "the paused one is reported, as by podman 4.3"
  wait_for_status pz paused
  run_roost 0 kill --all
  is "$stdout" "$pz" "kill --all signals the paused one too"
  wait_for_status pz exited
  run_roost 0 inspect pz --format '{{.State.ExitCode}}'
  is "$output" "137" "SIGKILL ended it"
}

test_cgroups_are_removed_whoever_records_the_exit() {
  root_with_cgroups
  # The foreground roost: the container sees its own cgroup.
  run_roost 0 run --name f busybox cat /proc/self/cgroup
  local f
  f=$(roost inspect f --format '{{.Id}}')
  grep -q "freezer:/roost/$f\$" <<<"$output" || grep -q "^0::/roost/$f\$" <<<"$output" ||
    fail "the container's process is in its cgroup: $output"
  assert_cgroups_gone "$f"
  run_roost 0 rm f

  # The monitor killed, the container with it: the next command reconciles.
  run_roost 0 run -d --name m busybox sleep 1000
  local m=$stdout mon
  [[ -n $(cgroup_dirs "$m") ]] || fail "the container has a cgroup"
  mon=$(monitor_pids "$m")
  [[ $mon =~ ^[0-9]+$ ]] || fail "a monitor runs (got '$mon')"
  kill -9 "$mon"
  local i
  for ((i = 0; i < 50; i++)); do [[ -e /proc/$mon ]] || break; sleep 0.1; done
  run_roost 0 ps -a --format '{{.Names}} {{.State}}'
  is "$output" "m exited"
  assert_cgroups_gone "$m"

  # A paused one whose monitor is killed.
  run_roost 0 run -d --name mp busybox sleep 1000
  local mp=$stdout
  run_roost 0 pause mp
  mon=$(monitor_pids "$mp")
  kill -9 "$mon"
  for ((i = 0; i < 50; i++)); do [[ -e /proc/$mon ]] || break; sleep 0.1; done
  run_roost 0 ps -a --filter name=mp --format '{{.Names}} {{.State}}'
  is "$output" "mp exited"
  assert_cgroups_gone "$mp"

  # rm -f of a running one.
  run_roost 0 run -d --name rr busybox sleep 1000
  local rr=$stdout
  run_roost 0 rm -f rr
  assert_cgroups_gone "$rr"
}

test_external_runtime_gets_the_same_cgroup() {
  root_with_cgroups
  command -v runc >/dev/null || skip "runc is not installed"
  run_roost 0 run -d --runtime runc --name x busybox sh -c 'while true; do echo tick; sleep 0.1; done'
  local x=$stdout
  [[ -n $(cgroup_dirs "$x") ]] || fail "runc made the cgroup at linux.cgroupsPath"
  run_roost 0 pause x
  sleep 0.3
  local n1
  n1=$(log_lines x)
  sleep 1
  is "$(log_lines x)" "$n1" "a paused runc container writes nothing"
  run_roost 0 unpause x
  run_roost 0 stop -t 0 x
  assert_cgroups_gone "$x"
}

test_stats_no_stream() {
  root_with_cgroups
  run_roost 0 run -d --name s busybox sh -c 'sleep 1000 & sleep 1000'
  local s=$stdout
  run_roost 0 create --name made busybox true
  run_roost 0 stats --no-stream
  local header="ID            NAME        CPU %       MEM USAGE / LIMIT  MEM %       NET IO      BLOCK IO    PIDS        CPU TIME    AVG CPU %"
  assert_match "$(sed -n 1p <<<"$output")" "^ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET IO +BLOCK IO +PIDS +CPU TIME +AVG CPU %\$" \
    "podman's columns (as: $header)"
  is "$(wc -l <<<"$output")" "2" "running containers only"
  local row
  row=$(sed -n 2p <<<"$output")
  assert_match "$row" "^${s:0:12} +s +[0-9.]+% +[0-9.]+[kMG]?B / [0-9.]+[kMGT]?B +[0-9.]+% +[0-9.]+[kMG]?B / [0-9.]+[kMG]?B +[0-9.]+[kMG]?B / [0-9.]+[kMG]?B +[0-9]+ +[0-9.]+(ns|µs|ms|s) +[0-9.]+%\$"

  run_roost 0 stats --no-stream --format json s
  local pids mem
  pids=$(jq -r '.[0].pids' <<<"$output")
  ((pids >= 2)) || fail "PIDS counts the container's processes (got $pids)"
  mem=$(jq -r '.[0].mem_usage' <<<"$output")
  assert_match "$mem" "^[0-9.]+[kMG]?B / [0-9.]+[kMGT]B\$" "memory use and the limit (the host's RAM)"
  [[ $mem != "0B / "* ]] || fail "the container uses some memory ($mem)"
  is "$(jq -r '.[0].name' <<<"$output")" "s"
  is "$(jq -r '.[0] | keys_unsorted | join(",")' <<<"$output")" "id,name,cpu_time,cpu_percent,avg_cpu,mem_usage,mem_percent,net_io,block_io,pids" \
    "podman's keys, in its order"

  # An exec'd process joins the container's cgroup: counted, and frozen by pause.
  run_roost 0 exec -d s sleep 1001
  pids=$((pids + 1))
  run_roost 0 stats --no-stream --no-trunc --format '{{.ID}} {{.Name}} {{.PIDs}}' s
  is "$output" "$s s $pids" "the exec'd process is counted"
  run_roost 0 stats --no-stream --format 'table {{.Name}} {{.PIDs}}' s
  assert_match "$(sed -n 1p <<<"$output")" "^NAME +PIDS\$"
  run_roost 0 stats --no-stream -a --format '{{.Name}} {{.PIDs}} {{.MemUsage}}'
  assert_contains "$output" "made 0 0B / 0B" "-a shows containers that do not run, with zeros"
  run_roost 0 pause s
  run_roost 0 stats --no-stream --format '{{.Name}} {{.PIDs}}'
  is "$output" "s $pids" "a paused container is shown too"
  run_roost 0 unpause s

  # Without --no-stream the rows come again every --interval seconds.
  timeout 2.5 "$ROOST" "${ROOST_OPTS[@]}" stats --format '{{.Name}} {{.PIDs}}' s >"$TEST_TMP/stream" 2>&1
  is "$?" "124" "stats streams until interrupted"
  (($(grep -c "^s $pids\$" "$TEST_TMP/stream") >= 2)) || fail "at least two refreshes: $(cat "$TEST_TMP/stream")"
  run_roost 125 stats --interval 0 s
  is "$stderr" "Error: --interval must be at least 1 second"
  run_roost 125 stats --no-stream nosuch
  assert_contains "$stderr" "unable to look up container nosuch"
}

test_rootless_has_no_cgroups() {
  skip_if_mode root "root gets cgroups"
  awk '$0 ~ / - cgroup / && $NF ~ /freezer/ {f=1} END {exit !f}' /proc/self/mountinfo ||
    skip "this host has no cgroup v1 freezer: rootless cgroups depend on its v2 delegation"
  run_roost 0 run -d --name n busybox sleep 1000
  run_roost 125 pause n
  is "$stderr" "Error: pause is not supported for rootless containers: on cgroup v1 a normal user can create no cgroups (this needs cgroup v2 with a delegated subtree)"
  run_roost 125 unpause n
  assert_match "$stderr" "^Error: unpause is not supported for rootless containers: .*cgroup v2" "one line naming why"
  run_roost 125 stats --no-stream
  is "$stderr" "Error: stats is not supported in rootless mode: on cgroup v1 a normal user can create no cgroups (this needs cgroup v2 with a delegated subtree)"
  run_roost 125 stats --no-stream n
  assert_contains "$stderr" "stats is not supported in rootless mode"
  run_roost 0 inspect n --format '{{.State.Status}}'
  is "$output" "running" "the container runs on"
  run_roost 0 rm -f n
}
