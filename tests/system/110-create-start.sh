# roost create and roost start.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
}

test_create_then_start_attached() {
  run_roost 0 create --name c1 busybox sh -c 'hostname; echo out; exit 4'
  local id=$stdout
  assert_match "$id" '^[0-9a-f]{64}$' "create prints the full ID"
  run_roost 0 ps -a --format json
  is "$(jq -r '.[0].State + " " + .[0].Names[0] + " " + .[0].Id' <<<"$stdout")" "created c1 $id"
  run_roost 0 inspect c1
  is "$(jq -r '.[0].State.StartedAt' <<<"$stdout")" "0001-01-01T00:00:00Z" "never started"

  run_roost 4 start -a c1
  is "$output" "${id:0:12}"$'\n'"out" "the default hostname is the short ID"
  run_roost 0 container inspect "${id:0:8}"
  is "$(jq -r '.[0].State.Status, .[0].State.ExitCode' <<<"$stdout" | tr '\n' ' ')" "exited 4 "
  assert_match "$(jq -r '.[0].State.StartedAt' <<<"$stdout")" '^20[0-9]{2}-'

  run_roost 4 start -a "$id"
  assert_contains "$output" "out" "an exited container starts again"
}

test_start_keeps_the_container_layer() {
  run_roost 0 create --name keep busybox sh -c 'cat /state 2>/dev/null; echo more >> /state'
  run_roost 0 start -a keep
  is "$output" ""
  run_roost 0 start -a keep
  is "$output" "more" "writes survive between starts"
}

test_create_rm_then_start_removes() {
  run_roost 0 create --rm busybox echo once
  local id=$stdout
  run_roost 0 start -a "$id"
  is "$output" "once"
  run_roost 0 ps -a -q
  is "$output" "" "--rm removed it after it exited"
}

test_start_errors() {
  run_roost 125 start nosuch
  is "$output" 'Error: no container with name or ID "nosuch" found: no such container'
  run_roost 0 create --name d busybox nosuchcmd
  run_roost 127 start d
  is "$output" 'Error: executable file "nosuchcmd" not found in $PATH: No such file or directory'
  run_roost 125 start -a d nosuch
  is "$output" "Error: you cannot start and attach multiple containers at once"
}
