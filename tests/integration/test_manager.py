# SPDX-License-Identifier: LGPL-2.1-or-later
"""System containers, LXC style: create from the busybox template, start
with a monitor, ls, attach, freeze, console, stop, destroy; and every bad
input leaves nothing behind."""
import json
import os
import pty
import re
import time
from pathlib import Path

import pytest

from conftest import assert_berth_error, pid_alive, read, wait_for, V2
from manager_util import Manager, freezer_state, read_until


@pytest.fixture
def mgr(ctx):
    m = Manager(ctx)
    yield m
    m.cleanup()
    left = m.leftovers()
    assert not left, f"left behind: {left}"


def fancy_row(m, name):
    out = m("ls", "--fancy").ok().out
    for line in out.splitlines():
        if line.split()[:1] == [name]:
            return line.split()
    raise AssertionError(f"{name} not in ls --fancy:\n{out}")


def test_busybox_lifecycle(mgr):
    name = mgr.name("bb")
    t0 = time.monotonic()
    mgr("create", name, "-t", "busybox").ok()
    assert time.monotonic() - t0 < 1.0, "the busybox template must take well under a second"
    cfg = read(mgr.cdir(name) / "config")
    assert "lxc.signal.halt = SIGUSR1" in cfg
    assert (mgr.cdir(name) / "rootfs/bin/busybox").exists()
    assert fancy_row(mgr, name)[1] == "STOPPED"

    mgr("start", name).ok()
    row = fancy_row(mgr, name)
    assert row[1] == "RUNNING", row
    info = mgr.state(name)
    pid = info["pid"]
    assert pid_alive(pid)
    # its own namespaces, seen from outside
    for ns in ("pid", "mnt", "uts", "ipc", "net", "cgroup"):
        assert os.stat(f"/proc/{pid}/ns/{ns}").st_ino != os.stat(f"/proc/self/ns/{ns}").st_ino
    assert info["namespaces"]["pid"]["container"] == os.stat(f"/proc/{pid}/ns/pid").st_ino

    # attach: ps sees busybox init as PID 1; the exit status is returned
    r = mgr("attach", name, "--", "ps").ok()
    first = [l.split() for l in r.out.splitlines()[1:] if l.split()]
    assert ["1", "root", "init"] == first[0][:3], r.out
    assert mgr("attach", name, "--", "sh", "-c", "exit 7").rc == 7
    r = mgr("attach", name, "--", "hostname").ok()
    assert r.out.strip() == name

    # freeze: FROZEN in ls and in the kernel's freezer
    mgr("freeze", name).ok()
    assert fancy_row(mgr, name)[1] == "FROZEN"
    assert freezer_state(info["cgroup"]) == "FROZEN"
    mgr("unfreeze", name).ok()
    assert fancy_row(mgr, name)[1] == "RUNNING"
    assert freezer_state(info["cgroup"]) == "THAWED"

    # stop: busybox init halts on lxc.signal.halt, well within the timeout
    t0 = time.monotonic()
    mgr("stop", name, "-t", "20").ok()
    assert time.monotonic() - t0 < 15, "busybox init should halt on SIGUSR1, not be killed"
    assert not pid_alive(pid)
    assert fancy_row(mgr, name)[1] == "STOPPED"
    last = json.loads(read(mgr.cdir(name) / "last-exit"))
    assert last["signal"] != 9, f"the init was killed, not halted: {last}"
    assert not Path("/sys/fs/cgroup/pids", info["cgroup"].lstrip("/")).exists()

    mgr("destroy", name).ok()
    assert not mgr.cdir(name).exists()
    assert name not in mgr("ls").ok().out


def test_ls_filters_and_json(mgr):
    a, b = mgr.name("a"), mgr.name("b")
    mgr("create", a, "-t", "busybox").ok()
    mgr("create", b, "-t", "busybox").ok()
    mgr("start", a).ok()
    assert mgr("ls", "--running").ok().out.split() == [a]
    assert mgr("ls", "--stopped").ok().out.split() == [b]
    doc = json.loads(mgr("ls", "--format", "json").ok().out)
    assert [(d["name"], d["state"]) for d in doc] == [(a, "RUNNING"), (b, "STOPPED")]
    assert doc[0]["memory"]["usage"] > 0


def test_name_may_be_given_with_dash_n(mgr):
    name = mgr.name()
    mgr("create", "-n", name, "-t", "busybox").ok()
    mgr("start", "-n", name).ok()
    mgr("wait", "-n", name, "RUNNING", "-t", "5").ok()
    mgr("stop", "-n", name, "-k").ok()
    mgr("wait", name, "STOPPED", "-t", "5").ok()


def test_console_shows_getty_and_detaches(mgr):
    name = mgr.name()
    mgr("create", name, "-t", "busybox").ok()
    mgr("start", name).ok()
    for tty in ("0", "1"):
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(mgr.binary, mgr.argv("console", name, "-t", tty))
        out = read_until(fd, b"Ctrl+a q")
        os.write(fd, b"\r")
        out += read_until(fd, b"login:")
        assert b"login:" in out, out
        os.write(fd, b"\x01q")  # Ctrl-a q
        _, status = os.waitpid(pid, 0)
        os.close(fd)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert "login:" in read(mgr.cdir(name) / "console.log")
    # a tty the config does not have
    assert_berth_error(mgr("console", name, "-t", "5"), "no tty 5")


def test_foreground_start_returns_the_exit_status(mgr):
    name = mgr.name()
    mgr("create", name, "-t", "busybox").ok()
    r = mgr("start", name, "-F", "--", "/bin/sh", "-c", "echo hello-from-$(hostname); exit 3")
    assert r.rc == 3, r
    assert f"hello-from-{name}" in r.out
    assert fancy_row(mgr, name)[1] == "STOPPED"
    assert json.loads(read(mgr.cdir(name) / "last-exit"))["status"] == 3


def test_cgroup_read_and_set_live(mgr):
    name = mgr.name()
    mgr("create", name, "-t", "busybox").ok()
    mgr("start", name).ok()
    cg = mgr.state(name)["cgroup"]
    key = "memory.max" if V2 else "memory.limit_in_bytes"
    mgr("cgroup", name, key, str(64 << 20)).ok()
    assert mgr("cgroup", name, key).ok().out.strip() == str(64 << 20)
    base = Path("/sys/fs/cgroup") if V2 else Path("/sys/fs/cgroup/memory")
    assert read(base / cg.lstrip("/") / key).strip() == str(64 << 20)
    assert_berth_error(mgr("cgroup", name, key, "lots"), key)
    assert_berth_error(mgr("cgroup", name, "nosuch.key"), "nosuch")


def test_legacy_keys_start_with_exactly_those_settings(mgr):
    """An old-style config (keys LXC 3.0 dropped) runs unchanged."""
    name = mgr.name("old")
    mgr("create", name, "-t", "busybox").ok()
    rootfs = mgr.cdir(name) / "rootfs"
    (mgr.cdir(name) / "config").write_text(f"""# written for LXC 1.x
lxc.utsname = oldname
lxc.rootfs = {rootfs}
lxc.network.type = empty
lxc.pts = 64
lxc.tty = 1
lxc.signal.halt = SIGUSR1
lxc.cgroup.devices.deny = c 1:9 rwm
lxc.cgroup.memory.limit_in_bytes = 96M
""")
    mgr("start", name).ok()
    assert mgr("attach", name, "--", "hostname").ok().out.strip() == "oldname"
    assert mgr("attach", name, "--", "test", "-c", "/dev/tty1").rc == 0
    assert mgr("attach", name, "--", "test", "-e", "/dev/tty2").rc != 0
    # /dev/urandom (1:9) is denied by the device cgroup
    r = mgr("attach", name, "--", "head", "-c", "1", "/dev/urandom")
    assert r.rc != 0 and "not permitted" in r.err.lower() + r.out.lower(), r
    assert mgr("attach", name, "--", "head", "-c", "1", "/dev/zero").rc == 0
    cg = mgr.state(name)["cgroup"]
    if not V2:
        assert read(f"/sys/fs/cgroup/memory/{cg}/memory.limit_in_bytes").strip() == \
            str(96 << 20)
    # only lo in its network namespace
    r = mgr("attach", name, "--", "ls", "/sys/class/net").ok()
    assert r.out.split() == ["lo"]


def test_config_get_and_set_keep_comments(mgr):
    name = mgr.name()
    mgr("create", name, "-t", "busybox").ok()
    cfgpath = mgr.cdir(name) / "config"
    cfgpath.write_text("# my notes\n" + read(cfgpath) + "lxc.environment = A=1\n")
    assert mgr("config", name, "lxc.uts.name").ok().out.strip() == name
    assert mgr("config", name, "lxc.utsname").ok().out.strip() == name  # the old name too
    mgr("config", name, "lxc.uts.name", "renamed").ok()
    mgr("config", name, "lxc.environment", "B=2").ok()
    assert mgr("config", name, "lxc.environment").ok().out.split() == ["A=1", "B=2"]
    text = read(cfgpath)
    assert text.startswith("# my notes\n") and "lxc.uts.name = renamed" in text
    assert text.count("lxc.uts.name") == 1
    assert_berth_error(mgr("config", name, "lxc.net.0.lnk"), "did you mean lxc.net.0.link")
    assert_berth_error(mgr("config", name, "lxc.tty.max", "many"), "lxc.tty.max")
    assert read(cfgpath) == text  # a refused value changes nothing


def test_bad_input_is_one_line_and_leaves_nothing(mgr):
    name = mgr.name()
    assert_berth_error(mgr("create", name, "-t", "nosuch"), "unknown template 'nosuch'")
    assert_berth_error(mgr("create", "a/b", "-t", "busybox"), "invalid container name")
    assert_berth_error(mgr("create", name, "-t", "dir:/nonexistent-dir"), "/nonexistent-dir")
    assert_berth_error(mgr("create", name, "-t", "busybox", "--", "--bogus"), "--bogus")
    assert not mgr.cdir(name).exists()
    mgr("create", name, "-t", "busybox").ok()
    assert_berth_error(mgr("create", name, "-t", "busybox"), "already exists")
    assert_berth_error(mgr("attach", name, "--", "true"), "STOPPED")
    assert_berth_error(mgr("stop", name), "not running")
    mgr("start", name).ok()
    assert_berth_error(mgr("start", name), "already running")
    assert_berth_error(mgr("destroy", name), "stop it first")
    mgr("destroy", name, "-f").ok()
    assert not mgr.cdir(name).exists()
    # a config naming a rootfs that does not exist
    mgr("create", name, "-t", "busybox").ok()
    mgr("config", name, "lxc.rootfs.path", "/nonexistent-rootfs").ok()
    assert_berth_error(mgr("start", name), "/nonexistent-rootfs")
    assert fancy_row(mgr, name)[1] == "STOPPED"
    assert_berth_error(mgr("start", "nosuch"), "does not exist")


def test_dir_template_uses_the_directory_and_destroy_keeps_it(mgr, rootfs_copy):
    src = rootfs_copy()
    name = mgr.name()
    mgr("create", name, "-t", f"dir:{src}").ok()
    assert f"lxc.rootfs.path = dir:{src}" in read(mgr.cdir(name) / "config")
    mgr("start", name, "--", "/bin/sh", "-c", "touch /made-here; sleep 100").ok()
    wait_for(lambda: (src / "made-here").exists(), what="a file made in the container")
    mgr("destroy", name, "-f").ok()
    assert src.is_dir() and (src / "made-here").exists()


def test_reboot_from_inside_starts_it_again(mgr):
    name = mgr.name()
    mgr("create", name, "-t", "busybox").ok()
    mgr("start", name).ok()
    pid = mgr.state(name)["pid"]
    mgr("attach", name, "--", "reboot")
    wait_for(lambda: mgr.state(name)["pid"] not in (None, pid) and
             mgr.state(name)["state"] == "RUNNING", timeout=20, what="the container back")
    mgr("stop", name, "-t", "10").ok()


def test_autostart_in_order_with_groups(mgr):
    names = [mgr.name("as") for _ in range(3)]
    for n, (order, group) in zip(names, [(20, None), (10, None), (5, "web")]):
        mgr("create", n, "-t", "busybox").ok()
        mgr("config", n, "lxc.start.auto", "1").ok()
        mgr("config", n, "lxc.start.order", str(order)).ok()
        if group:
            mgr("config", n, "lxc.group", group).ok()
    mgr("config", names[0], "lxc.start.delay", "1").ok()
    listed = [l.split()[0] for l in mgr("autostart", "--list").ok().out.splitlines()]
    assert listed == [names[1], names[0]]  # lower order first; no group by default
    listed = [l.split()[0] for l in mgr("autostart", "--list", "-a").ok().out.splitlines()]
    assert listed == [names[2], names[1], names[0]]
    mgr("autostart").ok()
    assert [fancy_row(mgr, n)[1] for n in names] == ["RUNNING", "RUNNING", "STOPPED"]
    assert fancy_row(mgr, names[0])[4] == "YES"
    mgr("autostart", "--stop", "-t", "10").ok()
    assert [fancy_row(mgr, n)[1] for n in names] == ["STOPPED"] * 3


def test_monitor_cleans_up_when_the_init_exits(mgr):
    name = mgr.name()
    mgr("create", name, "-t", "busybox").ok()
    mgr("start", name, "--", "/bin/sh", "-c", "sleep 0.3; exit 4").ok()
    mgr("wait", name, "STOPPED", "-t", "10").ok()
    assert json.loads(read(mgr.cdir(name) / "last-exit"))["status"] == 4
    assert not mgr.leftovers()


def test_execute_runs_under_a_tiny_init_and_keeps_nothing(mgr, rootfs_copy):
    name = mgr.name("ex")
    mgr("create", name, "-t", "busybox").ok()
    r = mgr("execute", name, "--", "/bin/sh", "-c",
            "echo pid=$$; cat /proc/1/comm; (sleep 0.2 &); exit 5")
    assert r.rc == 5, r
    assert "pid=2" in r.out and "berth-init" in r.out, r.out
    assert fancy_row(mgr, name)[1] == "STOPPED"
    # from a config file alone, no container of that name
    cfg = mgr.ctx.work / "app.conf"
    cfg.write_text(f"lxc.rootfs.path = {rootfs_copy()}\nlxc.uts.name = app\n")
    r = mgr("execute", "-f", cfg, "--", "hostname")
    assert r.rc == 0 and r.out.strip() == "app", r
    assert_berth_error(mgr("execute", name), "what command")


def _oci_layout(dest, rootfs):
    """A one-layer OCI image layout of the busybox rootfs (plus a second
    layer that whites a file out), as `skopeo copy` would write it."""
    import gzip
    import hashlib
    import io
    import tarfile

    blobs = dest / "blobs" / "sha256"
    blobs.mkdir(parents=True)

    def blob(data):
        d = hashlib.sha256(data).hexdigest()
        (blobs / d).write_bytes(data)
        return {"digest": f"sha256:{d}", "size": len(data)}

    def layer(add):
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w") as t:
            add(t)
        return gzip.compress(raw.getvalue())

    def base(t):
        for p in ("bin", "sbin", "etc", "usr"):
            if (rootfs / p).exists():
                t.add(rootfs / p, arcname=p)
        info = tarfile.TarInfo("etc/doomed")
        t.addfile(info, io.BytesIO(b""))

    def top(t):
        t.addfile(tarfile.TarInfo("etc/.wh.doomed"), io.BytesIO(b""))
        d = tarfile.TarInfo("srv")
        d.type = tarfile.DIRTYPE
        d.mode = 0o755
        t.addfile(d)

    layers = [layer(base), layer(top)]
    descs = [dict(blob(l), mediaType="application/vnd.oci.image.layer.v1.tar+gzip")
             for l in layers]
    config = {"architecture": "amd64", "os": "linux",
              "config": {"Env": ["GREETING=from-the-image"], "WorkingDir": "/srv",
                         "Entrypoint": ["/bin/sh"], "Cmd": ["-c", "sleep 1000"]},
              "rootfs": {"type": "layers", "diff_ids": []}}
    cdesc = dict(blob(json.dumps(config).encode()),
                 mediaType="application/vnd.oci.image.config.v1+json")
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": cdesc, "layers": descs}
    mdesc = dict(blob(json.dumps(manifest).encode()),
                 mediaType="application/vnd.oci.image.manifest.v1+json")
    (dest / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [mdesc]}))
    (dest / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')


def test_oci_template_runs_the_image(mgr, rootfs):
    layout = mgr.ctx.work / "image"
    _oci_layout(layout, Path(rootfs))
    name = mgr.name("oci")
    mgr("create", name, "-t", f"oci:{layout}").ok()
    cfg = read(mgr.cdir(name) / "config")
    assert "lxc.init.cmd = /bin/sh -c 'sleep 1000'" in cfg
    assert "lxc.environment = GREETING=from-the-image" in cfg
    assert not (mgr.cdir(name) / "rootfs/etc/doomed").exists()  # the whiteout
    mgr("start", name).ok()
    # the image's Entrypoint+Cmd is the init, in its WorkingDir
    pid = mgr.state(name)["pid"]
    # (sh -c execs its last command itself)
    assert read(f"/proc/{pid}/cmdline").split("\0")[:2] in (["/bin/sh", "-c"], ["sleep", "1000"])
    assert os.readlink(f"/proc/{pid}/cwd") == "/srv"
    assert "GREETING=from-the-image" in read(f"/proc/{pid}/environ").split("\0")
    mgr("stop", name, "-k").ok()
    # a broken layout: one clear line, nothing left
    (layout / "index.json").write_text("{")
    bad = mgr.name("oci")
    assert_berth_error(mgr("create", bad, "-t", f"oci:{layout}"), "index.json")
    assert not mgr.cdir(bad).exists()


def test_attach_user_and_environment(mgr):
    name = mgr.name("at")
    mgr("create", name, "-t", "busybox").ok()
    mgr("start", name).ok()
    assert mgr("attach", name, "-u", "65534", "--", "id", "-u").ok().out.strip() == "65534"
    env = dict(os.environ, BERTH_TEST_VAR="from-the-host")
    r = mgr("attach", name, "--", "sh", "-c", "echo [$BERTH_TEST_VAR] $container", env=env).ok()
    assert r.out.strip() == "[] berth"  # --clear-env is the default
    r = mgr("attach", name, "--keep-env", "--", "sh", "-c", "echo [$BERTH_TEST_VAR]", env=env)
    assert r.ok().out.strip() == "[from-the-host]"
    r = mgr("attach", name, "-v", "A=1", "--", "sh", "-c", "echo $A").ok()
    assert r.out.strip() == "1"
    # the default command is a login shell of the user's
    r = mgr("attach", name, stdin=open("/dev/null"))
    assert r.rc == 0, r
