# --format with Go templates (ps, images, inspect of containers and images) as
# podman reads them (a literal \t is a tab; "table" adds a header row), and
# ps --filter.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
}

test_ps_template_lines_and_table() {
  run_roost 0 create --name first busybox true
  local id1=$stdout
  run_roost 0 create --name second busybox sh -c 'exit 3'
  local id2=$stdout
  run_roost 3 start -a second
  run_roost 0 ps -a --format '{{.ID}} {{.Names}} {{.State}} {{.Image}} {{.ExitCode}}'
  is "$stdout" "${id2:0:12} second exited localhost/busybox:latest 3
${id1:0:12} first created localhost/busybox:latest 0" "one line per container, newest first"
  run_roost 0 ps -a --no-trunc --format '{{.ID}}'
  is "$(tail -n1 <<<"$stdout")" "$id1" "--no-trunc gives the full ID"
  run_roost 0 ps -a --format 'table {{.ID}}\t{{.Names}}\t{{.Status}}'
  assert_match "$(head -n1 <<<"$stdout")" '^CONTAINER ID +NAMES +STATUS$' "header from the fields"
  assert_match "$(sed -n 2p <<<"$stdout")" "^${id2:0:12} +second +Exited \\(3\\) "
  run_roost 0 ps -a --format '{{if eq .State "created"}}{{.Names}} waits{{end}}'
  assert_contains "$stdout" "first waits"
  run_roost 0 ps -a --format '{{json .Command}}'
  is "$(head -n1 <<<"$stdout")" '"sh -c exit 3"'
}

test_images_template() {
  run_roost 0 tag localhost/busybox second:v2
  run_roost 0 images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
  assert_contains "$stdout" "localhost/busybox:latest ${BUSYBOX_ID:0:12}"
  assert_contains "$stdout" "localhost/second:v2 ${BUSYBOX_ID:0:12}"
  run_roost 0 images --format 'table {{.Repository}}\t{{.ID}}\t{{.Size}}'
  assert_match "$(head -n1 <<<"$stdout")" '^REPOSITORY +IMAGE ID +SIZE$'
  assert_match "$stdout" "localhost/busybox +${BUSYBOX_ID:0:12} +[0-9.]+ [kM]B"
}

test_inspect_template() {
  run_roost 0 create --name web -e GREETING=hi busybox sleep 5
  local id=$stdout
  run_roost 0 container inspect --format '{{.State.Status}} {{.Name}} {{.Id}}' web
  is "$stdout" "created web $id"
  run_roost 0 inspect --format '{{range .Config.Env}}{{if eq . "GREETING=hi"}}found{{end}}{{end}}' web
  is "$stdout" "found"
  run_roost 0 inspect --format '{{json .Config.Cmd}}' web
  is "$stdout" '["sleep","5"]'
  run_roost 0 image inspect --format '{{.Id}} {{index .RepoTags 0}}' busybox
  is "$stdout" "$BUSYBOX_ID localhost/busybox:latest"
  run_roost 0 inspect --format '{{.ID}}' web busybox
  is "$stdout" "$id
$BUSYBOX_ID" "one line per object, containers and images"
}

test_bad_templates_fail_cleanly() {
  run_roost 0 create --name web busybox true
  run_roost 125 container inspect --format '{{.State.Nope}}' web
  assert_contains "$output" "can't evaluate field Nope"
  is "$stdout" "" "nothing printed"
  run_roost 125 ps -a --format '{{if .Names}}x'
  assert_contains "$output" "missing {{end}}"
  run_roost 125 ps -a --format '{{frob .Names}}'
  assert_contains "$output" 'function "frob" not defined'
}

test_ps_filters() {
  run_roost 0 create --name alpha busybox true
  local alpha=$stdout
  run_roost 0 create --name beta busybox sh -c 'exit 4'
  run_roost 4 start -a beta
  run_roost 0 ps -a --filter name=alp --format '{{.Names}}'
  is "$stdout" "alpha" "name is a pattern"
  run_roost 0 ps --filter status=exited --format '{{.Names}}'
  is "$stdout" "beta" "a status filter needs no -a"
  run_roost 0 ps --filter name=alpha --format '{{.Names}}'
  is "$stdout" "" "other filters keep to running containers without -a"
  run_roost 0 ps -a --filter status=created --filter status=exited --format '{{.Names}}'
  is "$(sort <<<"$stdout" | tr '\n' ' ')" "alpha beta " "one key's filters are alternatives"
  run_roost 0 ps -a --filter status=exited --filter name=alpha --format '{{.Names}}'
  is "$stdout" "" "different keys must all hold"
  run_roost 0 ps --filter exited=4 --format '{{.Names}}'
  is "$stdout" "beta"
  run_roost 0 ps -a --filter "id=${alpha:0:6}" -q
  is "$stdout" "${alpha:0:12}"
  run_roost 0 ps -a --filter ancestor=busybox --filter label=org.roost.fixture=busybox --format '{{.Names}}'
  is "$(sort <<<"$stdout" | tr '\n' ' ')" "alpha beta " "ancestor by short name, label from the image"
  run_roost 0 ps -a --filter label=org.roost.fixture=other -q
  is "$stdout" ""
  run_roost 125 ps --filter color=blue
  assert_contains "$output" 'invalid filter "color"'
  run_roost 125 ps --filter status=sleeping
  assert_contains "$output" 'invalid status filter "sleeping"'
  run_roost 125 ps --filter nokey
  assert_contains "$output" 'invalid filter "nokey": use KEY=VALUE'
}
