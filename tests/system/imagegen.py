#!/usr/bin/env python3
"""Deterministic image building blocks for roost's system-test fixtures and benchmarks.

Layers are written with tarfile from explicit entries (so ownership, hard
links, whiteouts and hostile names are exactly what the test wants, with no
root needed), then wrapped into an OCI image layout or a docker-archive by
hand. Every timestamp is fixed, so the same inputs give the same digests.

Used by tests/system/fixtures.sh (`imagegen.py fixtures OUTDIR`) and
bench/load.sh (imported as a module).
"""

import gzip
import hashlib
import io
import json
import os
import platform
import random
import shlex
import shutil
import subprocess
import sys
import tarfile

EPOCH = 1700000000  # 2023-11-14T22:13:20Z
CREATED = "2023-11-14T22:13:20Z"
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def goarch():
    return {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386",
            "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}.get(
                platform.machine(), platform.machine())


# --- tar entries ------------------------------------------------------------

def _info(name, type_, mode, uid, gid):
    ti = tarfile.TarInfo(name)
    ti.type = type_
    ti.mode = mode
    ti.uid, ti.gid = uid, gid
    ti.uname = ti.gname = ""
    ti.mtime = EPOCH
    return ti


def d(name, mode=0o755, uid=0, gid=0):
    return (_info(name, tarfile.DIRTYPE, mode, uid, gid), None)


def f(name, data=b"", mode=0o644, uid=0, gid=0):
    if isinstance(data, str):
        data = data.encode()
    ti = _info(name, tarfile.REGTYPE, mode, uid, gid)
    ti.size = len(data)
    return (ti, data)


def big(name, size, seed, mode=0o644):
    """A regular file of SIZE pseudo-random bytes, streamed (not held in memory)."""
    ti = _info(name, tarfile.REGTYPE, mode, 0, 0)
    ti.size = size
    return (ti, ("random", size, seed))


def sym(name, target, uid=0, gid=0):
    ti = _info(name, tarfile.SYMTYPE, 0o777, uid, gid)
    ti.linkname = target
    return (ti, None)


def hard(name, target):
    ti = _info(name, tarfile.LNKTYPE, 0o644, 0, 0)
    ti.linkname = target
    return (ti, None)


class _RandomStream(io.RawIOBase):
    """Incompressible bytes, the same for the same seed (and Python version)."""

    def __init__(self, size, seed):
        self.left = size
        self.rng = random.Random(seed)

    def readable(self):
        return True

    def readinto(self, b):
        want = min(len(b), self.left)
        b[:want] = self.rng.randbytes(want)
        self.left -= want
        return want


def write_layer(path, entries):
    """Writes ENTRIES as an uncompressed tar at PATH; returns its diff ID."""
    with open(path, "wb") as out:
        with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for ti, data in entries:
                if data is None:
                    tar.addfile(ti)
                elif isinstance(data, tuple):
                    tar.addfile(ti, io.BufferedReader(_RandomStream(data[1], data[2]), 1 << 20))
                else:
                    tar.addfile(ti, io.BytesIO(data))
    return "sha256:" + sha256_file(path)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as fp:
        for chunk in iter(lambda: fp.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --- image metadata ---------------------------------------------------------

def image_config(diff_ids, cmd=("sh",), labels=None, exposed=None):
    config = {
        "created": CREATED,
        "architecture": goarch(),
        "os": "linux",
        "config": {"Env": [PATH_ENV], "Cmd": list(cmd), "WorkingDir": "/",
                   "Labels": labels or {}},
        "rootfs": {"type": "layers", "diff_ids": list(diff_ids)},
        "history": [{"created": CREATED, "created_by": "roost imagegen.py"} for _ in diff_ids],
    }
    if exposed:
        config["config"]["ExposedPorts"] = {port: {} for port in exposed}
    return config


def _dump(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def _blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, "blobs", "sha256", digest), "wb") as fp:
        fp.write(data)
    return "sha256:" + digest, len(data)


def oci_layout(layout, layer_paths, config, ref="latest"):
    """Writes an OCI image layout with gzip layers; returns the manifest digest."""
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(layout, "oci-layout"), "w") as fp:
        json.dump({"imageLayoutVersion": "1.0.0"}, fp)
    layers = []
    for p in layer_paths:
        tmp = os.path.join(layout, "blobs", "sha256", ".tmp")
        with open(p, "rb") as src, open(tmp, "wb") as raw:
            # mtime=0 and no file name keep the gzip stream reproducible.
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz:
                shutil.copyfileobj(src, gz, 1 << 20)
        digest = sha256_file(tmp)
        size = os.path.getsize(tmp)
        os.rename(tmp, os.path.join(layout, "blobs", "sha256", digest))
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                       "digest": "sha256:" + digest, "size": size})
    cdigest, csize = _blob(layout, _dump(config))
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "digest": cdigest, "size": csize},
                "layers": layers}
    mdigest, msize = _blob(layout, _dump(manifest))
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                            "digest": mdigest, "size": msize,
                            "annotations": {"org.opencontainers.image.ref.name": ref}}]}
    with open(os.path.join(layout, "index.json"), "wb") as fp:
        fp.write(_dump(index))
    return mdigest


def docker_archive(path, layer_paths, config, repo_tags):
    """Writes a docker-archive (`docker save` format) with uncompressed layers.

    CONFIG is stored as given, so a caller can make its diff_ids disagree with
    the layers on purpose."""
    config_bytes = _dump(config)
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    layer_names = [sha256_file(p) + ".tar" for p in layer_paths]
    manifest = [{"Config": config_name, "RepoTags": list(repo_tags), "Layers": layer_names}]
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        def add_bytes(name, data):
            ti = _info(name, tarfile.REGTYPE, 0o644, 0, 0)
            ti.size = len(data)
            tar.addfile(ti, io.BytesIO(data))
        for p, name in zip(layer_paths, layer_names):
            ti = _info(name, tarfile.REGTYPE, 0o644, 0, 0)
            ti.size = os.path.getsize(p)
            with open(p, "rb") as fp:
                tar.addfile(ti, fp)
        add_bytes(config_name, config_bytes)
        add_bytes("manifest.json", _dump(manifest))


# --- the test fixtures --------------------------------------------------------

def busybox_rootfs(busybox="/bin/busybox"):
    applets = subprocess.run([busybox, "--list"], check=True, capture_output=True,
                             text=True).stdout.split()
    with open(busybox, "rb") as fp:
        binary = fp.read()
    entries = [d("bin"), f("bin/busybox", binary, 0o755)]
    entries += [sym("bin/" + a, "busybox") for a in sorted(set(applets)) if a != "busybox"]
    entries += [
        d("dev"), d("proc"), d("sys"), d("usr"), d("usr/bin"), d("var"),
        d("etc"),
        f("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
                        "user:x:1000:1000:user:/home/user:/bin/sh\n"
                        "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"),
        f("etc/group", "root:x:0:\nuser:x:1000:\nnogroup:x:65534:\n"),
        d("root", 0o700),
        f("root/owned-by-0", "owned by 0\n", 0o600),
        d("home"),
        d("home/user", 0o755, 1000, 1000),
        f("home/user/owned-by-1000", "owned by 1000\n", 0o644, 1000, 1000),
        d("tmp", 0o1777),
    ]
    return entries


def multilayer_layers():
    base = [
        d("data"), f("data/keep", "keep\n"), f("data/remove-me", "remove me\n"),
        d("opaque"), f("opaque/old-1", "old 1\n"), f("opaque/old-2", "old 2\n"),
        d("opaque/sub"), f("opaque/sub/old-3", "old 3\n"),
    ]
    whiteouts = [
        d("data"), f("data/.wh.remove-me"), f("data/added", "added in layer 2\n"),
        d("opaque"), f("opaque/.wh..wh..opq"), f("opaque/new", "new\n"),
    ]
    links = [
        d("links"), f("links/original", "hard linked\n"),
        hard("links/hardlink-1", "links/original"), hard("links/hardlink-2", "links/original"),
        sym("links/symlink", "original"),
        d("owned"),
        f("owned/by-uid-1", "owned by 1\n", 0o644, 1, 1),
        f("owned/by-uid-1000", "owned by 1000\n", 0o644, 1000, 1000),
        d("owned/dir-1000", 0o750, 1000, 1000),
        f("owned/dir-1000/file", "in a directory owned by 1000\n", 0o640, 1000, 1000),
    ]
    return base, whiteouts, links


HOSTILE = {
    # name: layer entries; each starts with a harmless file so the extractor
    # has already written something when it meets the hostile entry.
    "dotdot": [f("ok", "ok\n"), f("../escape", "escaped\n")],
    "absolute": [f("ok", "ok\n"), f("/tmp/abs", "absolute\n")],
    "symlink": [f("ok", "ok\n"), sym("evil", "/"), f("evil/pwned", "pwned\n")],
    "hardlink": [f("ok", "ok\n"), hard("passwd", "../../etc/passwd")],
}


def build_fixtures(out, busybox):
    work = os.path.join(out, ".work")
    os.makedirs(work, exist_ok=True)
    env = {}

    bb_rootfs = os.path.join(out, "busybox-rootfs.tar")
    bb_diff = write_layer(bb_rootfs, busybox_rootfs(busybox))
    bb_config = image_config([bb_diff], labels={"org.roost.fixture": "busybox"})
    env["BUSYBOX_DIFF_ID"] = bb_diff
    env["BUSYBOX_ID"] = hashlib.sha256(_dump(bb_config)).hexdigest()
    env["BUSYBOX_MANIFEST_DIGEST"] = oci_layout(
        os.path.join(out, "busybox-oci"), [bb_rootfs], bb_config)

    oci_layout(os.path.join(out, "busybox-expose-oci"), [bb_rootfs],
               image_config([bb_diff], labels={"org.roost.fixture": "busybox-expose"},
                            exposed=["8080/tcp", "8081/udp"]))

    base, whiteouts, links = multilayer_layers()
    paths, diffs = [], []
    for i, entries in enumerate([busybox_rootfs(busybox) + base, whiteouts, links], 1):
        p = os.path.join(work, "multilayer-%d.tar" % i)
        diffs.append(write_layer(p, entries))
        paths.append(p)
    ml_config = image_config(diffs, labels={"org.roost.fixture": "multilayer"})
    env["MULTILAYER_ID"] = hashlib.sha256(_dump(ml_config)).hexdigest()
    env["MULTILAYER_DIFF_IDS"] = " ".join(diffs)
    oci_layout(os.path.join(out, "multilayer-oci"), paths, ml_config)

    for name, entries in HOSTILE.items():
        p = os.path.join(out, "hostile-%s.layer.tar" % name)
        diff = write_layer(p, entries)
        oci_layout(os.path.join(work, "hostile-%s-oci" % name), [p],
                   image_config([diff], labels={"org.roost.fixture": "hostile-" + name}))

    # A layer with device nodes (char 1:3 dev/null-copy, block 7:0 dev/loop-copy)
    # and a fifo: root creates them; a rootless user cannot create devices.
    dev_entries = [d("dev")]
    for name, kind, major, minor in (("dev/null-copy", tarfile.CHRTYPE, 1, 3),
                                     ("dev/loop-copy", tarfile.BLKTYPE, 7, 0),
                                     ("dev/fifo", tarfile.FIFOTYPE, 0, 0)):
        ti = _info(name, kind, 0o666, 0, 0)
        ti.devmajor, ti.devminor = major, minor
        dev_entries.append((ti, None))
    dev_entries.append(f("dev/regular", b"kept\n"))
    p = os.path.join(work, "devices.tar")
    diff = write_layer(p, dev_entries)
    oci_layout(os.path.join(out, "devices-oci"), [p],
               image_config([diff], labels={"org.roost.fixture": "devices"}))

    # The layer is the good busybox layer; the config claims another diff ID.
    wrong = "sha256:" + hashlib.sha256(b"not the layer").hexdigest()
    bad_config = image_config([wrong], labels={"org.roost.fixture": "bad-diffid"})
    docker_archive(os.path.join(out, "bad-diffid-docker-archive.tar"), [bb_rootfs], bad_config,
                   ["localhost/bad-diffid:latest"])
    env["BAD_DIFFID_CLAIMED"] = wrong

    with open(os.path.join(out, "fixtures.env"), "w") as fp:
        for k in sorted(env):
            fp.write("%s=%s\n" % (k, shlex.quote(env[k])))


def main(argv):
    if len(argv) >= 3 and argv[1] == "fixtures":
        build_fixtures(argv[2], argv[3] if len(argv) > 3 else "/bin/busybox")
        return 0
    sys.stderr.write("usage: imagegen.py fixtures OUTDIR [BUSYBOX]\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
