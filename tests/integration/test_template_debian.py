# SPDX-License-Identifier: LGPL-2.1-or-later
"""The debian template through `berth create NAME -t debian -- OPTIONS`:
a real debootstrap into /var/cache/berth/debian (minutes: marked slow, so
`make check` skips these and `make check-slow` runs them), copies of that
cache for later containers, the per-container files, a systemd boot, and
a debootstrap that fails half way. The option errors need no debootstrap
and run with the rest of the suite."""
import os
import re
import shutil
import subprocess
import time
import warnings
from pathlib import Path

import pytest

from conftest import FOREIGN_RUNTIME

CACHE = Path("/var/cache/berth/debian")
# A package list of this file's own, so its cache can be made from scratch
# without touching the caches of other lists.
PACKAGES = "openssh-server,less"
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBerthTemplateDebianTestKeyXXXXXXXXXXXXXX berth@test\n"
ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "armhf", "ppc64le": "ppc64el",
        "s390x": "s390x", "riscv64": "riscv64", "i686": "i386"}.get(os.uname().machine)

pytestmark = [
    pytest.mark.skipif(FOREIGN_RUNTIME, reason="BERTH_BIN is not berth"),
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root"),
]


def cache_key(packages):
    """template-debian.c's key: release-arch-FNV-1a of the sorted list."""
    names = sorted(set(p for p in re.split(r"[, ]", packages) if p))
    h = 0xcbf29ce484222325
    for c in ",".join(names).encode():
        h = ((h ^ c) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"bookworm-{ARCH}-{(h ^ (h >> 32)) & 0xFFFFFFFF:08x}"


@pytest.fixture(scope="module")
def cli(berth_bin):
    r = subprocess.run([str(berth_bin), "create", "--help"], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        pytest.skip("`berth create` is not there yet")
    return berth_bin


@pytest.fixture(scope="module")
def lxcpath(tmp_path_factory, cli):
    path = tmp_path_factory.mktemp("berth-debian")
    yield path
    # whatever a failing test left: stop and remove every container here
    for c in path.iterdir():
        if (c / "config").exists():
            subprocess.run([str(cli), "stop", c.name, "-P", str(path), "-k"],
                           capture_output=True, timeout=60)
            subprocess.run([str(cli), "destroy", c.name, "-P", str(path), "-f"],
                           capture_output=True, timeout=120)
    shutil.rmtree(path, ignore_errors=True)


def berth(cli, lxcpath, *args, timeout=60):
    """`berth COMMAND NAME -P LXCPATH REST...`"""
    return subprocess.run([str(cli), *args[:2], "-P", str(lxcpath), *args[2:]],
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def create(cli, lxcpath, name, *opts, timeout=60):
    return berth(cli, lxcpath, "create", name, "-t", "debian", "--", *opts, timeout=timeout)


def test_unknown_option_is_named_and_nothing_is_made(cli, lxcpath):
    r = create(cli, lxcpath, "deb-badopt", "--frobnicate", "1")
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("berth: "), r.stderr
    assert "debian template" in lines[0] and "'--frobnicate'" in lines[0], r.stderr
    assert not (lxcpath / "deb-badopt").exists()


def test_bad_package_name_is_refused_before_debootstrap(cli, lxcpath):
    r = create(cli, lxcpath, "deb-badpkg", "--packages", "ok,Not_A_Package")
    assert r.returncode != 0
    assert "'Not_A_Package' is not a Debian package name" in r.stderr, r.stderr
    assert not (lxcpath / "deb-badpkg").exists()


@pytest.fixture(scope="module")
def key_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("key") / "id.pub"
    p.write_text(SSH_KEY)
    return p


@pytest.fixture(scope="module")
def first(cli, lxcpath, key_file):
    """The first container of PACKAGES, made from an empty cache."""
    key = cache_key(PACKAGES)
    shutil.rmtree(CACHE / key, ignore_errors=True)
    t = time.monotonic()
    r = create(cli, lxcpath, "deb-one", "--packages", PACKAGES, "--password", "s3cret",
               "--ssh-key", str(key_file), timeout=1800)
    assert r.returncode == 0, r.stderr
    return {"key": key, "seconds": time.monotonic() - t, "result": r}


@pytest.mark.slow
def test_first_create_fills_the_cache(first, lxcpath):
    key = first["key"]
    assert (CACHE / key / "sbin" / "init").exists()
    assert (CACHE / f"{key}.log").stat().st_size > 0
    # made beside it and renamed: no temp dir left over
    assert not list(CACHE.glob(f"{key}.tmp*"))
    # the downloaded .debs are not kept in the cache
    assert not list((CACHE / key / "var/cache/apt/archives").glob("*.deb"))
    # progress lines (not a terminal: plain I: lines)
    assert re.search(r"^I: Retrieving", first["result"].stderr + first["result"].stdout, re.M)
    root = lxcpath / "deb-one" / "rootfs"
    assert (root / "usr/sbin/sshd").exists()
    assert (root / "usr/bin/less").exists()


@pytest.mark.slow
def test_per_container_files(first, lxcpath):
    root = lxcpath / "deb-one" / "rootfs"
    assert (root / "etc/hostname").read_text() == "deb-one\n"
    assert re.search(r"^127\.0\.1\.1\s+deb-one$", (root / "etc/hosts").read_text(), re.M)
    assert re.fullmatch(r"[0-9a-f]{32}\n", (root / "etc/machine-id").read_text())
    shadow = (root / "etc/shadow").read_text()
    hashed = re.search(r"^root:([^:]*):", shadow, re.M).group(1)
    assert hashed.startswith(("$y$", "$6$")), hashed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt  # noqa: PLC0415 (deprecated module; fine for a test)
    assert crypt.crypt("s3cret", hashed) == hashed
    ssh = root / "root/.ssh"
    assert ssh.stat().st_mode & 0o777 == 0o700
    assert (ssh / "authorized_keys").stat().st_mode & 0o777 == 0o600
    assert (ssh / "authorized_keys").read_text() == SSH_KEY
    # host keys are made at first boot, not shared through the cache
    assert not list((root / "etc/ssh").glob("ssh_host_*"))
    assert os.readlink(root / "etc/systemd/system/systemd-udevd.service") == "/dev/null"
    config = (lxcpath / "deb-one" / "config").read_text()
    assert re.search(r"^lxc\.signal\.halt = SIGRTMIN\+3$", config, re.M), config
    assert re.search(r"^lxc\.init\.cmd = /sbin/init$", config, re.M), config
    assert re.search(r"^lxc\.mount\.auto = .*cgroup", config, re.M), config


@pytest.mark.slow
def test_second_create_copies_the_cache(first, cli, lxcpath):
    t = time.monotonic()
    r = create(cli, lxcpath, "deb-two", "--packages", "less , openssh-server", timeout=600)
    took = time.monotonic() - t
    assert r.returncode == 0, r.stderr
    assert "Copying the cached" in r.stderr + r.stdout
    assert "I: Retrieving" not in r.stderr + r.stdout
    assert took < max(60, first["seconds"] / 2), (took, first["seconds"])
    one, two = lxcpath / "deb-one" / "rootfs", lxcpath / "deb-two" / "rootfs"
    assert (two / "etc/hostname").read_text() == "deb-two\n"
    assert (one / "etc/machine-id").read_text() != (two / "etc/machine-id").read_text()
    # no password given: root stays locked
    assert re.search(r"^root:[*!]", (two / "etc/shadow").read_text(), re.M)
    assert not (two / "root/.ssh/authorized_keys").exists()


@pytest.mark.slow
def test_systemd_boots_and_halts(first, cli, lxcpath):
    r = berth(cli, lxcpath, "start", "deb-one")
    assert r.returncode == 0, r.stderr
    try:
        state = ""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            a = berth(cli, lxcpath, "attach", "deb-one", "--", "systemctl", "is-system-running")
            state = a.stdout.strip()
            if state in ("running", "degraded"):
                break
            time.sleep(1)
        failed = berth(cli, lxcpath, "attach", "deb-one", "--", "systemctl", "--failed",
                       "--no-legend", "--no-pager").stdout
        assert state == "running", f"{state}: failed units:\n{failed}"
        h = berth(cli, lxcpath, "attach", "deb-one", "--", "hostname")
        assert h.stdout.strip() == "deb-one"
        keys = berth(cli, lxcpath, "attach", "deb-one", "--", "ls", "/etc/ssh")
        assert "ssh_host_ed25519_key" in keys.stdout
        # SIGRTMIN+3 is systemd's halt: a clean stop well before the timeout
        t = time.monotonic()
        s = berth(cli, lxcpath, "stop", "deb-one", "-t", "60", timeout=90)
        assert s.returncode == 0, s.stderr
        assert time.monotonic() - t < 30
    finally:
        berth(cli, lxcpath, "stop", "deb-one", "-k")


@pytest.mark.slow
def test_debootstrap_failing_half_way(cli, lxcpath):
    bad = "berth-no-such-package-xyz"
    key = cache_key(bad)
    r = create(cli, lxcpath, "deb-fail", "--packages", bad, timeout=900)
    assert r.returncode != 0
    lines = [l for l in r.stderr.splitlines() if l.startswith("berth: ")]
    assert len(lines) == 1, r.stderr
    assert "debootstrap" in lines[0] and bad in lines[0], lines[0]
    assert str(CACHE / f"{key}.log") in lines[0], lines[0]
    assert not (lxcpath / "deb-fail").exists()
    assert not (CACHE / key).exists()
    assert not list(CACHE.glob(f"{key}.tmp*"))
    for f in (CACHE / f"{key}.log", CACHE / f"{key}.lock"):
        f.unlink(missing_ok=True)
