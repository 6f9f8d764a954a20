# shellcheck shell=bash disable=SC2154,SC2016 # $output/$status come from lib.sh; $-strings are literal
# roost info / roost system info: host, store and version facts, as YAML,
# JSON or a template.

# The cgroup setup as the shell sees it.
expected_cgroup_version() {
  case $(stat -f -c %T /sys/fs/cgroup) in
    cgroup2fs) echo v2 ;;
    tmpfs)
      if [[ $(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null) == cgroup2fs ]]; then echo hybrid; else echo v1; fi
      ;;
    *) echo unknown ;;
  esac
}

expected_arch() {
  case $(uname -m) in
    x86_64) echo amd64 ;;
    aarch64) echo arm64 ;;
    *) uname -m ;;
  esac
}

# info as JSON on stdout only (the nosubid warning goes to stderr).
info_json() {
  roost info --format json 2>"$TEST_TMP/info.err" >"$TEST_TMP/info.json" || fail "roost info --format json failed: $(cat "$TEST_TMP/info.err")"
  jq -e . "$TEST_TMP/info.json" >/dev/null || fail "roost info --format json is not JSON: $(cat "$TEST_TMP/info.json")"
}

jqi() {
  jq -r "$1" "$TEST_TMP/info.json"
}

test_info_yaml() {
  run_roost 0 info
  assert_match "$output" $'(^|\n)host:\n' "a host section"
  assert_match "$output" $'\nstore:\n' "a store section"
  assert_match "$output" $'\nversion:\n' "a version section"
  assert_contains "$output" "  arch: $(expected_arch)"
  assert_contains "$output" "  kernel: $(uname -r)"
  assert_contains "$output" "  os: linux"
  assert_contains "$output" "  cgroupVersion: $(expected_cgroup_version)"
  assert_contains "$output" "  graphRoot: $(graph_root)"
  assert_contains "$output" "  graphDriverName: "
  local rootless=true
  [[ $TEST_MODE == root ]] && rootless=false
  assert_contains "$output" $'  security:\n    rootless: '"$rootless"
  assert_contains "$output" $'  idMappings:\n    gidmap:\n    - container_id: 0\n'
}

test_info_json_matches_the_host() {
  info_json
  is "$(jqi .host.arch)" "$(expected_arch)"
  is "$(jqi .host.kernel)" "$(uname -r)"
  is "$(jqi .host.os)" linux
  is "$(jqi .host.cgroupVersion)" "$(expected_cgroup_version)"
  is "$(jqi .store.graphRoot)" "$(graph_root)"
  is "$(jqi .version.Version)" "$("$ROOST" --version | awk '{print $NF}')" "same version as roost --version"
  local slirp
  slirp=$(command -v slirp4netns || true)
  is "$(jqi .host.slirp4netns.executable)" "$slirp"
  if [[ -n $slirp ]]; then
    is "$(jqi .host.slirp4netns.version)" "$(slirp4netns --version | head -n1)" "first line of slirp4netns --version"
  fi
  is "$(jqi .host.networkBackend)" slirp4netns "the default network"
  is "$(jqi .host.fuseOverlayfs.executable)" "$(command -v fuse-overlayfs || true)"
  [[ -n $(jqi .store.graphDriverSource) ]] || fail "graphDriverSource says where the driver choice came from"
}

test_info_id_mappings() {
  [[ $TEST_MODE == nosubid ]] && forget_single_id_warning
  info_json
  local uid gid
  uid=$(id -u) gid=$(id -g)
  case $TEST_MODE in
    root)
      is "$(jqi .host.security.rootless)" false
      is "$(jq -c .host.idMappings.uidmap "$TEST_TMP/info.json")" '[{"container_id":0,"host_id":0,"size":4294967295}]'
      ;;
    rootless)
      is "$(jqi .host.security.rootless)" true
      is "$(jq -c .host.idMappings.uidmap "$TEST_TMP/info.json")" \
        "[{\"container_id\":0,\"host_id\":$uid,\"size\":1},{\"container_id\":1,\"host_id\":$SUBUID_START,\"size\":$SUBUID_COUNT}]"
      is "$(jq -c .host.idMappings.gidmap "$TEST_TMP/info.json")" \
        "[{\"container_id\":0,\"host_id\":$gid,\"size\":1},{\"container_id\":1,\"host_id\":$SUBGID_START,\"size\":$SUBGID_COUNT}]"
      ;;
    nosubid)
      is "$(jq -c .host.idMappings.uidmap "$TEST_TMP/info.json")" "[{\"container_id\":0,\"host_id\":$uid,\"size\":1}]"
      is "$(jq -c .host.idMappings.gidmap "$TEST_TMP/info.json")" "[{\"container_id\":0,\"host_id\":$gid,\"size\":1}]"
      assert_contains "$(cat "$TEST_TMP/info.err")" "no sub-UIDs/sub-GIDs for user $TEST_USER" "the single-ID warning"
      ;;
  esac
}

test_info_runtime_dir() {
  info_json
  if [[ $TEST_MODE == root ]]; then
    is "$(jqi .host.runtimeDir)" /run
  else
    is "$(jqi .host.runtimeDir)" "$XDG_RUNTIME_DIR"
  fi
}

test_system_info_is_the_same_verb() {
  info_json
  cp "$TEST_TMP/info.json" "$TEST_TMP/a.json"
  roost system info --format json 2>/dev/null >"$TEST_TMP/b.json" || fail "roost system info failed"
  is "$(cat "$TEST_TMP/b.json")" "$(cat "$TEST_TMP/a.json")" "system info and info print the same"
}

test_info_template() {
  run_roost 0 info --format '{{.Store.GraphRoot}}'
  is "$(tail -n1 <<<"$output")" "$(graph_root)"
  local rootless=true
  [[ $TEST_MODE == root ]] && rootless=false
  run_roost 0 info --format 'rootless={{.Host.Security.Rootless}} arch={{ .Host.Arch }}'
  is "$(tail -n1 <<<"$output")" "rootless=$rootless arch=$(expected_arch)"
}

test_info_bad_format_is_rejected() {
  run_roost 125 info --format xml
  assert_contains "$output" 'unsupported --format "xml"'
  run_roost 125 info --format '{{.Host.NoSuchField}}'
  assert_contains "$output" "can't evaluate"
}
