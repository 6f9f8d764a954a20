# Labels on create/run, rename, and top.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
}

teardown() {
  roost rm -f -a >/dev/null 2>&1
}

test_labels_from_flags_file_and_image() {
  run_roost 0 create --name base busybox true
  run_roost 0 commit --change 'LABEL from.image=yes' --change 'LABEL a=image' base labelled
  printf '# a comment\n\nc=3\na=from-file\n' >"$TEST_TMP/labels"
  run_roost 0 create --name c1 --label a=1 -l b --label-file "$TEST_TMP/labels" labelled true
  run_roost 0 inspect --format '{{json .Config.Labels}}' c1
  is "$stdout" '{"a":"1","b":"","c":"3","from.image":"yes","org.roost.fixture":"busybox"}' "--label over the file over the image, the image's kept"
  run_roost 0 ps -a --filter label=a=1 --format '{{.Names}}'
  is "$stdout" "c1" "filter by label and value"
  run_roost 0 ps -a --filter label=from.image --format '{{.Names}}'
  is "$stdout" "c1" "the image's labels are the container's"
  run_roost 0 ps -a --filter label=a=image --format '{{.Names}}'
  is "$stdout" "" "the image's value was overridden"
  run_roost 0 ps -a --format json
  is "$(jq -r '.[] | select(.Names[0] == "c1") | .Labels.c' <<<"$stdout")" "3" "labels in ps json"
  run_roost 0 run --rm -l x=y busybox true
}

test_bad_labels() {
  run_roost 125 create --label =x busybox true
  assert_contains "$stderr" 'invalid label "=x" in --label'
  printf 'ok=1\n=bad\n' >"$TEST_TMP/labels"
  run_roost 125 create --label-file "$TEST_TMP/labels" busybox true
  assert_contains "$stderr" "$TEST_TMP/labels:2"
  run_roost 125 create --label-file "$TEST_TMP/missing" busybox true
  assert_contains "$stderr" "$TEST_TMP/missing"
  run_roost 0 ps -a -q
  is "$stdout" "" "nothing created"
}

test_rename() {
  run_roost 0 create --name old busybox true
  local id=$stdout
  run_roost 0 rename old new
  is "$stdout" "" "rename prints nothing"
  run_roost 0 inspect --format '{{.Name}} {{.Id}}' new
  is "$stdout" "new $id"
  run_roost 125 inspect old
  run_roost 0 create --name other busybox true
  run_roost 125 rename new other
  assert_contains "$stderr" '"other" is already in use'
  run_roost 125 rename new 'bad/name'
  assert_contains "$stderr" 'container name "bad/name" is invalid'
  run_roost 125 rename missing x
  run_roost 0 ps -a --format '{{.Names}}'
  is "$(sort <<<"$stdout" | tr '\n' ' ')" "new other " "failed renames changed nothing"
  # The old name is free again.
  run_roost 0 create --name old busybox true
}

test_rename_running_container() {
  run_roost 0 run -d --name r1 busybox sleep 1000
  run_roost 0 rename r1 r2
  run_roost 0 ps --format '{{.Names}} {{.State}}'
  is "$stdout" "r2 running"
  run_roost 0 stop -t 0 r2
  run_roost 0 start r2
  wait_for_status r2 running
}

test_top() {
  run_roost 0 run -d --name t1 busybox sh -c 'sleep 1001 & exec sleep 1000'
  local pid
  for _ in $(seq 50); do
    [[ $(roost top t1 pid 2>/dev/null | wc -l) == 3 ]] && break
    sleep 0.1
  done
  run_roost 0 top t1
  assert_match "$(sed -n 1p <<<"$stdout")" '^USER +PID +PPID +%CPU +ELAPSED +TTY +TIME +COMMAND$' "podman's default columns"
  assert_match "$(sed -n 2p <<<"$stdout")" '^root +1 +0 +[0-9]+\.[0-9]{3} +[0-9.]+(ms|s) +\? +0s +sleep 1000$'
  assert_match "$(sed -n 3p <<<"$stdout")" '^root +[0-9]+ +1 +.* sleep 1001$' "the second process, child of PID 1"
  is "$(wc -l <<<"$stdout")" 3 "only the container's processes"

  pid=$(roost inspect t1 | jq -r '.[0].State.Pid')
  run_roost 0 top t1 pid,hpid comm
  assert_match "$(sed -n 1p <<<"$stdout")" '^PID +HPID +COMMAND$' "descriptors as given"
  assert_match "$(sed -n 2p <<<"$stdout")" "^1 +$pid +sleep\$" "HPID is the host's PID"
  run_roost 0 top t1 seccomp user
  assert_match "$(sed -n 2p <<<"$stdout")" '^filter +root$'
}

test_top_errors() {
  run_roost 0 create --name idle busybox true
  run_roost 125 top idle
  assert_contains "$stderr" "container idle is not running"
  run_roost 125 top missing
  run_roost 0 run -d --name t2 busybox sleep 1000
  run_roost 125 top t2 pid bogus
  assert_contains "$stderr" 'unknown descriptor "bogus"'
}
