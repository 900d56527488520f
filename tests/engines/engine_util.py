# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the engine tests share: running a command with a deadline, a pty
for `-t`, the cgroups of a process seen from the host, and the sweep of
what an engine leaves behind (mounts, processes, cgroups)."""
import fcntl
import glob
import os
import pty
import select
import shutil
import signal
import struct
import subprocess
import termios
import sys
from pathlib import Path as _Path

# the integration tests' leftover finders (tests/integration/leftovers.py)
sys.path.insert(0, str(_Path(__file__).resolve().parents[1] / "integration"))
from leftovers import Result, cgroup_dirs_where, mount_points, procs_mentioning  # noqa: E402
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "build"
CGROOT = Path("/sys/fs/cgroup")
V2 = (CGROOT / "cgroup.controllers").exists()


def need(tool):
    """The path of an engine's program; its absence fails the test (the
    engines stage is part of `make check`, and scripts/deps.sh installs them)."""
    path = shutil.which(tool)
    if not path:
        raise AssertionError(f"{tool} is not installed (scripts/deps.sh installs it)")
    return path


def run(argv, timeout=60, env=None, cwd=None):
    """Run and wait; stdin is /dev/null, its own session, so a hung engine
    is killed with everything it started in that session."""
    argv = [str(a) for a in argv]
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True, env=env, cwd=cwd)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        raise AssertionError(f"timed out after {timeout}s: {' '.join(argv)}\n"
                             f"{out.decode(errors='replace')}{err.decode(errors='replace')}")
    return Result(argv, p.returncode, out.decode(errors="replace"),
                  err.decode(errors="replace"))


def run_on_pty(argv, rows=33, cols=101, timeout=30, env=None):
    """Run with stdin, stdout and stderr on a new pty of rows x cols (the
    controlling terminal of the command); (exit status, everything read)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def ctty():
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    p = subprocess.Popen([str(a) for a in argv], stdin=slave, stdout=slave, stderr=slave,
                         start_new_session=True, preexec_fn=ctty, env=env)
    os.close(slave)
    buf = b""
    end = time.monotonic() + timeout
    try:
        while time.monotonic() < end:
            r, _, _ = select.select([master], [], [], 0.2)
            if r:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: every slave fd is closed
                    break
                if not chunk:
                    break
                buf += chunk
            elif p.poll() is not None:
                break
        rc = p.wait(timeout=max(1, end - time.monotonic()))
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        raise AssertionError(f"timed out: {argv}: {buf!r}")
    finally:
        os.close(master)
    return rc, buf.decode(errors="replace")


def wait_for(pred, timeout=10.0, interval=0.05, what="condition"):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def proc_cgroups(pid):
    """/proc/PID/cgroup -> {controller: path}; the cgroup2 line is "unified"."""
    out = {}
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, ctrls, path = line.split(":", 2)
        for c in (ctrls.split(",") if ctrls else ["unified"]):
            out[c] = path
    return out


def cgroup_file(pid, v1_ctrl, v1_file, v2_file):
    """A cgroup file of the process's cgroup, read from the host."""
    cg = proc_cgroups(pid)
    if V2:
        return (CGROOT / cg["unified"].lstrip("/") / v2_file).read_text().strip()
    return (CGROOT / v1_ctrl / cg[v1_ctrl].lstrip("/") / v1_file).read_text().strip()


def freezer_state(pid):
    if V2:
        return "FROZEN" if cgroup_file(pid, None, None, "cgroup.freeze") == "1" else "THAWED"
    return cgroup_file(pid, "freezer", "freezer.state", None)


def mounts_under(path):
    """Mount points at or below path, deepest first."""
    path = str(path)
    mps = [m for m in mount_points(lambda line: True)
           if m == path or m.startswith(path + "/")]
    return sorted(set(mps), key=lambda m: -m.count("/"))


def cgroup_dirs(names):
    """Every cgroup directory whose name is one of names, deepest first."""
    names = set(names)
    return cgroup_dirs_where(lambda d: d in names)


def remove_cgroup(d):
    """Thaw, kill what is inside, rmdir; quietly (the caller checks)."""
    for f, thawed in (("freezer.state", "THAWED"), ("cgroup.freeze", "0")):
        try:
            Path(d, f).write_text(thawed)
        except OSError:
            pass
    for _ in range(100):
        try:
            pids = [int(p) for p in Path(d, "cgroup.procs").read_text().split()]
        except OSError:
            pids = []
        if not pids:
            break
        for p in pids:
            if p not in (os.getpid(), os.getppid()):
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
        time.sleep(0.05)
    try:
        os.rmdir(d)
    except OSError:
        pass


def sweep(work, cgroup_names=(), new_cgroup_parents=()):
    """Remove what an engine left: processes naming the work dir, the
    cgroups named in cgroup_names, the parents (paths relative to each
    hierarchy) that the test made and that are now empty, and mounts
    under work. Returns what could not be removed."""
    for pid, _ in procs_mentioning(str(work)):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        wait_for(lambda: not procs_mentioning(str(work)), 5, what="killed processes to go")
    except AssertionError:
        pass  # reported below
    for d in cgroup_dirs(cgroup_names):
        remove_cgroup(d)
    for rel in new_cgroup_parents:
        for d in sorted(glob.glob(str(CGROOT / "*" / rel)) + glob.glob(str(CGROOT / rel)),
                        key=lambda p: -p.count("/")):
            for sub in sorted((os.path.join(dp, n) for dp, dns, _ in os.walk(d) for n in dns),
                              key=lambda p: -p.count("/")):
                remove_cgroup(sub)
            remove_cgroup(d)
    for m in mounts_under(work):
        subprocess.run(["umount", "-l", m], capture_output=True)
    left = [f"process {pid}: {cmd}" for pid, cmd in procs_mentioning(str(work))]
    left += [f"cgroup {d}" for d in cgroup_dirs(cgroup_names)]
    for rel in new_cgroup_parents:
        left += [f"cgroup {d}" for d in glob.glob(str(CGROOT / "*" / rel))
                 + glob.glob(str(CGROOT / rel))]
    left += [f"mount {m}" for m in mounts_under(work)]
    return left


def cgroup_parent_exists(rel):
    """Whether a cgroup (path relative to each hierarchy) exists anywhere."""
    return bool(glob.glob(str(CGROOT / "*" / rel)) + glob.glob(str(CGROOT / rel)))
