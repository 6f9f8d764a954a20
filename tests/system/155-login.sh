# roost login / logout against a registry with htpasswd basic auth, and pull
# using what login stored; auth.json locations as podman uses them.

# shellcheck source=registry.sh
source "${BASH_SOURCE[0]%/*}/registry.sh"

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  # Root mode has no per-test XDG_RUNTIME_DIR: keep auth files in the test's
  # own directory all the same.
  export REGISTRY_AUTH_FILE=$TEST_TMP/auth/auth.json
}

teardown() {
  stop_registry
}

test_login_pull_logout() {
  start_registry --auth
  push_fixture "oci:$FIXTURES/busybox-oci:latest" busybox:latest
  run_roost 0 login --tls-verify=false -u "$REG_USER" --password-stdin "$REGISTRY" <<<"$REG_PASS"
  is "$stdout" "Login Succeeded!"
  assert_not_contains "$output" "$REG_PASS" "the password is never shown"
  [[ -f $REGISTRY_AUTH_FILE ]] || fail "no $REGISTRY_AUTH_FILE written"
  is "$(stat -c %a "$REGISTRY_AUTH_FILE")" 600 "auth file readable by its owner only"
  is "$(jq -r --arg r "$REGISTRY" '.auths[$r].auth' "$REGISTRY_AUTH_FILE" | base64 -d)" "$REG_USER:$REG_PASS"
  run_roost 0 login --get-login "$REGISTRY"
  is "$stdout" "$REG_USER"
  run_roost 0 pull -q --tls-verify=false "$REGISTRY/busybox:latest"
  is "$stdout" "$BUSYBOX_ID" "pull uses the stored credentials"
  run_roost 0 logout "$REGISTRY"
  is "$stdout" "Removed login credentials for $REGISTRY"
  run_roost 125 logout "$REGISTRY"
  assert_contains "$output" "not logged into $REGISTRY"
  run_roost 0 rmi "$REGISTRY/busybox:latest"
  run_roost 125 pull --tls-verify=false "$REGISTRY/busybox:latest"
  assert_contains "$output" "authentication required by $REGISTRY"
}

test_login_wrong_password() {
  start_registry --auth
  run_roost 125 login --tls-verify=false -u "$REG_USER" -p "not-the-Pa55" "$REGISTRY"
  assert_contains "$output" "authentication failed for $REGISTRY"
  assert_not_contains "$output" "not-the-Pa55" "the password is never shown"
  [[ ! -s $REGISTRY_AUTH_FILE ]] || fail "nothing stored after a failed login"
}

test_login_needs_a_user_without_terminal() {
  start_registry --auth
  run_roost 125 login --tls-verify=false "$REGISTRY" </dev/null
  assert_contains "$output" "Username required"
}

test_login_over_https_with_cert_dir() {
  start_registry --tls --auth
  run_roost 125 login -u "$REG_USER" -p "$REG_PASS" "$REGISTRY"
  assert_contains "$output" "TLS certificate verification failed"
  assert_not_contains "$output" "$REG_PASS"
  run_roost 0 login --cert-dir "$CERT_DIR" -u "$REG_USER" -p "$REG_PASS" "$REGISTRY"
  is "$stdout" "Login Succeeded!"
}

test_docker_config_json_is_read() {
  start_registry --auth
  push_fixture "oci:$FIXTURES/busybox-oci:latest" busybox:latest
  unset REGISTRY_AUTH_FILE
  export HOME=$TEST_TMP/home
  mkdir -p "$HOME/.docker"
  printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REGISTRY" "$(printf '%s:%s' "$REG_USER" "$REG_PASS" | base64)" \
    >"$HOME/.docker/config.json"
  run_roost 0 pull -q --tls-verify=false "$REGISTRY/busybox:latest"
  is "$stdout" "$BUSYBOX_ID"
}

test_corrupt_auth_file_names_file_and_line() {
  mkdir -p "${REGISTRY_AUTH_FILE%/*}"
  printf '{\n  "auths": {\n    "x": \n' >"$REGISTRY_AUTH_FILE"
  run_roost 125 pull --tls-verify=false "127.0.0.1:1/busybox:latest"
  assert_contains "$output" "$REGISTRY_AUTH_FILE: line 4: invalid JSON"
}

test_logout_all() {
  mkdir -p "${REGISTRY_AUTH_FILE%/*}"
  printf '{"auths":{"a.example":{"auth":"dTpw"},"b.example":{"auth":"dTpw"}}}\n' >"$REGISTRY_AUTH_FILE"
  run_roost 0 logout --all
  is "$(jq -c .auths "$REGISTRY_AUTH_FILE")" "{}"
}
