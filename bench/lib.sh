# shellcheck shell=bash
# Shared by the bench/ scripts (sourced, after setup/lib.sh): who runs the
# tools, and the side-by-side workspace in which roost and podman each get an
# empty store and runtime dir of their own.
#
#   bench_prepare                 dependencies (with --bench) and the test users
#   bench_workspace NAME          $work, $tag, $roost_cmd, $podman_cmd, $image:
#                                 both tools' dirs, roost's binary, the fixtures,
#                                 busybox loaded into both; cleaned up on EXIT
#                                 (bench_cleanup, which a script may extend)
#   bench_runtime_dir TOOL        that tool's XDG_RUNTIME_DIR

# shellcheck disable=SC2034 # the variables set here are the callers'
user=roosttest

bench_prepare() {
  "$ROOST_SRC/setup/deps" --bench >/dev/null
  "$ROOST_SRC/setup/users" >/dev/null
  uid=$(id -u "$user")
}

# On the login's tmpfs, as in a real session (podman slows down by orders of
# magnitude with its run root on a disk file system); short, because socket
# paths under it must fit in sun_path.
bench_runtime_dir() { echo "/run/user/$uid/b${1:0:1}-$tag"; }

bench_env() {
  echo "HOME=$work/$1 XDG_DATA_HOME=$work/$1/data XDG_CONFIG_HOME=$work/$1/config XDG_RUNTIME_DIR=$(bench_runtime_dir "$1")"
}

bench_cleanup() {
  run_as "$user" sh -c "$roost_cmd rm -f -a" >/dev/null 2>&1 || true
  run_as "$user" sh -c "$podman_cmd rm -f -t 0 -a" >/dev/null 2>&1 || true
  # Layers hold files owned by sub-IDs: removed from inside each user namespace.
  run_as "$user" sh -c "$roost_cmd unshare rm -rf $work/roost/data" >/dev/null 2>&1 || true
  run_as "$user" sh -c "$podman_cmd unshare rm -rf $work/podman/data" >/dev/null 2>&1 || true
  # Podman leaves a pause process holding its user namespace (podman
  # unshare above starts one too, so this comes last).
  local pid
  pid=$(cat "$(bench_runtime_dir podman)/libpod/tmp/pause.pid" 2>/dev/null || true)
  [[ -n $pid ]] && kill "$pid" 2>/dev/null
  rm -rf "$work" "$(bench_runtime_dir roost)" "$(bench_runtime_dir podman)"
}

bench_workspace() {
  work=$(mktemp -d "/tmp/roost-bench-$1.XXXXXX")
  tag=${work##*.}
  trap bench_cleanup EXIT
  chmod 0755 "$work"
  roost_cmd="env $(bench_env roost) $work/roost-bin --storage-driver overlay"
  podman_cmd="env $(bench_env podman) podman --runtime runc --cgroup-manager cgroupfs --storage-driver overlay --events-backend none"
  image=localhost/busybox:latest
  install -m 0755 "${ROOST:-$ROOST_SRC/build/roost}" "$work/roost-bin"
  bash "$ROOST_SRC/tests/system/fixtures.sh" "$work/fixtures" >/dev/null
  chmod -R a+rX "$work/fixtures"
  install -d -o "$uid" -m 0755 "$work/out"
  local tool
  for tool in roost podman; do
    install -d -o "$uid" -g "$uid" -m 0700 "$work/$tool" "$work/$tool/data" "$work/$tool/config" \
      "$(bench_runtime_dir "$tool")"
  done
  run_as "$user" sh -c "$roost_cmd load -i $work/fixtures/busybox-docker-archive.tar" >/dev/null
  run_as "$user" sh -c "$podman_cmd load -i $work/fixtures/busybox-docker-archive.tar" >/dev/null 2>&1
}

# This invocation's copy of roost and stores under $bench (BENCH_DIR, default
# /var/tmp/roost-bench, where generated images are kept across runs): $runs_dir.
#
# Both $bench and $runs_dir get ext4's "top of directory hierarchy" flag
# (chattr +T), so that ext4's Orlov allocator places each directory made in
# them (this invocation's runs dir, each run's store) at the start of an empty
# block group picked from a hash of its name (so the names must be random:
# mktemp), instead of next to its parent. Why: on ext4 without a journal
# (this machine's root), allocating an inode skips, one by one, every free
# inode of the group that was deleted in the last 60 s, so
# files created where a previous invocation (or another bench) just deleted
# its stores cost a scan each: seconds of system time for whichever tool ran
# first, measuring the previous clean-up instead of the tool. With the flag,
# each run of each tool starts in a block group of its own, the same for
# roost and podman. Elsewhere (tmpfs, xfs, btrfs) chattr fails; nothing to do.
bench_fresh_groups() { chattr +T "$1" 2>/dev/null || true; }

# A new directory under $runs_dir for one timed run of TOOL number RUN, owned
# by $user, with data, config, runtime and tmp in it. Its name is random:
# ext4 places a top-level (+T) directory by a hash of its name, so a fixed
# name would put each invocation's store in the block group from which the
# previous invocation's store was just deleted.
bench_store_dir() {
  local dir
  dir=$(mktemp -d "$runs_dir/$1-$2.XXXXXX")
  install -d -o "$user" -g "$(id -g "$user")" -m 0700 "$dir" "$dir/data" "$dir/config" "$dir/runtime" "$dir/tmp"
  echo "$dir"
}

bench_runs_dir() {
  bench=${BENCH_DIR:-/var/tmp/roost-bench}
  src_roost=${ROOST:-$ROOST_SRC/build/roost}
  [[ -x $src_roost ]] || die "no roost binary at $src_roost (run setup/build or set ROOST)"
  install -d -m 0755 "$bench"
  bench_fresh_groups "$bench"
  runs_dir=$(mktemp -d "$bench/runs.XXXXXX")
  chmod 0755 "$runs_dir"
  bench_fresh_groups "$runs_dir"
  if lsattr -d "$runs_dir" 2>/dev/null | cut -d' ' -f1 | grep -q T; then
    say "each run's store (roost and podman alike) starts in an empty ext4 block group (chattr +T; see bench/lib.sh)"
  fi
  install -m 0755 "$src_roost" "$runs_dir/roost"
}
