# roost login, pull and push against a registry with token auth: the
# registry answers 401 with a Bearer challenge and trusts the JWTs of
# tokenserver.py (registry.sh start_registry --token), which grants pull and
# push to $REG_USER, pull to $REG_READER and nothing to anonymous callers.
# Its log shows which scopes roost asked for and what it was granted.

# shellcheck source=registry.sh
source "${BASH_SOURCE[0]%/*}/registry.sh"

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  export REGISTRY_AUTH_FILE=$TEST_TMP/auth/auth.json
}

teardown() {
  stop_registry
}

# assert_token_request LINE-REGEX: the token server logged a matching line.
assert_token_request() {
  grep -qE "$1" "$TOKEN_LOG" || fail "no token request matching '$1' in the token server's log:
$(cat "$TOKEN_LOG")"
}

test_login_push_pull_with_bearer_token() {
  start_registry --token
  run_roost 0 login --tls-verify=false -u "$REG_USER" --password-stdin "$REGISTRY" <<<"$REG_PASS"
  is "$stdout" "Login Succeeded!"
  assert_not_contains "$output" "$REG_PASS" "the password is never shown"
  assert_token_request "^token user=$REG_USER service=roost-test-registry scope=- granted=-$"

  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
  run_roost 0 push --tls-verify=false localhost/busybox:latest "$REGISTRY/team/busybox:1"
  assert_contains "$stderr" "Writing manifest to image destination"
  local pushed_id
  pushed_id=$(sed -n 's/^Copying config sha256:\([0-9a-f]*\).*/\1/p' <<<"$stderr")
  assert_token_request "^token user=$REG_USER .* scope=repository:team/busybox:pull,push granted=repository:team/busybox:pull,push$"
  # An independent client reads what roost pushed, through the same tokens.
  local config
  config=$(skopeo inspect --tls-verify=false --creds "$REG_USER:$REG_PASS" --config "docker://$REGISTRY/team/busybox:1") ||
    fail "skopeo cannot read the image roost pushed"
  is "$(jq -r '.config.Labels["org.roost.fixture"]' <<<"$config")" busybox "skopeo sees the pushed config"

  run_roost 0 rmi localhost/busybox:latest
  : >"$TOKEN_LOG"
  run_roost 0 pull -q --tls-verify=false "$REGISTRY/team/busybox:1"
  is "$stdout" "$pushed_id" "pull with the stored login gets the pushed image"
  assert_token_request "^token user=$REG_USER .* scope=repository:team/busybox:pull granted=repository:team/busybox:pull$"
  grep -q push "$TOKEN_LOG" && fail "a pull asked for push access: $(cat "$TOKEN_LOG")"
  run_roost 0 run --rm "$REGISTRY/team/busybox:1" echo pulled through a token
  is "$stdout" "pulled through a token"

  run_roost 0 logout "$REGISTRY"
  run_roost 0 rmi "$REGISTRY/team/busybox:1"
  run_roost 125 pull --tls-verify=false "$REGISTRY/team/busybox:1"
  assert_contains "$output" "authentication required by $REGISTRY"
}

# The registry on HTTPS (its CA given by --cert-dir), the token server on
# plain HTTP as its realm says.
test_login_and_pull_over_https_with_token() {
  start_registry --tls --token
  push_fixture "oci:$FIXTURES/busybox-oci:latest" lib/busybox:latest
  run_roost 0 login --cert-dir "$CERT_DIR" -u "$REG_USER" -p "$REG_PASS" "$REGISTRY"
  is "$stdout" "Login Succeeded!"
  run_roost 0 pull -q --cert-dir "$CERT_DIR" "$REGISTRY/lib/busybox:latest"
  is "$stdout" "$BUSYBOX_ID"
  assert_token_request "^token user=$REG_USER .* scope=repository:lib/busybox:pull granted=repository:lib/busybox:pull$"
}

test_creds_without_login() {
  start_registry --token
  push_fixture "oci:$FIXTURES/busybox-oci:latest" lib/busybox:latest
  run_roost 0 pull -q --tls-verify=false --creds "$REG_USER:$REG_PASS" "$REGISTRY/lib/busybox:latest"
  is "$stdout" "$BUSYBOX_ID"
  assert_not_contains "$output" "$REG_PASS" "the password is never shown"
  run_roost 0 push --tls-verify=false --creds "$REG_USER:$REG_PASS" "$REGISTRY/lib/busybox:latest" "$REGISTRY/copy/busybox:2"
  assert_token_request "^token user=$REG_USER .* scope=repository:copy/busybox:pull,push granted="
  skopeo inspect --tls-verify=false --creds "$REG_USER:$REG_PASS" "docker://$REGISTRY/copy/busybox:2" >/dev/null ||
    fail "skopeo cannot read the image roost pushed with --creds"
  [[ ! -e $REGISTRY_AUTH_FILE ]] || fail "--creds wrote $REGISTRY_AUTH_FILE"
}

test_wrong_password_fails_without_showing_it() {
  start_registry --token
  push_fixture "oci:$FIXTURES/busybox-oci:latest" lib/busybox:latest
  run_roost 125 login --tls-verify=false -u "$REG_USER" -p "not-the-Pa55" "$REGISTRY"
  assert_contains "$output" "authentication failed for $REGISTRY"
  assert_not_contains "$output" "not-the-Pa55" "the password is never shown"
  [[ ! -s $REGISTRY_AUTH_FILE ]] || fail "nothing stored after a failed login"
  run_roost 125 pull --tls-verify=false --creds "$REG_USER:not-the-Pa55" "$REGISTRY/lib/busybox:latest"
  assert_contains "$output" "authentication failed for $REGISTRY"
  assert_not_contains "$output" "not-the-Pa55" "the password is never shown"
  assert_token_request "^token user=$REG_USER refused: invalid credentials$"
  run_roost 0 images -q
  is "$stdout" "" "nothing pulled"
}

test_pull_without_credentials_is_refused() {
  start_registry --token
  push_fixture "oci:$FIXTURES/busybox-oci:latest" lib/busybox:latest
  run_roost 125 pull --tls-verify=false "$REGISTRY/lib/busybox:latest"
  assert_contains "$output" "authentication required by $REGISTRY"
  assert_contains "$output" "roost login $REGISTRY"
  # roost did ask, anonymously, and got a token that grants nothing.
  assert_token_request "^token user=anonymous .* scope=repository:lib/busybox:pull granted=-$"
  run_roost 0 images -q
  is "$stdout" "" "nothing pulled"
}

# A blob mount from another repository needs pull on that one too: the
# registry's 401 names both scopes, and roost asks for a token with both
# (before, it asked again for its own scope only, and uploaded every blob).
test_push_to_another_repository_mounts_blobs_with_a_wider_token() {
  start_registry --token
  run_roost 0 load -i "$FIXTURES/multilayer-docker-archive.tar"
  run_roost 0 push --tls-verify=false --creds "$REG_USER:$REG_PASS" localhost/multilayer "$REGISTRY/first/multi:1"
  assert_not_contains "$stderr" "skipped: already exists"
  : >"$TOKEN_LOG"
  run_roost 0 push --tls-verify=false --creds "$REG_USER:$REG_PASS" localhost/multilayer "$REGISTRY/second/multi:1"
  is "$(grep -c 'Copying blob sha256:[0-9a-f]* skipped: already exists' <<<"$stderr")" 3 "all three layers mounted"
  assert_token_request "^token user=$REG_USER .* scope=repository:second/multi:pull,push repository:first/multi:pull granted=repository:second/multi:pull,push repository:first/multi:pull$"
  is "$(grep -c '^token ' "$TOKEN_LOG")" 2 "one token for the push, one wider token for all the mounts"
  skopeo --insecure-policy copy --quiet --src-tls-verify=false --src-creds "$REG_USER:$REG_PASS" \
    "docker://$REGISTRY/second/multi:1" "oci:$TEST_TMP/copy:x" ||
    fail "skopeo cannot fetch the mounted blobs from the second repository"
}

# Right credentials, but the token grants less than asked: roost says access
# is denied, not that the password is wrong.
test_pull_only_user_can_pull_but_not_push() {
  start_registry --token
  push_fixture "oci:$FIXTURES/busybox-oci:latest" lib/busybox:latest
  run_roost 0 login --tls-verify=false -u "$REG_READER" -p "$REG_READER_PASS" "$REGISTRY"
  run_roost 0 pull -q --tls-verify=false "$REGISTRY/lib/busybox:latest"
  is "$stdout" "$BUSYBOX_ID" "a pull-only user pulls"
  run_roost 125 push --tls-verify=false "$REGISTRY/lib/busybox:latest" "$REGISTRY/lib/busybox:mine"
  # The scope is the registry's words, its actions in no fixed order.
  assert_match "$output" "requested access to $REGISTRY/lib/busybox is denied: the token for $REG_READER does not grant repository:lib/busybox:(pull,push|push,pull)"
  assert_not_contains "$output" "invalid user name or password"
  assert_not_contains "$output" "$REG_READER_PASS" "the password is never shown"
  assert_token_request "^token user=$REG_READER .* scope=repository:lib/busybox:pull,push granted=repository:lib/busybox:pull$"
  skopeo inspect --tls-verify=false --creds "$REG_USER:$REG_PASS" "docker://$REGISTRY/lib/busybox:mine" >/dev/null 2>&1 &&
    fail "the denied push left a tag behind"
  return 0
}

# Tokens the registry does not trust: login says so instead of succeeding
# (it shows the registry a token), and never blames the password.
test_login_fails_when_the_registry_refuses_the_tokens() {
  TOKEN_ISSUER=an-impostor start_registry --token
  run_roost 125 login --tls-verify=false -u "$REG_USER" -p "$REG_PASS" "$REGISTRY"
  assert_contains "$output" "registry $REGISTRY does not accept the token $TOKEN_REALM gave for $REG_USER (invalid_token)"
  assert_not_contains "$output" "$REG_PASS" "the password is never shown"
  [[ ! -s $REGISTRY_AUTH_FILE ]] || fail "nothing stored after a failed login"
}

# A token that has expired (a long pull or push outlives it) is replaced
# with a fresh one on the registry's 401, and the pull goes on.
test_expired_token_is_renewed() {
  start_registry --token
  push_fixture "oci:$FIXTURES/busybox-oci:latest" lib/busybox:latest
  : >"$TOKEN_LOG"
  expire_next_token
  run_roost 0 pull -q --tls-verify=false --creds "$REG_USER:$REG_PASS" "$REGISTRY/lib/busybox:latest"
  is "$stdout" "$BUSYBOX_ID"
  is "$(grep -c '^token .* expired$' "$TOKEN_LOG")" 1 "roost was given an expired token"
  is "$(grep -c '^token ' "$TOKEN_LOG")" 2 "and asked for a fresh one"
}

# A layer's GET refused by the registry itself (401, its Bearer challenge),
# as when a token still good for the manifest expired before the layer's
# turn (a later window of a large image on a slow link): roost renews the
# token and the pull goes on. faultproxy.py drops the Authorization header of
# the first GET of each blob.
test_layer_refused_token_is_renewed() {
  start_registry --token
  push_fixture "oci:$FIXTURES/multilayer-oci:latest" lib/multi:1
  start_proxy unauthorized 1
  : >"$TOKEN_LOG"
  run_roost 0 pull -q --tls-verify=false --creds "$REG_USER:$REG_PASS" "$PROXY/lib/multi:1"
  is "$stdout" "$MULTILAYER_ID" "the image arrived whole"
  # The config and three layers, each refused once.
  is "$(grep -c '^spoiled ' "$TEST_TMP/proxy.log")" 4 "every blob was refused once"
  local tokens
  tokens=$(grep -c '^token ' "$TOKEN_LOG")
  ((tokens >= 5)) || fail "expected a token for the manifest and a fresh one after each refusal, got $tokens:
$(cat "$TOKEN_LOG")"
  run_roost 0 run --rm "$PROXY/lib/multi:1" cat /data/keep
}
