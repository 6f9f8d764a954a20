# roost image inspect: JSON in the shape podman prints.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/multilayer-docker-archive.tar"
}

test_inspect_shape() {
  run_roost 0 image inspect localhost/multilayer
  local j=$output
  is "$(jq -r 'type' <<<"$j")" array
  is "$(jq -r '.[0].Id' <<<"$j")" "$MULTILAYER_ID"
  is "$(jq -r '.[0].RootFS.Type' <<<"$j")" layers
  is "$(jq -r '.[0].RootFS.Layers | join(" ")' <<<"$j")" "$MULTILAYER_DIFF_IDS" "diff IDs bottom first"
  is "$(jq -r '.[0].RepoTags[0]' <<<"$j")" "localhost/multilayer:latest"
  assert_match "$(jq -r '.[0].RepoDigests[0]' <<<"$j")" '^localhost/multilayer@sha256:[0-9a-f]{64}$'
  for key in Digest Created Config Architecture Os Size VirtualSize GraphDriver History ManifestType User Labels; do
    is "$(jq -r ".[0] | has(\"$key\")" <<<"$j")" true "has $key"
  done
  is "$(jq -r '.[0].GraphDriver.Data.LowerDir | split(":") | length' <<<"$j")" 2 "two lower layers"
}

test_inspect_alias_and_unknown() {
  run_roost 0 inspect multilayer
  is "$(jq -r '.[0].Id' <<<"$output")" "$MULTILAYER_ID" "roost inspect finds images"
  run_roost 125 image inspect nosuch
  assert_contains "$output" "nosuch: image not known"
}
