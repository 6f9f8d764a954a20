# shellcheck shell=bash disable=SC2154,SC2016 # $output/$status come from lib.sh; $-strings are literal
# roost unshare: a command in a user namespace with the user's ID map, root
# inside it, exit codes passed through as podman unshare does.

# /proc/self/{uid,gid}_map pads its columns; this squeezes them to "A B C".
squeeze() {
  sed -E 's/^ +//; s/ +/ /g' <<<"$1"
}

# The map lines (no warnings) from $output.
map_lines() {
  grep -E '^ *[0-9]+ +[0-9]+ +[0-9]+ *$' <<<"$output" | sed -E 's/^ +//; s/ +/ /g'
}

test_unshare_uid_map() {
  [[ $TEST_MODE == nosubid ]] && forget_single_id_warning
  run_roost 0 unshare cat /proc/self/uid_map
  case $TEST_MODE in
    root) is "$(map_lines)" "0 0 4294967295" "root keeps the identity map (no user namespace)" ;;
    rootless)
      is "$(map_lines)" "0 $TEST_UID 1"$'\n'"1 $SUBUID_START $SUBUID_COUNT" "your UID is 0, the sub-UIDs follow"
      assert_not_contains "$output" "WARN" "no warning for a user with sub-IDs"
      ;;
    nosubid)
      is "$(map_lines)" "0 $TEST_UID 1" "only your own UID is mapped"
      assert_contains "$output" "no sub-UIDs/sub-GIDs for user $TEST_USER in /etc/subuid and /etc/subgid"
      assert_contains "$output" "using a single-ID user namespace"
      assert_contains "$output" "sudo usermod --add-subuids"
      assert_contains "$output" "--add-subgids"
      ;;
  esac
}

test_unshare_gid_map() {
  local gid
  gid=$(id -g)
  run_roost 0 unshare cat /proc/self/gid_map
  case $TEST_MODE in
    root) is "$(map_lines)" "0 0 4294967295" ;;
    rootless) is "$(map_lines)" "0 $gid 1"$'\n'"1 $SUBGID_START $SUBGID_COUNT" "your GID is 0, the sub-GIDs follow" ;;
    nosubid) is "$(map_lines)" "0 $gid 1" ;;
  esac
}

test_unshare_warning_is_printed_once_per_session() {
  skip_unless_mode nosubid "only a user without sub-IDs is warned"
  forget_single_id_warning
  run_roost 0 unshare true
  is "$(grep -c 'no sub-UIDs' <<<"$output")" 1 "one warning on the first command"
  run_roost 0 unshare true
  is "$(grep -c 'no sub-UIDs' <<<"$output")" 0 "no warning later in the same login session"
  XDG_RUNTIME_DIR=$TEST_TMP/new-session
  mkdir -m 0700 "$XDG_RUNTIME_DIR"
  run_roost 0 unshare true
  is "$(grep -c 'no sub-UIDs' <<<"$output")" 1 "a new session warns again"
}

test_unshare_is_root_inside() {
  run_roost 0 unshare id -u
  is "$(tail -n1 <<<"$output")" 0 "uid inside"
  run_roost 0 unshare id -g
  is "$(tail -n1 <<<"$output")" 0 "gid inside"
}

test_unshare_exit_code_passes_through() {
  run_roost 7 unshare sh -c 'exit 7'
  run_roost 0 unshare true
  run_roost 1 unshare false
  run_roost 143 unshare sh -c 'kill -TERM $$'
}

test_unshare_missing_command_is_127() {
  run_roost 127 unshare roost-no-such-command
  assert_contains "$output" 'Error: exec: "roost-no-such-command": executable file not found in $PATH'
}

test_unshare_non_executable_is_126() {
  printf '#!/bin/sh\necho ran\n' >"$TEST_TMP/script"
  chmod 0644 "$TEST_TMP/script"
  run_roost 126 unshare "$TEST_TMP/script"
  assert_contains "$output" "Error: exec: \"$TEST_TMP/script\": permission denied"
  assert_not_contains "$output" "ran"
}

test_unshare_command_flags_are_the_commands() {
  run_roost 0 unshare sh -c 'echo "args: $*"' sh --help -x --root /nope
  is "$(tail -n1 <<<"$output")" "args: --help -x --root /nope" "flags after the command are not roost's"
  run_roost 0 unshare -- echo after-dashes
  is "$(tail -n1 <<<"$output")" "after-dashes"
}

test_unshare_sets_environment() {
  run_roost 0 unshare sh -c 'echo "$ROOST_USERNS_CONFIGURED $ROOST_ROOTLESS_UID"'
  is "$(tail -n1 <<<"$output")" "1 $TEST_UID" "ROOST_USERNS_CONFIGURED and ROOST_ROOTLESS_UID"
  run_roost 0 unshare sh -c 'echo "$CONTAINERS_GRAPHROOT"'
  is "$(tail -n1 <<<"$output")" "$(graph_root)" "CONTAINERS_GRAPHROOT names the store, as in podman"
}

test_unshare_without_command_runs_the_shell() {
  printf 'echo "in $0 as $(id -u)"\nexit 3\n' >"$TEST_TMP/input"
  SHELL=/bin/sh run_roost 3 unshare <"$TEST_TMP/input"
  is "$(tail -n1 <<<"$output")" "in /bin/sh as 0" "\$SHELL ran inside the namespace"
}

test_unshare_owns_sub_id_files() {
  skip_if_mode root "root needs no ID shifting"
  mkdir "$TEST_TMP/d"
  if [[ $TEST_MODE == nosubid ]]; then
    # Container UID 1 is unmapped without sub-IDs: the kernel refuses it.
    run_roost 1 unshare chown 1:1 "$TEST_TMP/d"
    assert_contains "$output" "Invalid argument"
    return 0
  fi
  run_roost 0 unshare sh -c "touch '$TEST_TMP/d/f' && chown 1:1 '$TEST_TMP/d/f' && chown 1:1 '$TEST_TMP/d'"
  is "$(stat -c %u:%g "$TEST_TMP/d/f")" "$SUBUID_START:$SUBGID_START" "container 1:1 is the first sub-ID on the host"
  if rm -f "$TEST_TMP/d/f" 2>/dev/null; then fail "the user itself could remove a sub-UID's file from a sub-UID's dir"; fi
  run_roost 0 unshare rm -rf "$TEST_TMP/d"
  [[ ! -e $TEST_TMP/d ]] || fail "unshare rm did not remove the sub-UID owned tree"
}

test_unshare_mounts_stay_private() {
  mkdir "$TEST_TMP/mnt"
  run_roost 0 unshare sh -c "mount -t tmpfs tmpfs '$TEST_TMP/mnt' && touch '$TEST_TMP/mnt/inside' && ls '$TEST_TMP/mnt'"
  is "$(tail -n1 <<<"$output")" "inside" "the mount is visible inside"
  is "$(ls -A "$TEST_TMP/mnt")" "" "and gone outside"
  grep -q " $TEST_TMP/mnt " /proc/self/mountinfo && fail "the tmpfs leaked into the host mount namespace"
  return 0
}

test_unshare_nested_keeps_the_map() {
  forget_single_id_warning
  run_roost 0 unshare cat /proc/self/uid_map
  local outer
  outer=$(map_lines)
  forget_single_id_warning
  run_roost 0 unshare "$ROOST" unshare cat /proc/self/uid_map
  is "$(map_lines)" "$outer" "a nested unshare reuses the namespace roost set up"
  if [[ $TEST_MODE == nosubid ]]; then
    is "$(grep -c 'no sub-UIDs' <<<"$output")" 1 "only the outer roost warns"
  fi
}
