#!/usr/bin/env bash
# Builds the system-test fixtures into OUTDIR (default: $FIXTURES), once: a
# finished OUTDIR has a .complete stamp and is left alone. Needs python3,
# skopeo and /bin/busybox (busybox-static); needs no root, since ownership in
# the tars is written by python's tarfile. setup/test runs it once as root
# into the world-readable staging dir that every mode's run then shares.
#
#   tests/system/fixtures.sh OUTDIR
#
# What OUTDIR holds (all deterministic: same busybox binary, same digests):
#
#   busybox-rootfs.tar          A root filesystem tar (for `roost import`):
#                               bin/busybox plus a bin/<applet> symlink for each
#                               applet of `busybox --list` (sh, ls, cat, echo,
#                               id, true, false, sleep, env, stat, ...);
#                               etc/passwd and etc/group (root 0, user 1000,
#                               nobody/nogroup 65534); root/ 0700 with
#                               root/owned-by-0 (0:0, 0600); home/user/ and
#                               home/user/owned-by-1000 (1000:1000); tmp/ 1777;
#                               empty dev/ proc/ sys/ usr/bin/ var/.
#   busybox-oci/                OCI image layout of that rootfs as one gzip
#                               layer; index.json ref.name "latest"; config Cmd
#                               ["sh"], Env PATH, label org.roost.fixture=busybox.
#                               Transport: oci:$FIXTURES/busybox-oci:latest
#   busybox-oci-archive.tar     The same image as an oci-archive, written by
#                               skopeo (ref "latest").
#   busybox-docker-archive.tar  The same image as a docker-archive written by
#                               skopeo, tagged localhost/busybox:latest.
#   busybox-expose-oci/         The busybox layer with ExposedPorts 8080/tcp and
#                               8081/udp (for -P), label
#                               org.roost.fixture=busybox-expose.
#   multilayer-oci/             OCI layout, 3 layers, ref "latest":
#   multilayer-docker-archive.tar  ... and as docker-archive by skopeo, tagged
#                               localhost/multilayer:latest. Layers:
#                                1. the busybox rootfs plus data/keep,
#                                   data/remove-me, opaque/old-1, opaque/old-2,
#                                   opaque/sub/old-3
#                                2. data/.wh.remove-me (whiteout), data/added,
#                                   opaque/.wh..wh..opq (opaque dir), opaque/new
#                                3. links/original with hard links
#                                   links/hardlink-1 and links/hardlink-2 and a
#                                   symlink links/symlink -> original;
#                                   owned/by-uid-1 (1:1), owned/by-uid-1000
#                                   (1000:1000), owned/dir-1000/ (1000:1000,
#                                   0750) with owned/dir-1000/file (0640)
#                               Final view: data = {keep, added}; opaque = {new};
#                               links/original and links/hardlink-* share an inode.
#   devices-oci/                OCI layout, one layer: dev/null-copy (char 1:3),
#                               dev/loop-copy (block 7:0), dev/fifo, dev/regular.
#   multilayer-zstd-oci/        The multilayer image as an OCI layout whose
#                               layers skopeo recompressed with zstd.
#   hostile-NAME.layer.tar      A bare hostile layer tar, and
#   hostile-NAME-docker-archive.tar  that layer as the only layer of a
#                               docker-archive written by skopeo with correct
#                               diff_ids (only the layer contents are hostile),
#                               tagged localhost/hostile-NAME:latest. Each layer
#                               starts with a harmless file "ok", then:
#                                 dotdot    "../escape" (regular file)
#                                 absolute  "/tmp/abs" (absolute name)
#                                 symlink   "evil" -> "/", then "evil/pwned"
#                                 hardlink  "passwd" hard link to "../../etc/passwd"
#   bad-diffid-docker-archive.tar  Hand-written docker-archive, tagged
#                               localhost/bad-diffid:latest: its layer is the
#                               valid busybox layer but the config's
#                               rootfs.diff_ids claims another digest
#                               ($BAD_DIFFID_CLAIMED); loading it must fail.
#   fixtures.env                Shell-sourceable facts: BUSYBOX_ID (the image
#                               ID = config digest hex), BUSYBOX_DIFF_ID,
#                               BUSYBOX_MANIFEST_DIGEST (of the OCI layout),
#                               MULTILAYER_ID, MULTILAYER_DIFF_IDS,
#                               BAD_DIFFID_CLAIMED.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-${FIXTURES:-}}
[[ -n $out ]] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
busybox=${BUSYBOX:-/bin/busybox}

if [[ -f $out/.complete ]]; then
  exit 0
fi
for tool in python3 skopeo; do
  command -v "$tool" >/dev/null || { echo "fixtures: $tool is missing (run setup/deps)" >&2; exit 1; }
done
[[ -x $busybox ]] || { echo "fixtures: $busybox is missing (install busybox-static)" >&2; exit 1; }

mkdir -p "$out"
out=$(cd "$out" && pwd)
# A half-finished earlier run may have left some files; skopeo refuses to
# write into an existing archive, so start from nothing we made.
rm -rf "$out"/.work "$out"/busybox-* "$out"/multilayer-* "$out"/hostile-* "$out"/bad-diffid-* \
  "$out"/fixtures.env "$out"/README
python3 "$here/imagegen.py" fixtures "$out" "$busybox"

# skopeo is an independent client: archives it writes are what other tools
# produce, not what our own generator believes the formats to be.
sk() { skopeo --insecure-policy copy --quiet "$@"; }
sk "oci:$out/busybox-oci:latest" "oci-archive:$out/busybox-oci-archive.tar:latest"
sk "oci:$out/busybox-oci:latest" "docker-archive:$out/busybox-docker-archive.tar:localhost/busybox:latest"
sk "oci:$out/multilayer-oci:latest" \
  "docker-archive:$out/multilayer-docker-archive.tar:localhost/multilayer:latest"
# Layers as zstd, recompressed by skopeo (multilayer-zstd-oci, ref "latest").
sk --dest-compress-format zstd --dest-compress "oci:$out/multilayer-oci:latest" "oci:$out/multilayer-zstd-oci:latest"
for name in dotdot absolute symlink hardlink; do
  sk "oci:$out/.work/hostile-$name-oci:latest" \
    "docker-archive:$out/hostile-$name-docker-archive.tar:localhost/hostile-$name:latest"
done
rm -rf "$out/.work"

cat >"$out/README" <<EOF
roost system-test fixtures, built by tests/system/fixtures.sh (see its header
comment for what each file holds).
EOF
chmod -R a+rX "$out"
touch "$out/.complete"
