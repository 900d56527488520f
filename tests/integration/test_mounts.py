# SPDX-License-Identifier: LGPL-2.1-or-later
"""The container's filesystem and its process settings."""
import os
import resource
import socket

import pytest

from conftest import (PROBE, assert_berth_error, kv, kv_all, probe_mounts, probe_stats,
                      read)


def test_readonly_root_refuses_writes(bundle):
    c = bundle([PROBE, "write", "/etc/new-file", "write", "/tmp/new-file"])
    r = c.run()
    assert r.rc == 0, r
    assert kv_all(r.out, "write") == ["EROFS", "EROFS"]


def test_writable_root_writes_through_to_the_rootfs(bundle, rootfs_copy):
    rf = rootfs_copy()
    c = bundle([PROBE, "write", "/tmp/from-inside"], rootfs_path=rf)
    c.config["root"]["readonly"] = False
    r = c.run()
    assert r.rc == 0, r
    assert kv(r.out)["write"] == "OK"
    assert (rf / "tmp" / "from-inside").read_text() == "probe\n"


@pytest.mark.parametrize("mode", ["ro", "rw"])
def test_bind_mount_honours_ro_and_rw(bundle, ctx, mode):
    src = ctx.dir("bind-src")
    (src / "hello").write_text("hi\n")
    c = bundle([PROBE, "stat", "/mnt/hello", "write", "/mnt/new"])
    c.add_mount("/mnt", "bind", src, ["rbind", mode])
    r = c.run()
    assert r.rc == 0, r
    assert probe_stats(r.out)["/mnt/hello"]["type"] == "reg"
    if mode == "ro":
        assert kv(r.out)["write"] == "EROFS"
        assert sorted(os.listdir(src)) == ["hello"]
    else:
        assert kv(r.out)["write"] == "OK"
        assert (src / "new").read_text() == "probe\n"


def test_tmpfs_size_mode_and_flags(bundle):
    c = bundle([PROBE, "mounts", "stat", "/tmp", "write", "/tmp/x"])
    c.add_mount("/tmp", "tmpfs", "tmpfs", ["nosuid", "nodev", "size=1m", "mode=1750"])
    r = c.run()
    assert r.rc == 0, r
    m = probe_mounts(r.out)["/tmp"]
    assert m["fstype"] == "tmpfs"
    assert "size=1024k" in m["superopts"].split(","), m
    assert {"nosuid", "nodev"} <= set(m["opts"].split(",")), m
    assert probe_stats(r.out)["/tmp"]["mode"] == "1750"
    assert kv(r.out)["write"] == "OK"


DEV_NODES = {"/dev/null": "1:3", "/dev/zero": "1:5", "/dev/full": "1:7",
             "/dev/random": "1:8", "/dev/urandom": "1:9", "/dev/tty": "5:0"}


def test_dev_has_the_standard_nodes(bundle):
    args = [PROBE]
    for p in DEV_NODES:
        args += ["stat", p]
    c = bundle(args + ["stat", "/dev/fd", "stat", "/dev/ptmx", "write", "/dev/null"])
    r = c.run()
    assert r.rc == 0, r
    st = probe_stats(r.out)
    for p, rdev in DEV_NODES.items():
        assert st[p].get("type") == "chr", (p, st[p])
        assert st[p]["rdev"] == rdev, (p, st[p])
        assert st[p]["mode"] == "0666", (p, st[p])
    assert st["/dev/fd"]["type"] == "lnk"
    assert "type" in st["/dev/ptmx"], st["/dev/ptmx"]
    assert kv(r.out)["write"] == "OK"


def test_dev_pts_shm_and_mqueue_are_mounted(bundle):
    c = bundle([PROBE, "mounts"])
    r = c.run()
    assert r.rc == 0, r
    m = probe_mounts(r.out)
    assert m["/dev"]["fstype"] == "tmpfs"
    assert m["/dev/pts"]["fstype"] == "devpts"
    assert "newinstance" in m["/dev/pts"]["superopts"] or "ptmxmode=666" in \
        m["/dev/pts"]["superopts"], m["/dev/pts"]
    assert m["/dev/shm"]["fstype"] == "tmpfs"
    assert m["/dev/mqueue"]["fstype"] == "mqueue"
    assert m["/proc"]["fstype"] == "proc"
    assert m["/sys"]["fstype"] == "sysfs"


def test_masked_paths_read_empty(bundle):
    host = [p for p in ("/proc/keys", "/proc/timer_list") if os.path.exists(p)]
    script = "echo group=$(wc -c < /etc/group); echo root=$(ls -A /root | wc -l); "
    script += "echo firmware=$(ls -A /sys/firmware | wc -l); "
    script += "".join(f"echo {p}=$(wc -c < {p}); " for p in host)
    c = bundle(["sh", "-c", script])
    c.config["linux"]["maskedPaths"] = list(c.config["linux"].get("maskedPaths", [])) + \
        ["/etc/group", "/root"]
    r = c.run()
    assert r.rc == 0, r
    out = kv(r.out)
    assert out["group"] == "0" and out["root"] == "0", r.out
    if os.path.isdir("/sys/firmware") and "/sys/firmware" in c.config["linux"]["maskedPaths"]:
        assert out["firmware"] == "0", r.out
    for p in host:
        if p in c.config["linux"]["maskedPaths"]:
            assert out[p] == "0", (p, r.out)


def test_readonly_paths_refuse_writes(bundle):
    c = bundle([PROBE, "write", "/proc/sys/kernel/hostname", "write", "/run/x",
                "write", "/tmp/x"])
    c.add_mount("/run", "tmpfs", "tmpfs", ["size=1m"])
    c.add_mount("/tmp", "tmpfs", "tmpfs", ["size=1m"])
    ro = list(c.config["linux"].get("readonlyPaths", []))
    if "/proc/sys" not in ro:
        ro.append("/proc/sys")
    c.config["linux"]["readonlyPaths"] = ro + ["/run"]
    r = c.run()
    assert r.rc == 0, r
    assert kv_all(r.out, "write") == ["EROFS", "EROFS", "OK"]


@pytest.mark.parametrize("link", ["absolute", "relative"])
def test_mount_target_symlink_out_of_the_rootfs_is_refused(bundle, ctx, rootfs_copy, link):
    rf = rootfs_copy()
    outside = ctx.dir("outside")  # a host directory the container must not touch
    (outside / "keep").write_text("host file\n")
    target = str(outside) if link == "absolute" else \
        os.path.relpath(outside, rf / "mnt")
    os.symlink(target, rf / "mnt" / "evil")
    c = bundle([PROBE, "exit", "0"], rootfs_path=rf)
    c.config["root"]["readonly"] = False
    c.add_mount("/mnt/evil/sub", "tmpfs", "tmpfs", ["size=1m"])
    r = c.create(check=False)
    assert_berth_error(r, "/mnt/evil")
    assert sorted(os.listdir(outside)) == ["keep"], "the host directory was touched"
    assert (outside / "keep").read_text() == "host file\n"
    assert str(outside) not in read("/proc/self/mountinfo")


def test_mount_target_symlink_to_a_path_also_in_the_rootfs_stays_inside(bundle, ctx,
                                                                          rootfs_copy):
    # /mnt/evil -> <host dir>, and the same path exists in the rootfs: a
    # runtime may refuse, or mount inside the rootfs; never on the host.
    rf = rootfs_copy()
    outside = ctx.dir("outside")
    (outside / "keep").write_text("host file\n")
    inner = rf / str(outside).lstrip("/")
    inner.mkdir(parents=True)
    os.symlink(str(outside), rf / "mnt" / "evil")
    c = bundle([PROBE, "mounts"], rootfs_path=rf)
    c.config["root"]["readonly"] = False
    c.add_mount("/mnt/evil", "tmpfs", "tmpfs", ["size=1m"])
    r = c.run()
    if r.rc != 0:
        assert_berth_error(r, "/mnt/evil")
    else:
        assert str(outside) in probe_mounts(r.out), r.out
    assert sorted(os.listdir(outside)) == ["keep"], "the host directory was touched"
    assert str(outside) not in read("/proc/self/mountinfo")


def test_process_cwd(bundle):
    c = bundle([PROBE, "cwd"])
    c.process["cwd"] = "/home/user"
    r = c.run()
    assert r.rc == 0, r
    assert kv(r.out)["cwd"] == "/home/user"


def test_process_env(bundle):
    c = bundle([PROBE, "env"])
    c.process["env"] = ["PATH=/bin", "FOO=bar baz", "EMPTY="]
    r = c.run()
    assert r.rc == 0, r
    lines = r.out.splitlines()
    for e in ("PATH=/bin", "FOO=bar baz", "EMPTY="):
        assert e in lines, r.out


def test_process_user_groups_and_umask(bundle):
    c = bundle([PROBE, "ids", "umask", "write", "/tmp/f", "stat", "/tmp/f"])
    c.add_mount("/tmp", "tmpfs", "tmpfs", ["mode=1777"])
    c.process["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [10, 20],
                         "umask": 0o027}
    r = c.run()
    assert r.rc == 0, r
    out = kv(r.out)
    assert (out["uid"], out["euid"], out["gid"], out["egid"]) == ("1000",) * 4
    groups = set(out["groups"].split(","))
    assert {"10", "20"} <= groups <= {"10", "20", "1000"}, out["groups"]
    assert out["umask"] == "0027"
    st = probe_stats(r.out)["/tmp/f"]
    assert (st["uid"], st["gid"], st["mode"]) == ("1000", "1000", "0640")


def test_process_rlimits(bundle):
    hard = min(20000, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
    c = bundle([PROBE, "rlimits"])
    c.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": hard, "soft": 512},
                            {"type": "RLIMIT_CORE", "hard": 0, "soft": 0}]
    r = c.run()
    assert r.rc == 0, r
    out = kv(r.out)
    assert out["NOFILE"] == f"512:{hard}"
    assert out["CORE"] == "0:0"


def test_oom_score_adj(bundle):
    c = bundle([PROBE, "cat", "/proc/self/oom_score_adj", "sleep", "100"])
    c.process["oomScoreAdj"] = 500
    c.create()
    c.start()
    out = kv(c.wait_output("line="))
    assert out["line"] == "500"
    assert read(f"/proc/{c.pid()}/oom_score_adj").strip() == "500"
    c.delete(force=True)


def test_sysctl_in_the_network_namespace(bundle):
    host_before = read("/proc/sys/net/ipv4/ip_forward")
    want = "0" if host_before.strip() == "1" else "1"
    c = bundle([PROBE, "cat", "/proc/sys/net/ipv4/ip_forward"])
    c.linux["sysctl"] = {"net.ipv4.ip_forward": want}
    r = c.run()
    assert r.rc == 0, r
    assert kv(r.out)["line"] == want
    assert read("/proc/sys/net/ipv4/ip_forward") == host_before


def test_sysctl_in_the_ipc_namespace(bundle):
    host_before = read("/proc/sys/kernel/shmmax")
    c = bundle([PROBE, "cat", "/proc/sys/kernel/shmmax"])
    c.linux["sysctl"] = {"kernel.shmmax": "123456789"}
    r = c.run()
    assert r.rc == 0, r
    assert kv(r.out)["line"] == "123456789"
    assert read("/proc/sys/kernel/shmmax") == host_before


def test_hostname_and_domainname(bundle):
    host = (socket.gethostname(), read("/proc/sys/kernel/domainname"))
    c = bundle([PROBE, "hostname"])
    c.config["hostname"] = "box"
    c.config["domainname"] = "berth.test"
    r = c.run()
    assert r.rc == 0, r
    out = kv(r.out)
    assert (out["hostname"], out["domainname"]) == ("box", "berth.test")
    assert (socket.gethostname(), read("/proc/sys/kernel/domainname")) == host
