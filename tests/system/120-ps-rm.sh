# roost ps, rm, inspect, container prune; names; containers whose roost died.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
}

# Starts `roost run --name $1 busybox sleep $2` in the background; its PID is
# left in $bg_pid and its output in $TEST_TMP/$1.out.
run_in_background() {
  roost run --name "$1" busybox sleep "$2" >"$TEST_TMP/$1.out" 2>&1 &
  bg_pid=$!
  wait_for_status "$1" running
  # "running" is recorded just before the PID is; tests kill by that PID (a
  # 0 would hit this test's own process group).
  local i pid=0
  for ((i = 0; i < 100; i++)); do
    pid=$(roost container inspect "$1" 2>/dev/null | jq -r '.[0].State.Pid // 0' 2>/dev/null)
    ((pid > 0)) && return 0
    sleep 0.1
  done
  fail "container $1 runs but inspect shows no PID"
}

test_ps_shapes() {
  run_roost 0 ps
  is "$output" "CONTAINER ID   IMAGE   COMMAND   CREATED   STATUS   PORTS   NAMES" "only the header with nothing running"
  run_roost 0 create --name made busybox sh -c 'echo a very long command line here'
  local id=$stdout
  run_roost 0 ps -q
  is "$output" "" "created containers are not running"
  run_roost 0 ps -a -q
  is "$output" "${id:0:12}"
  run_roost 0 ps -a -q --no-trunc
  is "$output" "$id"
  run_roost 0 ps -a
  assert_match "$(sed -n 2p <<<"$output")" "^${id:0:12} +localhost/busybox:latest +sh -c echo a very\\.\\.\\. +(Less than a second|[0-9]+ seconds?) ago +Created +made\$"
  run_roost 0 start -a made
  run_roost 0 ps -a
  assert_match "$(sed -n 2p <<<"$output")" "Exited \\(0\\) (Less than a second|[0-9]+ seconds?) ago +made\$"
  run_roost 0 ps -a --no-trunc
  assert_contains "$output" "sh -c echo a very long command line here"
  run_roost 0 ps -a --format json
  is "$(jq -r '.[0] | [.Id, .Names[0], .Image, .State, (.ExitCode|tostring), .Command[0]] | join(" ")' <<<"$stdout")" \
    "$id made localhost/busybox:latest exited 0 sh"
}

test_running_container_in_ps_and_rm_force() {
  local secs=$((RANDOM + 100000))
  run_in_background bg "$secs"
  run_roost 0 ps
  assert_match "$(sed -n 2p <<<"$output")" "Up (Less than a second|[0-9]+ seconds?) +bg\$"
  run_roost 0 inspect bg
  local pid
  pid=$(jq -r '.[0].State.Pid' <<<"$stdout")
  [[ $pid =~ ^[0-9]+$ && $pid -gt 0 ]] || fail "inspect shows the PID of a running container (got '$pid')"
  is "$(tr '\0' ' ' </proc/"$pid"/cmdline)" "sleep $secs " "that PID is the container's process"

  local id
  id=$(jq -r '.[0].Id' <<<"$stdout")
  run_roost 2 rm bg
  is "$output" "Error: cannot remove container $id as it is running - running or paused containers cannot be removed without force: container state improper"
  run_roost 0 rm -f bg
  is "$output" "bg"
  wait "$bg_pid"
  is "$?" "137" "the foreground roost reports the SIGKILL"
  [[ ! -e /proc/$pid ]] || fail "the container's process is gone"
  pgrep -f "sleep $secs" && fail "no process of the container remains"
  run_roost 0 ps -a -q
  is "$output" ""
  is "$(ls -A "$(graph_root)/containers")" "" "layer removed"
}

test_rm_errors_and_all() {
  run_roost 1 rm nosuch
  is "$output" 'Error: no container with name or ID "nosuch" found: no such container'
  run_roost 0 create --name one busybox true
  local one=$stdout
  run_roost 0 create --name two busybox true
  local two=$stdout
  run_roost 0 rm --all
  is "$(sort <<<"$output")" "$(printf '%s\n' "$one" "$two" | sort)" "--all prints the IDs it removed"
  run_roost 0 ps -a -q
  is "$output" "" "--all removed both"
  is "$(ls -A "$(graph_root)/containers")" "" "layers removed"
}

test_names_are_unique() {
  run_roost 0 create --name taken busybox true
  local id=$stdout
  run_roost 125 create --name taken busybox true
  is "$output" "Error: the container name \"taken\" is already in use by $id: remove it or pick another name"
  run_roost 125 run --rm --name taken busybox true
  assert_contains "$output" "already in use"
  run_roost 0 ps -a -q --no-trunc
  is "$output" "$id" "nothing was created by the refused commands"
  run_roost 125 create --name 'bad/name' busybox true
  assert_contains "$output" "is invalid"
}

test_concurrent_creates() {
  local i ok=0
  for i in 1 2 3 4; do roost create --name same busybox true >"$TEST_TMP/c$i" 2>&1 & done
  for i in 1 2 3 4; do roost create busybox true >"$TEST_TMP/g$i" 2>&1 & done
  wait
  for i in 1 2 3 4; do grep -qE '^[0-9a-f]{64}$' "$TEST_TMP/c$i" && ok=$((ok + 1)); done
  is "$ok" "1" "exactly one of four concurrent creates gets the name"
  run_roost 0 ps -a --format json
  is "$(jq length <<<"$stdout")" "5" "one named and four generated"
  is "$(jq -r '.[].Names[0]' <<<"$stdout" | sort -u | wc -l)" "5" "generated names are distinct"
}

test_inspect_container_then_image() {
  run_roost 0 create --name insp -e A=1 -v "$TEST_TMP:/data:ro" --hostname h1 busybox echo x
  run_roost 0 inspect insp
  is "$(jq -r '.[0] | [.Name, .State.Status, .Path, (.Args|join(",")), .Config.Hostname, .ImageName, .Image] | join(" ")' <<<"$stdout")" \
    "insp created echo x h1 localhost/busybox:latest $BUSYBOX_ID"
  is "$(jq -r '.[0].Mounts[0] | [.Type, .Source, .Destination, (.RW|tostring)] | join(" ")' <<<"$stdout")" "bind $TEST_TMP /data false"
  assert_contains "$(jq -r '.[0].Config.Env[]' <<<"$stdout")" "A=1"
  run_roost 0 inspect busybox
  is "$(jq -r '.[0].Id' <<<"$stdout")" "$BUSYBOX_ID" "an image when no container has that name"
  run_roost 125 inspect --type image insp busybox
  assert_contains "$output" 'no such image insp'
  run_roost 125 inspect nosuch
  assert_contains "$output" 'Error: no such object: "nosuch"'
  run_roost 125 container inspect busybox
  assert_contains "$output" "Error: no such container busybox"
}

test_rmi_of_an_image_in_use() {
  run_roost 0 create --name user busybox true
  local id=$stdout
  run_roost 125 rmi busybox
  assert_contains "$output" "image used by $id: image is in use by a container"
  run_roost 0 images -q
  is "$output" "${BUSYBOX_ID:0:12}" "image kept"
  run_roost 0 rmi -f busybox
  assert_contains "$output" "Deleted: $BUSYBOX_ID"
  run_roost 0 ps -a -q
  is "$output" "" "the container using it went with it"
  is "$(ls -A "$(graph_root)/containers")" "" "its layer too"
}

test_container_prune() {
  run_roost 0 create --name p1 busybox true
  run_roost 0 run --name p2 busybox true
  local secs=$((RANDOM + 100000))
  run_in_background alive "$secs"
  run_roost 0 container prune -f
  is "$(wc -l <<<"$stdout")" "2" "two removed"
  run_roost 0 ps -a --format json
  is "$(jq -r '.[].Names[0]' <<<"$stdout")" "alive" "the running one stays"
  run_roost 0 rm -f alive
  wait "$bg_pid" || true
}

test_dead_roost_is_reconciled() {
  local secs=$((RANDOM + 100000))
  run_in_background orphan "$secs"
  local pid roost_pid i
  pid=$(roost inspect orphan | jq -r '.[0].State.Pid')
  # The roost process itself (the container's monitor), not the subshell
  # that $bg_pid names: a roost left alive would record the exit itself.
  roost_pid=$(roost inspect orphan | jq -r '.[0].State.ConmonPid')
  ((roost_pid > 0)) || fail "inspect shows no PID for the roost running orphan"
  kill -9 "$roost_pid"
  wait "$bg_pid" 2>/dev/null
  # The container may outlive its roost; once its process is gone too the
  # record must not claim it still runs.
  kill -9 "$pid" 2>/dev/null
  for ((i = 0; i < 50; i++)); do [[ -e /proc/$pid ]] || break; sleep 0.1; done
  run_roost 0 ps -a
  assert_match "$(sed -n 2p <<<"$output")" "Exited \\([0-9]+\\) .* +orphan\$"
  run_roost 0 rm orphan
  is "$(ls -A "$(graph_root)/containers")" "" "layer removed"
}
