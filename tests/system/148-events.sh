# roost events: container and image events recorded as they happen, read
# back with filters and formats, and followed as they come.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
}

teardown() {
  [[ -n ${follower-} ]] && kill "$follower" 2>/dev/null && wait "$follower" 2>/dev/null
  roost rm -f -a >/dev/null 2>&1
}

# Waits (up to 10 s) until FILE has a line matching REGEX.
wait_for_line() {
  local i
  for ((i = 0; i < 100; i++)); do
    grep -qE -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "no line matching '$2' in $1: $(cat "$1" 2>/dev/null)"
}

test_container_lifecycle_events() {
  run_roost 3 run --name e1 --label tier=front busybox sh -c 'exit 3'
  local id
  id=$(roost inspect --format '{{.Id}}' e1)
  run_roost 0 rename e1 e2
  run_roost 0 rm e2
  run_roost 0 events --stream=false --filter type=container
  local time='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)? [+-][0-9]{4} [A-Z]+'
  local rest="\(image=localhost/busybox:latest, name=e1, org.roost.fixture=busybox, tier=front\)"
  assert_match "$(sed -n 1p <<<"$stdout")" "^$time container create $id $rest\$" "podman's line for create"
  is "$(awk '{print $6}' <<<"$stdout" | tr '\n' ' ')" "create init start died rename remove " "the events in order"
  assert_contains "$(grep ' rename ' <<<"$stdout")" "name=e2" "rename names the new name"

  run_roost 0 events --stream=false --filter event=died --format json
  is "$(jq -r '[.Type, .Status, .ID, .Name, .Image, (.ContainerExitCode|tostring), .Attributes.tier] | join(" ")' <<<"$stdout")" \
    "container died $id e1 localhost/busybox:latest 3 front" "--format json: podman's fields"
  assert_match "$(jq -r .Time <<<"$stdout")" '^[0-9-]{10}T[0-9:]{8}(\.[0-9]+)?(Z|[+-][0-9:]{5})$' "JSON time is RFC 3339"

  run_roost 0 events --stream=false --filter container=e1 --filter event=start --filter event=create --format '{{.Status}} {{.Name}}'
  is "$stdout" "$(printf 'create e1\nstart e1')" "filters: one key's values are alternatives"
  run_roost 0 events --stream=false --filter label=tier=back
  is "$stdout" "" "a label filter that matches nothing"
  run_roost 0 events --stream=false --filter event=create --no-trunc=false --format '{{.ID}}'
  is "$stdout" "${id:0:12}" "--no-trunc=false shortens IDs"
}

test_detached_exec_kill_restart_stop() {
  run_roost 0 run -d --name d1 busybox sleep 1000
  run_roost 4 exec d1 sh -c 'exit 4'
  run_roost 0 kill -s WINCH d1
  run_roost 0 restart -t 0 d1
  wait_for_status d1 running
  run_roost 0 stop -t 0 d1
  run_roost 0 events --stream=false --filter container=d1 --format '{{.Status}}'
  is "$(tr '\n' ' ' <<<"$stdout")" "create init start exec exec_died kill died stop init start restart died stop " "every step recorded"
  run_roost 0 events --stream=false --filter event=kill
  assert_contains "$stdout" "signal=SIGWINCH" "kill records its signal"
  run_roost 0 events --stream=false --filter event=exec_died --format '{{.ContainerExitCode}}'
  is "$stdout" "4" "exec_died has the exit code"
}

test_image_events() {
  run_roost 0 tag busybox localhost/ev:1
  run_roost 0 rmi localhost/ev:1
  run_roost 0 save -o "$TEST_TMP/bb.tar" busybox
  run_roost 0 events --stream=false --filter type=image --format '{{.Status}} {{.Name}}'
  is "$stdout" "$(printf 'load localhost/busybox:latest\ntag localhost/ev:1\nuntag localhost/ev:1\nsave %s' "$TEST_TMP/bb.tar")" \
    "load, tag, untag, save"
  run_roost 0 events --stream=false --filter image=localhost/ev --format '{{.Status}}'
  is "$stdout" "$(printf 'tag\nuntag')" "image= filter"
}

test_follow_new_events_until_interrupted() {
  local out=$TEST_TMP/follow.out
  roost events --filter event=start --format '{{.Name}} {{.Status}}' >"$out" 2>&1 &
  follower=$!
  run_roost 0 run --rm --name f1 busybox true
  wait_for_line "$out" '^f1 start$'
  run_roost 0 run --rm --name f2 busybox true
  wait_for_line "$out" '^f2 start$'
  kill -0 "$follower" || fail "events keeps following"
  kill "$follower"
  wait "$follower" 2>/dev/null
  follower=
  is "$(cat "$out")" "$(printf 'f1 start\nf2 start')" "only the new starts, as they came"
}

test_until_ends_the_stream() {
  run_roost 0 run --rm --name u1 busybox true
  # A time a moment ahead: events follows until then, then exits by itself.
  run_roost 0 events --until "$(($(date +%s) + 1))" --filter event=remove --format '{{.Name}}'
  is "$stdout" "u1" "the events until then"
  run_roost 0 events --since 1h --until 0s --filter event=remove --format '{{.Name}}'
  is "$stdout" "u1" "a past --until does not follow"
  run_roost 0 events --stream=false --since "$(($(date +%s) + 3600))"
  is "$stdout" "" "nothing since a future time"
}

test_errors() {
  run_roost 125 events --stream=false --filter colour=red
  assert_contains "$stderr" '"colour" is an invalid filter' "unknown filter key"
  run_roost 125 events --stream=false --since yesterday-ish
  assert_contains "$stderr" '--since' "bad time names the flag"
  run_roost 125 events --stream=false --format '{{.Nope'
  assert_contains "$stderr" "template" "bad template"
}
