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


def test_device_filter_denies_what_the_rules_do_not_allow(bundle):
    c = bundle(["sh", "-c",
                "echo x > /dev/null && echo null-ok; "
                "mknod /dev/kmsg-test c 1 11 && echo mknod-ok; "
                "head -c1 /dev/kmsg-test 2>&1 || echo open-denied"])
    _with_mknod(c)
    r = c.run()
    assert r.rc == 0, r
    out = c.output()
    assert "null-ok" in out and "mknod-ok" in out, out
    assert "open-denied" in out and "Operation not permitted" in out, out


def test_device_filter_follows_the_specs_allow_rules(bundle):
    c = bundle(["sh", "-c",
                "mknod /dev/kmsg-test c 1 11 && head -c0 /dev/kmsg-test && echo open-ok; "
                "echo x > /dev/kmsg-test 2>/dev/null || echo write-denied"])
    _with_mknod(c)
    c.resources["devices"] = [{"allow": False, "access": "rwm"},
                              {"allow": True, "type": "c", "major": 1, "minor": 11,
                               "access": "r"}]
    r = c.run()
    assert r.rc == 0, r
    assert "open-ok" in c.output() and "write-denied" in c.output(), c.output()
