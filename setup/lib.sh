# shellcheck shell=bash
# Shared helpers for the setup/ scripts (sourced, not run).

# shellcheck disable=SC2034 # used by the scripts that source this
ROOST_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { echo "${0##*/}: $*"; }
die() { echo "${0##*/}: error: $*" >&2; exit 1; }
need_root() { ((EUID == 0)) || die "needs root (run: sudo $0 $*)"; }

# The first sub-ID range of USER (name or UID) in FILE, as "START COUNT".
subid_range() {
  local file=$1 name=$2 uid
  uid=$(id -u "$name" 2>/dev/null) || uid=
  [[ -r $file ]] || return 0
  awk -F: -v n="$name" -v u="$uid" '($1 == n || $1 == u) && NF >= 3 { print $2, $3; exit }' "$file"
}

# Removes every line for USER (by name or UID) from /etc/subuid and /etc/subgid.
drop_subids() {
  local name=$1 uid f
  uid=$(id -u "$name")
  for f in /etc/subuid /etc/subgid; do
    [[ -f $f ]] || continue
    if grep -qE "^($name|$uid):" "$f"; then
      sed -i -E "/^($name|$uid):/d" "$f"
      say "removed $name's lines from $f"
    fi
  done
}

# A START for COUNT IDs (>= 100000) overlapping no range in /etc/subuid or
# /etc/subgid.
free_subid_start() {
  local count=${1:-65536}
  cat /etc/subuid /etc/subgid 2>/dev/null | awk -F: -v c="$count" '
    NF >= 3 { s[n] = $2; e[n] = $2 + $3; n++ }
    END {
      start = 100000
      do {
        moved = 0
        for (i = 0; i < n; i++)
          if (start < e[i] && s[i] < start + c) { start = e[i]; moved = 1 }
      } while (moved)
      print start
    }'
}

# ensure_user NAME: creates NAME (home directory, bash) when missing, without
# the sub-ID ranges Debian's useradd would otherwise assign on its own.
ensure_user() {
  local name=$1
  if ! id -u "$name" >/dev/null 2>&1; then
    useradd -m -s /bin/bash -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$name" ||
      die "useradd $name failed"
    say "created user $name (uid $(id -u "$name"))"
  fi
}

# ensure_subids NAME [START]: NAME gets exactly one 65536-ID range starting at
# START in both files; without START an existing range is kept, otherwise a
# free one is chosen.
ensure_subids() {
  local name=$1 start=${2-} count=65536 f want have
  touch /etc/subuid /etc/subgid
  if [[ -z $start ]]; then
    if [[ -n $(subid_range /etc/subuid "$name") && -n $(subid_range /etc/subgid "$name") ]]; then
      return 0
    fi
    drop_subids "$name"
    start=$(free_subid_start "$count")
  fi
  want="$name:$start:$count"
  for f in /etc/subuid /etc/subgid; do
    have=$(grep -E "^($name|$(id -u "$name")):" "$f" || true)
    if [[ $have != "$want" ]]; then
      drop_subids "$name"
      usermod --add-subuids "$start-$((start + count - 1))" \
        --add-subgids "$start-$((start + count - 1))" "$name" || die "usermod $name failed"
      say "gave $name sub-IDs $start-$((start + count - 1)) in /etc/subuid and /etc/subgid"
      return 0
    fi
  done
}

# ensure_runtime_dir NAME: /run/user/UID, 0700, owned by NAME, which is what
# pam_systemd would have made at login (setpriv and su make none).
ensure_runtime_dir() {
  local name=$1 uid gid dir
  uid=$(id -u "$name") gid=$(id -g "$name")
  dir=/run/user/$uid
  install -d -m 0755 /run/user
  if [[ ! -d $dir || $(stat -c '%u:%g %a' "$dir") != "$uid:$gid 700" ]]; then
    install -d -m 0700 -o "$uid" -g "$gid" "$dir"
    chown "$uid:$gid" "$dir"
    chmod 0700 "$dir"
    say "made $dir (0700, owned by $name) for XDG_RUNTIME_DIR"
  fi
}

# fix_devices: fuse-overlayfs needs /dev/fuse and slirp4netns /dev/net/tun
# usable by normal users; distributions ship them 0666, some VMs 0600.
fix_devices() {
  local dev why mode
  for dev in /dev/fuse /dev/net/tun; do
    case $dev in
      /dev/fuse) why="fuse-overlayfs can mount for unprivileged users" ;;
      *) why="slirp4netns can give rootless containers a network" ;;
    esac
    if [[ ! -e $dev ]]; then
      mkdir -p "$(dirname "$dev")"
      if [[ $dev == /dev/fuse ]]; then mknod -m 0666 "$dev" c 10 229; else mknod -m 0666 "$dev" c 10 200; fi &&
        say "$dev was missing; created it (0666) so $why"
      continue
    fi
    mode=$(stat -c %a "$dev")
    if [[ $mode == 600 ]]; then
      chmod 0666 "$dev"
      say "$dev was 0600; made it 0666 (the usual mode on Debian and Ubuntu) so $why"
    fi
  done
}

# run_as NAME CMD...: runs CMD as NAME with a clean login-like environment
# and the user's XDG_RUNTIME_DIR. Extra VAR=value words may precede CMD.
run_as() {
  local name=$1 uid home
  shift
  uid=$(id -u "$name")
  home=$(getent passwd "$name" | cut -d: -f6)
  (cd / && setpriv --reuid "$name" --regid "$(id -g "$name")" --init-groups --reset-env \
    env HOME="$home" USER="$name" LOGNAME="$name" \
    PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin \
    XDG_RUNTIME_DIR="/run/user/$uid" "$@")
}
