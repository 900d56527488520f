# SPDX-License-Identifier: LGPL-2.1-or-later
"""Application containers: `run` of /bin/true on one bundle by berth,
crun, runc, lxc-execute, bwrap and the kernel floor (build/bench/floor);
peak RSS; parallel throughput; `exec` into a running container.

crun 1.8 refuses this machine's hybrid cgroup layout, so crun (only crun)
runs in a private mount namespace where /sys/fs/cgroup/unified is hidden
under an empty tmpfs: the harness setns()es into it around each crun
command; the switch is not timed."""
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

from common import (CLONE_NEWNS, REPO, Case, Namespaces, NoNamespaces, Row, interleave, quiet,
                    spawn, spawn_wait, why)

VARIANTS = ("netns", "no-netns")


class Oci:
    """An OCI runtime with runc's command line and its own --root."""
    def __init__(self, name, argv, root, ns=None):
        self.name, self.argv, self.root = name, argv, root
        self.ns = ns or NoNamespaces()

    def cmd(self, *args):
        return self.argv + ["--root", self.root] + list(args)

    def version(self):
        out = subprocess.run(self.argv + ["--version"], capture_output=True, text=True).stdout
        return (out.splitlines() or ["?"])[0]


class Startup:
    def __init__(self, work, token, args):
        self.work, self.token, self.args = work, token, args
        self.n = 0
        self.holder = None
        self.oci = []
        self.others = {}      # name -> {variant: argv}
        self.versions = {}
        self.notes = []

    # --- set-up
    def bundle(self, name, rootfs, netns, args=("/bin/true",)):
        d = os.path.join(self.work, name)
        os.mkdir(d)
        subprocess.run(self.berth_argv + ["spec", "--bundle", d], check=True)
        path = os.path.join(d, "config.json")
        with open(path) as f:
            cfg = json.load(f)
        cfg["root"] = {"path": rootfs, "readonly": True}
        cfg["process"]["terminal"] = False
        cfg["process"]["args"] = list(args)
        # crun 1.8 refuses ociVersion 1.2.x ("unknown version specified");
        # every runtime here takes 1.0.2 and nothing else in the file changes.
        cfg["ociVersion"] = "1.0.2"
        # runc 1.1 has no time namespaces: no runtime gets one here
        drop = {"time"} if netns else {"time", "network"}
        cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"]
                                      if n["type"] not in drop]
        with open(path, "w") as f:
            json.dump(cfg, f, indent=2)
        return d

    def crun_namespace(self):
        """A mount namespace where the cgroup2 mount is hidden."""
        self.holder = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", "sh", "-c",
             "mount -t tmpfs -o mode=755 berth-bench /sys/fs/cgroup/unified"
             " && echo ready && exec sleep 100000"], stdout=subprocess.PIPE, text=True)
        if self.holder.stdout.readline().strip() != "ready":
            raise RuntimeError("could not prepare crun's mount namespace")
        return Namespaces(self.holder.pid, [CLONE_NEWNS])

    def lxc_config(self, variant):
        path = os.path.join(self.work, f"lxc-execute-{variant}.conf")
        net = "empty" if variant == "netns" else "none"
        # The bundle's namespaces (LXC unshares mount, pid, uts, ipc, cgroup
        # and, with a net type other than none, net), its read-only busybox
        # root, /proc, a read-only /sys and a /dev of its own. No console:
        # the OCI runs have none either (terminal false).
        with open(path, "w") as f:
            f.write(f"lxc.uts.name = bench\n"
                    f"lxc.rootfs.path = dir:{self.rootfs}\n"
                    f"lxc.rootfs.options = ro\n"
                    f"lxc.net.0.type = {net}\n"
                    f"lxc.mount.auto = proc:mixed sys:ro cgroup:mixed\n"
                    f"lxc.autodev = 1\n"
                    f"lxc.console.path = none\n"
                    f"lxc.log.level = ERROR\n")
        return path

    def setup(self):
        # BERTH_BIN: bench.py's copy of build/berth; another runtime's binary
        # there only sanity-checks the harness.
        berth = os.environ.get("BERTH_BIN") or os.path.join(REPO, "build", "berth")
        self.berth_argv = [berth, "oci"] if os.path.basename(berth) == "berth" else [berth]
        self.rootfs = subprocess.run(
            [os.path.join(REPO, "scripts", "mkrootfs.sh"), self.args.rootfs]
            + ([self.args.probe] if self.args.probe else []),
            check=True, capture_output=True, text=True).stdout.strip()
        self.bundles = {v: self.bundle(v, self.rootfs, v == "netns") for v in VARIANTS}
        self.bundles["sleep"] = self.bundle("sleep", self.rootfs, True,
                                            ("/bin/sleep", "1000000"))
        self.oci.append(Oci("berth", self.berth_argv, os.path.join(self.work, "root-berth")))
        for name in ("crun", "runc"):
            exe = shutil.which(name)
            if exe is None:
                self.notes.append(f"{name} is not installed")
                continue
            ns = self.crun_namespace() if name == "crun" else None
            self.oci.append(Oci(name, [exe], os.path.join(self.work, f"root-{name}"), ns))
        for t in self.oci:
            self.versions[t.name] = t.version()

        lxc = shutil.which("lxc-execute")
        if lxc:
            lxcpath = os.path.join(self.work, "lxc-execute")
            os.mkdir(lxcpath)
            self.others["lxc-execute"] = {
                v: lambda cid, v=v: [lxc, "-n", cid, "-P", lxcpath, "-f", self.lxc_config(v),
                                     "--", "/bin/true"] for v in VARIANTS}
            out = quiet(["lxc-start", "--version"]).stdout.strip()
            self.versions["lxc"] = out or "?"
        else:
            self.notes.append("lxc-execute is not installed")
        bwrap = shutil.which("bwrap")
        if bwrap:
            base = [bwrap, "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup"]
            tail = ["--ro-bind", self.rootfs, "/", "--proc", "/proc", "--dev", "/dev",
                    "/bin/true"]
            self.others["bwrap"] = {"netns": lambda cid: base + ["--unshare-net"] + tail,
                                    "no-netns": lambda cid: base + tail}
            self.versions["bwrap"] = quiet([bwrap, "--version"]).stdout.strip() or "?"
        else:
            self.notes.append("bwrap is not installed")
        floor = os.path.join(REPO, "build", "bench", "floor")
        if os.access(floor, os.X_OK):
            self.others["floor"] = {"netns": lambda cid: [floor, self.rootfs],
                                    "no-netns": lambda cid: [floor, "--no-netns", self.rootfs]}
        else:
            self.notes.append(f"no {floor} (bench/run.sh builds it)")

    def cid(self, tool):
        self.n += 1
        return f"bench-{self.token}-{tool}-{self.n}"

    # --- start-up
    def oci_run(self, t, variant, wrap=()):
        cid = self.cid(t.name)
        with t.ns:
            rc, ms = spawn_wait(list(wrap) + t.cmd("run", "--bundle", self.bundles[variant], cid))
            spawn_wait(t.cmd("delete", "--force", cid))
        return rc, ms

    def other_run(self, name, variant, wrap=()):
        rc, ms = spawn_wait(list(wrap) + self.others[name][variant](self.cid(name)))
        return rc, ms

    def startup_cases(self):
        cases = []
        for v in VARIANTS:
            for t in self.oci:
                cases.append(Case("startup", v, t.name,
                                  lambda t=t, v=v: self._one(self.oci_run(t, v)),
                                  lambda t=t, v=v: why(t.cmd("run", "--bundle", self.bundles[v],
                                                             self.cid(t.name)), t.ns)))
            for name in self.others:
                cases.append(Case("startup", v, name,
                                  lambda name=name, v=v: self._one(self.other_run(name, v)),
                                  lambda name=name, v=v: why(
                                      self.others[name][v](self.cid(name)))))
        return cases

    @staticmethod
    def _one(res):
        rc, ms = res
        return rc, {"run": ms}

    def startup(self, n, warmup):
        rows = interleave(self.startup_cases(), n, warmup, "startup")
        for r in rows:
            if r.ok:
                r.extra["rss"] = self.peak_rss(r.tool, r.variant)
        return rows

    def peak_rss(self, tool, variant, runs=5):
        """Median peak RSS (MiB) of the tool's process, from GNU time in
        separate untimed runs (a posix_spawn child's own maxrss would count
        this Python process, whose memory it shares until exec)."""
        if not os.path.exists("/usr/bin/time"):
            return None
        out = os.path.join(self.work, "rss")
        wrap = ["/usr/bin/time", "-f", "%M", "-o", out]
        vals = []
        for _ in range(runs):
            t = next((t for t in self.oci if t.name == tool), None)
            rc, _ = self.oci_run(t, variant, wrap) if t else self.other_run(tool, variant, wrap)
            if rc == 0:
                with open(out) as f:
                    vals.append(int(f.read().split()[-1]) / 1024)
        return statistics.median(vals) if vals else None

    # --- parallel throughput
    def parallel_once(self, t, total, width):
        """`run` of `total` containers, `width` at a time: containers/s.
        Every container is deleted afterwards, untimed."""
        ids = [self.cid(t.name) for _ in range(total)]
        running, failed = {}, 0
        with t.ns:
            t0 = time.perf_counter_ns()
            todo = list(ids)
            while todo or running:
                while todo and len(running) < width:
                    cid = todo.pop()
                    running[spawn(t.cmd("run", "--bundle", self.bundles["netns"], cid))] = cid
                pid, status = os.wait()
                if running.pop(pid, None) is not None and os.waitstatus_to_exitcode(status):
                    failed += 1
            t1 = time.perf_counter_ns()
            for cid in ids:
                spawn_wait(t.cmd("delete", "--force", cid))
        return (1 if failed else 0), {"throughput": total / ((t1 - t0) / 1e9)}

    def parallel(self, rounds, total=100, width=4):
        cases = [Case("parallel", f"{total} containers, {width} at a time", t.name,
                      lambda t=t: self.parallel_once(t, total, width),
                      lambda t=t: why(t.cmd("run", "--bundle", self.bundles["netns"],
                                            self.cid(t.name)), t.ns),
                      {"throughput": "containers/s"}) for t in self.oci]
        rows = interleave(cases, rounds, 0, "parallel")
        for r in rows:
            r.higher_is_better = True
        return rows

    # --- exec into a running container
    def exec_cases(self):
        self.running = {}
        cases = []
        for t in self.oci:
            cid = self.cid(t.name)
            with t.ns:
                r = quiet(t.cmd("run", "-d", "--bundle", self.bundles["sleep"], cid))
            if r.returncode != 0:
                reason = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["?"]
                cases.append(Case("exec", "/bin/true", t.name, lambda: (1, {}),
                                  lambda reason=reason: f"run -d: {reason[0]}"))
                continue
            self.running[t.name] = (t, cid)
            argv = t.cmd("exec", cid, "/bin/true")

            def run(t=t, argv=argv):
                with t.ns:
                    rc, ms = spawn_wait(argv)
                return rc, {"exec": ms}
            cases.append(Case("exec", "/bin/true", t.name, run,
                              lambda t=t, argv=argv: why(argv, t.ns)))
        return cases

    def exec(self, n, warmup):
        try:
            return interleave(self.exec_cases(), n, warmup, "exec")
        finally:
            for t, cid in self.running.values():
                with t.ns:
                    quiet(t.cmd("kill", cid, "KILL"))
                    time.sleep(0.1)
                    quiet(t.cmd("delete", "--force", cid))

    # --- clean-up: nothing may stay behind
    def cleanup(self):
        try:
            for t in self.oci:
                with t.ns:
                    r = quiet(t.cmd("list", "-q"))
                    for cid in r.stdout.split():
                        if self.token in cid:
                            quiet(t.cmd("delete", "--force", cid))
        finally:
            if self.holder is not None:
                self.holder.kill()
                self.holder.wait()
        if sys.stderr.isatty() and self.notes:
            print("bench: " + "; ".join(self.notes), file=sys.stderr)
