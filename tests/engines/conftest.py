# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fixtures of the engine tests (`make check-engines`): podman and
containerd driving berth as their OCI runtime, as root, each with private
storage under one work directory of this session, on the busybox rootfs
of the integration tests. A missing engine is a failure, not a skip:
scripts/deps.sh installs them."""
import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from engine_util import BUILD, REPO, mounts_under, run


@pytest.fixture(scope="session")
def token():
    return secrets.token_hex(4)


@pytest.fixture(scope="session")
def work(token):
    """/tmp/berth-eng-TOKEN: every engine's storage, state and sockets."""
    if os.geteuid() != 0:
        pytest.skip("the engine tests need root (this user is not root)")
    d = Path(tempfile.mkdtemp(prefix=f"berth-eng-{token}-", dir="/tmp"))
    os.chmod(d, 0o755)
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
