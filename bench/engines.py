#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The per-run time of an engine on berth, crun and runc: `podman run --rm`
and `ctr run --rm` of /bin/true on the busybox rootfs (podman: an image
from `podman import`; containerd: an OCI image made with umoci), each with
the runtime as podman's --runtime or the runc shim's --runc-binary.

Everything is private under one work dir: podman's --root/--runroot/
--tmpdir, a containerd of our own (unix sockets only, CRI off), berth's,
crun's and runc's state. Runs are interleaved (every iteration runs each
case once, in a fresh shuffled order, after warm-up runs); the time is
posix_spawn to waitpid of the engine's command.

crun 1.8 refuses this machine's hybrid cgroup layout, so (as bench.py
does) crun's cases run in a private mount namespace where
/sys/fs/cgroup/unified is hidden: podman is entered into it around each
run, and crun's containerd (a second one, of the same config) lives in it.
Root here lacks CAP_SYS_RESOURCE: podman gets --ulimit nofile and nproc it
can set (see tests/engines/test_podman.py).

  bench/engines.py [-n 15] [--warmup 2] [--out bench/results-engines.md]"""
import argparse
import datetime
import glob
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (REPO, CLONE_NEWNS, Case, Namespaces, NoNamespaces, add_ratios,  # noqa: E402
                    interleave, quiet, spawn_wait, why)

ULIMITS = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"]
IMAGE = "localhost/berth-busybox:bench"
CONFIG = """version = 2
root = "{dir}/root"
state = "{dir}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "{dir}/containerd.sock"
[ttrpc]
  address = "{dir}/containerd-ttrpc.sock"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "{dir}/opt"
"""


class Containerd:
    """A private containerd, maybe inside another mount namespace."""
    def __init__(self, d, ns, holder_pid=None):
        self.dir, self.ns = d, ns
        os.makedirs(os.path.join(d, "fifo"))
        os.makedirs(os.path.join(d, "runc"))
        cfg = os.path.join(d, "config.toml")
        with open(cfg, "w") as f:
            f.write(CONFIG.format(dir=d))
        self.sock = os.path.join(d, "containerd.sock")
        argv = [shutil.which("containerd"), "--config", cfg]
        if holder_pid:
            argv = ["nsenter", "-t", str(holder_pid), "-m", "--"] + argv
        self.log = open(os.path.join(d, "containerd.log"), "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=self.log, start_new_session=True)
        self.ctr = [shutil.which("ctr"), "-a", self.sock, "-n", ns]
        end = time.monotonic() + 30
        while quiet(self.ctr + ["version"]).returncode != 0:
            if self.proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError(f"containerd did not start: see {d}/containerd.log")
            time.sleep(0.1)

    def run_argv(self, runtime, cid):
        return self.ctr + ["run", "--rm", "--runc-binary", runtime, "--runc-root",
                           os.path.join(self.dir, "runc"), "--fifo-dir",
                           os.path.join(self.dir, "fifo"), IMAGE, cid, "/bin/true"]

    def stop(self):
        for cid in quiet(self.ctr + ["container", "ls", "-q"]).stdout.split():
            quiet(self.ctr + ["task", "kill", "-a", "-s", "SIGKILL", cid])
            time.sleep(0.2)
            quiet(self.ctr + ["task", "delete", cid])
            quiet(self.ctr + ["container", "rm", cid])
        quiet(self.ctr + ["images", "rm", IMAGE])
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def version(argv):
    out = quiet(argv).stdout.strip().splitlines()
    return out[0] if out else "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--iterations", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(REPO, "bench", "results-engines.md"))
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench: needs root")
    for tool in ("podman", "containerd", "ctr", "umoci"):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} is not installed (scripts/deps.sh)")

    token = secrets.token_hex(3)
    work = tempfile.mkdtemp(prefix=f"berth-bench-eng-{token}-", dir="/tmp")
    os.chmod(work, 0o755)
    parent = f"berth-bench-{token}"  # podman's --cgroup-parent and ctr's namespace
    run_ctd_before = os.path.exists("/run/containerd")
    sockets_before = set(os.listdir("/run/containerd/s")) \
        if os.path.isdir("/run/containerd/s") else set()
    varlib_before = os.path.exists("/var/lib/containers")
    holder, daemons, podman = None, [], None
    rows, notes = [], []
    try:
        rootfs = quiet([os.path.join(REPO, "scripts", "mkrootfs.sh"),
                        os.path.join(REPO, "build", "rootfs")], check=True).stdout.strip()
        berth = os.path.join(REPO, "build", "berth-oci")
        if not os.path.exists(berth):
            berth = os.path.join(work, "berth-oci")
            os.symlink(os.path.realpath(os.path.join(REPO, "build", "berth")), berth)
        runtimes = {"berth": berth}
        for name in ("crun", "runc"):
            if shutil.which(name):
                runtimes[name] = shutil.which(name)
            else:
                notes.append(f"{name} is not installed")
        if "crun" in runtimes:
            holder = subprocess.Popen(
                ["unshare", "-m", "--propagation", "private", "sh", "-c",
                 "mount -t tmpfs -o mode=755 berth-bench /sys/fs/cgroup/unified"
                 " && echo ready && exec sleep 100000"], stdout=subprocess.PIPE, text=True)
            if holder.stdout.readline().strip() != "ready":
                raise RuntimeError("could not prepare crun's mount namespace")
        ns_of = {t: (Namespaces(holder.pid, [CLONE_NEWNS]) if t == "crun" else NoNamespaces())
                 for t in runtimes}

        # images
        tar = os.path.join(work, "rootfs.tar")
        quiet(["tar", "-C", rootfs, "--numeric-owner", "-cf", tar, "."], check=True)
        layout = os.path.join(work, "oci")
        for a in (["init", "--layout", layout], ["new", "--image", f"{layout}:bench"],
                  ["insert", "--image", f"{layout}:bench", rootfs, "/"]):
            quiet(["umoci"] + a, check=True)
        oci_tar = os.path.join(work, "oci.tar")
        quiet(["tar", "-C", layout, "-cf", oci_tar, "."], check=True)

        pd = os.path.join(work, "podman")
        podman = [shutil.which("podman"), "--root", f"{pd}/storage", "--runroot", f"{pd}/run",
                  "--tmpdir", f"{pd}/tmp", "--cgroup-manager", "cgroupfs",
                  "--events-backend", "file"]
        quiet(podman + ["import", tar, IMAGE], check=True)

        ctd = {"host": Containerd(os.path.join(work, "ctd"), parent)}
        daemons.append(ctd["host"])
        if holder:
            ctd["crun"] = Containerd(os.path.join(work, "ctd-crun"), parent, holder.pid)
            daemons.append(ctd["crun"])
        for d in daemons:
            quiet(d.ctr + ["images", "import", "--base-name", IMAGE.rsplit(":", 1)[0],
                           oci_tar], check=True)

        counter = [0]

        def podman_case(tool, exe):
            argv = podman + ["--runtime", exe, "run", "--rm", *ULIMITS, "--network", "none",
                             "--cgroup-parent", f"/{parent}", IMAGE, "/bin/true"]

            def run():
                with ns_of[tool]:
                    rc, ms = spawn_wait(argv)
                return rc, {"podman run --rm": ms}
            return Case("engines", "podman", tool, run, lambda: why(argv, ns_of[tool]),
                        {"podman run --rm": "ms"})

        def ctr_case(tool, exe):
            d = ctd["crun" if tool == "crun" else "host"]

            def argv():
                counter[0] += 1
                return d.run_argv(exe, f"{tool}-{token}-{counter[0]}")

            def run():
                rc, ms = spawn_wait(argv())
                return rc, {"ctr run --rm": ms}
            return Case("engines", "ctr", tool, run, lambda: why(argv()),
                        {"ctr run --rm": "ms"})

        cases = [podman_case(t, e) for t, e in runtimes.items()]
        cases += [ctr_case(t, e) for t, e in runtimes.items()]
        rows = interleave(cases, args.iterations, args.warmup, "engines")
        versions = {"podman": version(["podman", "--version"]),
                    "containerd": version(["containerd", "--version"]),
                    **{t: version([e, "--version"]) for t, e in runtimes.items()}}
    finally:
        for d in daemons:
            d.stop()
        if podman:
            quiet(podman + ["rm", "-a", "-f", "-t", "0"])
            quiet(podman + ["rmi", "-a", "-f"])
        if holder:
            holder.kill()
            holder.wait()
        for m in sorted((l.split()[4] for l in open("/proc/self/mountinfo") if work in l),
                        key=lambda m: -m.count("/")):
            quiet(["umount", "-l", m])
        for s in (set(os.listdir("/run/containerd/s")) if os.path.isdir("/run/containerd/s")
                  else set()) - sockets_before:
            os.unlink(os.path.join("/run/containerd/s", s))
        if not run_ctd_before and os.path.exists("/run/containerd"):
            quiet(["find", "/run/containerd", "-depth", "-type", "d", "-empty", "-delete"])
        if not varlib_before and os.path.exists("/var/lib/containers"):
            shutil.rmtree("/var/lib/containers", ignore_errors=True)
        ours = [d for pat in ("*/", "") for sub in ("", "/*")
                for d in glob.glob(f"/sys/fs/cgroup/{pat}{parent}{sub}")]
        for d in sorted(ours, key=lambda p: -p.count("/")):
            if os.path.isdir(d):
                try:
                    os.rmdir(d)
                except OSError as e:
                    print(f"bench: left behind: {d}: {e.strerror}", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)

    add_ratios(rows)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["# Engines on berth, crun and runc", "",
             f"- date: {now}; kernel {os.uname().release}, {os.cpu_count()} cores",
             f"- command: `bench/engines.py {' '.join(sys.argv[1:])}`",
             f"- {args.iterations} runs per case after {args.warmup} warm-up runs, interleaved",
             "- versions: " + "; ".join(f"{k}: {v}" for k, v in versions.items()),
             "- podman: `podman run --rm --network none --ulimit ... IMAGE /bin/true` "
             "(cgroupfs, file events, private storage); ctr: `ctr run --rm --runc-binary "
             "RUNTIME IMAGE ID /bin/true` on a private containerd",
             "- crun runs in a private mount namespace with /sys/fs/cgroup/unified hidden "
             "(it refuses the hybrid layout); its containerd lives there too",
             ] + [f"- note: {n}" for n in notes] + [
             "", "| engine | runtime | median ms | min | p90 | median / berth's | runs | "
             "failures | note |", "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        cells = [r.metric or r.variant, r.tool,
                 *(f"{x:.0f}" if x is not None else "" for x in (r.median(), r.min(), r.p90())),
                 f"{r.ratio:.2f}" if r.ratio else "", str(len(r.samples)), str(r.failures),
                 r.note.replace("|", "/")]
        lines.append("| " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    with open(args.out, "w") as f:
        f.write(text)
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
