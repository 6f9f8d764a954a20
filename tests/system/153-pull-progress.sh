# roost pull progress: per-layer bars redrawn in place on a terminal, plain
# lines otherwise, nothing but the ID with -q.

# shellcheck source=registry.sh
source "${BASH_SOURCE[0]%/*}/registry.sh"

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  start_registry
  push_fixture "oci:$FIXTURES/multilayer-oci:latest" multi:1
}

teardown() {
  stop_registry
}

# on_terminal EXPECTED_EXIT ROOST_ARGS...: roost on a fresh pty; what it
# showed in $output.
on_terminal() {
  local expected=$1
  shift
  output=$(printf '' | timeout -k 5 60 python3 "${BASH_SOURCE[0]%/*}/ptyexpect.py" --timeout 30 -- \
    "$ROOST" "${ROOST_OPTS[@]}" "$@")
  status=$?
  printf '%s\n[exit %s]\n' "$output" "$status"
  is "$status" "$expected" "exit code of roost on the terminal"
}

test_pull_progress_on_a_terminal() {
  on_terminal 0 pull --tls-verify=false "$REGISTRY/multi:1"
  local d
  for d in $(skopeo inspect --tls-verify=false "docker://$REGISTRY/multi:1" | jq -r '.Layers[]'); do
    assert_match "$output" "Copying blob ${d:7:12} done +[0-9.]+[kM]?B" "layer ${d:7:12} ends as done, with its size"
  done
  assert_contains "$output" $'\e[' "lines redrawn in place"
  assert_contains "$output" "Writing manifest to image destination"
  assert_contains "$output" "$MULTILAYER_ID"
}

test_pull_progress_quiet_on_a_terminal() {
  on_terminal 0 pull -q --tls-verify=false "$REGISTRY/multi:1"
  is "$output" "$MULTILAYER_ID" "only the ID with -q"
}

test_pull_progress_plain_lines_without_a_terminal() {
  run_roost 0 pull --tls-verify=false "$REGISTRY/multi:1"
  assert_not_contains "$stderr" $'\e' "no escape sequences in a pipe"
  is "$(grep -c '^Copying blob sha256:[0-9a-f]\{64\}$' <<<"$stderr")" 3 "one plain line per layer"
}
