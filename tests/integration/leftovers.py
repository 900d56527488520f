# SPDX-License-Identifier: LGPL-2.1-or-later
"""Finding what a test may have left behind: processes, cgroups, mounts;
and the result of a command a test ran. Shared by the integration tests'
fixtures and the engine tests."""
import glob
import os
from pathlib import Path

CGROOT = Path("/sys/fs/cgroup")


class Result:
    """A command's argv, exit status and output; repr shows all of it."""

    def __init__(self, argv, rc, out, err):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err

    def __repr__(self):
        return (f"<{' '.join(map(str, self.argv))}: rc={self.rc}\n"
                f"--- stdout\n{self.out}--- stderr\n{self.err}>")

    def ok(self):
        assert self.rc == 0, f"command failed: {self!r}"
        return self


def procs_mentioning(needle):
    """(pid, cmdline) of every other process whose command line contains needle."""
    me = os.getpid()
    found = []
    for d in glob.glob("/proc/[0-9]*"):
        pid = int(d[6:])
        if pid == me:
            continue
        try:
            cmd = Path(d, "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if needle in cmd:
            found.append((pid, cmd.strip()))
    return found


def cgroup_dirs_where(pred):
    """Every cgroup directory whose name satisfies pred, deepest first."""
    found = []
    for dp, dns, _ in os.walk(CGROOT):
        found += [os.path.join(dp, d) for d in dns if pred(d)]
    return sorted(set(found), key=lambda p: -p.count("/"))


def mount_points(pred):
    """Mount points (from our mountinfo) whose line satisfies pred."""
    out = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        if pred(line):
            out.append(line.split(" ")[4].replace("\\040", " "))
    return out
