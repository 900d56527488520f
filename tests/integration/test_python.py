# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Python module `berth` (python/*.c, built as build/python/berth*.so):
system containers and the OCI verbs driven from Python, on real
containers. Errors are berth.Error with the CLI's message; attach(func)
runs Python inside the container; a thousand calls leak no reference,
file descriptor or memory."""
import errno
import gc
import os
import resource
import socket
import subprocess
import sys
import threading
import time
import tracemalloc

import pytest

from conftest import BUILD, pid_alive, proc_cgroups, read, wait_for
from manager_util import Manager, freezer_state


def _import_berth():
    if not list((BUILD / "python").glob("berth*.so")):
        return None, ("the Python module was not built (no build/python/berth*.so): "
                      "python3-dev is missing; `make` installs it (scripts/deps.sh)")
    sys.path.insert(0, str(BUILD / "python"))
    try:
        import berth
    except ImportError as e:
        return None, f"build/python/berth*.so does not import in {sys.executable}: {e}"
    return berth, None


berth, why_not = _import_berth()
pytestmark = pytest.mark.skipif(berth is None, reason=why_not or "")


@pytest.fixture
def mgr(ctx):
    """A per-test lxcpath; the CLI stops and destroys what a test left."""
    m = Manager(ctx)
    yield m
    m.cleanup()
    left = m.leftovers()
    assert not left, f"left behind: {left}"


@pytest.fixture
def veth(ctx):
    """A veth pair on the host; the container gets one end as `phys`."""
    inner, outer = f"pi{ctx.token}", f"po{ctx.token}"
    subprocess.run(["ip", "link", "add", inner, "type", "veth", "peer", "name", outer],
                   check=True)
    try:
        yield inner
    finally:
        # either end takes the pair with it; the inner one may still be
        # on its way back from a stopped container's namespace
        subprocess.run(["ip", "link", "del", outer], capture_output=True)


def new_container(mgr, hint="py"):
    c = berth.Container(mgr.name(hint), mgr.lxcpath)
    c.create("busybox")
    return c


def cli_error(mgr, *args):
    """The message `berth ARGS` prints, without its "berth: "."""
    r = mgr(*args)
    assert r.rc != 0, r
    line = r.err.strip()
    assert line.startswith("berth: "), r
    return line[len("berth: "):]


# ---------------------------------------------------------------- the script

def test_busybox_script(mgr, veth, capfd):
    c = new_container(mgr)
    name = c.name
    try:
        assert c.defined and c.state == "STOPPED" and not c.running and c.init_pid == -1
        assert c.lxcpath == str(mgr.lxcpath) and c.dir == str(mgr.cdir(name))
        for key, value in [("lxc.net.0.type", "phys"), ("lxc.net.0.link", veth),
                           ("lxc.net.0.flags", "up"),
                           ("lxc.net.0.ipv4.address", "10.213.7.5/24"),
                           ("lxc.net.0.ipv6.address", "fd99:7::5/64")]:
            c.set_config_item(key, value)
        assert c.save_config() is True
        assert c.get_config_item("lxc.net.0.link") == veth
        assert name in berth.list_containers(mgr.lxcpath)

        c.start()
        assert c.state == "RUNNING" and c.running and pid_alive(c.init_pid)
        assert c.wait("running", 5) is True
        assert berth.list_containers(mgr.lxcpath, active=True) == [name]
        assert berth.list_containers(mgr.lxcpath, active=False) == []

        capfd.readouterr()
        assert c.attach_wait(["hostname"]) == 0
        assert capfd.readouterr().out.strip() == name
        assert c.attach_wait(["sh", "-c", "exit 7"]) == 7
        assert c.attach_wait(["sh", "-c", "echo $FOO; pwd; id -u"], env={"FOO": "bar"},
                             cwd="/etc", uid=5) == 0
        assert capfd.readouterr().out.split() == ["bar", "/etc", "5"]

        info = c.info()
        c.freeze()
        assert c.state == "FROZEN" and freezer_state(info["cgroup"]) == "FROZEN"
        assert c.wait(berth.FROZEN, 0) is True
        for frozen_call in (lambda: c.attach(lambda: 0), lambda: c.attach_wait(["true"])):
            with pytest.raises(berth.Error) as e:
                frozen_call()
            assert e.value.errno == errno.EBUSY and "unfreeze it first" in str(e.value)
        c.unfreeze()
        assert c.state == "RUNNING" and freezer_state(info["cgroup"]) == "THAWED"

        assert c.get_ips() == ["10.213.7.5", "fd99:7::5"]
        assert c.get_ips("inet") == ["10.213.7.5"]
        assert c.get_ips(socket.AF_INET6) == ["fd99:7::5"]
        assert int(c.get_cgroup_item("pids.current")) >= 1
        c.set_cgroup_item("pids.max", 500)
        assert c.get_cgroup_item("pids.max") == "500"
        assert info["name"] == name and info["state"] == "RUNNING"
        assert info["pid"] == c.init_pid
        assert info["namespaces"]["uts"]["container"] == os.stat(
            f"/proc/{c.init_pid}/ns/uts").st_ino

        pid = c.init_pid
        c.stop(timeout=20)
        assert c.state == "STOPPED" and not pid_alive(pid)
        assert c.get_ips() == []
        c.destroy()
        assert not c.defined and not mgr.cdir(name).exists()
        assert berth.list_containers(mgr.lxcpath) == []
    finally:
        if c.defined:
            c.destroy(force=True)


def test_attach_func_runs_inside(mgr):
    c = new_container(mgr)
    try:
        c.start()
        init = c.init_pid
        cgroup = c.info()["cgroup"]

        def report(fd):
            with os.fdopen(fd, "w") as f:
                f.write(f"{socket.gethostname()} {os.uname().nodename} {os.getpid()} "
                        f"{os.stat('/proc/self/ns/uts').st_ino} {os.path.exists('/linuxrc')}")
            return 0

        r, w = os.pipe()
        try:
            assert c.attach(report, w) == 0
        finally:
            os.close(w)
        with os.fdopen(r) as f:
            host, node, pid, uts, linuxrc = f.read().split()
        assert host == node == c.name
        assert int(pid) < 100, "the pid must be one of the container's pid namespace"
        assert int(uts) == os.stat(f"/proc/{init}/ns/uts").st_ino
        assert linuxrc == "True", "its / must be the container's rootfs"

        # exit statuses: None, an int, sys.exit, an exception, a signal
        assert c.attach(lambda: None) == 0
        assert c.attach(lambda x: x + 1, 41) == 42
        assert c.attach(sys.exit, 3) == 3
        assert c.attach(lambda: 1 / 0) == 1
        assert c.attach(lambda: os.kill(os.getpid(), 9)) == 128 + 9

        # in the container's cgroup while it runs; and the GIL is released
        # meanwhile (the attach runs in a thread, this one checks)
        go_r, go_w = os.pipe()
        ready_r, ready_w = os.pipe()

        def wait_for_go():
            os.write(ready_w, f"{os.getpid()}".encode())
            os.read(go_r, 1)

        result = []
        t = threading.Thread(target=lambda: result.append(c.attach(wait_for_go)))
        t.start()
        try:
            assert os.read(ready_r, 32)
            procs = set(read(f"/sys/fs/cgroup/pids{cgroup}/cgroup.procs").split()) \
                if os.path.isdir(f"/sys/fs/cgroup/pids{cgroup}") \
                else set(read(f"/sys/fs/cgroup{cgroup}/cgroup.procs").split())
            runners = [int(p) for p in procs if int(p) != init and
                       os.readlink(f"/proc/{p}/exe") == os.readlink("/proc/self/exe")]
            assert runners, f"no attached process in {cgroup}: {procs}"
            for ctrl, path in proc_cgroups(runners[0]).items():
                if ctrl != "name=systemd":
                    assert path == cgroup, f"{ctrl}: {path}"
        finally:
            os.write(go_w, b"x")
            t.join(10)
            for fd in (go_r, go_w, ready_r, ready_w):
                os.close(fd)
        assert result == [0]
    finally:
        c.destroy(force=True)


# ---------------------------------------------------------------- errors

def test_errors_are_berth_error_with_the_cli_message(mgr):
    ghost = berth.Container(mgr.name("ghost"), mgr.lxcpath)
    assert not ghost.defined and ghost.state == "STOPPED"
    with pytest.raises(berth.Error) as e:
        ghost.start()
    assert e.value.errno == errno.ENOENT
    assert str(e.value) == e.value.message == cli_error(mgr, "start", ghost.name)
    assert "does not exist" in e.value.message
    assert isinstance(e.value, OSError)
    with pytest.raises(berth.Error) as e:
        ghost.get_config_item("lxc.uts.name")
    assert e.value.errno == errno.ENOENT
    with pytest.raises(berth.Error) as e:
        ghost.attach(lambda: 0)
    assert "is not running" in str(e.value)

    c = new_container(mgr)
    with pytest.raises(berth.Error) as e:
        c.set_config_item("lxc.bogus", "1")
    assert e.value.errno == errno.EINVAL
    assert str(e.value) == cli_error(mgr, "config", c.name, "lxc.bogus", "1")
    assert "lxc.bogus" in str(e.value)
    with pytest.raises(berth.Error) as e:
        c.get_config_item("lxc.net.0.lnk")
    assert e.value.errno == errno.EINVAL
    with pytest.raises(berth.Error) as e:
        c.attach_wait(["true"])
    assert e.value.errno == errno.ESRCH
    assert str(e.value) == cli_error(mgr, "attach", c.name, "--", "true")
    with pytest.raises(berth.Error) as e:
        c.attach(lambda: 0)
    assert e.value.errno == errno.ESRCH and c.name in str(e.value)
    with pytest.raises(berth.Error) as e:
        c.get_cgroup_item("memory.usage_in_bytes")
    with pytest.raises(berth.Error) as e:
        c.create("busybox")
    assert e.value.errno == errno.EEXIST

    with pytest.raises(berth.Error) as e:
        berth.Container("-bad", mgr.lxcpath)
    assert e.value.errno == errno.EINVAL and "invalid container name" in str(e.value)
    with pytest.raises(ValueError):
        c.wait("SLEEPING")
    with pytest.raises(TypeError):
        c.attach_wait([1, 2])
    with pytest.raises(TypeError):
        c.attach(42)
    # execute: an application container from the config, its exit status
    assert berth.execute(c.name, ["sh", "-c", "exit 6"], mgr.lxcpath) == 6
    with pytest.raises(berth.Error) as e:
        berth.execute(c.name, [], mgr.lxcpath)
    assert str(e.value) == f"execute {c.name}: no command"
    c.destroy()


# ---------------------------------------------------------------- berth.oci

def test_oci_verbs_on_a_bundle(ctx, bundle):
    from berth import oci
    root = ctx.rt.root
    b = bundle(["sh", "-c", "sleep 100"])
    b.write()
    oci.create(b.id, b.path, root=root)
    assert oci.state(b.id, root=root)["status"] == "created"
    oci.start(b.id, root=root)
    st = oci.state(b.id, root=root)
    assert st["status"] == "running" and st["id"] == b.id and pid_alive(st["pid"])
    assert [s["id"] for s in oci.list(root=root)] == [b.id]
    assert st["pid"] in oci.ps(b.id, root=root)
    assert oci.exec(b.id, ["sh", "-c", "exit 3"], root=root) == 3
    assert oci.exec(b.id, ["sh", "-c", 'test "$A" = 1'], root=root, env={"A": "1"}) == 0
    oci.pause(b.id, root=root)
    assert oci.state(b.id, root=root)["status"] == "paused"
    oci.resume(b.id, root=root)
    oci.kill(b.id, "KILL", root=root)
    wait_for(lambda: oci.state(b.id, root=root)["status"] == "stopped", what="stopped")
    oci.delete(b.id, root=root)
    # the init was our child: reaped, not a zombie
    wait_for(lambda: not os.path.exists(f"/proc/{st['pid']}"), what="the init reaped")
    with pytest.raises(berth.Error) as e:
        oci.state(b.id, root=root)
    r = ctx.rt("state", b.id)
    assert r.rc != 0 and r.err.strip() == f"berth: {e.value}"

    # run: create + start + wait, the exit status
    b2 = bundle(["sh", "-c", "exit 5"])
    b2.write()
    assert oci.run(b2.id, b2.path, root=root) == 5
    assert oci.list(root=root) == []
    assert oci.spec()["ociVersion"] and "ociVersionMin" in oci.features()
    with pytest.raises(ValueError):
        oci.kill(b2.id, "NOSUCHSIG", root=root)
    with pytest.raises(berth.Error) as e:
        oci.delete(b2.id, root=root)
    assert e.value.errno == errno.ENOENT


# ---------------------------------------------------------------- leaks

def fds():
    return len(os.listdir("/proc/self/fd"))


def rss_kib():
    for line in read("/proc/self/status").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def test_a_thousand_calls_leak_nothing(mgr, ctx):
    from berth import oci
    c = new_container(mgr)
    try:
        c.start()
        name = c.name
        ghost = berth.Container(mgr.name("ghost"), mgr.lxcpath)

        def calls():
            assert c.state == "RUNNING" and c.defined and c.running and c.init_pid > 0
            assert c.info()["name"] == name
            assert c.get_config_item("lxc.uts.name") == name
            c.set_config_item("lxc.start.delay", "1")
            assert int(c.get_cgroup_item("pids.current")) >= 1
            assert c.get_ips() == []
            assert berth.list_containers(mgr.lxcpath) == [name]
            assert len(berth.list_containers(mgr.lxcpath, active=True, as_object=True)) == 1
            for bad in (lambda: ghost.start(), lambda: c.set_config_item("lxc.bogus", "1"),
                        lambda: oci.state("nope", root=ctx.rt.root)):
                try:
                    bad()
                except berth.Error:
                    pass
                else:
                    raise AssertionError("no berth.Error")
            repr(c)

        for _ in range(100):  # warm-up: caches, the json module, the allocator
            calls()
        gc.collect()
        fds0, rss0, refs0 = fds(), rss_kib(), sys.getrefcount(c)
        tracemalloc.start()
        traced0 = tracemalloc.get_traced_memory()[0]
        for _ in range(1000):
            calls()
        gc.collect()
        traced = tracemalloc.get_traced_memory()[0] - traced0
        tracemalloc.stop()
        assert fds() == fds0, "a call leaks file descriptors"
        assert sys.getrefcount(c) == refs0, "a call leaks references to the Container"
        assert traced < 64 * 1024, f"Python objects grew by {traced} bytes in 1000 calls"
        assert rss_kib() - rss0 < 2048, f"RSS grew by {rss_kib() - rss0} KiB in 1000 calls"

        # the life cycle itself: start, attach (a program and a callable), stop
        c.stop(kill=True)
        fds0, rss0 = fds(), rss_kib()
        func = lambda: None  # noqa: E731
        refs_func = sys.getrefcount(func)
        t0 = time.monotonic()
        for _ in range(50):
            c.start()
            assert c.attach_wait(["true"]) == 0
            assert c.attach(func) == 0
            c.freeze()
            c.unfreeze()
            c.stop(kill=True)
        assert time.monotonic() - t0 < 90
        gc.collect()
        assert fds() == fds0, "the life cycle leaks file descriptors"
        assert sys.getrefcount(func) == refs_func
        assert rss_kib() - rss0 < 2048, f"RSS grew by {rss_kib() - rss0} KiB in 50 cycles"
        # no zombie children either
        with pytest.raises(ChildProcessError):
            os.waitpid(-1, os.WNOHANG)
    finally:
        c.destroy(force=True)
