# shellcheck shell=bash disable=SC2154,SC2016 # $output/$status come from lib.sh; $-strings are literal
# roost system check: the rootless readiness report. One line per check
# ("OK    ...", "WARN  ...: why", "FAIL  ...: why" + "      fix: command"),
# exit 1 when a FAIL blocks rootless use.

# Whether this user can open DEV read-write (what the check should find).
device_usable() {
  [[ -r $1 && -w $1 ]]
}

# Every FAIL line is followed by a fix line.
assert_fails_have_fixes() {
  local prev="" line
  while IFS= read -r line; do
    if [[ $prev == FAIL* && $line != "      fix: "* ]]; then
      fail "a FAIL without a fix line: '$prev'"$'\n'"followed by: '$line'"
    fi
    prev=$line
  done <<<"$output"$'\n'
}

# Lines the check printed that are neither OK, WARN, FAIL, fix, the summary
# nor the root preamble: there should be none.
assert_report_shape() {
  local line
  while IFS= read -r line; do
    case $line in
      "OK    "* | "WARN  "* | "FAIL  "* | "      fix: "* | "" | "\$ "* | "[exit "*) ;;
      "ready "* | *" block "* | *" blocks "*) ;;
      "roost runs as root here"*) ;;
      *) fail "unexpected line in the report: '$line'" ;;
    esac
  done <<<"$output"
}

test_check_as_root_says_what_applies() {
  skip_unless_mode root
  run_roost 0 system check
  assert_contains "$output" "rootless checks"
  assert_contains "$output" "apply to normal users"
  assert_contains "$output" "OK    kernel overlayfs"
  assert_contains "$output" "OK    slirp4netns: $(command -v slirp4netns)"
  assert_not_contains "$output" "sub-UIDs" "sub-IDs are not checked for root"
  assert_contains "$output" "ready to run roost as root"
  assert_report_shape
}

test_check_rootless_user_with_sub_ids() {
  skip_unless_mode rootless
  local expected=0
  device_usable /dev/net/tun || expected=1
  run_roost $expected system check
  assert_contains "$output" "OK    sub-UIDs: $SUBUID_COUNT for $TEST_USER in /etc/subuid"
  assert_contains "$output" "OK    sub-GIDs: $SUBGID_COUNT for $TEST_USER in /etc/subgid"
  assert_contains "$output" "OK    newuidmap: "
  assert_contains "$output" "OK    newgidmap: "
  assert_contains "$output" "OK    user namespaces"
  assert_contains "$output" "OK    ID mapping: newuidmap/newgidmap mapped $((SUBUID_COUNT + 1)) UIDs and $((SUBGID_COUNT + 1)) GIDs"
  assert_contains "$output" "OK    XDG_RUNTIME_DIR: $XDG_RUNTIME_DIR is yours"
  assert_contains "$output" "OK    graph root: $(graph_root) on "
  if ((expected == 0)); then
    assert_contains "$output" "ready for rootless use"
  fi
  assert_report_shape
  assert_fails_have_fixes
}

test_check_user_without_sub_ids_fails_with_the_fix() {
  skip_unless_mode nosubid
  run_roost 1 system check
  assert_contains "$output" "FAIL  sub-UIDs: none for user $TEST_USER in /etc/subuid"
  assert_contains "$output" "FAIL  sub-GIDs: none for user $TEST_USER in /etc/subgid"
  assert_match "$output" "fix: sudo usermod --add-subuids [0-9]+-[0-9]+ $TEST_USER"
  assert_match "$output" "fix: sudo usermod --add-subgids [0-9]+-[0-9]+ $TEST_USER"
  # Single-ID namespaces still work; only the sub-ID map is missing.
  assert_contains "$output" "OK    user namespaces"
  assert_not_contains "$output" "ID mapping" "no full-map probe without sub-IDs"
  assert_match "$output" $'\n[0-9]+ problems? blocks? rootless use'
  assert_report_shape
  assert_fails_have_fixes
}

test_check_suggested_range_is_free() {
  skip_unless_mode nosubid
  run_roost 1 system check
  local range start end
  range=$(grep -oE -- '--add-subuids [0-9]+-[0-9]+' <<<"$output" | head -n1 | awk '{print $2}')
  start=${range%-*} end=${range#*-}
  is "$((end - start + 1))" 65536 "a full 65536-ID range is suggested"
  # No existing range in /etc/subuid may overlap the suggestion.
  local s c
  while IFS=: read -r _ s c; do
    [[ $s =~ ^[0-9]+$ && $c =~ ^[0-9]+$ ]] || continue
    if ((s <= end && start <= s + c - 1)); then
      fail "suggested $range overlaps $s:$c in /etc/subuid"
    fi
  done </etc/subuid
}

test_check_devices() {
  skip_if_mode root "root opens any device"
  run_roost '?' system check
  local dev
  for dev in /dev/fuse /dev/net/tun; do
    if device_usable "$dev"; then
      assert_contains "$output" "OK    $dev: can be opened read-write"
    else
      assert_match "$output" "(FAIL|WARN)  $dev: "
      assert_contains "$output" "fix: sudo chmod 0666 $dev"
    fi
  done
  if ! device_usable /dev/net/tun; then
    is "$status" 1 "slirp4netns cannot work without /dev/net/tun: that blocks rootless use"
  fi
}

test_check_runtime_dir_owned_by_someone_else() {
  skip_if_mode root "XDG_RUNTIME_DIR is a rootless concern"
  # What `su` leaves behind: a runtime dir that exists but is not yours.
  XDG_RUNTIME_DIR=/ run_roost 1 system check
  assert_contains "$output" "FAIL  XDG_RUNTIME_DIR: / is not a directory owned by you"
  assert_contains "$output" "sudo loginctl enable-linger $TEST_USER"
  assert_contains "$output" 'export XDG_RUNTIME_DIR=/run/user/$(id -u)'
  assert_contains "$output" "WARN  graph root: not checked until the XDG_RUNTIME_DIR problem above is fixed"
  assert_fails_have_fixes
}

test_check_runtime_dir_missing() {
  skip_if_mode root "XDG_RUNTIME_DIR is a rootless concern"
  XDG_RUNTIME_DIR=$TEST_TMP/no-such-dir run_roost 1 system check
  assert_contains "$output" "FAIL  XDG_RUNTIME_DIR: $TEST_TMP/no-such-dir does not exist"
  assert_fails_have_fixes
}

test_check_runtime_dir_unset_is_a_warning() {
  skip_unless_mode rootless
  device_usable /dev/net/tun || skip "/dev/net/tun is not usable here, so the check fails anyway"
  unset XDG_RUNTIME_DIR
  run_roost 0 system check
  assert_contains "$output" "WARN  XDG_RUNTIME_DIR: not set"
  assert_contains "$output" "ready for rootless use"
}

test_check_cgroups() {
  run_roost '?' system check
  local v
  case $(stat -f -c %T /sys/fs/cgroup) in
    cgroup2fs) v=v2 ;;
    tmpfs) [[ $(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null) == cgroup2fs ]] && v=hybrid || v=v1 ;;
  esac
  if [[ $TEST_MODE == root ]]; then
    assert_contains "$output" "OK    cgroups: $v"
  elif [[ $v == hybrid ]]; then
    assert_contains "$output" "WARN  cgroups: hybrid"
    assert_contains "$output" "resource limits"
    assert_contains "$output" "systemd.unified_cgroup_hierarchy=1"
  elif [[ $v == v1 ]]; then
    assert_contains "$output" "WARN  cgroups: v1"
  else
    assert_match "$output" "(OK    cgroups: v2, controllers delegated|WARN  cgroups: v2, but no controllers)"
  fi
}
