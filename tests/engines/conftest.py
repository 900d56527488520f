# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fixtures of the engine tests (`make check-engines`): podman and
containerd driving berth as their OCI runtime, as root, each with private
storage under one work directory of this session, on the busybox rootfs
of the integration tests. A missing engine is a failure, not a skip:
scripts/deps.sh installs them."""
import glob
import os
import re
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from engine_util import BUILD, REPO, mounts_under, run, sweep


def _alive(pid):
    try:
        st = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return st.rsplit(")", 1)[1].split()[0] != "Z"


def _sweep_stale_runs():
    """What a killed run left: work dirs whose pytest is gone, with the
    engines' daemons and mounts in them, and its containers' cgroups
    (berth-TOKEN-N under containerd's namespace, and podman's cgroup
    parent berth-eng-TOKEN)."""
    stale = False
    for work in glob.glob("/tmp/berth-eng-*-*"):
        m = re.fullmatch(r"/tmp/berth-eng-([0-9a-f]{8})-[^/]+", work)
        owner = Path(work, "owner.pid")
        try:
            if not m or _alive(int(owner.read_text())):
                continue
        except (OSError, ValueError):
            continue
        stale = True
        pattern = f"berth-test/berth-{m.group(1)}-*"
        names = [os.path.basename(d) for d in glob.glob(f"/sys/fs/cgroup/*/{pattern}")
                 + glob.glob(f"/sys/fs/cgroup/{pattern}")]
        if not sweep(work, names, [f"berth-eng-{m.group(1)}"]):  # podman's cgroup parent
            shutil.rmtree(work, ignore_errors=True)
        for parent in glob.glob("/sys/fs/cgroup/*/berth-test") + ["/sys/fs/cgroup/berth-test"]:
            try:
                os.rmdir(parent)  # only when empty: another run may be using it
            except OSError:
                pass
    # containerd 1.6 keeps shim sockets in /run/containerd/s whatever its
    # config says: after a killed run, remove those nothing listens on any
    # more, and the tree when no containerd runs and it holds only empty dirs
    sockets = Path("/run/containerd/s")
    if not stale:
        return
    if sockets.is_dir():
        bound = {line.split()[-1] for line in Path("/proc/net/unix").read_text().splitlines()[1:]
                 if len(line.split()) == 8}
        for sock in sockets.iterdir():
            if sock.is_socket() and str(sock) not in bound:
                sock.unlink()
    comms = []
    for c in glob.glob("/proc/[0-9]*/comm"):
        try:
            if _alive(c.split("/")[2]):
                comms.append(Path(c).read_text().strip())
        except OSError:
            pass
    if "containerd" not in comms and Path("/run/containerd").is_dir():
        run(["find", "/run/containerd", "-depth", "-type", "d", "-empty", "-delete"])


@pytest.fixture(scope="session")
def token():
    return secrets.token_hex(4)


@pytest.fixture(scope="session")
def work(token):
    """/tmp/berth-eng-TOKEN: every engine's storage, state and sockets."""
    if os.geteuid() != 0:
        pytest.skip("the engine tests need root (this user is not root)")
    _sweep_stale_runs()
    d = Path(tempfile.mkdtemp(prefix=f"berth-eng-{token}-", dir="/tmp"))
    os.chmod(d, 0o755)
    (d / "owner.pid").write_text(str(os.getpid()))
    yield d
    # the engines' fixtures have unmounted what they mounted; never rmtree
    # through a mount that is still there
    if not mounts_under(d):
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def berth_oci(work):
    """The runtime as engines call it: a file named berth-oci (berth acts
    as `berth oci` when argv[0] is berth-oci), by absolute path."""
    installed = BUILD / "berth-oci"
    if installed.exists():
        return installed.absolute()
    for b in (BUILD / "berth", BUILD / "src" / "cli" / "berth"):
        if b.exists():
            link = work / "bin" / "berth-oci"
            link.parent.mkdir(exist_ok=True)
            os.symlink(b.resolve(), link)
            return link
    pytest.fail("no build/berth: build it with `make`")


@pytest.fixture(scope="session")
def rootfs():
    """The integration tests' busybox rootfs (scripts/mkrootfs.sh)."""
    dest = BUILD / "rootfs"
    r = subprocess.run([str(REPO / "scripts" / "mkrootfs.sh"), str(dest)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail(f"mkrootfs failed: {r.stderr}")
    return dest


@pytest.fixture(scope="session")
def rootfs_tar(work, rootfs):
    """The rootfs as a plain tar (what `podman import` takes)."""
    tar = work / "rootfs.tar"
    run(["tar", "-C", rootfs, "--numeric-owner", "-cf", tar, "."]).ok()
    return tar
