# SPDX-License-Identifier: LGPL-2.1-or-later
"""System containers: `berth start -d`, `stop -k`, `stop` (the clean halt)
and `attach` of a busybox container against lxc-start/lxc-stop/lxc-attach
on a copy of the same rootfs; and density: many idle containers started by
berth, the time to start them all and the memory of their monitors.

Both managers run in one environment the harness makes: a network
namespace (`ip netns add`) holding a bridge made by `berth net create`,
and a private mount namespace where /sys is a sysfs of that network
namespace (so LXC sees the bridge) with the host's cgroup mounts moved back
under it (so both find their cgroups). `ip netns exec` alone would hide
the cgroup v1 mounts of this hybrid host: berth then refuses to start and
LXC silently runs without cgroups. The harness setns()es into that
environment around each command; entering is not timed."""
import glob
import os
import shutil
import signal
import subprocess
import sys
import time

from common import (CLONE_NEWNS, REPO, Case, Namespaces, Row, interleave, quiet,
                    spawn_wait, why)


def has_berth_net(berth):
    return subprocess.run([berth, "net", "--help"], capture_output=True).returncode == 0


class System:
    def __init__(self, work, token, args):
        self.work, self.token, self.args = work, token, args
        self.berth = os.environ.get("BERTH_SYS_BIN") or os.path.join(REPO, "build", "berth")
        self.bpath = os.path.join(work, "sys-berth")
        self.lpath = os.path.join(work, "sys-lxc")
        self.bname, self.lname = f"bs-{token}", f"ls-{token}"
        self.netns = f"bench-{token}"
        self.bridge = f"bb{token}"[:15]
        self.holder = None
        self.ns = None
        self.network = False
        self.notes = []

    # --- the environment
    def make_env(self):
        self.network = has_berth_net(self.berth)
        cgk = os.path.join(self.work, "cgroup-keep")
        os.mkdir(cgk)
        if self.network:
            subprocess.run(["ip", "netns", "add", self.netns], check=True)
            inner = (f"nsenter --net=/run/netns/{self.netns} sh -c "
                     f"'umount -l /sys && mount -t sysfs sysfs /sys && "
                     f"mount --move {cgk} /sys/fs/cgroup'")
        else:
            inner = "true"
        self.holder = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", "sh", "-c",
             f"mount --rbind /sys/fs/cgroup {cgk} && {inner} && echo ready && "
             "exec sleep 100000"], stdout=subprocess.PIPE, text=True)
        if self.holder.stdout.readline().strip() != "ready":
            raise RuntimeError("could not prepare the system containers' namespaces")
        # The holder stays in the host's network namespace (only its
        # nsenter child entered the new one to mount sysfs): take that one
        # from its file.
        self.ns = Namespaces(self.holder.pid, [CLONE_NEWNS],
                             f"/run/netns/{self.netns}" if self.network else None)
        if self.network:
            quiet([self.berth, "net", "create", self.bridge, "--ipv4", "10.213.0.1/24",
                   "-P", self.bpath], self.ns, check=True)

    def net_config(self, address):
        if not self.network:
            return ""
        return (f"lxc.net.0.type = veth\nlxc.net.0.link = {self.bridge}\n"
                f"lxc.net.0.flags = up\nlxc.net.0.ipv4.address = {address}\n")

    def setup(self):
        os.makedirs(self.bpath)
        os.makedirs(self.lpath)
        self.make_env()
        quiet([self.berth, "create", self.bname, "-t", "busybox", "-P", self.bpath], check=True)
        with open(os.path.join(self.bpath, self.bname, "config"), "a") as f:
            f.write(self.net_config("10.213.0.2/24"))
        ldir = os.path.join(self.lpath, self.lname)
        os.mkdir(ldir)
        subprocess.run(["cp", "-a", os.path.join(self.bpath, self.bname, "rootfs"),
                        os.path.join(ldir, "rootfs")], check=True)
        # What berth's busybox template gives its container, in LXC's words:
        # its own namespaces (LXC's defaults: mount, pid, uts, ipc, net,
        # cgroup), /proc, a read-only /sys, a /dev of its own, two ttys,
        # the console logged to a file, SIGUSR1 to halt busybox init.
        with open(os.path.join(ldir, "config"), "w") as f:
            f.write(f"lxc.uts.name = {self.lname}\n"
                    f"lxc.rootfs.path = dir:{ldir}/rootfs\n"
                    f"lxc.init.cmd = /sbin/init\n"
                    f"lxc.signal.halt = SIGUSR1\n"
                    f"lxc.tty.max = 2\n"
                    f"lxc.pty.max = 1024\n"
                    f"lxc.autodev = 1\n"
                    f"lxc.mount.auto = proc:mixed sys:ro cgroup:mixed\n"
                    f"lxc.console.logfile = {ldir}/console.log\n"
                    + self.net_config("10.213.0.3/24"))
        self.versions = {"lxc": quiet(["lxc-start", "--version"]).stdout.strip() or "?"}

    def tools(self):
        b, lx = ["-P", self.bpath], ["-P", self.lpath]
        t = {"berth": {"start": [self.berth, "start", self.bname, "-d"] + b,
                       "attach": [self.berth, "attach", self.bname] + b + ["--", "/bin/true"],
                       "stop -k": [self.berth, "stop", self.bname, "-k"] + b,
                       "stop": [self.berth, "stop", self.bname] + b}}
        start, attach, stop = (shutil.which(c) for c in ("lxc-start", "lxc-attach", "lxc-stop"))
        if start and attach and stop:
            t["lxc"] = {"start": [start, "-d", "-n", self.lname] + lx,
                        "attach": [attach, "-n", self.lname] + lx + ["--", "/bin/true"],
                        "stop -k": [stop, "-k", "-n", self.lname] + lx,
                        "stop": [stop, "-n", self.lname] + lx}
        else:
            self.notes.append("lxc is not installed")
        return t

    def cycle(self, argv, steps):
        """start, then each step, timed one by one; a failed step stops
        the container (untimed) so the next cycle starts from STOPPED."""
        out = {}
        with self.ns:
            for s in ["start"] + steps:
                rc, ms = spawn_wait(argv[s])
                if rc != 0:
                    spawn_wait(argv["stop -k"])
                    return rc, out
                out[s] = ms
        return 0, out

    def explain(self, argv):
        with self.ns:
            r = quiet(argv["start"])
            if r.returncode != 0:
                return "start: " + ((r.stderr or r.stdout).strip().splitlines() or ["?"])[-1]
            quiet(argv["stop -k"])
        return "a later step fails: " + why(argv["attach"], self.ns)

    def measure(self, n, halt_n, warmup):
        variant = "veth on a berth net bridge" if self.network else "no network"
        tools = self.tools()
        units = {"start": "ms", "attach": "ms", "stop -k": "ms"}
        cases = [Case("system", variant, name,
                      lambda a=a: self.cycle(a, ["attach", "stop -k"]),
                      lambda a=a: self.explain(a), units) for name, a in tools.items()]
        rows = interleave(cases, n, warmup, "system")

        def halt(a):
            rc, out = self.cycle(a, ["stop"])
            out.pop("start", None)
            return rc, out
        cases = [Case("system", variant, name, lambda a=a: halt(a),
                      lambda a=a: self.explain(a), {"stop": "ms"})
                 for name, a in tools.items()]
        rows += interleave(cases, halt_n, 0, "system halt")
        return rows

    # --- density
    @staticmethod
    def fit(count):
        """As many as this machine holds, of `count`: each idle busybox
        container is ~6 processes (monitor, init, getty, two tty shells,
        a sleep) and a few MiB; keep half the free pids and memory free."""
        pid_room = 1 << 30
        for path in ("/proc/sys/kernel/pid_max", "/proc/sys/kernel/threads-max"):
            with open(path) as f:
                pid_room = min(pid_room, int(f.read()))
        pid_room -= sum(1 for d in os.listdir("/proc") if d.isdigit())
        with open("/proc/meminfo") as f:
            avail_kib = next(int(line.split()[1]) for line in f
                             if line.startswith("MemAvailable:"))
        room = min(pid_room // 2 // 6, avail_kib // 2 // (8 * 1024))
        if room >= count:
            return count, ""
        return max(room, 1), (f"{count} asked, {max(room, 1)} fit this machine's free pids "
                              f"and memory")

    def density(self, count):
        """Start `count` idle busybox containers one after the other; the
        total time, and Pss / Private_Dirty of their monitors."""
        count, fit_note = self.fit(count)
        if fit_note:
            self.notes.append("density: " + fit_note)
        dpath = os.path.join(self.work, "density")
        os.makedirs(dpath)
        names = [f"d{i:03d}-{self.token}" for i in range(count)]
        self.dnames, self.dpath = names, dpath
        try:
            for nm in names:
                quiet([self.berth, "create", nm, "-t", "busybox", "-P", dpath], check=True)
            started, failed = 0, []
            with self.ns:
                t0 = time.perf_counter_ns()
                for nm in names:
                    rc, _ = spawn_wait([self.berth, "start", nm, "-d", "-P", dpath])
                    if rc == 0:
                        started += 1
                    else:
                        failed.append(nm)
                t1 = time.perf_counter_ns()
            total_s = (t1 - t0) / 1e9
            pss = dirty = monitors = 0
            for nm in names:
                pid = self.monitor_pid(nm)
                if pid is None:
                    continue
                try:
                    with open(f"/proc/{pid}/smaps_rollup") as f:
                        for line in f:
                            k, _, v = line.partition(":")
                            if k == "Pss":
                                pss += int(v.split()[0])
                            elif k == "Private_Dirty":
                                dirty += int(v.split()[0])
                    monitors += 1
                except OSError:
                    pass
            note = ""
            if failed:
                note = f"{len(failed)} failed to start: " + why(
                    [self.berth, "start", failed[0], "-d", "-P", dpath], self.ns)
            with self.ns:
                t2 = time.perf_counter_ns()
                for nm in names:
                    spawn_wait([self.berth, "stop", nm, "-k", "-P", dpath])
                t3 = time.perf_counter_ns()
            per = max(started, 1)
            rows = [Row("density", f"{count} idle busybox", "berth", "start all", "s",
                        [total_s], len(failed), note),
                    Row("density", f"{count} idle busybox", "berth", "start, each", "ms",
                        [total_s * 1000 / count], len(failed)),
                    Row("density", f"{count} idle busybox", "berth", "monitor Pss, each",
                        "KiB", [pss / per] if monitors else [],
                        note=f"{monitors} monitors read"),
                    Row("density", f"{count} idle busybox", "berth",
                        "monitor Private_Dirty, each", "KiB",
                        [dirty / per] if monitors else []),
                    Row("density", f"{count} idle busybox", "berth", "stop -k all", "s",
                        [(t3 - t2) / 1e9])]
            return rows
        finally:
            self.density_cleanup()

    def monitor_pid(self, name):
        for p in glob.glob(f"/run/berth-sys/*/mon/{name}/monitor.pid"):
            try:
                with open(p) as f:
                    return int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
        return None

    def density_cleanup(self):
        names = getattr(self, "dnames", [])
        for nm in names:
            if self.monitor_pid(nm) is not None:
                quiet([self.berth, "stop", nm, "-k", "-t", "5", "-P", self.dpath], self.ns)
        for nm in names:
            pid = self.monitor_pid(nm)
            if pid is not None:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for nm in names:
            if os.path.isdir(os.path.join(self.dpath, nm)):
                quiet([self.berth, "destroy", nm, "-f", "-P", self.dpath], self.ns)
        self.dnames = []

    # --- clean-up
    def lxc_monitors(self):
        """LXC monitors of this run: their command line names our lxcpath."""
        pids = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open(f"/proc/{d}/cmdline", "rb") as f:
                        cmd = f.read()
                except OSError:
                    continue
                if cmd.startswith(b"[lxc monitor]") and self.lpath.encode() in cmd:
                    pids.append(int(d))
        return pids

    def cleanup(self):
        try:
            if self.ns is not None:
                self.density_cleanup()
                quiet([self.berth, "stop", self.bname, "-k", "-P", self.bpath], self.ns)
                if shutil.which("lxc-stop"):
                    quiet(["lxc-stop", "-k", "-n", self.lname, "-P", self.lpath], self.ns)
                for pid in self.lxc_monitors():
                    os.kill(pid, signal.SIGKILL)
                pid = self.monitor_pid(self.bname)
                if pid is not None:
                    os.kill(pid, signal.SIGKILL)
                if self.network:
                    quiet([self.berth, "net", "delete", self.bridge, "-P", self.bpath], self.ns)
        finally:
            if self.holder is not None:
                self.holder.kill()
                self.holder.wait()
            if os.path.exists(f"/run/netns/{self.netns}"):
                subprocess.run(["ip", "netns", "del", self.netns])
        if self.notes and sys.stderr.isatty():
            print("bench: " + "; ".join(self.notes), file=sys.stderr)
