# SPDX-License-Identifier: LGPL-2.1-or-later
"""What every part of the benchmark shares: spawning and timing a command,
entering another namespace around it, the interleaved measurement loop,
and the result rows that bench.py writes out."""
import ctypes
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
DEVNULL = os.open(os.devnull, os.O_RDWR)


def setns(fd, nstype):
    if libc.setns(fd, nstype) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"setns: {os.strerror(e)}")


class Namespaces:
    """The namespaces of a holder process (a mount namespace, and maybe a
    network one), entered around a command and left afterwards. Entering
    is a few syscalls in this process, so it is not timed and adds nothing
    to the command; the child of posix_spawn inherits them."""
    own = {CLONE_NEWNS: os.open("/proc/self/ns/mnt", os.O_RDONLY),
           CLONE_NEWNET: os.open("/proc/self/ns/net", os.O_RDONLY)}

    def __init__(self, pid, types, netns=None):
        """The namespaces `types` of process `pid`; the network namespace
        from `netns` (a file such as /run/netns/NAME) when given."""
        names = {CLONE_NEWNS: "mnt", CLONE_NEWNET: "net"}
        self.fds = {t: os.open(f"/proc/{pid}/ns/{names[t]}", os.O_RDONLY) for t in types}
        if netns is not None:
            self.fds[CLONE_NEWNET] = os.open(netns, os.O_RDONLY)

    def __enter__(self):
        for t, fd in self.fds.items():
            setns(fd, t)
        return self

    def __exit__(self, *exc):
        for t in self.fds:
            setns(self.own[t], t)
        return False


class NoNamespaces:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def spawn(argv, env=None):
    fa = [(os.POSIX_SPAWN_DUP2, DEVNULL, 0), (os.POSIX_SPAWN_DUP2, DEVNULL, 1),
          (os.POSIX_SPAWN_DUP2, DEVNULL, 2)]
    return os.posix_spawn(argv[0], argv, env or os.environ, file_actions=fa)


def spawn_wait(argv, env=None):
    """posix_spawn + waitpid: the same small overhead for every tool.
    Returns (exit status, elapsed ms)."""
    t0 = time.perf_counter_ns()
    pid = spawn(argv, env)
    _, status = os.waitpid(pid, 0)
    t1 = time.perf_counter_ns()
    return os.waitstatus_to_exitcode(status), (t1 - t0) / 1e6


def quiet(argv, ns=None, check=False):
    """Run a command, its output to files rather than pipes: a detached
    container or a daemon that keeps our pipe open would block a reader
    until it exits."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        with ns or NoNamespaces():
            rc = subprocess.run(argv, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL).returncode
        out.seek(0)
        err.seek(0)
        r = subprocess.CompletedProcess(argv, rc, out.read(), err.read())
    if check and rc != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {rc}: {r.stderr.strip()}")
    return r


def why(argv, ns=None):
    """The last line a failing command prints, to say why a row is empty."""
    r = quiet(argv, ns)
    if r.returncode == 0:
        return "fails only sometimes"
    lines = (r.stderr or r.stdout).strip().splitlines()
    return lines[0].strip() if lines else f"exit {r.returncode}"


def p90(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(0.9 * len(xs) + 0.5) - 1))]


class Row:
    """One line of a results table: a tool's samples of one metric, or
    why it has none."""
    def __init__(self, section, variant, tool, metric, unit, samples=(), failures=0,
                 note="", higher_is_better=False):
        self.section, self.variant, self.tool, self.metric = section, variant, tool, metric
        self.unit, self.samples, self.failures = unit, list(samples), failures
        self.note, self.higher_is_better = note, higher_is_better
        self.ratio = None
        self.extra = {}

    @property
    def ok(self):
        return bool(self.samples)

    def median(self):
        return statistics.median(self.samples) if self.samples else None

    def min(self):
        return min(self.samples) if self.samples else None

    def p90(self):
        return p90(self.samples) if self.samples else None


def add_ratios(rows):
    """Each row's median divided by berth's median for the same section,
    variant and metric."""
    base = {(r.section, r.variant, r.metric): r.median() for r in rows
            if r.tool == "berth" and r.ok}
    for r in rows:
        b = base.get((r.section, r.variant, r.metric))
        if b and r.ok:
            r.ratio = r.median() / b


class Case:
    """One thing measured in the interleaved loop. run() returns
    (exit status, {metric: ms}); explain() says why it fails."""
    def __init__(self, section, variant, tool, run, explain, units=None):
        self.section, self.variant, self.tool = section, variant, tool
        self.run, self.explain = run, explain
        self.units = units or {}


def interleave(cases, n, warmup, label):
    """Warm each case up, leave out (with the reason) those that fail, then
    run every remaining case once per iteration in a fresh shuffled order,
    so machine drift spreads over all of them. Returns result rows."""
    ok, rows = [], []
    for c in cases:
        rcs = [c.run()[0] for _ in range(max(warmup, 1))]
        if any(rcs):
            reason = c.explain()
            print(f"bench: {label}: {c.tool} ({c.variant}) fails, left out: {reason}",
                  file=sys.stderr)
            for m, unit in (c.units or {"": "ms"}).items():
                rows.append(Row(c.section, c.variant, c.tool, m, unit,
                                note=f"fails: {reason}"))
        else:
            ok.append(c)
    samples = {id(c): {} for c in ok}
    failures = {id(c): 0 for c in ok}
    for i in range(n):
        order = ok[:]
        random.shuffle(order)
        for c in order:
            rc, vals = c.run()
            if rc != 0:
                failures[id(c)] += 1
                continue
            for m, v in vals.items():
                samples[id(c)].setdefault(m, []).append(v)
        if sys.stderr.isatty():
            print(f"\r{label}: {i + 1}/{n}", end="", file=sys.stderr, flush=True)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    for c in ok:
        for m, xs in samples[id(c)].items():
            rows.append(Row(c.section, c.variant, c.tool, m, c.units.get(m, "ms"), xs,
                            failures[id(c)]))
        if not samples[id(c)]:
            rows.append(Row(c.section, c.variant, c.tool, "", "ms", failures=failures[id(c)],
                            note="every timed run failed"))
    return rows
