# SPDX-License-Identifier: LGPL-2.1-or-later
"""podman (Debian's) with berth as its OCI runtime: `podman --runtime
<berth-oci>` on an image imported from the busybox rootfs, with private
storage (--root, --runroot, --tmpdir under the session's work dir; never
the host's), cgroupfs, the file events backend and no network.

Root on our machines lacks CAP_SYS_RESOURCE, so the rlimits podman asks for
by default (nofile 1048576) cannot be set: every `run` here passes
`--ulimit nofile=20000:20000 --ulimit nproc=32768:32768`. That is this
machine's limit, not berth's.

podman calls the runtime without --root, so berth keeps these containers'
state in its default /run/berth (as runc would in /run/runc). Every `run`
has --cgroup-parent /berth-eng-<token>, so the cgroups podman makes
(libpod-<id> for a container, conmon for its monitors) are all under one
parent named after the run. The module's teardown removes every container
and image, the storage, that cgroup parent, and checks that nothing is
left."""
import glob
import os
import re
import time
from pathlib import Path

import pytest

from engine_util import (CGROOT, cgroup_file, freezer_state, need, run, run_on_pty, sweep,
                         wait_for)

# See the module's docstring: this machine's root cannot raise RLIMIT_NOFILE.
ULIMITS = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"]
IMAGE = "localhost/berth-busybox:test"
# The engine sets the pty's size from the caller's terminal, ctr only once
# the task has started: wait for it (up to 5 s), then print it.
WAIT_FOR_SIZE = ("for i in $(seq 100); do s=$(stty size 2>/dev/null); "
                 "[ \"$s\" = \"33 101\" ] && break; sleep 0.05; done; echo \"size $s\"")
BERTH_STATE = Path("/run/berth")


def cgroup_parent(token):
    return f"berth-eng-{token}"


def libpod_cgroups(token):
    """The container cgroups (libpod-<id>) under the run's cgroup parent."""
    parent = cgroup_parent(token)
    return {os.path.basename(d) for d in glob.glob(str(CGROOT / "*" / parent / "libpod-*"))
            + glob.glob(str(CGROOT / parent / "libpod-*")) if os.path.isdir(d)}


class Podman:
    def __init__(self, work, runtime, token):
        self.dir = work / "podman"
        self.token = token
        for d in ("storage", "run", "tmp"):
            (self.dir / d).mkdir(parents=True, exist_ok=True)
        self.base = [need("podman"), "--root", self.dir / "storage", "--runroot",
                     self.dir / "run", "--tmpdir", self.dir / "tmp", "--runtime", runtime,
                     "--cgroup-manager", "cgroupfs", "--events-backend", "file"]
        # podman update writes its resources file to $TMPDIR
        self.env = dict(os.environ, TMPDIR=str(self.dir / "tmp"))
        self.n = 0

    def __call__(self, *args, timeout=60):
        return run(self.base + list(args), timeout=timeout, env=self.env)

    def argv(self, *args):
        return [str(a) for a in self.base + list(args)]

    def name(self):
        self.n += 1
        return f"berth-{self.token}-{self.n}"

    def run_args(self, *opts):
        """`run` with this machine's rlimits, no network and the run's
        cgroup parent, then opts."""
        return ["run", *ULIMITS, "--network", "none", "--cgroup-parent",
                f"/{cgroup_parent(self.token)}", *opts]

    def ids(self):
        return self("ps", "-a", "-q", "--no-trunc").ok().out.split()

    def inspect(self, name, fmt):
        return self("inspect", "-f", fmt, name).ok().out.strip()


@pytest.fixture(scope="module")
def podman(work, berth_oci, rootfs_tar, token):
    p = Podman(work, berth_oci, token)
    # what podman makes outside its --root: the cgroups (under the run's
    # parent), and the image library's blob cache under /var/lib/containers
    # (for root, whatever --root says): removed afterwards when we made it
    varlib = Path("/var/lib/containers")
    varlib_before = varlib.exists()
    try:
        p("import", rootfs_tar, IMAGE, timeout=120).ok()
        yield p
    finally:
        ids = p.ids() if (p.dir / "storage").exists() else []
        p("rm", "-a", "-f", "-t", "0", timeout=120)
        p("rmi", "-a", "-f", timeout=120)
        left = sweep(p.dir, (), [cgroup_parent(token)])
        left += [f"berth state {BERTH_STATE / i}" for i in ids if (BERTH_STATE / i).exists()]
        for i in ids:
            if (BERTH_STATE / i).exists():
                run([berth_oci, "delete", "--force", i])
        if not varlib_before and varlib.exists():
            run(["rm", "-rf", varlib])
        if not (p.dir / "storage").exists() or not sweep(p.dir):
            run(["rm", "-rf", p.dir])
        assert not left, "podman left behind: " + "; ".join(left)


@pytest.fixture(autouse=True)
def each_test_cleans_up(podman):
    """Every test removes its containers; what it leaves fails it."""
    yield
    ids = podman.ids()
    podman("rm", "-a", "-f", "-t", "0")
    try:
        wait_for(lambda: not libpod_cgroups(podman.token), 5, what="podman's cgroups to go")
    except AssertionError:
        pass
    left = [f"container {i}" for i in ids]
    left += [f"cgroup {c}" for c in libpod_cgroups(podman.token)]
    assert not left, "left behind: " + "; ".join(left)


def test_run_true(podman):
    r = podman(*podman.run_args("--rm"), IMAGE, "/bin/true")
    assert r.rc == 0, r


def test_exit_code_is_the_containers(podman):
    r = podman(*podman.run_args("--rm"), IMAGE, "sh", "-c", "exit 7")
    assert r.rc == 7, r


def test_a_missing_program_is_berths_error_line(podman):
    r = podman(*podman.run_args("--rm"), IMAGE, "/bin/no-such-program")
    assert r.rc == 127, r
    assert "berth: create" in r.err and "/bin/no-such-program" in r.err, r


def test_memory_limit_is_the_containers_cgroup_limit(podman):
    name = podman.name()
    podman(*podman.run_args("-d", "--name", name, "--memory", "64m"), IMAGE,
           "sleep", "1000").ok()
    pid = int(podman.inspect(name, "{{.State.Pid}}"))
    assert cgroup_file(pid, "memory", "memory.limit_in_bytes", "memory.max") == str(64 << 20)
    # podman shows the container its own cgroup at /sys/fs/cgroup
    inside = "/sys/fs/cgroup/memory.max" if not (CGROOT / "memory").is_dir() \
        else "/sys/fs/cgroup/memory/memory.limit_in_bytes"
    assert podman("exec", name, "cat", inside).ok().out.strip() == str(64 << 20)
    podman("rm", "-f", "-t", "0", name).ok()


def test_pids_limit_is_set_and_enforced(podman):
    name = podman.name()
    podman(*podman.run_args("-d", "--name", name, "--pids-limit", "8"), IMAGE,
           "sleep", "1000").ok()
    pid = int(podman.inspect(name, "{{.State.Pid}}"))
    assert cgroup_file(pid, "pids", "pids.max", "pids.max") == "8"
    # sleep + sh + 6 children fit; the 7th and later forks fail
    r = podman("exec", name, "sh", "-c",
               "for i in 1 2 3 4 5 6 7 8 9 10; do sleep 30 & done; echo forked")
    assert "can't fork" in r.err or "can't fork" in r.out, r
    podman("rm", "-f", "-t", "0", name).ok()


def test_detached_run_exec_stop_rm(podman):
    name = podman.name()
    # a TERM handler, so that `stop` ends it with SIGTERM, not after the timeout
    cid = podman(*podman.run_args("-d", "--name", name), IMAGE, "sh", "-c",
                 "trap 'exit 0' TERM; while :; do sleep 0.1; done").ok().out.strip()
    assert re.fullmatch(r"[0-9a-f]{64}", cid), cid
    assert podman.inspect(name, "{{.State.Status}}") == "running"
    pid = int(podman.inspect(name, "{{.State.Pid}}"))
    assert (BERTH_STATE / cid).is_dir()  # berth's state, where podman's runtime calls put it
    r = podman("exec", name, "sh", "-c", "echo in-$((6*7)); exit 3")
    assert r.rc == 3 and r.out.strip() == "in-42", r
    r = podman("exec", "-e", "X=y", "-w", "/tmp", "-u", "1000", name, "sh", "-c",
               "echo $X $(pwd) $(id -u)")
    assert r.ok().out.strip() == "y /tmp 1000", r
    t0 = time.monotonic()
    podman("stop", "-t", "10", name).ok()
    assert time.monotonic() - t0 < 8, "stop waited for its timeout: SIGTERM was not delivered"
    assert podman.inspect(name, "{{.State.Status}}") == "exited"
    assert podman.inspect(name, "{{.State.ExitCode}}") == "0"
    assert not os.path.exists(f"/proc/{pid}")
    podman("rm", name).ok()
    assert name not in podman("ps", "-a", "--format", "{{.Names}}").ok().out
    assert not (BERTH_STATE / cid).exists()


def test_pause_unpause(podman):
    name = podman.name()
    podman(*podman.run_args("-d", "--name", name), IMAGE, "sleep", "1000").ok()
    pid = int(podman.inspect(name, "{{.State.Pid}}"))
    podman("pause", name).ok()
    assert podman.inspect(name, "{{.State.Status}}") == "paused"
    assert freezer_state(pid) == "FROZEN"
    podman("unpause", name).ok()
    assert podman.inspect(name, "{{.State.Status}}") == "running"
    assert freezer_state(pid) == "THAWED"
    assert podman("exec", name, "true").rc == 0
    podman("rm", "-f", "-t", "0", name).ok()


def test_run_with_a_terminal(podman):
    # -t: conmon passes --console-socket; berth sends the pty master there
    rc, out = run_on_pty(podman.argv(*podman.run_args("--rm", "-t"), IMAGE, "sh", "-c",
                                     "tty; " + WAIT_FOR_SIZE + "; exit 5"))
    assert rc == 5, out
    assert re.search(r"^/dev/pts/\d+\r?$", out, re.M), out
    assert "size 33 101" in out, out  # the caller's window size got through


def test_exec_with_a_terminal(podman):
    name = podman.name()
    podman(*podman.run_args("-d", "--name", name), IMAGE, "sleep", "1000").ok()
    rc, out = run_on_pty(podman.argv("exec", "-t", name, "sh", "-c", "tty; exit 4"))
    assert rc == 4, out
    assert re.search(r"^/dev/pts/\d+\r?$", out, re.M), out
    podman("rm", "-f", "-t", "0", name).ok()


def test_top(podman):
    name = podman.name()
    podman(*podman.run_args("-d", "--name", name), IMAGE, "sleep", "1000").ok()
    podman("exec", "-d", name, "sleep", "999").ok()
    r = podman("top", name, "pid", "args").ok()
    rows = [l.split(None, 1) for l in r.out.splitlines()[1:]]
    assert ["1", "sleep 1000"] in [[a, b.strip()] for a, b in rows], r
    assert any(b.strip() == "sleep 999" for _, b in rows), r
    podman("rm", "-f", "-t", "0", name).ok()


# ---- what podman writes that berth once refused or got wrong

def test_cap_drop_all_empties_the_bounding_set(podman):
    # podman writes "capabilities": {} for --cap-drop all
    r = podman(*podman.run_args("--rm", "--cap-drop", "all"), IMAGE, "grep", "^Cap",
               "/proc/self/status").ok()
    caps = dict(l.split(":") for l in r.out.splitlines())
    assert {k: int(v, 16) for k, v in caps.items()} == {
        "CapInh": 0, "CapPrm": 0, "CapEff": 0, "CapBnd": 0, "CapAmb": 0}, r.out


def test_device_option(podman):
    # podman writes the host node's whole st_mode as fileMode (S_IFCHR | 0666)
    r = podman(*podman.run_args("--rm", "--device", "/dev/zero:/dev/berth-zero"), IMAGE,
               "sh", "-c", "ls -l /dev/berth-zero; head -c 3 /dev/berth-zero | od -An -tx1")
    assert r.rc == 0, r
    assert r.out.startswith("crw-rw-rw-") and "00 00 00" in r.out, r
