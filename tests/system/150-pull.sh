# roost pull from a real registry (docker-registry on 127.0.0.1): plain HTTP,
# HTTPS with a self-signed CA, htpasswd basic auth, and what goes wrong.

# shellcheck source=registry.sh
source "${BASH_SOURCE[0]%/*}/registry.sh"

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
}

teardown() {
  stop_registry
}

test_pull_and_run_over_http() {
  start_registry
  push_fixture "oci:$FIXTURES/busybox-oci:latest" busybox:1
  run_roost 0 pull --tls-verify=false "$REGISTRY/busybox:1"
  assert_contains "$stderr" "Trying to pull $REGISTRY/busybox:1..."
  assert_match "$stderr" "Copying blob sha256:[0-9a-f]{64}"
  assert_contains "$stderr" "Writing manifest to image destination"
  is "$stdout" "$BUSYBOX_ID" "the image ID is printed at the end"
  run_roost 0 images --format json
  is "$(jq -r '.[0].Names | join(" ")' <<<"$stdout")" "$REGISTRY/busybox:1" "stored under the name pulled"
  run_roost 0 run --rm "$REGISTRY/busybox:1" cat /etc/group
  assert_contains "$stdout" "root:x:0:"
}

test_pull_quiet_prints_only_the_id() {
  start_registry
  push_fixture "oci:$FIXTURES/busybox-oci:latest" busybox:latest
  run_roost 0 pull -q --tls-verify=false "docker://$REGISTRY/busybox"
  is "$output" "$BUSYBOX_ID" "nothing but the ID with -q"
}

# --log-level debug puts each layer's steps on one clock, to see where a
# pull spends its time.
test_pull_debug_prints_a_timeline() {
  start_registry
  push_fixture "oci:$FIXTURES/multilayer-oci:latest" multi:latest
  run_roost 0 --log-level debug pull -q --tls-verify=false "$REGISTRY/multi:latest"
  is "$stdout" "$MULTILAYER_ID" "the ID alone on stdout"
  local step
  for step in started "first byte" received "applied by its helper"; do
    assert_match "$stderr" "pull: layer 1: $step at [0-9]+ ms" "layer 1: $step"
  done
  assert_match "$stderr" "layer helper [^ ]+: written at [0-9]+ ms" "the helper's write"
  assert_match "$stderr" "layer helper [^ ]+: synced at [0-9]+ ms" "the helper's syncfs"
  assert_match "$stderr" "pull: committed at [0-9]+ ms" "the commit"
}

test_pull_multilayer_by_digest() {
  start_registry
  push_fixture "oci:$FIXTURES/multilayer-oci:latest" multi:latest
  local digest
  digest=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REGISTRY/multi:latest")
  run_roost 0 pull -q --tls-verify=false "$REGISTRY/multi@$digest"
  is "$stdout" "$MULTILAYER_ID"
  run_roost 0 image inspect "$MULTILAYER_ID"
  is "$(jq -r '.[0].RootFS.Layers | join(" ")' <<<"$stdout")" "$MULTILAYER_DIFF_IDS" "all layers in order"
  run_roost 0 run --rm "$MULTILAYER_ID" ls /data /opaque
  assert_contains "$stdout" "added"
  assert_not_contains "$stdout" "remove-me" "whiteout applied"
  # Pulled again: every layer is skipped.
  run_roost 0 pull --tls-verify=false "$REGISTRY/multi:latest"
  assert_contains "$stderr" "skipped: already exists"
  is "$(ls "$(graph_root)/layers" | wc -l)" 3 "three layers stored once"
}

test_pull_zstd_layers() {
  start_registry
  push_fixture "oci:$FIXTURES/multilayer-zstd-oci:latest" zstd:latest
  run_roost 0 pull -q --tls-verify=false "$REGISTRY/zstd:latest"
  run_roost 0 run --rm "$REGISTRY/zstd:latest" cat /data/keep
}

test_pull_multi_arch_index() {
  start_registry
  # An index with the host's image and one for another platform (skopeo
  # copies only what the layout holds; --all keeps the index).
  local arch other
  arch=$(jq -r '.architecture' <<<"$(skopeo inspect --config "oci:$FIXTURES/busybox-oci:latest")")
  other=s390x
  [[ $arch == s390x ]] && other=ppc64le
  python3 - "$FIXTURES/busybox-oci" "$TEST_TMP/multi-oci" "$arch" "$other" <<'PY'
import hashlib, json, os, shutil, sys
src, dst, arch, other = sys.argv[1:]
shutil.copytree(src, dst)
index = json.load(open(os.path.join(dst, "index.json")))
m = index["manifests"][0]
blob = lambda d: os.path.join(dst, "blobs", "sha256", d.split(":")[1])
manifests = [dict(m, platform={"os": "linux", "architecture": arch}),
             dict(m, platform={"os": "linux", "architecture": other})]
for e in manifests:
    e.get("annotations", {}).pop("org.opencontainers.image.ref.name", None)
    e.pop("annotations", None)
inner = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                    "manifests": manifests}).encode()
d = "sha256:" + hashlib.sha256(inner).hexdigest()
open(blob(d), "wb").write(inner)
index["manifests"] = [{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": d, "size": len(inner),
                       "annotations": {"org.opencontainers.image.ref.name": "latest"}}]
json.dump(index, open(os.path.join(dst, "index.json"), "w"))
PY
  push_fixture "oci:$TEST_TMP/multi-oci:latest" multiarch:latest --all
  run_roost 0 pull -q --tls-verify=false "$REGISTRY/multiarch:latest"
  is "$stdout" "$BUSYBOX_ID" "the host's platform chosen"
  run_roost 125 pull --platform linux/arm/v5 --tls-verify=false "$REGISTRY/multiarch:latest"
  assert_contains "$output" "no image for platform linux/arm/v5"
  assert_contains "$output" "linux/$arch, linux/$other" "the available platforms are listed"
  run_roost 125 pull --platform nonsense --tls-verify=false "$REGISTRY/multiarch:latest"
  assert_contains "$output" "invalid platform \"nonsense\""
}

test_pull_https_with_cert_dir() {
  start_registry --tls
  push_fixture "oci:$FIXTURES/busybox-oci:latest" busybox:latest
  run_roost 125 pull "$REGISTRY/busybox:latest"
  assert_contains "$output" "TLS certificate verification failed"
  assert_contains "$output" "--cert-dir"
  assert_store_empty
  run_roost 0 pull -q --cert-dir "$CERT_DIR" "$REGISTRY/busybox:latest"
  is "$stdout" "$BUSYBOX_ID"
  run_roost 0 rmi "$REGISTRY/busybox:latest"
  run_roost 0 pull -q --tls-verify=false "$REGISTRY/busybox:latest"
  is "$stdout" "$BUSYBOX_ID" "--tls-verify=false accepts the unknown CA"
}

test_pull_plain_http_needs_tls_verify_false() {
  start_registry
  push_fixture "oci:$FIXTURES/busybox-oci:latest" busybox:latest
  run_roost 125 pull "$REGISTRY/busybox:latest"
  assert_contains "$output" "TLS handshake failed"
  assert_contains "$output" "--tls-verify=false"
}

test_pull_basic_auth() {
  start_registry --auth
  push_fixture "oci:$FIXTURES/busybox-oci:latest" busybox:latest
  run_roost 125 pull --tls-verify=false "$REGISTRY/busybox:latest"
  assert_contains "$output" "authentication required by $REGISTRY"
  run_roost 125 pull --tls-verify=false --creds "$REG_USER:wrong-Pa55" "$REGISTRY/busybox:latest"
  assert_contains "$output" "authentication failed for $REGISTRY"
  assert_not_contains "$output" "wrong-Pa55" "the password is never shown"
  assert_store_empty
  run_roost 0 pull -q --tls-verify=false --creds "$REG_USER:$REG_PASS" "$REGISTRY/busybox:latest"
  is "$stdout" "$BUSYBOX_ID"
  assert_not_contains "$output" "$REG_PASS"
}

test_pull_unknown_tag_and_repository() {
  start_registry
  push_fixture "oci:$FIXTURES/busybox-oci:latest" busybox:latest
  run_roost 125 pull --tls-verify=false "$REGISTRY/busybox:nope"
  assert_contains "$output" "reading manifest nope in $REGISTRY/busybox: manifest unknown"
  run_roost 125 pull --tls-verify=false "$REGISTRY/nothing-here:latest"
  assert_contains "$output" "manifest unknown"
  assert_store_empty
}

test_pull_closed_port() {
  local port
  port=$(free_port) # nothing listens there
  run_roost 125 pull --tls-verify=false "127.0.0.1:$port/busybox:latest"
  assert_contains "$output" "pinging registry 127.0.0.1:$port: cannot connect"
  assert_store_empty
}

test_pull_invalid_references() {
  local r
  for r in "UPPER/case" "name:" "busybox@sha256:1234" "$(printf 'a%.0s' {1..300})"; do
    run_roost 125 pull "$r"
    assert_contains "$output" "invalid reference format"
  done
  run_roost 125 pull "oci-archive:"
  assert_contains "$output" "no path after the transport"
}

test_pull_tampered_blob_commits_nothing() {
  start_registry
  push_fixture "oci:$FIXTURES/multilayer-oci:latest" multi:latest
  local manifest layer file
  manifest=$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/multi:latest")
  layer=$(jq -r '.layers[2].digest' <<<"$manifest")
  file=$(blob_file "$layer")
  [[ -f $file ]] || fail "no blob file $file"
  # Same size, one byte changed in the middle.
  python3 - "$file" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0xff
open(p, "wb").write(bytes(b))
PY
  run_roost 125 pull --tls-verify=false "$REGISTRY/multi:latest"
  assert_contains "$output" "layer 3: blob $layer: digest mismatch"
  run_roost 0 images -q
  is "$stdout" "" "no image committed"
  assert_store_empty
}

test_pull_from_archives() {
  run_roost 0 pull "docker-archive:$FIXTURES/busybox-docker-archive.tar"
  is "$stdout" "$BUSYBOX_ID"
  run_roost 0 pull "oci-archive:$FIXTURES/busybox-oci-archive.tar"
  is "$stdout" "$BUSYBOX_ID"
  run_roost 0 pull "oci:$FIXTURES/multilayer-oci:latest"
  is "$stdout" "$MULTILAYER_ID"
}

test_two_concurrent_pulls_store_once() {
  start_registry
  push_fixture "oci:$FIXTURES/multilayer-oci:latest" multi:latest
  local a b
  roost pull -q --tls-verify=false "$REGISTRY/multi:latest" >"$TEST_TMP/a.out" 2>&1 &
  a=$!
  roost pull -q --tls-verify=false "$REGISTRY/multi:latest" >"$TEST_TMP/b.out" 2>&1 &
  b=$!
  wait "$a" || fail "first pull failed: $(cat "$TEST_TMP/a.out")"
  wait "$b" || fail "second pull failed: $(cat "$TEST_TMP/b.out")"
  is "$(tail -n 1 "$TEST_TMP/a.out")" "$MULTILAYER_ID"
  is "$(tail -n 1 "$TEST_TMP/b.out")" "$MULTILAYER_ID"
  run_roost 0 images -q --no-trunc
  is "$stdout" "sha256:$MULTILAYER_ID" "one image"
  is "$(ls "$(graph_root)/layers" | wc -l)" 3 "three layers stored once"
  is "$(ls -A "$(graph_root)/staging" | grep -vc '\.lock$')" 0 "nothing left staged"
}
