# SPDX-License-Identifier: LGPL-2.1-or-later
"""What only a pure cgroup-v2 machine has: each linux.resources field in
its v2 file (with the v1->v2 conversions of docs/runtime.md), `unified`
keys, cgroup.freeze, cgroup.kill, memory.events, clone3(CLONE_INTO_CGROUP)
and nested and delegated cgroups. The device filter (eBPF) has its own
file, test_cgroup_v2_devices.py. Skipped elsewhere; `make check-v2` runs
them in a cgroup-v2 guest (tests/vm)."""
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from conftest import (CGROOT, CGROUP_LAYOUT, PROBE, V2, assert_berth_error,
                      assert_in_container_cgroup, cgroup_dir, has_swap_accounting, kv, kv_all,
                      pid_alive, read, wait_for)

pytestmark = pytest.mark.skipif(
    not V2, reason=f"cgroup v2 only (this machine is {CGROUP_LAYOUT}); "
                   "`make check-v2` runs these in a pure cgroup-v2 guest")

MiB = 1024 * 1024
TRACEFS = Path("/sys/kernel/tracing")


def cg(c, name):
    return read(cgroup_dir(None, c.id) / name).strip()


def events(c, name):
    """A `key value` file (memory.events, cgroup.events, ...) -> dict of ints."""
    return {k: int(v) for k, v in kv(cg(c, name).replace(" ", "=")).items()}


def block_device():
    """(name, major, minor) of a disk: the guest of `make check-v2` has vda."""
    for dev in sorted(Path("/sys/block").glob("*/dev")):
        name = dev.parent.name
        if not name.startswith(("loop", "ram", "zram", "nbd")):
            major, minor = read(dev).strip().split(":")
            return name, int(major), int(minor)
    pytest.skip("this machine has no block device other than loop/ram/zram")


def huge_page_sizes():
    """The huge page sizes of this kernel as the spec names them ("2MB", "1GB")."""
    out = []
    for d in sorted(Path("/sys/kernel/mm/hugepages").glob("hugepages-*kB")):
        kb = int(d.name[len("hugepages-"):-2])
        out.append((f"{kb // 1024 // 1024}GB" if kb >= 1024 * 1024 else f"{kb // 1024}MB",
                    kb * 1024))
    return out


# ---------------------------------------------------------------- tracing

class Trace:
    """A private ftrace instance: what the kernel did, seen from outside
    (a cgroup migration, a freeze), without strace or a change to berth."""

    LINE = re.compile(r"\s(cgroup_\w+): (.*)$")

    def __init__(self, path):
        self.path = path

    def enable(self, *names):
        for n in names:
            (self.path / "events" / "cgroup" / n / "enable").write_text("1")

    def clear(self):
        (self.path / "trace").write_text("")

    def records(self, name):
        out = []
        for line in read(self.path / "trace").splitlines():
            m = self.LINE.search(line)
            if m and m.group(1) == name:
                out.append(dict(f.split("=", 1) for f in m.group(2).split() if "=" in f))
        return out

    def paths(self, name, cid):
        """The cgroup paths of `name` records that name the container."""
        paths = (r.get("dst_path") or r.get("path") or "" for r in self.records(name))
        return [p for p in paths if cid in p]


@pytest.fixture
def trace(ctx):
    if not (TRACEFS / "instances").is_dir():
        pytest.skip(f"no tracefs at {TRACEFS} (mount -t tracefs tracefs {TRACEFS})")
    if not (TRACEFS / "events" / "cgroup" / "cgroup_attach_task").is_dir():
        pytest.skip("this kernel has no cgroup trace events")
    inst = TRACEFS / "instances" / f"berth-{ctx.token}"
    inst.mkdir()
    t = Trace(inst)
    try:
        yield t
    finally:
        try:
            (inst / "events" / "enable").write_text("0")
        except OSError:
            pass
        for _ in range(50):
            try:
                inst.rmdir()
                break
            except OSError:
                time.sleep(0.05)


# ---------------------------------------------------------------- CLONE_INTO_CGROUP

def test_init_is_born_in_its_cgroup_without_a_migration(bundle, ctx, trace):
    trace.enable("cgroup_attach_task")
    # The tracer sees a migration (a cgroup.procs write) when there is one.
    scratch = CGROOT / f"t-attach-{ctx.token}"
    scratch.mkdir()
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        (scratch / "cgroup.procs").write_text(str(sleeper.pid))
        assert trace.paths("cgroup_attach_task", f"t-attach-{ctx.token}") == \
            [f"/t-attach-{ctx.token}"]
    finally:
        sleeper.kill()
        sleeper.wait()
    wait_for(lambda: read(scratch / "cgroup.procs") == "", what="the sleeper to go")
    scratch.rmdir()

    c = bundle([PROBE, "sleep", "100"])
    c.create()
    pid = c.pid()
    assert_in_container_cgroup(pid, c.id)
    assert read(f"/proc/{pid}/cgroup").strip() == f"0::/berth/{c.id}"
    c.start()
    # clone3(CLONE_INTO_CGROUP): the init was never moved, so the kernel
    # traced no attach to the container's cgroup.
    assert trace.paths("cgroup_attach_task", c.id) == [], trace.records("cgroup_attach_task")
    c.delete(force=True)


# ---------------------------------------------------------------- memory

def test_memory_max_low_and_swap_max(bundle):
    c = bundle()
    c.resources["memory"] = {"limit": 64 * MiB, "reservation": 32 * MiB}
    if has_swap_accounting():
        c.resources["memory"]["swap"] = 96 * MiB
    c.create()
    assert cg(c, "memory.max") == str(64 * MiB)
    assert cg(c, "memory.low") == str(32 * MiB)
    if has_swap_accounting():
        # the spec's swap is memory+swap; memory.swap.max is swap alone
        assert cg(c, "memory.swap.max") == str(32 * MiB)
    c.delete()


@pytest.mark.parametrize("limit,swap,want_max,want_swap", [
    (64 * MiB, -1, str(64 * MiB), "max"),   # unlimited swap
    (-1, None, "max", "max"),               # unlimited memory: swap too (runc)
    (64 * MiB, 64 * MiB, str(64 * MiB), "0"),  # memory+swap == memory: no swap
])
def test_memory_swap_max_conversion(bundle, limit, swap, want_max, want_swap):
    if not has_swap_accounting():
        pytest.skip("this kernel has no memory.swap.max (swap accounting is off)")
    c = bundle()
    c.resources["memory"] = {"limit": limit, **({"swap": swap} if swap is not None else {})}
    c.create()
    assert cg(c, "memory.max") == want_max
    assert cg(c, "memory.swap.max") == want_swap
    c.delete()


def test_memory_swap_without_a_limit_is_refused(bundle):
    c = bundle()
    c.resources["memory"] = {"swap": 64 * MiB}
    assert_berth_error(c.create(check=False), "linux.resources.memory.swap", "memory limit")


def test_memory_high_through_unified(bundle):
    c = bundle()
    c.resources["memory"] = {"limit": 64 * MiB}
    c.resources["unified"] = {"memory.high": str(48 * MiB)}
    c.create()
    assert cg(c, "memory.high") == str(48 * MiB)
    assert cg(c, "memory.max") == str(64 * MiB)
    c.delete()


def memory_limit(c, limit):
    c.resources["memory"] = {"limit": limit}
    if has_swap_accounting():
        c.resources["memory"]["swap"] = limit  # no swap: the OOM killer comes sooner


def test_oom_kill_is_counted_in_memory_events(bundle):
    c = bundle([PROBE, "alloc", "100"])
    memory_limit(c, 32 * MiB)
    c.create()
    c.start()
    c.wait_status("stopped", timeout=60)
    ev = events(c, "memory.events")
    assert ev["oom_kill"] == 1, ev
    assert ev["oom"] >= 1 and ev["max"] >= 1, ev
    assert events(c, "memory.events.local")["oom_kill"] == 1
    assert "alloc=done" not in c.output()
    c.delete()


@pytest.mark.parametrize("group", [False, True])
def test_memory_oom_group_kills_the_whole_container(bundle, group):
    c = bundle(["sh", "-c", f"{PROBE} sleep 100 & {PROBE} alloc 100; wait"])
    memory_limit(c, 32 * MiB)
    if group:
        c.resources["unified"] = {"memory.oom.group": "1"}
    c.create()
    c.start()
    wait_for(lambda: events(c, "memory.events")["oom_kill"] >= 1, 60, what="an OOM kill")
    if group:
        c.wait_status("stopped", timeout=30)
        assert events(c, "memory.events")["oom_group_kill"] >= 1
    else:
        # only the allocator dies; sh goes on waiting for the sleeper
        time.sleep(0.5)
        assert c.status() == "running"
        assert events(c, "memory.events")["oom_group_kill"] == 0
    c.delete(force=True)


# ---------------------------------------------------------------- cpu

@pytest.mark.parametrize("shares,weight", [(1024, 39), (512, 20), (2, 1), (262144, 10000)])
def test_cpu_shares_become_cpu_weight(bundle, shares, weight):
    # docs/runtime.md: weight = 1 + (shares - 2) * 9999 / 262142 (runc, crun)
    c = bundle()
    c.resources["cpu"] = {"shares": shares}
    c.create()
    assert cg(c, "cpu.weight") == str(weight)
    c.delete()


@pytest.mark.parametrize("cpu,want", [
    ({"quota": 20000, "period": 50000}, "20000 50000"),
    ({"quota": -1, "period": 50000}, "max 50000"),
    ({"quota": 30000}, "30000 100000"),  # the kernel's default period stays
])
def test_cpu_max_from_quota_and_period(bundle, cpu, want):
    c = bundle()
    c.resources["cpu"] = dict(cpu)
    c.create()
    assert cg(c, "cpu.max") == want
    c.delete()


def test_cpu_max_burst(bundle):
    c = bundle()
    c.resources["cpu"] = {"quota": 20000, "period": 100000, "burst": 5000}
    c.create()
    assert cg(c, "cpu.max.burst") == "5000"
    c.delete()


def test_cpu_max_throttles_a_busy_loop(bundle):
    c = bundle(["sh", "-c", "timeout 1 sh -c 'while :; do :; done'; true"])
    c.resources["cpu"] = {"quota": 10000, "period": 100000}  # 10% of a CPU
    c.create()
    c.start()
    c.wait_status("stopped", timeout=30)
    stat = {k: int(v) for k, v in kv(cg(c, "cpu.stat").replace(" ", "=")).items()}
    assert stat["nr_throttled"] >= 1 and stat["throttled_usec"] > 0, stat
    c.delete()


def test_cpuset_cpus_and_mems(bundle):
    cpu = "1" if (os.cpu_count() or 1) > 1 else "0"
    c = bundle([PROBE, "cat", "/proc/self/status"])
    c.resources["cpu"] = {"cpus": cpu, "mems": "0"}
    c.create()
    assert cg(c, "cpuset.cpus") == cpu
    assert cg(c, "cpuset.cpus.effective") == cpu
    assert cg(c, "cpuset.mems") == "0"
    c.start()
    c.wait_status("stopped")
    allowed = [l.split()[-1] for l in c.output().splitlines()
               if l.startswith("line=Cpus_allowed_list:")]
    assert allowed == [cpu], c.output()
    c.delete()


# ---------------------------------------------------------------- pids

@pytest.mark.parametrize("limit,want", [(20, "20"), (0, "max"), (-1, "max")])
def test_pids_max(bundle, limit, want):
    c = bundle()
    c.resources["pids"] = {"limit": limit}
    c.create()
    assert cg(c, "pids.max") == want
    c.delete()


def test_pids_max_counts_refused_forks_in_pids_events(bundle):
    c = bundle([PROBE, "fork", "30"])
    c.resources["pids"] = {"limit": 10}
    c.create()
    c.start()
    c.wait_status("stopped", timeout=30)
    assert kv(c.output()).get("fork_errno") == "EAGAIN", c.output()
    assert events(c, "pids.events")["max"] >= 1
    c.delete()


# ---------------------------------------------------------------- io

def test_io_max_line_per_device(bundle):
    _, major, minor = block_device()
    dev = {"major": major, "minor": minor}
    c = bundle()
    c.resources["blockIO"] = {
        "throttleReadBpsDevice": [{**dev, "rate": MiB}],
        "throttleWriteIOPSDevice": [{**dev, "rate": 50}],
    }
    c.create()
    lines = [l for l in cg(c, "io.max").splitlines() if l.startswith(f"{major}:{minor} ")]
    assert len(lines) == 1, cg(c, "io.max")
    assert set(lines[0].split()[1:]) == {f"rbps={MiB}", "wbps=max", "riops=max", "wiops=50"}
    c.delete()


def test_io_max_throttles_direct_reads(bundle):
    name, major, minor = block_device()
    c = bundle(["sh", "-c", f"dd if=/dev/{name} of=/dev/null bs=64k count=48 iflag=direct"])
    c.linux.setdefault("devices", []).append(
        {"path": f"/dev/{name}", "type": "b", "major": major, "minor": minor, "fileMode": 0o600})
    c.resources["blockIO"] = {"throttleReadBpsDevice": [{"major": major, "minor": minor,
                                                         "rate": MiB}]}
    c.create()
    t0 = time.monotonic()
    c.start()
    c.wait_status("stopped", timeout=60)
    took = time.monotonic() - t0
    stat = [l for l in cg(c, "io.stat").splitlines() if l.startswith(f"{major}:{minor} ")]
    rbytes = int(kv(stat[0].replace(" ", "\n"))["rbytes"]) if stat else 0
    assert rbytes >= 3 * MiB, (stat, c.output())
    # 3 MiB at 1 MiB/s: about 3 s (the first slice comes at once)
    assert took >= 1.5, f"3 MiB read in {took:.2f} s despite rbps=1MiB"
    c.delete()


def bfq_loaded(ctx):
    """Whether cgroups have BFQ's io.bfq.weight (not on the root: ask a
    scratch cgroup of the test's own)."""
    scratch = CGROOT / f"t-scratch-{ctx.token}"
    scratch.mkdir()
    try:
        return (scratch / "io.bfq.weight").exists()
    finally:
        scratch.rmdir()


@pytest.mark.parametrize("weight,want", [(500, 4950), (10, 1), (1000, 10000)])
def test_blkio_weight_becomes_io_weight(bundle, ctx, weight, want):
    # docs/runtime.md: io.weight = 1 + (weight - 10) * 9999 / 990; with BFQ
    # loaded the weight goes to io.bfq.weight as it is
    file, want = ("io.bfq.weight", weight) if bfq_loaded(ctx) else ("io.weight", want)
    c = bundle()
    c.resources["blockIO"] = {"weight": weight}
    c.create()
    assert cg(c, file).splitlines()[0] == f"default {want}"
    c.delete()


@pytest.fixture
def bfq_disk(ctx):
    """A disk scheduled by BFQ. The guest of `make check-v2`
    (BERTH_VM_GUEST) loads the module from its kernel package and puts its
    scratch disk under BFQ for the test; elsewhere a disk already under BFQ
    is used."""
    name, major, minor = block_device()
    sched = Path(f"/sys/block/{name}/queue/scheduler")
    loaded = False
    if "bfq" not in read(sched).replace("[", " ").replace("]", " ").split():
        ko = Path(f"/lib/modules/{os.uname().release}/kernel/block/bfq.ko")
        if not os.environ.get("BERTH_VM_GUEST"):
            pytest.skip("no disk can be put under BFQ here (this is not the test guest)")
        if not ko.exists():
            pytest.skip(f"no {ko}")
        subprocess.run(["/bin/busybox", "insmod", str(ko)], check=True)
        loaded = True
    old = re.search(r"\[(\S+)\]", read(sched)).group(1)
    sched.write_text("bfq")
    try:
        yield name, major, minor
    finally:
        sched.write_text(old)
        if loaded:
            subprocess.run(["/bin/busybox", "rmmod", "bfq"], check=False)


def test_blkio_weights_go_to_io_bfq_weight_under_bfq(bundle, bfq_disk):
    # A disk under BFQ obeys io.bfq.weight only (io.weight is io.cost's).
    _, major, minor = bfq_disk
    c = bundle()
    c.resources["blockIO"] = {"weight": 500,
                              "weightDevice": [{"major": major, "minor": minor, "weight": 300}]}
    c.create()
    lines = cg(c, "io.bfq.weight").splitlines()
    assert lines[0] == "default 500"
    assert f"{major}:{minor} 300" in lines, lines
    c.delete()


@pytest.fixture
def iocost_device():
    """A disk with the io.cost controller on: per-device io.weight needs
    it. The guest of `make check-v2` (BERTH_VM_GUEST) turns it on for its
    scratch disk; elsewhere a disk where it is already on is used."""
    name, major, minor = block_device()
    qos = CGROOT / "io.cost.qos"
    if not qos.exists():
        pytest.skip("this kernel has no io.cost controller")
    on = [l.split()[0] for l in read(qos).splitlines() if "enable=1" in l]
    if on:
        yield tuple(int(x) for x in on[0].split(":"))
        return
    if not os.environ.get("BERTH_VM_GUEST"):
        pytest.skip("no disk has io.cost enabled (io.cost.qos), and this is not the test guest")
    qos.write_text(f"{major}:{minor} enable=1")
    try:
        yield major, minor
    finally:
        qos.write_text(f"{major}:{minor} enable=0")


def test_blkio_weight_device_becomes_an_io_weight_line(bundle, iocost_device):
    major, minor = iocost_device
    c = bundle()
    c.resources["blockIO"] = {"weight": 500,
                              "weightDevice": [{"major": major, "minor": minor, "weight": 100}]}
    c.create()
    lines = cg(c, "io.weight").splitlines()
    assert lines[0] == "default 4950"
    assert f"{major}:{minor} 910" in lines, lines
    c.delete()


# ---------------------------------------------------------------- hugetlb

@pytest.mark.parametrize("size", ["2MB", "1GB"])
def test_hugetlb_max_for_each_page_size(bundle, size):
    sizes = dict(huge_page_sizes())
    if size not in sizes:
        pytest.skip(f"this kernel has no {size} huge pages")
    if "hugetlb" not in read(CGROOT / "cgroup.controllers").split():
        pytest.skip("this machine has no hugetlb controller")
    c = bundle()
    c.resources["hugepageLimits"] = [{"pageSize": size, "limit": 2 * sizes[size]}]
    c.create()
    assert cg(c, f"hugetlb.{size}.max") == str(2 * sizes[size])
    # the reservation limit too (5.7+), so an mmap beyond the limit fails
    # at once instead of a later page fault killing the process with SIGBUS
    if (cgroup_dir(None, c.id) / f"hugetlb.{size}.rsvd.max").exists():
        assert cg(c, f"hugetlb.{size}.rsvd.max") == str(2 * sizes[size])
    c.delete()


# ---------------------------------------------------------------- unified

def test_unified_keys_are_written_verbatim(bundle):
    c = bundle()
    c.resources["unified"] = {"memory.oom.group": "1", "pids.max": "7", "cpu.weight": "77",
                              "memory.high": "max", "cgroup.max.descendants": "3"}
    c.create()
    for k, v in c.resources["unified"].items():
        assert cg(c, k) == v, k
    c.delete()


def test_unified_wins_over_the_structured_field(bundle):
    c = bundle()
    c.resources["memory"] = {"limit": 64 * MiB}
    c.resources["unified"] = {"memory.max": str(32 * MiB)}
    c.create()
    assert cg(c, "memory.max") == str(32 * MiB)
    c.delete()


@pytest.mark.parametrize("key,needle", [("memory.nosuch", "memory.nosuch"),
                                        ("../cgroup.procs", "not a cgroup file name"),
                                        ("nodot", "not a cgroup file name")])
def test_a_bad_unified_key_is_refused_by_name(bundle, key, needle):
    c = bundle()
    c.resources["unified"] = {key: "1"}
    assert_berth_error(c.create(check=False), "linux.resources.unified", needle)


# ---------------------------------------------------------------- freeze and kill

def test_pause_and_resume_write_cgroup_freeze(bundle, trace):
    trace.enable("cgroup_freeze", "cgroup_unfreeze")
    c = bundle(["sh", "-c", f"{PROBE} sleep 100 & {PROBE} sleep 100 & wait"])
    c.create()
    c.start()
    c.rt("pause", c.id).ok()
    assert cg(c, "cgroup.freeze") == "1"
    assert events(c, "cgroup.events")["frozen"] == 1
    assert c.status() == "paused"
    c.rt("resume", c.id).ok()
    assert cg(c, "cgroup.freeze") == "0"
    assert events(c, "cgroup.events")["frozen"] == 0
    assert c.status() == "running"
    path = f"/berth/{c.id}"
    assert trace.paths("cgroup_freeze", c.id) == [path]
    assert trace.paths("cgroup_unfreeze", c.id) == [path]
    c.delete(force=True)


def three_processes(bundle, pid_ns=True):
    c = bundle(["sh", "-c", f"{PROBE} sleep 100 & {PROBE} sleep 100 & wait"])
    if not pid_ns:
        c.remove_namespace("pid")
    c.create()
    c.start()
    procs = cgroup_dir(None, c.id) / "cgroup.procs"
    wait_for(lambda: len(read(procs).split()) == 3, what="three processes")
    return c, procs


def test_kill_all_sigkill_uses_cgroup_kill(bundle, trace):
    trace.enable("cgroup_freeze")
    c, procs = three_processes(bundle)
    # Another signal goes pid by pid inside a freeze (nothing forks in
    # between): the tracer sees that freeze...
    c.kill("CONT", all=True)
    assert trace.paths("cgroup_freeze", c.id) == [f"/berth/{c.id}"]
    trace.clear()
    # ...and SIGKILL none: cgroup.kill kills the whole tree at once.
    c.kill("KILL", all=True)
    wait_for(lambda: read(procs, "").split() == [], what="an empty cgroup")
    assert trace.paths("cgroup_freeze", c.id) == []
    c.wait_status("stopped")
    c.delete()


def test_kill_all_sigkill_of_a_paused_container(bundle):
    # v2 delivers fatal signals to frozen tasks: no thaw needed
    c, procs = three_processes(bundle)
    c.rt("pause", c.id).ok()
    c.kill("KILL", all=True)
    wait_for(lambda: read(procs, "").split() == [], what="an empty cgroup")
    c.delete(force=True)


def test_delete_force_kills_what_outlives_the_init_with_cgroup_kill(bundle, trace):
    # Without a pid namespace the children survive the init's SIGKILL;
    # delete empties the cgroup with cgroup.kill, not with a freeze round.
    trace.enable("cgroup_freeze")
    c, procs = three_processes(bundle, pid_ns=False)
    pids = [int(p) for p in read(procs).split()]
    d = cgroup_dir(None, c.id)
    c.delete(force=True)
    assert not d.exists()
    assert trace.paths("cgroup_freeze", c.id) == []
    assert [p for p in pids if pid_alive(p)] == []


# ---------------------------------------------------------------- cgroupsPath

def test_nested_cgroups_path(bundle, ctx):
    top = f"/berth-nested-{ctx.token}"
    a, b = bundle([PROBE, "sleep", "100"]), bundle([PROBE, "sleep", "100"])
    a.linux["cgroupsPath"] = f"{top}/a/b"
    b.linux["cgroupsPath"] = f"{top}/a/c"
    for c in (a, b):
        c.resources["memory"] = {"limit": 64 * MiB}
        c.resources["pids"] = {"limit": 30}
        c.create()
        c.start()
    leaf = CGROOT / top.lstrip("/") / "a" / "b"
    assert read(leaf / "memory.max").strip() == str(64 * MiB)
    assert read(leaf / "pids.max").strip() == "30"
    assert read(f"/proc/{a.pid()}/cgroup").strip() == f"0::{top}/a/b"
    # levels berth made pass every controller down, so a later update finds
    # its files
    for level in (CGROOT / top.lstrip("/"), leaf.parent):
        on = read(level / "cgroup.subtree_control").split()
        assert {"memory", "pids", "cpu", "io"} <= set(on), (level, on)
    a.delete(force=True)
    assert not leaf.exists()
    assert leaf.parent.is_dir(), "a parent b's container still uses was removed"
    b.delete(force=True)
    assert not (CGROOT / top.lstrip("/")).exists()


def test_relative_cgroups_path_goes_under_berth(bundle, ctx):
    c = bundle([PROBE, "sleep", "100"])
    c.linux["cgroupsPath"] = f"rel-{ctx.token}/x"
    c.create()
    assert read(f"/proc/{c.pid()}/cgroup").strip() == f"0::/berth/rel-{ctx.token}/x"
    c.delete()
    assert not (CGROOT / "berth" / f"rel-{ctx.token}").exists()


def test_an_existing_parent_gets_only_the_controllers_the_container_needs(bundle, ctx):
    parent = CGROOT / f"t-deleg-{ctx.token}"
    parent.mkdir()  # someone else's, with nothing passed down
    assert read(parent / "cgroup.subtree_control").split() == []
    c = bundle([PROBE, "sleep", "100"])
    c.linux["cgroupsPath"] = f"/t-deleg-{ctx.token}/c"
    c.resources["pids"] = {"limit": 9}
    c.create()
    assert read(parent / "cgroup.subtree_control").split() == ["pids"]
    assert read(parent / "c" / "pids.max").strip() == "9"
    c.delete()
    assert not (parent / "c").exists()
    if parent.exists():  # whether delete also removes an empty parent is not the point here
        parent.rmdir()


def test_a_container_can_make_cgroups_of_its_own(bundle):
    # Its cgroup is delegated: with a cgroup namespace and a writable
    # cgroup2 mount it makes a child cgroup and moves itself there; pause,
    # kill --all and delete must cover that subtree too.
    c = bundle(["sh", "-c", "mkdir /sys/fs/cgroup/sub && echo $$ > /sys/fs/cgroup/sub/cgroup.procs"
                f" && exec {PROBE} sleep 100"])
    c.add_namespace("cgroup")
    for m in c.config["mounts"]:
        if m["destination"] == "/sys/fs/cgroup":
            m["options"] = [o for o in m.get("options", []) if o != "ro"]
    c.create()
    c.start()
    pid = c.pid()
    sub = cgroup_dir(None, c.id) / "sub"
    wait_for(lambda: read(sub / "cgroup.procs", "").split() == [str(pid)], what="the move")
    assert read(f"/proc/{pid}/cgroup").strip() == f"0::/berth/{c.id}/sub"
    c.rt("pause", c.id).ok()
    assert events(c, "cgroup.events")["frozen"] == 1
    assert "frozen 1" in read(sub / "cgroup.events")
    c.rt("resume", c.id).ok()
    c.kill("KILL", all=True)
    c.wait_status("stopped")
    c.delete()
    assert not cgroup_dir(None, c.id).exists()


def test_inside_a_cgroup_namespace_the_container_sees_its_own_cgroup2(bundle):
    c = bundle([PROBE, "cgroup", "cat", "/sys/fs/cgroup/pids.max"])
    c.add_namespace("cgroup")
    c.resources["pids"] = {"limit": 11}
    r = c.run()
    assert r.rc == 0, r
    assert kv_all(r.out, "cgroup") == ["0::/"], r.out
    assert kv(r.out).get("line") == "11", r.out


# ---------------------------------------------------------------- update

def test_update_of_memory_swap_alone_keeps_the_current_memory_limit(bundle):
    # The spec's swap is memory+swap; v2's memory.swap.max is swap alone,
    # so an update that gives only the former needs the limit the cgroup
    # has now (runc merges the update into the container's config).
    if not has_swap_accounting():
        pytest.skip("this kernel has no memory.swap.max (swap accounting is off)")
    c = bundle([PROBE, "sleep", "100"])
    c.resources["memory"] = {"limit": 64 * MiB, "swap": 64 * MiB}
    c.create()
    c.start()
    assert cg(c, "memory.swap.max") == "0"
    c.rt("update", "--memory-swap", str(96 * MiB), c.id).ok()
    assert cg(c, "memory.max") == str(64 * MiB)
    assert cg(c, "memory.swap.max") == str(32 * MiB)
    c.delete(force=True)
