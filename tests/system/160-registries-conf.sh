# registries.conf: unqualified-search-registries, [[registry]] insecure,
# blocked and location, short-name aliases, and errors naming file and line.

# shellcheck source=registry.sh
source "${BASH_SOURCE[0]%/*}/registry.sh"

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  # Rootless roost reads $XDG_CONFIG_HOME/containers/registries.conf; root
  # reads /etc/containers/, which a test must not touch: point it here.
  CONF=$XDG_CONFIG_HOME/containers/registries.conf
  mkdir -p "${CONF%/*}"
  if [[ $TEST_MODE == root ]]; then export CONTAINERS_REGISTRIES_CONF=$CONF; fi
}

teardown() {
  stop_registry
}

test_short_name_from_search_registry_marked_insecure() {
  start_registry
  push_fixture "oci:$FIXTURES/busybox-oci:latest" busybox:latest
  cat >"$CONF" <<TOML
unqualified-search-registries = ["$REGISTRY"]

[[registry]]
location = "$REGISTRY"
insecure = true
TOML
  run_roost 0 pull busybox
  assert_contains "$stderr" "Trying to pull $REGISTRY/busybox:latest..."
  is "$stdout" "$BUSYBOX_ID"
  run_roost 0 run --rm busybox true
}

test_alias_and_location_rewrite() {
  start_registry
  push_fixture "oci:$FIXTURES/busybox-oci:latest" mirror/bb:1
  cat >"$CONF" <<TOML
[[registry]]
prefix = "example.invalid/team"
location = "$REGISTRY/mirror"
insecure = true

[aliases]
"tiny" = "example.invalid/team/bb"
TOML
  run_roost 0 pull -q tiny:1
  is "$stdout" "$BUSYBOX_ID" "alias resolved, then rewritten to the registry's location"
}

test_blocked_registry() {
  cat >"$CONF" <<'TOML'
[[registry]]
location = "blocked.invalid"
blocked = true
TOML
  run_roost 125 pull blocked.invalid/x:latest
  assert_contains "$output" "registry blocked.invalid is blocked in $CONF"
}

test_ambiguous_short_name_without_terminal() {
  cat >"$CONF" <<'TOML'
unqualified-search-registries = ["a.invalid", "b.invalid"]
TOML
  run_roost 125 pull busybox </dev/null
  assert_contains "$output" "short name \"busybox\" is ambiguous"
  assert_contains "$output" "$CONF"
}

test_short_name_without_search_registries() {
  printf '# nothing here\n' >"$CONF"
  run_roost 125 pull busybox
  assert_contains "$output" "no unqualified-search registries are defined in $CONF"
}

test_corrupt_registries_conf_names_file_and_line() {
  printf 'unqualified-search-registries = ["a.invalid"]\n[[registry]]\nlocation = "x.invalid"\ninsecure = maybe\n' >"$CONF"
  run_roost 125 pull busybox
  assert_contains "$output" "$CONF:4: unsupported value"
}

# [[registry.mirror]]: the image comes from the mirror, but is named as asked.
# The registry's own location is a closed loopback port, so only the mirror
# can serve it.
test_mirror_serves_pull_under_the_requested_name() {
  start_registry
  push_fixture "oci:$FIXTURES/busybox-oci:latest" cache/bb:1
  cat >"$CONF" <<TOML
[[registry]]
prefix = "example.invalid/team"
location = "127.0.0.1:$(free_port)/team"

[[registry.mirror]]
location = "$REGISTRY/cache"
insecure = true
TOML
  run_roost 0 pull example.invalid/team/bb:1
  assert_contains "$stderr" "Trying to pull $REGISTRY/cache/bb:1..."
  is "${stdout##*$'\n'}" "$BUSYBOX_ID"
  run_roost 0 images --format '{{.Repository}}:{{.Tag}}'
  is "$stdout" "example.invalid/team/bb:1" "stored under the name the user asked for"
  run_roost 0 run --rm example.invalid/team/bb:1 true
}

test_dead_mirror_falls_back_to_the_registry() {
  start_registry
  push_fixture "oci:$FIXTURES/busybox-oci:latest" team/bb:1
  local dead
  dead=$(free_port)
  cat >"$CONF" <<TOML
[[registry]]
prefix = "example.invalid/team"
location = "$REGISTRY/team"
insecure = true

[[registry.mirror]]
location = "127.0.0.1:$dead/cache"
insecure = true
TOML
  run_roost 0 pull example.invalid/team/bb:1
  assert_contains "$stderr" "Warning: pulling from mirror 127.0.0.1:$dead/cache/bb"
  assert_contains "$stderr" "Trying to pull $REGISTRY/team/bb:1..."
  is "${stdout##*$'\n'}" "$BUSYBOX_ID"
}

test_mirror_by_digest_only_keeps_tags_off_the_mirror() {
  start_registry
  push_fixture "oci:$FIXTURES/busybox-oci:latest" cache/bb:1
  local digest dead
  digest=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REGISTRY/cache/bb:1") ||
    fail "skopeo inspect failed"
  dead=$(free_port)
  cat >"$CONF" <<TOML
[[registry]]
prefix = "example.invalid/team"
location = "127.0.0.1:$dead/team"
insecure = true
mirror-by-digest-only = true

[[registry.mirror]]
location = "$REGISTRY/cache"
insecure = true
TOML
  run_roost 125 pull example.invalid/team/bb:1
  assert_contains "$output" "127.0.0.1:$dead"
  assert_not_contains "$stderr" "Trying to pull $REGISTRY/cache"
  run_roost 0 images -q
  is "$stdout" "" "a failed pull stores nothing"
  run_roost 0 pull -q "example.invalid/team/bb@$digest"
  is "$stdout" "$BUSYBOX_ID" "a digest reference may come from the mirror"
}
