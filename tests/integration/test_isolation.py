# SPDX-License-Identifier: LGPL-2.1-or-later
"""Namespaces: what the container sees versus what the host sees."""
import os
import socket
import subprocess
import time

import pytest

from conftest import PROBE, host_ns, kv, kv_all, probe_mounts, read, wait_for

# OCI namespace type -> /proc/self/ns entry.
NS_FILE = {"pid": "pid", "network": "net", "ipc": "ipc", "uts": "uts", "mount": "mnt",
           "cgroup": "cgroup", "user": "user", "time": "time"}


def need_time_ns():
    if not os.path.exists("/proc/self/ns/time"):
        pytest.skip("this kernel has no time namespaces (/proc/self/ns/time)")


def test_pid_1_is_the_probe(bundle):
    c = bundle([PROBE, "ids"])
    r = c.run()
    assert r.rc == 0, r
    ids = kv(r.out)
    assert ids["pid"] == "1"
    assert ids["ppid"] == "0"


CAP_BITS = {"CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_FOWNER": 3, "CAP_KILL": 5,
            "CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_NET_BIND_SERVICE": 10, "CAP_NET_RAW": 13,
            "CAP_SYS_CHROOT": 18, "CAP_SYS_ADMIN": 21, "CAP_AUDIT_WRITE": 29}


def cap_mask(names):
    return sum(1 << CAP_BITS[n] for n in names)


def test_capabilities_are_the_specs(bundle):
    c = bundle([PROBE, "caps"])
    c.process["capabilities"] = {
        "bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE", "CAP_CHOWN"],
        "effective": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
        "permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"],
        "inheritable": ["CAP_KILL"],
        "ambient": ["CAP_KILL"],
    }
    r = c.run()
    assert r.rc == 0, r
    caps = {k: int(v, 16) for k, v in kv(r.out).items()}
    assert caps["CapBnd"] == cap_mask(["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE",
                                       "CAP_CHOWN"])
    assert caps["CapInh"] == cap_mask(["CAP_KILL"])
    assert caps["CapAmb"] == cap_mask(["CAP_KILL"])
    # exec recomputes: ambient caps join permitted and effective.
    assert caps["CapPrm"] & cap_mask(["CAP_KILL"])
    assert caps["CapPrm"] & ~cap_mask(["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"]) == 0
    assert caps["CapEff"] & ~cap_mask(["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"]) == 0


def test_default_capabilities_drop_sys_admin(bundle):
    c = bundle([PROBE, "caps"])
    r = c.run()
    assert r.rc == 0, r
    caps = {k: int(v, 16) for k, v in kv(r.out).items()}
    want = cap_mask(c.process["capabilities"]["bounding"])
    assert caps["CapBnd"] == want
    assert not caps["CapEff"] & cap_mask(["CAP_SYS_ADMIN"])


def test_no_new_privileges(bundle):
    c = bundle([PROBE, "cat", "/proc/self/status"])
    c.process["noNewPrivileges"] = True
    r = c.run()
    assert r.rc == 0, r
    nnp = [l for l in kv_all(r.out, "line") if l.startswith("NoNewPrivs:")]
    assert nnp and nnp[0].split()[-1] == "1", r.out


def test_namespace_inodes_differ_from_the_hosts(bundle):
    c = bundle([PROBE, "ns"])
    c.add_namespace("cgroup")
    r = c.run()
    assert r.rc == 0, r
    inside = kv(r.out)
    wanted = set(c.namespaces())
    for kind, f in NS_FILE.items():
        if f"ns.{f}" not in inside:
            continue
        if kind in wanted:
            assert int(inside[f"ns.{f}"]) != host_ns(f), f"{kind} namespace is the host's"
        else:
            assert int(inside[f"ns.{f}"]) == host_ns(f), f"{kind} namespace was not asked for"
    for kind in ("pid", "network", "ipc", "uts", "mount", "cgroup"):
        assert kind in wanted


def test_hostname_is_set_and_the_hosts_is_unchanged(bundle):
    before = socket.gethostname()
    c = bundle([PROBE, "hostname"])
    c.config["hostname"] = "berth-box"
    r = c.run()
    assert r.rc == 0, r
    assert kv(r.out)["hostname"] == "berth-box"
    assert socket.gethostname() == before


def test_network_namespace_has_only_loopback(bundle):
    c = bundle([PROBE, "cat", "/proc/net/dev"])
    r = c.run()
    assert r.rc == 0, r
    ifaces = {l.split(":")[0].strip() for l in kv_all(r.out, "line") if ":" in l}
    assert ifaces == {"lo"}


def test_ipc_namespace_hides_host_sysv_queues(bundle):
    mk = subprocess.run(["ipcmk", "-Q"], capture_output=True, text=True, check=True)
    qid = mk.stdout.strip().split()[-1]
    try:
        assert qid in read("/proc/sysvipc/msg")
        c = bundle([PROBE, "cat", "/proc/sysvipc/msg"])
        r = c.run()
        assert r.rc == 0, r
        assert len(kv_all(r.out, "line")) == 1, r.out  # the header line only
    finally:
        subprocess.run(["ipcrm", "-q", qid], check=True)


def test_mount_namespace_shows_the_rootfs_not_the_hosts_mounts(bundle, rootfs):
    common = {"/", "/proc", "/sys", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue"}
    host = {l.split(" ")[4] for l in read("/proc/self/mountinfo").splitlines()}
    host_only = {m for m in host - common if not m.startswith("/sys/fs/cgroup")}
    c = bundle([PROBE, "mounts"])
    r = c.run()
    assert r.rc == 0, r
    inside = probe_mounts(r.out)
    assert "/" in inside, r.out
    assert inside["/"]["root"] != "/", "/ is the rootfs bind, not the host's /"
    assert str(rootfs).endswith(inside["/"]["root"]), inside["/"]
    assert sorted(host_only & set(inside)) == []


def test_cgroup_namespace_roots_the_container_at_its_cgroup(bundle):
    c = bundle([PROBE, "cgroup"])
    c.add_namespace("cgroup")
    r = c.run()
    assert r.rc == 0, r
    paths = [l.split(":", 2)[2] for l in kv_all(r.out, "cgroup")]
    assert paths and all(p == "/" for p in paths), r.out


def test_without_cgroup_namespace_the_host_path_shows(bundle):
    c = bundle([PROBE, "cgroup"])
    c.remove_namespace("cgroup")
    r = c.run()
    assert r.rc == 0, r
    lines = kv_all(r.out, "cgroup")
    assert lines and all(l.endswith(f"/berth/{c.id}") for l in lines
                         if "name=systemd" not in l), r.out


def test_time_namespace_applies_offsets(bundle):
    need_time_ns()
    off = 10 * 86400
    c = bundle([PROBE, "clocks"])
    c.add_namespace("time")
    c.linux["timeOffsets"] = {"monotonic": {"secs": off, "nanosecs": 0},
                              "boottime": {"secs": off, "nanosecs": 0}}
    r = c.run()
    host_mono = time.clock_gettime(time.CLOCK_MONOTONIC)
    host_boot = time.clock_gettime(time.CLOCK_BOOTTIME)
    assert r.rc == 0, r
    inside = kv(r.out)
    assert abs(float(inside["monotonic"]) - host_mono - off) < 30, (inside, host_mono)
    assert abs(float(inside["boottime"]) - host_boot - off) < 30, (inside, host_boot)
    uptime = float(inside["uptime"].split()[0])
    assert abs(uptime - host_boot - off) < 30, (inside, host_boot)


def test_time_namespace_is_new(bundle):
    need_time_ns()
    c = bundle([PROBE, "ns"])
    c.add_namespace("time")
    r = c.run()
    assert r.rc == 0, r
    assert int(kv(r.out)["ns.time"]) != host_ns("time")


def test_joins_an_existing_network_namespace_by_path(bundle, ctx):
    name = f"t-{ctx.token}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        path = f"/run/netns/{name}"
        c = bundle([PROBE, "ns"])
        c.add_namespace("network", path)
        r = c.run()
        assert r.rc == 0, r
        assert int(kv(r.out)["ns.net"]) == os.stat(path).st_ino
    finally:
        subprocess.run(["ip", "netns", "del", name], check=True)


def test_joins_a_holders_uts_namespace_by_path(bundle, ctx):
    holder = subprocess.Popen(["unshare", "--uts", "sh", "-c",
                               f"echo h-{ctx.token} >/proc/sys/kernel/hostname && "
                               "exec sleep 1000"])
    ctx.pids.append(holder.pid)
    try:
        wait_for(lambda: read(f"/proc/{holder.pid}/comm", "").strip() == "sleep",
                 what="the holder to set its hostname")
        c = bundle([PROBE, "hostname", "ns"])
        c.config.pop("hostname", None)
        c.add_namespace("uts", f"/proc/{holder.pid}/ns/uts")
        r = c.run()
        assert r.rc == 0, r
        out = kv(r.out)
        assert out["hostname"] == f"h-{ctx.token}"
        assert int(out["ns.uts"]) == os.stat(f"/proc/{holder.pid}/ns/uts").st_ino
    finally:
        holder.kill()
        holder.wait()


def test_user_namespace_maps_ids(bundle):
    c = bundle([PROBE, "ids", "ns", "sleep", "100"])
    c.add_namespace("user")
    c.linux["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    c.linux["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    c.create()
    pid = c.pid()
    assert read(f"/proc/{pid}/uid_map").split() == ["0", "100000", "65536"]
    assert read(f"/proc/{pid}/gid_map").split() == ["0", "100000", "65536"]
    c.start()
    out = kv(c.wait_output("groups="))
    assert out["uid"] == "0" and out["gid"] == "0"
    assert int(out["ns.user"]) != host_ns("user")
    status = kv(read(f"/proc/{pid}/status").replace(":", "="))
    assert status["Uid"].split()[0] == "100000"
    assert status["Gid"].split()[0] == "100000"
    c.kill("KILL")
    c.wait_status("stopped")
    c.delete()


def test_loopback_is_up_in_a_new_network_namespace(bundle):
    c = bundle(["sh", "-c", "cat /sys/class/net/lo/operstate /sys/class/net/lo/flags"])
    r = c.run()
    assert r.rc == 0, r
    flags = int(c.output().split()[-1], 16)
    assert flags & 0x1, f"lo is down: {c.output()}"  # IFF_UP
