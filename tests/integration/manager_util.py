# SPDX-License-Identifier: LGPL-2.1-or-later
"""Helpers for the system-container (LXC-style) tests: a per-test lxcpath
and the `berth` command on it, with everything cleaned up afterwards."""
import subprocess
from pathlib import Path

from conftest import Result, pid_alive, read, read_until, wait_for

SYS_RUN = Path("/run/berth-sys")


class Manager:
    """`berth COMMAND ... -P LXCPATH` for one test."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.binary = ctx.rt.binary
        self.lxcpath = ctx.work / "lxc"
        self.lxcpath.mkdir()
        self._n = 0

    def name(self, hint="c"):
        """A container name carrying the test's token (so leftovers are found)."""
        self._n += 1
        return f"{hint}-{self.ctx.token}-{self._n}"

    def argv(self, *args):
        # -P right after the command: what follows "--" is the container's
        cmd, *rest = [str(a) for a in args]
        return [self.binary, cmd, "-P", str(self.lxcpath), *rest]

    def __call__(self, *args, timeout=30, stdin=subprocess.DEVNULL, env=None):
        self._n += 1
        outf = self.ctx.work / f"m{self._n}.out"
        errf = self.ctx.work / f"m{self._n}.err"
        argv = self.argv(*args)
        with open(outf, "wb") as o, open(errf, "wb") as e:
            p = subprocess.Popen(argv, stdin=stdin, stdout=o, stderr=e, start_new_session=True,
                                 env=env)
            try:
                rc = p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                raise AssertionError(f"timed out after {timeout}s: {' '.join(argv)}")
        return Result(argv, rc, outf.read_text(errors="replace"), errf.read_text(errors="replace"))

    def state(self, name):
        r = self("info", name, "--format", "json").ok()
        import json
        return json.loads(r.out)

    def cdir(self, name):
        return self.lxcpath / name

    def cleanup(self):
        if not self.lxcpath.is_dir():
            return
        for d in self.lxcpath.iterdir():
            if (d / "config").exists():
                self("stop", d.name, "-k", timeout=30)
                self("destroy", d.name, "-f", timeout=30)

    def leftovers(self):
        """What a test left in /run/berth-sys for this lxcpath."""
        left = []
        if SYS_RUN.is_dir():
            for key in SYS_RUN.iterdir():
                for sub in ("mon", "oci", "exec"):
                    for p in (key / sub).glob(f"*{self.ctx.token}*"):
                        left.append(str(p))
        return left


def freezer_state(cgroup):
    """FROZEN/THAWED of a container's cgroup, v1 freezer or v2 cgroup.freeze."""
    v1 = Path("/sys/fs/cgroup/freezer") / cgroup.lstrip("/")
    if (v1 / "freezer.state").exists():
        return read(v1 / "freezer.state").strip()
    v2 = Path("/sys/fs/cgroup") / cgroup.lstrip("/")
    return "FROZEN" if read(v2 / "cgroup.freeze").strip() == "1" else "THAWED"


__all__ = ["Manager", "read_until", "freezer_state", "pid_alive", "wait_for"]
