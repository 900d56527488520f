#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""berth's speed against the tools people would pick instead (issue 8).

Parts (--only picks some):
  startup   `run` of /bin/true on one bundle (busybox rootfs, the config
            `berth oci spec` writes, terminal false), with and without a
            network namespace: berth, crun, runc, lxc-execute, bwrap and
            the kernel floor (bench/floor.c); peak RSS of each
  exec      `exec` of /bin/true into a running container: berth, crun, runc
  parallel  100 containers, 4 at a time: containers/s of berth, crun, runc
  system    `berth start -d` / `attach` / `stop -k` / `stop` of a busybox
            system container against lxc-start/lxc-attach/lxc-stop
  density   many idle busybox system containers started by berth: time to
            start all, memory of berth's monitors per container

Every timed measurement is interleaved: each iteration runs every tool once
in a fresh shuffled order, after warm-up runs, so drift on the machine
spreads over all of them. Results: bench/results.md and bench/results.csv.
Modules: tools.py (application containers), system.py (system containers),
common.py (timing, namespaces, the interleaved loop)."""
import argparse
import csv
import datetime
import os
import platform
import secrets
import shutil
import signal
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import REPO, add_ratios  # noqa: E402
from system import System  # noqa: E402
from tools import Startup  # noqa: E402

PARTS = ("startup", "exec", "parallel", "system", "density")


def glob_cgroups(name):
    return {os.path.join("/sys/fs/cgroup", c, name) for c in os.listdir("/sys/fs/cgroup")
            if os.path.isdir(os.path.join("/sys/fs/cgroup", c, name))}


def remove_cgroups(token, pivot_before):
    """Our cgroups carry the token in their name; LXC's lxc.pivot is
    removed too when this run made it (it stays empty)."""
    left = []
    for dp, dns, _ in os.walk("/sys/fs/cgroup"):
        left += [os.path.join(dp, d) for d in dns if token in d]
    left += sorted(glob_cgroups("lxc.pivot") - pivot_before)
    for d in sorted(left, key=lambda p: -p.count("/")):
        try:
            os.rmdir(d)
        except FileNotFoundError:
            pass
        except OSError as e:
            print(f"bench: left behind: {d}: {e.strerror}", file=sys.stderr)


def snapshot_berth(work):
    """Measure a copy of build/berth: the build tree may be rebuilt while
    the benchmark runs, and a binary half-written by the linker fails.
    The static berth's twin, berth-full (the commands that load optional
    libraries), goes beside it, where berth looks for it in a build tree."""
    if os.environ.get("BERTH_BIN"):
        return
    src = os.path.realpath(os.path.join(REPO, "build", "berth"))
    dst = os.path.join(work, "bin", "berth")
    os.mkdir(os.path.dirname(dst))
    shutil.copy2(src, dst)
    full = os.path.join(os.path.dirname(src), "berth-full")
    if os.path.exists(full):
        shutil.copy2(full, os.path.join(work, "bin", "berth-full"))
    os.environ["BERTH_BIN"] = os.environ["BERTH_SYS_BIN"] = dst


def fmt(x, unit):
    if x is None:
        return ""
    if unit in ("s",):
        return f"{x:.2f}"
    if unit in ("KiB", "containers/s"):
        return f"{x:.0f}" if x >= 100 else f"{x:.1f}"
    return f"{x:.2f}"


TITLES = {
    "startup": "Start-up: `run` of /bin/true",
    "exec": "`exec` of /bin/true into a running container",
    "parallel": "Parallel throughput: `run` of /bin/true",
    "system": "System containers (busybox init)",
    "density": "Density: idle busybox system containers started by berth",
}


def table(rows, section):
    rs = [r for r in rows if r.section == section]
    if not rs:
        return []
    if section == "density":
        out = ["", f"## {TITLES[section]}", "", "| containers | what | value | failures | note |",
               "|---|---|---:|---:|---|"]
        for r in rs:
            out.append(f"| {r.variant} | {r.metric} ({r.unit}) | {fmt(r.median(), r.unit)} | "
                       f"{r.failures} | {r.note.replace('|', '/')} |")
        return out
    rss = section == "startup"
    head = ("| variant | tool | what | median | min | p90 | median / berth's | "
            + ("peak RSS MiB | " if rss else "") + "runs | failures | note |")
    out = ["", f"## {TITLES[section]}", "", head,
           "|---|---|---|---:|---:|---:|---:|" + ("---:|" if rss else "") + "---:|---:|---|"]
    for r in rs:
        unit = r.unit
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else ""
        cells = [r.variant, r.tool, f"{r.metric} ({unit})" if r.metric else unit,
                 fmt(r.median(), unit), fmt(r.min(), unit), fmt(r.p90(), unit), ratio]
        if rss:
            v = r.extra.get("rss")
            cells.append(f"{v:.1f}" if v is not None else "")
        cells += [str(len(r.samples)), str(r.failures), r.note.replace("|", "/")]
        out.append("| " + " | ".join(cells) + " |")
    return out


def find(rows, section, tool, metric=None, variant=None):
    for r in rows:
        if (r.section == section and r.tool == tool and r.ok
                and (metric is None or r.metric == metric)
                and (variant is None or r.variant == variant)):
            return r
    return None


def targets(rows):
    """Issue 8's targets, each with its figure from this run."""
    out = []

    def line(ok, text):
        out.append(f"- {'met' if ok else 'NOT met'}: {text}")

    b = find(rows, "startup", "berth", "run", "netns")
    c = find(rows, "startup", "crun", "run", "netns")
    f = find(rows, "startup", "floor", "run", "netns")
    if b and c:
        x = b.median() / c.median()
        line(x <= 0.5, f"`berth oci run` median ≤ 0.5× crun's: {b.median():.2f} ms vs "
             f"{c.median():.2f} ms = {x:.2f}×")
    if b and f:
        x = b.median() / f.median()
        line(x <= 1.5, f"`berth oci run` ≤ 1.5× the kernel floor: {b.median():.2f} ms vs "
             f"{f.median():.2f} ms = {x:.2f}×")
    if b and b.extra.get("rss") is not None:
        line(b.extra["rss"] <= 2.0, f"peak RSS ≤ 2 MiB: {b.extra['rss']:.1f} MiB")
    bp, cp = find(rows, "parallel", "berth"), find(rows, "parallel", "crun")
    if bp and cp:
        x = bp.median() / cp.median()
        line(x >= 2, f"parallel throughput ≥ 2× crun's: {bp.median():.0f} vs "
             f"{cp.median():.0f} containers/s = {x:.2f}×")
    bs, ls = find(rows, "system", "berth", "start"), find(rows, "system", "lxc", "start")
    if bs:
        net = "networked" if "veth" in bs.variant else "NOT networked (no `berth net`)"
        line(bs.median() <= 15, f"`berth start -d` ({net}) within 15 ms: {bs.median():.2f} ms")
    if bs and ls:
        line(bs.median() < ls.median(), f"faster than `lxc-start -d`: {bs.median():.2f} ms vs "
             f"{ls.median():.2f} ms")
    d = find(rows, "density", "berth", "monitor Pss, each")
    if d:
        line(d.median() <= 256, f"≤ 256 KiB of berth memory per idle container: "
             f"monitor Pss {d.median():.0f} KiB each ({d.variant})")
    return out


def report(args, rows, versions, notes):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), platform.processor() or "?")
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{cpu}, {os.cpu_count()} cores, kernel {platform.release()}"
    lines = [
        "# berth's speed (issue 8)",
        "",
        f"- date: {now}",
        f"- machine: {machine}",
        f"- command: `bench/bench.py{''.join(' ' + a for a in sys.argv[1:]) or ''}`"
        + (" (--quick: few iterations, for development)" if args.quick else ""),
        f"- iterations: {args.iterations} per tool and variant after {args.warmup} warm-up "
        f"runs (clean halt: {args.halt_iterations}; parallel: {args.rounds} rounds), "
        "interleaved in a fresh shuffled order every iteration",
        "- versions: " + "; ".join(f"{k}: {v}" for k, v in versions.items()),
        "- bundle: `berth oci spec` with terminal false, args [\"/bin/true\"], the busybox "
        "rootfs read-only, ociVersion 1.0.2 (crun 1.8 refuses 1.2.0), no time namespace "
        "(runc 1.1 has none); with and without the network namespace",
        "- crun runs in a private mount namespace with /sys/fs/cgroup/unified hidden "
        "(it refuses the hybrid layout); berth and runc run as they are",
        "- lxc-execute: a config with the same busybox rootfs read-only, LXC's default "
        "namespaces (net: `empty`, or `none` without netns), proc, sys:ro, autodev, no "
        "console; bwrap: --unshare-pid/ipc/uts/cgroup (+net), --ro-bind of the rootfs, "
        "--proc, --dev; floor: build/bench/floor (bench/floor.c). lxc-execute, bwrap and "
        "the floor get no seccomp filter (the OCI runtimes get the spec's), bwrap and the "
        "floor no cgroup",
        "- time: posix_spawn to waitpid of the command (containers are deleted afterwards, "
        "untimed); peak RSS: GNU time, 5 separate runs, median",
        "- parallel: 100 `run`s of /bin/true (netns bundle), 4 running at any time; "
        "containers/s from the first spawn to the last exit",
        "- system containers: berth's busybox template, and for LXC a copy of its rootfs "
        "with an equivalent config (lxc.init.cmd /sbin/init, lxc.signal.halt SIGUSR1, 2 ttys, "
        "console log, proc, sys:ro, autodev) under a private lxcpath; each cycle is `start "
        "-d` (returns once the init runs), `attach -- /bin/true`, `stop -k`; the clean "
        "`stop` (SIGUSR1 to busybox init, which takes ~2 s to halt) has its own cycles. "
        "Both run in a network namespace made for the run, on a veth to a bridge made by "
        "`berth net create` (static addresses), entered with setns() plus a private mount "
        "namespace whose /sys is that namespace's sysfs with the host's cgroup mounts kept "
        "(plain `ip netns exec` hides this hybrid host's cgroup v1 mounts: berth refuses to "
        "start there and LXC silently runs without cgroups)",
        "- density: containers made with `berth create -t busybox` (untimed), started one "
        "after another with `berth start -d`, no network; memory: Pss and Private_Dirty of "
        "each monitor (/proc/PID/smaps_rollup), summed and divided by the number started",
    ] + [f"- note: {n}" for n in notes]
    for s in PARTS:
        lines += table(rows, s)
    t = targets(rows)
    if t:
        lines += ["", "## Issue 8's targets", ""] + t
    text = "\n".join(lines) + "\n"
    print(text)
    with open(args.out, "w") as f:
        f.write(text)
    with open(args.csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["date", "machine", "section", "variant", "tool", "metric", "unit", "runs",
                    "median", "min", "p90", "ratio_to_berth", "peak_rss_mib", "failures",
                    "note"])
        for r in rows:
            w.writerow([now, machine, r.section, r.variant, r.tool, r.metric, r.unit,
                        len(r.samples), r.median(), r.min(), r.p90(), r.ratio,
                        r.extra.get("rss"), r.failures, r.note])
    print(f"written to {args.out} and {args.csv}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.splitlines()[2:]))
    ap.add_argument("--iterations", "-n", type=int, default=int(os.environ.get("N", 100)),
                    help="timed runs per tool and variant (default 100)")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--halt-iterations", type=int, default=10,
                    help="clean `stop` cycles per tool (busybox init takes ~2 s to halt)")
    ap.add_argument("--rounds", type=int, default=5, help="parallel rounds per tool")
    ap.add_argument("--density", type=int, default=200, help="containers for density")
    ap.add_argument("--quick", action="store_true",
                    help="10 iterations, 2 warm-up, 3 halts, 1 parallel round, 20 density "
                    "containers: for development")
    ap.add_argument("--only", default=",".join(PARTS),
                    help=f"comma-separated parts: {','.join(PARTS)}")
    ap.add_argument("--out", default=os.path.join(REPO, "bench", "results.md"))
    ap.add_argument("--csv", default=os.path.join(REPO, "bench", "results.csv"))
    ap.add_argument("--rootfs", default=os.path.join(REPO, "build", "rootfs"))
    ap.add_argument("--probe", help="static probe for the rootfs (default: the built one)")
    args = ap.parse_args()
    if args.quick:
        args.iterations, args.warmup, args.halt_iterations = 10, 2, 3
        args.rounds, args.density = 1, 20
    only = [p for p in args.only.split(",") if p]
    bad = [p for p in only if p not in PARTS]
    if bad:
        ap.error(f"unknown part {bad[0]!r}; parts: {','.join(PARTS)}")
    if os.geteuid() != 0:
        sys.exit("bench: needs root")

    # A SIGTERM (a time-out, a killed make) cleans up as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    token = secrets.token_hex(3)
    work = tempfile.mkdtemp(prefix=f"berth-bench-{token}-", dir="/tmp")
    pivot_before = glob_cgroups("lxc.pivot")
    snapshot_berth(work)
    st = Startup(work, token, args)
    sysb = System(work, token, args)
    rows, versions, notes = [], {}, []
    try:
        if any(p in only for p in ("startup", "exec", "parallel")):
            st.setup()
            versions.update(st.versions)
            notes += st.notes
        if "startup" in only:
            rows += st.startup(args.iterations, args.warmup)
        if "exec" in only:
            rows += st.exec(args.iterations, args.warmup)
        if "parallel" in only:
            rows += st.parallel(args.rounds)
        if "system" in only or "density" in only:
            sysb.setup()
            versions.update(sysb.versions)
            if not sysb.network:
                notes.append("system containers measured WITHOUT network: "
                             "`berth net` is not in this build")
        if "system" in only:
            rows += sysb.measure(args.iterations, args.halt_iterations, args.warmup)
        if "density" in only:
            rows += sysb.density(args.density)
            notes += [n for n in sysb.notes if n.startswith("density:")]
    except KeyboardInterrupt:
        print("bench: interrupted; cleaning up", file=sys.stderr)
        raise
    finally:
        for step in (sysb.cleanup, st.cleanup, lambda: remove_cgroups(token, pivot_before)):
            try:
                step()
            except Exception as e:  # one failed step must not skip the others
                print(f"bench: clean-up: {e!r}", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)
    notes += [n for n in sysb.notes if not n.startswith("density:")]
    add_ratios(rows)
    report(args, rows, versions, notes)


if __name__ == "__main__":
    main()
