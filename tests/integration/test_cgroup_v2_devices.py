# SPDX-License-Identifier: LGPL-2.1-or-later
"""The device rules on a pure cgroup v2 host, where they are an eBPF program
attached to the container's cgroup (cgroup-bpf.c). On v1 and hybrid hosts
the devices controller's files carry them (test_security.py, test_mounts.py)."""
import pytest

from conftest import V2

pytestmark = pytest.mark.skipif(not V2, reason="needs a pure cgroup v2 host (make check-v2)")

MKNOD_CAPS = ["CAP_MKNOD", "CAP_DAC_OVERRIDE"]


def _with_mknod(c):
    for s in ("bounding", "effective", "permitted"):
        c.process["capabilities"][s] = sorted(set(c.process["capabilities"][s]) | set(MKNOD_CAPS))


def _with_kmsg(c):
    # A node of a device the rules do not allow, there without a mknod
    # (devices.c allows mknod only of the nodes every container has): the
    # host's /dev/kmsg bound in. CAP_SYSLOG, so that dmesg_restrict cannot
    # be what refuses the open.
    c.add_mount("/dev/kmsg-test", "bind", "/dev/kmsg", ["bind"])
    for s in ("bounding", "effective", "permitted"):
        c.process["capabilities"][s] = sorted(set(c.process["capabilities"][s]) | {"CAP_SYSLOG"})


def test_device_filter_denies_what_the_rules_do_not_allow(bundle):
    c = bundle(["sh", "-c",
                "echo x > /dev/null && echo null-ok; "
                "mknod /dev/kmsg-new c 1 11 2>&1 || echo mknod-denied; "
                "head -c1 /dev/kmsg-test 2>&1 || echo open-denied"])
    _with_mknod(c)
    _with_kmsg(c)
    r = c.run()
    assert r.rc == 0, r
    out = c.output()
    assert "null-ok" in out and "mknod-denied" in out, out
    assert "open-denied" in out and "Operation not permitted" in out, out


def test_device_filter_follows_the_specs_allow_rules(bundle):
    c = bundle(["sh", "-c",
                "head -c0 /dev/kmsg-test 2>&1 && echo open-ok; "
                "echo x > /dev/kmsg-test 2>/dev/null || echo write-denied"])
    _with_kmsg(c)
    c.resources["devices"] = [{"allow": False, "access": "rwm"},
                              {"allow": True, "type": "c", "major": 1, "minor": 11,
                               "access": "r"}]
    r = c.run()
    assert r.rc == 0, r
    assert "open-ok" in c.output() and "write-denied" in c.output(), c.output()
