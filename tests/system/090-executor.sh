# shellcheck shell=bash disable=SC2154,SC2016 # $output/$status come from lib.sh; $-strings are literal
# The built-in executor, driven through the hidden `roost runtime-exec
# BUNDLE` verb with hand-written OCI specs: what the container sees, as
# root, as a user with sub-IDs and as one without.

setup() {
  BUNDLE=$TEST_TMP/bundle
  mkdir -p "$BUNDLE/rootfs"
  if [[ $TEST_MODE == root ]]; then
    tar -xf "$FIXTURES/busybox-rootfs.tar" -C "$BUNDLE/rootfs"
  else
    # Extracted as root of the user namespace, so owners map as they will
    # inside the container; with a single-ID map only root exists there.
    local owner=()
    [[ $TEST_MODE == nosubid ]] && owner=(--no-same-owner)
    roost unshare tar "${owner[@]}" -xf "$FIXTURES/busybox-rootfs.tar" -C "$BUNDLE/rootfs" ||
      fail "extracting the rootfs"
  fi
  mkdir -p "$BUNDLE/rootfs/proc" "$BUNDLE/rootfs/sys" "$BUNDLE/rootfs/dev" "$BUNDLE/rootfs/tmp"
  printf '#!/bin/sh\necho hi\n' >"$BUNDLE/rootfs/notexec"
  chmod 0644 "$BUNDLE/rootfs/notexec"
}

teardown() {
  # Files made by sub-IDs in the container can only go from inside.
  [[ $TEST_MODE == root ]] || roost unshare rm -rf "$BUNDLE" 2>/dev/null
  return 0
}

# write_spec ARGS_JSON [EXTRA_TOP_LEVEL_JSON_MEMBERS] [EXTRA_MOUNTS]: the
# bundle's config.json, shaped like podman's, running ARGS_JSON.
write_spec() {
  local args=$1 extra=${2-} mounts=${3-} userns=""
  [[ $TEST_MODE == root ]] || userns=', {"type": "user"}'
  local caps='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_FSETID","CAP_KILL","CAP_NET_BIND_SERVICE","CAP_SETFCAP","CAP_SETGID","CAP_SETPCAP","CAP_SETUID","CAP_SYS_CHROOT"]'
  cat >"$BUNDLE/config.json" <<JSON
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": $args,
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=exectest"],
    "cwd": "/",
    "capabilities": {"bounding": $caps, "effective": $caps, "permitted": $caps}
  },
  "root": {"path": "rootfs"},
  "hostname": "exectest",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777"]}
    $mounts
  ],
  "linux": {
    "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}$userns],
    "seccomp": {
      "defaultAction": "SCMP_ACT_ALLOW",
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
      "syscalls": [{"names": ["kexec_load", "reboot", "swapon"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]
    },
    "maskedPaths": ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }
  $extra
}
JSON
}

squeeze() { sed -E 's/^ +//; s/ +/ /g' <<<"$1"; }

test_exec_uid_map() {
  write_spec '["cat", "/proc/self/uid_map"]'
  run_roost 0 runtime-exec "$BUNDLE"
  local map
  map=$(squeeze "$stdout")
  case $TEST_MODE in
    root) is "$map" "0 0 4294967295" "root runs without a user namespace" ;;
    rootless) is "$map" "0 $TEST_UID 1"$'\n'"1 $SUBUID_START $SUBUID_COUNT" "the user's full map" ;;
    nosubid) is "$map" "0 $TEST_UID 1" "only the user's own ID" ;;
  esac
}

test_exec_capabilities_seccomp_and_no_new_privs() {
  write_spec '["grep", "-E", "^(CapEff|CapPrm|CapBnd|NoNewPrivs|Seccomp):", "/proc/self/status"]'
  run_roost 0 runtime-exec "$BUNDLE"
  assert_contains "$stdout" $'CapEff:\t00000000800405fb' "podman's default capability set"
  assert_contains "$stdout" $'CapBnd:\t00000000800405fb' "the bounding set is the same"
  assert_contains "$stdout" $'NoNewPrivs:\t0' "no_new_privs only when asked, as podman"
  assert_contains "$stdout" $'Seccomp:\t2' "a seccomp filter is loaded"
}

test_exec_pid1_and_hostname() {
  write_spec '["sh", "-c", "echo $$; hostname; ls /proc | grep -c \"^[0-9]\""]'
  run_roost 0 runtime-exec "$BUNDLE"
  is "$(sed -n 1p <<<"$stdout")" 1 "the command is PID 1"
  is "$(sed -n 2p <<<"$stdout")" exectest "the spec's hostname"
  (( $(sed -n 3p <<<"$stdout") < 6 )) || fail "the container sees only its own processes: $stdout"
}

test_exec_dev_proc_sys() {
  write_spec '["sh", "-c", "echo x > /dev/null && echo null-ok; head -c 3 /dev/urandom | wc -c; echo 1 > /proc/sys/kernel/domainname || echo proc-sys-ro; touch /sys/x 2>/dev/null || echo sys-ro; stat -c %s /proc/keys; ls /sys/firmware | wc -l; readlink /dev/ptmx"]'
  run_roost 0 runtime-exec "$BUNDLE"
  assert_contains "$stdout" null-ok "/dev/null is writable"
  is "$(sed -n 2p <<<"$stdout")" 3 "/dev/urandom reads"
  assert_contains "$stdout" proc-sys-ro "/proc/sys is read-only"
  assert_contains "$stdout" sys-ro "/sys is read-only"
  is "$(sed -n 5p <<<"$stdout")" 0 "/proc/keys is masked with /dev/null"
  is "$(sed -n 6p <<<"$stdout")" 0 "/sys/firmware is an empty tmpfs"
  is "$(sed -n 7p <<<"$stdout")" pts/ptmx "/dev/ptmx points into the container's devpts"
  assert_contains "$stderr" "Read-only file system"
}

test_exec_exit_codes() {
  write_spec '["sh", "-c", "exit 3"]'
  run_roost 3 runtime-exec "$BUNDLE"
  write_spec '["no-such-command"]'
  run_roost 127 runtime-exec "$BUNDLE"
  is "$stderr" 'Error: executable file "no-such-command" not found in $PATH: No such file or directory'
  write_spec '["/notexec"]'
  run_roost 126 runtime-exec "$BUNDLE"
  is "$stderr" 'Error: /notexec: permission denied'
}

test_exec_user_by_name() {
  write_spec '["sh", "-c", "id -u; id -g; echo $HOME"]' ', "annotations": {"io.roost.user": "nobody"}'
  if [[ $TEST_MODE == nosubid ]]; then
    # Only container root is mapped: podman fails the same way.
    run_roost 125 runtime-exec "$BUNDLE"
    assert_contains "$stderr" "switching to group 65534 (not mapped in the container's user namespace): Invalid argument"
    return
  fi
  run_roost 0 runtime-exec "$BUNDLE"
  is "$stdout" $'65534\n65534\n/nonexistent' "nobody from the container's /etc/passwd"
  write_spec '["true"]' ', "annotations": {"io.roost.user": "nosuchuser"}'
  run_roost 125 runtime-exec "$BUNDLE"
  is "$stderr" "Error: unable to find user nosuchuser: no matching entries in passwd file"
}

test_exec_bad_bind_source() {
  write_spec '["true"]' '' ', {"destination": "/data", "type": "bind", "source": "/nonexistent/src", "options": ["rbind"]}'
  run_roost 125 runtime-exec "$BUNDLE"
  is "$stderr" "Error: mounting /data: bind source /nonexistent/src: No such file or directory"
}

test_exec_read_only_bind() {
  mkdir "$TEST_TMP/data"
  echo content >"$TEST_TMP/data/f"
  write_spec '["sh", "-c", "cat /data/f; touch /data/g || echo ro"]' '' \
    ", {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$TEST_TMP/data\", \"options\": [\"rbind\", \"ro\"]}"
  run_roost 0 runtime-exec "$BUNDLE"
  is "$stdout" $'content\nro'
  [[ ! -e $TEST_TMP/data/g ]] || fail "the read-only bind was written through"
}
