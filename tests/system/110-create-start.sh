# roost create and roost start.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
}

test_create_then_start_attached() {
  run_roost 0 create --name c1 busybox sh -c 'hostname; echo out; exit 4'
  local id=$stdout
  assert_match "$id" '^[0-9a-f]{64}$' "create prints the full ID"
  run_roost 0 ps -a --format json
  is "$(jq -r '.[0].State + " " + .[0].Names[0] + " " + .[0].Id' <<<"$stdout")" "created c1 $id"
  run_roost 0 inspect c1
  is "$(jq -r '.[0].State.StartedAt' <<<"$stdout")" "0001-01-01T00:00:00Z" "never started"

  run_roost 4 start -a c1
  is "$output" "${id:0:12}"$'\n'"out" "the default hostname is the short ID"
  run_roost 0 container inspect "${id:0:8}"
  is "$(jq -r '.[0].State.Status, .[0].State.ExitCode' <<<"$stdout" | tr '\n' ' ')" "exited 4 "
  assert_match "$(jq -r '.[0].State.StartedAt' <<<"$stdout")" '^20[0-9]{2}-'

  run_roost 4 start -a "$id"
  assert_contains "$output" "out" "an exited container starts again"
}

test_start_keeps_the_container_layer() {
  run_roost 0 create --name keep busybox sh -c 'cat /state 2>/dev/null; echo more >> /state'
  run_roost 0 start -a keep
  is "$output" ""
  run_roost 0 start -a keep
  is "$output" "more" "writes survive between starts"
}

test_create_rm_then_start_removes() {
  run_roost 0 create --rm busybox echo once
  local id=$stdout
  run_roost 0 start -a "$id"
  is "$output" "once"
  run_roost 0 ps -a -q
  is "$output" "" "--rm removed it after it exited"
}

test_start_errors() {
  run_roost 125 start nosuch
  is "$output" 'Error: no container with name or ID "nosuch" found: no such container'
  run_roost 0 create --name d busybox nosuchcmd
  run_roost 127 start d
  is "$output" 'Error: executable file "nosuchcmd" not found in $PATH: No such file or directory'
  run_roost 125 start -a d nosuch
  is "$output" "Error: you cannot start and attach multiple containers at once"
}

# As podman, create decides the seccomp profile; every start runs with it.
test_start_runs_with_the_seccomp_profile_of_create() {
  local profile=$TEST_TMP/seccomp.json
  echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}' >"$profile"
  run_roost 0 create --name denied --security-opt "seccomp=$profile" busybox mkdir /made
  echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": []}' >"$profile"
  run_roost 1 start -a denied
  assert_contains "$output" "can't create directory '/made': Operation not permitted" "the profile as it was at create"
  run_roost 1 start -a denied
  assert_contains "$output" "Operation not permitted" "and on the next start"
  run_roost 0 run --rm --security-opt "seccomp=$profile" busybox mkdir /made
  is "$output" "" "a container created now gets the edited profile"
}

test_start_keeps_the_syscalls_cap_add_unlocks() {
  local cmd='hostname renamed && hostname && grep Seccomp: /proc/self/status'
  run_roost 0 create --name admin --cap-add CAP_SYS_ADMIN busybox sh -c "$cmd"
  run_roost 0 start -a admin
  is "$output" "renamed"$'\n'$'Seccomp:\t2' "sethostname is allowed, under the default profile"
  run_roost 0 start -a admin
  is "$output" "renamed"$'\n'$'Seccomp:\t2' "and on the next start"
  run_roost 1 run --rm busybox sh -c "$cmd"
  assert_contains "$output" "Operation not permitted" "not without CAP_SYS_ADMIN"
}

test_start_keeps_an_unconfined_container_unconfined() {
  run_roost 0 create --name free --security-opt seccomp=unconfined busybox grep Seccomp: /proc/self/status
  run_roost 0 create --name confined busybox grep Seccomp: /proc/self/status
  run_roost 0 start -a free
  is "$output" $'Seccomp:\t0' "no filter"
  run_roost 0 start -a free
  is "$output" $'Seccomp:\t0' "none on the next start either"
  run_roost 0 start -a confined
  is "$output" $'Seccomp:\t2' "the default profile otherwise"
}

# As root a privileged container gets the bounding set roost runs with (as
# podman gives it); in a user namespace of its own, which starts with a full
# bounding set, every capability.
test_start_keeps_a_privileged_container_unconfined() {
  local want
  if [[ $TEST_MODE == root ]]; then
    want=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
  else
    want=$(printf '%016x' $(((1 << ($(cat /proc/sys/kernel/cap_last_cap) + 1)) - 1)))
  fi
  run_roost 0 create --name priv --privileged busybox grep -E '^(CapEff|Seccomp):' /proc/self/status
  run_roost 0 start -a priv
  is "$output" $'CapEff:\t'"$want"$'\nSeccomp:\t0' "every capability there is to give, no filter"
  run_roost 0 start -a priv
  is "$output" $'CapEff:\t'"$want"$'\nSeccomp:\t0' "the same on the next start"
}

# podman leaves a capability that root's bounding set lacks out of the
# container rather than failing, and so does roost.
test_cap_add_outside_roots_bounding_set_is_left_out() {
  skip_unless_mode root "only root shares its bounding set with the container"
  local bounding last bit want missing=""
  bounding=$((16#$(awk '/^CapBnd:/ {print $2}' /proc/self/status)))
  last=$(cat /proc/sys/kernel/cap_last_cap)
  for ((bit = 0; bit <= last; bit++)); do
    if ((!(bounding >> bit & 1))); then
      missing=$(setpriv --list-caps | sed -n "$((bit + 1))p")
      break
    fi
  done
  [[ -n $missing ]] || skip "the bounding set of this host is complete"
  run_roost 0 run --rm --cap-add "$missing" --cap-add net_admin busybox grep -E '^Cap(Eff|Bnd):' /proc/self/status
  # podman's default set plus CAP_NET_ADMIN (bit 12), within the bounding set.
  want=$(printf '%016x' $(((0x800405fb | 1 << 12) & bounding)))
  is "$output" $'CapEff:\t'"$want"$'\nCapBnd:\t'"$want" "$missing left out, net_admin added"
}
