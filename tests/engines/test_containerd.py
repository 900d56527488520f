# SPDX-License-Identifier: LGPL-2.1-or-later
"""containerd (Debian's) with berth as the runc of its runc shim: the path
Kubernetes takes. The test starts a containerd of its own (root, state,
config and unix sockets under the session's work dir; the CRI plugin off;
no TCP listener: grpc and ttrpc on unix sockets, no debug or metrics
address), imports an OCI image of the busybox rootfs built with umoci, and
drives it with `ctr run --runc-binary <berth-oci>`, which the shim
(containerd-shim-runc-v2) calls with runc's flags: --root, --log,
--log-format json, create --bundle --pid-file [--console-socket], start,
state, kill [--all], delete [--force], pause, resume, ps --format json,
exec --process --detach --pid-file.

Every fifo and the runtime's --root are under the work dir too (ctr's
--fifo-dir and --runc-root). containerd 1.6 keeps its shims' sockets in
/run/containerd/s whatever its config says: what the test adds there (and
/run/containerd itself, when it made it) is removed afterwards, as are the
cgroups (/berth-test/<id>, named after the namespace) and containerd,
stopped by its pid."""
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from engine_util import (cgroup_file, cgroup_parent_exists, freezer_state, need, proc_cgroups,
                         run, run_on_pty, sweep, wait_for)

NS = "berth-test"
IMAGE = "localhost/berth-busybox:test"
# The engine sets the pty's size from the caller's terminal, ctr only once
# the task has started: wait for it (up to 5 s), then print it.
WAIT_FOR_SIZE = ("for i in $(seq 100); do s=$(stty size 2>/dev/null); "
                 "[ \"$s\" = \"33 101\" ] && break; sleep 0.05; done; echo \"size $s\"")
RUN_CONTAINERD = Path("/run/containerd")

CONFIG = """version = 2
root = "{dir}/root"
state = "{dir}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "{dir}/containerd.sock"
  tcp_address = ""

[ttrpc]
  address = "{dir}/containerd-ttrpc.sock"

[debug]
  address = ""

[metrics]
  address = ""

# its default is /opt/containerd: keep it private too
[plugins."io.containerd.internal.v1.opt"]
  path = "{dir}/opt"
"""


@pytest.fixture(scope="module")
def oci_image(work, rootfs):
    """An OCI image archive of the busybox rootfs, made with umoci."""
    umoci = need("umoci")
    layout = work / "oci-layout"
    run([umoci, "init", "--layout", layout]).ok()
    run([umoci, "new", "--image", f"{layout}:test"]).ok()
    run([umoci, "insert", "--image", f"{layout}:test", rootfs, "/"], timeout=120).ok()
    run([umoci, "config", "--image", f"{layout}:test", "--config.cmd", "/bin/sh",
         "--config.env", "PATH=/bin:/usr/bin"]).ok()
    tar = work / "oci-image.tar"
    run(["tar", "-C", layout, "-cf", tar, "."]).ok()
    return tar


class Containerd:
    def __init__(self, work, runtime, token):
        self.dir = work / "containerd"
        self.token = token
        self.runtime = runtime
        for d in ("fifo", "runc"):
            (self.dir / d).mkdir(parents=True, exist_ok=True)
        self.sock = self.dir / "containerd.sock"
        self.config = self.dir / "config.toml"
        self.config.write_text(CONFIG.format(dir=self.dir))
        self.log = self.dir / "containerd.log"
        self.ctr = [need("ctr"), "-a", self.sock, "-n", NS]
        self.proc = None
        self.n = 0

    def start(self):
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([need("containerd"), "--config", self.config,
                                          "--log-level", "debug"],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         start_new_session=True)
        wait_for(lambda: self.proc.poll() is not None or (
            self.sock.exists() and run(self.ctr + ["version"]).rc == 0),
            30, what="containerd to listen")
        assert self.proc.poll() is None, f"containerd exited: {self.log_tail()}"

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def log_tail(self, n=30):
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def __call__(self, *args, timeout=60):
        return run(self.ctr + list(args), timeout=timeout)

    def argv(self, *args):
        return [str(a) for a in self.ctr + list(args)]

    def run_args(self, *opts):
        """`ctr run` with berth as the shim's runtime, its state and ctr's
        fifos under the work dir, then opts."""
        return ["run", "--runc-binary", self.runtime, "--runc-root", self.dir / "runc",
                "--fifo-dir", self.dir / "fifo", *opts]

    def new_id(self):
        self.n += 1
        return f"berth-{self.token}-{self.n}"

    def tasks(self):
        """{id: (pid, status)} from `ctr task ls`."""
        out = {}
        for line in self("task", "ls").ok().out.splitlines()[1:]:
            f = line.split()
            if len(f) >= 3:
                out[f[0]] = (int(f[1]), f[2])
        return out

    def containers(self):
        return self("container", "ls", "-q").ok().out.split()

    def remove(self, cid):
        """Whatever state it is in: kill, delete the task, remove the container."""
        if cid in self.tasks():
            self("task", "resume", cid)
            self("task", "kill", "-a", "-s", "SIGKILL", cid)
            try:
                wait_for(lambda: self.tasks().get(cid, (0, "STOPPED"))[1] == "STOPPED", 10,
                         what=f"{cid} to stop")
            except AssertionError:
                pass
            self("task", "delete", cid)
        self("container", "rm", cid)

    def runtime_state(self):
        d = self.dir / "runc" / NS
        return sorted(os.listdir(d)) if d.is_dir() else []


@pytest.fixture(scope="module")
def containerd(work, berth_oci, oci_image, token):
    c = Containerd(work, berth_oci, token)
    parent_before = cgroup_parent_exists(NS)
    run_before = RUN_CONTAINERD.exists()
    sockets_before = set(os.listdir(RUN_CONTAINERD / "s")) \
        if (RUN_CONTAINERD / "s").is_dir() else set()
    left = []
    try:
        c.start()
        r = c("images", "import", "--base-name", "localhost/berth-busybox", oci_image,
              timeout=120)
        assert r.rc == 0 and IMAGE in c("images", "ls", "-q").ok().out, r
        yield c
    finally:
        try:
            if c.proc and c.proc.poll() is None:
                for cid in c.containers():
                    c.remove(cid)
                c("images", "rm", IMAGE)
        finally:
            c.stop()
            names = [f"berth-{token}-{i}" for i in range(1, c.n + 1)]
            left = sweep(c.dir, names, [] if parent_before else [NS])
            if (RUN_CONTAINERD / "s").is_dir():
                for s in set(os.listdir(RUN_CONTAINERD / "s")) - sockets_before:
                    try:
                        os.unlink(RUN_CONTAINERD / "s" / s)
                    except OSError:
                        pass
            if not run_before and RUN_CONTAINERD.exists():
                # only empty directories: nothing of anyone else's
                run(["find", RUN_CONTAINERD, "-depth", "-type", "d", "-empty", "-delete"])
                if RUN_CONTAINERD.exists():
                    left.append(f"{RUN_CONTAINERD} is not empty")
    assert not left, "containerd left behind: " + "; ".join(left)


@pytest.fixture(autouse=True)
def each_test_cleans_up(containerd):
    """Every test removes its containers; what it leaves fails it. The
    containerd log's tail is shown when a test fails."""
    yield
    left = containerd.containers()
    for cid in left:
        containerd.remove(cid)
    state = containerd.runtime_state()
    assert not left and not state, (f"left behind: containers {left}, runtime state {state}\n"
                                    f"{containerd.log_tail()}")


def test_run_true(containerd):
    r = containerd(*containerd.run_args("--rm"), IMAGE, containerd.new_id(), "/bin/true")
    assert r.rc == 0, f"{r}\n{containerd.log_tail()}"


def test_exit_code_is_the_containers(containerd):
    r = containerd(*containerd.run_args("--rm"), IMAGE, containerd.new_id(),
                   "sh", "-c", "exit 7")
    assert r.rc == 7, r


def test_a_runtime_error_reaches_ctr(containerd):
    # the shim reads the error from berth's --log file (--log-format json)
    cid = containerd.new_id()
    r = containerd(*containerd.run_args("--rm"), IMAGE, cid, "/bin/no-such-program")
    assert r.rc != 0, r
    assert f"create {cid}: exec /bin/no-such-program: No such file or directory" in r.err, r
    containerd("container", "rm", cid)


def test_memory_limit_is_the_containers_cgroup_limit(containerd):
    cid = containerd.new_id()
    containerd(*containerd.run_args("-d", "--memory-limit", str(64 << 20)), IMAGE, cid,
               "sleep", "1000").ok()
    pid, status = containerd.tasks()[cid]
    assert status == "RUNNING"
    # the shim's default cgroupsPath: /<namespace>/<id>
    assert set(proc_cgroups(pid).values()) == {f"/{NS}/{cid}"}
    assert cgroup_file(pid, "memory", "memory.limit_in_bytes", "memory.max") == str(64 << 20)
    containerd.remove(cid)


def test_detached_run_exec_kill_delete(containerd):
    cid = containerd.new_id()
    containerd(*containerd.run_args("-d"), IMAGE, cid, "sh", "-c",
               "trap 'exit 3' TERM; while :; do sleep 0.1; done").ok()
    pid, status = containerd.tasks()[cid]
    assert status == "RUNNING"
    assert containerd.runtime_state() == [cid]  # berth's state, under the shim's --root
    r = containerd("task", "exec", "--exec-id", "e1", cid, "sh", "-c",
                   "echo in-$((6*7)); exit 4")
    assert r.rc == 4 and r.out.strip() == "in-42", r
    r = containerd("task", "exec", "--exec-id", "e2", "--user", "1000", "--cwd", "/tmp", cid,
                   "sh", "-c", "echo $(id -u) $(pwd)")
    assert r.ok().out.strip() == "1000 /tmp", r
    # ps --format json: the shim lists the pids of the cgroup
    r = containerd("task", "ps", cid).ok()
    assert str(pid) in r.out.split(), r
    containerd("task", "kill", cid).ok()  # SIGTERM: the trap exits 3
    wait_for(lambda: containerd.tasks()[cid][1] == "STOPPED", 10, what="the task to stop")
    r = containerd("task", "delete", cid).ok()
    assert cid not in containerd.tasks()
    assert not os.path.exists(f"/proc/{pid}")
    assert containerd.runtime_state() == []
    containerd("container", "rm", cid).ok()


def test_kill_all_reaches_every_process(containerd):
    cid = containerd.new_id()
    containerd(*containerd.run_args("-d"), IMAGE, cid, "sh", "-c",
               "sleep 1000 & sleep 1000 & wait").ok()
    pid, _ = containerd.tasks()[cid]
    procs = wait_for(lambda: len(cgroup_file(pid, "pids", "cgroup.procs", "cgroup.procs")
                                 .split()) == 3 and cgroup_file(pid, "pids", "cgroup.procs",
                                                                "cgroup.procs").split(),
                     5, what="three processes")
    containerd("task", "kill", "-a", "-s", "SIGKILL", cid).ok()
    wait_for(lambda: containerd.tasks()[cid][1] == "STOPPED", 10, what="the task to stop")
    wait_for(lambda: not any(os.path.exists(f"/proc/{p}") for p in procs), 5,
             what="every process to die")
    containerd.remove(cid)


def test_pause_resume(containerd):
    cid = containerd.new_id()
    containerd(*containerd.run_args("-d"), IMAGE, cid, "sleep", "1000").ok()
    pid, _ = containerd.tasks()[cid]
    containerd("task", "pause", cid).ok()
    assert containerd.tasks()[cid][1] == "PAUSED"
    assert freezer_state(pid) == "FROZEN"
    containerd("task", "resume", cid).ok()
    assert containerd.tasks()[cid][1] == "RUNNING"
    assert freezer_state(pid) == "THAWED"
    assert containerd("task", "exec", "--exec-id", "e1", cid, "true").rc == 0
    containerd.remove(cid)


def test_run_with_a_terminal(containerd):
    # -t: the shim passes --console-socket; berth sends the pty master there
    rc, out = run_on_pty(containerd.argv(*containerd.run_args("--rm", "-t"), IMAGE,
                                         containerd.new_id(), "sh", "-c",
                                         "tty; " + WAIT_FOR_SIZE + "; exit 6"))
    assert rc == 6, out
    assert re.search(r"^/dev/pts/\d+\r*$", out, re.M), out
    assert "size 33 101" in out, out


def test_exec_with_a_terminal(containerd):
    cid = containerd.new_id()
    containerd(*containerd.run_args("-d"), IMAGE, cid, "sleep", "1000").ok()
    rc, out = run_on_pty(containerd.argv("task", "exec", "-t", "--exec-id", "t1", cid,
                                         "sh", "-c", "tty; exit 2"))
    assert rc == 2, out
    assert re.search(r"^/dev/pts/\d+\r*$", out, re.M), out
    containerd.remove(cid)


def test_systemd_cgroup_flag(containerd):
    # --runc-systemd-cgroup: the shim passes --systemd-cgroup and a
    # slice:prefix:name cgroupsPath, which berth writes through cgroupfs
    cid = containerd.new_id()
    slice_ = f"berth{containerd.token}.slice"
    try:
        containerd(*containerd.run_args("-d", "--runc-systemd-cgroup", "--cgroup",
                                        f"{slice_}:ctr:{cid}"), IMAGE, cid,
                   "sleep", "1000").ok()
        pid, _ = containerd.tasks()[cid]
        assert proc_cgroups(pid)["memory" if "memory" in proc_cgroups(pid) else "unified"] \
            == f"/{slice_}/ctr-{cid}.scope"
        containerd.remove(cid)
    finally:
        containerd.remove(cid) if cid in containerd.containers() else None
        left = sweep(containerd.dir / "none", (), [slice_])
        assert not left, left
