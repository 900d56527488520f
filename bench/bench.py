#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Start-up time of `run` of /bin/true: berth against crun and runc.

One bundle (busybox rootfs, the config `berth oci spec` writes, no
terminal, args ["/bin/true"]) and a variant without a network namespace.
Every iteration runs each (runtime, variant) once in a shuffled order, so
drift on the machine spreads over all of them. Each run has a unique id
and is followed (untimed) by `delete --force`. Each runtime has its own
--root.

crun 1.8 refuses this machine's hybrid cgroup layout, so crun (only crun)
runs in a private mount namespace where /sys/fs/cgroup/unified is hidden
under an empty tmpfs: the harness setns()es into that namespace around
each crun run; the switch is not timed.
"""
import argparse
import ctypes
import datetime
import json
import os
import platform
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLONE_NEWNS = 0x00020000
libc = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    if libc.setns(fd, CLONE_NEWNS) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"setns: {os.strerror(e)}")


class Tool:
    def __init__(self, name, argv, root, mntns=None):
        self.name, self.argv, self.root, self.mntns = name, argv, root, mntns

    def cmd(self, *args):
        return self.argv + ["--root", self.root] + list(args)


def spawn_wait(argv, devnull):
    """posix_spawn + waitpid: the same small overhead for every runtime.
    Returns (exit status, elapsed ns)."""
    fa = [(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1),
          (os.POSIX_SPAWN_DUP2, devnull, 2)]
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=fa)
    _, status = os.waitpid(pid, 0)
    t1 = time.perf_counter_ns()
    return os.waitstatus_to_exitcode(status), t1 - t0


class Bench:
    def __init__(self, args):
        self.args = args
        self.token = secrets.token_hex(3)
        self.work = tempfile.mkdtemp(prefix=f"berth-bench-{self.token}-", dir="/tmp")
        self.devnull = os.open(os.devnull, os.O_RDWR)
        self.own_ns = os.open("/proc/self/ns/mnt", os.O_RDONLY)
        self.holder = None
        self.tools = []
        self.n = 0

    # --- set-up
    def bundle(self, name, rootfs, berth_argv, netns):
        d = os.path.join(self.work, name)
        os.mkdir(d)
        subprocess.run(berth_argv + ["spec", "--bundle", d], check=True)
        path = os.path.join(d, "config.json")
        cfg = json.load(open(path))
        cfg["root"] = {"path": rootfs, "readonly": True}
        cfg["process"]["terminal"] = False
        cfg["process"]["args"] = ["/bin/true"]
        # crun 1.8 refuses ociVersion 1.2.x ("unknown version specified");
        # every runtime here takes 1.0.2 and nothing else in the file changes.
        cfg["ociVersion"] = "1.0.2"
        # runc 1.1 has no time namespaces: no runtime gets one here
        drop = {"time"} if netns else {"time", "network"}
        cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"]
                                      if n["type"] not in drop]
        json.dump(cfg, open(path, "w"), indent=2)
        return d

    def crun_namespace(self):
        """A mount namespace where the cgroup2 mount is hidden; returns an fd."""
        self.holder = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", "sh", "-c",
             "mount -t tmpfs -o mode=755 berth-bench /sys/fs/cgroup/unified"
             " && echo ready && exec sleep 100000"], stdout=subprocess.PIPE, text=True)
        if self.holder.stdout.readline().strip() != "ready":
            raise RuntimeError("could not prepare crun's mount namespace")
        return os.open(f"/proc/{self.holder.pid}/ns/mnt", os.O_RDONLY)

    def setup(self):
        # BERTH_BIN (another runtime's binary) only sanity-checks the harness.
        berth = os.environ.get("BERTH_BIN") or os.path.join(REPO, "build", "berth")
        berth_argv = [berth, "oci"] if os.path.basename(berth) == "berth" else [berth]
        rootfs = subprocess.run([os.path.join(REPO, "scripts", "mkrootfs.sh"),
                                 self.args.rootfs] + ([self.args.probe] if self.args.probe else []),
                                check=True, capture_output=True, text=True).stdout.strip()
        self.bundles = {"netns": self.bundle("netns", rootfs, berth_argv, True),
                        "no-netns": self.bundle("no-netns", rootfs, berth_argv, False)}
        self.tools.append(Tool("berth", berth_argv, os.path.join(self.work, "root-berth")))
        for name in ("crun", "runc"):
            exe = shutil.which(name)
            if exe is None:
                print(f"bench: {name} is not installed; skipping it", file=sys.stderr)
                continue
            mntns = self.crun_namespace() if name == "crun" else None
            self.tools.append(Tool(name, [exe], os.path.join(self.work, f"root-{name}"),
                                   mntns))

    # --- one run
    def run_once(self, tool, variant, wrap=()):
        self.n += 1
        cid = f"bench-{self.token}-{tool.name}-{self.n}"
        if tool.mntns is not None:
            setns(tool.mntns)
        try:
            rc, ns = spawn_wait(list(wrap) + tool.cmd("run", "--bundle", self.bundles[variant],
                                                      cid), self.devnull)
            spawn_wait(tool.cmd("delete", "--force", cid), self.devnull)
        finally:
            if tool.mntns is not None:
                setns(self.own_ns)
        return rc, ns / 1e6

    def peak_rss(self, tool, variant, runs=5):
        """Median peak RSS (MiB) of the runtime process, from GNU time in
        separate untimed runs (a posix_spawn child's own maxrss would count
        this Python process, whose memory it shares until exec)."""
        if not os.path.exists("/usr/bin/time"):
            return None
        out = os.path.join(self.work, "rss")
        vals = []
        for _ in range(runs):
            rc, _ = self.run_once(tool, variant, ["/usr/bin/time", "-f", "%M", "-o", out])
            if rc == 0:
                vals.append(int(open(out).read().split()[-1]) / 1024)
        return statistics.median(vals) if vals else None

    def explain_failure(self, tool, variant):
        cid = f"bench-{self.token}-{tool.name}-why"
        if tool.mntns is not None:
            setns(tool.mntns)
        try:
            r = subprocess.run(tool.cmd("run", "--bundle", self.bundles[variant], cid),
                               capture_output=True, text=True, stdin=subprocess.DEVNULL)
            subprocess.run(tool.cmd("delete", "--force", cid), capture_output=True)
        finally:
            if tool.mntns is not None:
                setns(self.own_ns)
        return (r.stderr or r.stdout).strip().splitlines()[-1:] or [f"exit {r.returncode}"]

    # --- the measurement
    def measure(self):
        pairs = [(t, v) for t in self.tools for v in self.bundles]
        ok_pairs = []
        for t, v in pairs:
            rcs = [self.run_once(t, v)[0] for _ in range(max(self.args.warmup, 1))]
            if any(rcs):
                why = self.explain_failure(t, v)[0]
                print(f"bench: {t.name} ({v}) fails, left out: {why}", file=sys.stderr)
            else:
                ok_pairs.append((t, v))
        self.samples = {(t.name, v): [] for t, v in ok_pairs}
        self.failures = {(t.name, v): 0 for t, v in ok_pairs}
        for i in range(self.args.n):
            order = ok_pairs[:]
            random.shuffle(order)
            for t, v in order:
                rc, ms = self.run_once(t, v)
                if rc != 0:
                    self.failures[(t.name, v)] += 1
                    continue
                self.samples[(t.name, v)].append(ms)
            if sys.stderr.isatty():
                print(f"\r{i + 1}/{self.args.n}", end="", file=sys.stderr, flush=True)
        if sys.stderr.isatty():
            print(file=sys.stderr)
        self.rss = {(t.name, v): self.peak_rss(t, v) for t, v in ok_pairs}

    # --- clean-up: nothing may stay behind
    def cleanup(self):
        for t in self.tools:
            if t.mntns is not None:
                setns(t.mntns)
            try:
                r = subprocess.run(t.cmd("list", "-q"), capture_output=True, text=True)
                for cid in r.stdout.split():
                    if self.token in cid:
                        subprocess.run(t.cmd("delete", "--force", cid), capture_output=True)
            finally:
                if t.mntns is not None:
                    setns(self.own_ns)
        if self.holder is not None:
            self.holder.kill()
            self.holder.wait()
        left = []
        for dp, dns, _ in os.walk("/sys/fs/cgroup"):
            left += [os.path.join(dp, d) for d in dns if self.token in d]
        for d in sorted(left, key=lambda p: -p.count("/")):
            try:
                os.rmdir(d)
            except OSError as e:
                print(f"bench: left behind: {d}: {e.strerror}", file=sys.stderr)
        shutil.rmtree(self.work, ignore_errors=True)

    # --- report
    def report(self):
        def p90(xs):
            xs = sorted(xs)
            return xs[min(len(xs) - 1, int(0.9 * len(xs) + 0.5) - 1)] if xs else float("nan")

        cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                    if l.startswith("model name")), platform.processor() or "?")
        versions = {}
        for t in self.tools:
            out = subprocess.run(t.argv + ["--version"], capture_output=True, text=True).stdout
            versions[t.name] = (out.splitlines() or ["?"])[0]
        rows = []
        for v in self.bundles:
            base = self.samples.get(("berth", v))
            base_med = statistics.median(base) if base else None
            for t in self.tools:
                xs = self.samples.get((t.name, v))
                if not xs:
                    rows.append(f"| {v} | {t.name} | failed | | | | | |")
                    continue
                med = statistics.median(xs)
                ratio = f"{med / base_med:.2f}" if base_med else "-"
                rss = self.rss[(t.name, v)]
                rss = f"{rss:.1f}" if rss is not None else "-"
                rows.append(f"| {v} | {t.name} | {med:.2f} | {min(xs):.2f} | {p90(xs):.2f} | "
                            f"{ratio} | {rss} | {self.failures[(t.name, v)]} |")
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        lines = [
            "# Start-up: `run` of /bin/true",
            "",
            f"- date: {now}",
            f"- kernel: {platform.release()}",
            f"- CPU: {cpu} ({os.cpu_count()} cores)",
            f"- runs: {self.args.n} per runtime and variant, after {self.args.warmup} "
            "warm-up runs, interleaved in a shuffled order",
            "- runtimes: " + "; ".join(f"{k}: {v}" for k, v in versions.items()),
            "- bundle: `berth oci spec` with terminal false, args [\"/bin/true\"], the busybox "
            "rootfs read-only, and ociVersion 1.0.2 (crun 1.8 refuses 1.2.0)",
            "- crun runs in a private mount namespace with /sys/fs/cgroup/unified hidden "
            "(it refuses the hybrid layout); berth and runc run as they are",
            "- time: posix_spawn to waitpid of `RUNTIME run --bundle B ID` (the container is "
            "deleted afterwards, untimed); peak RSS: GNU time, 5 separate runs, median",
            "",
            "| variant | runtime | median ms | min ms | p90 ms | median / berth's | "
            "peak RSS MiB | failures |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ] + rows
        text = "\n".join(lines) + "\n"
        print(text)
        with open(self.args.out, "w") as f:
            f.write(text)
        print(f"written to {self.args.out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=int(os.environ.get("N", 100)),
                    help="timed runs per runtime and variant (default 100)")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(REPO, "bench", "results.md"))
    ap.add_argument("--rootfs", default=os.path.join(REPO, "build", "rootfs"))
    ap.add_argument("--probe", help="static probe for the rootfs (default: the built one)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench: needs root")
    b = Bench(args)
    try:
        b.setup()
        b.measure()
    finally:
        b.cleanup()
    b.report()


if __name__ == "__main__":
    main()
