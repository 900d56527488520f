# SPDX-License-Identifier: LGPL-2.1-or-later
"""update (live cgroup limits, both cgroup versions), ps and events
(stats JSON, OOM events)."""
import json
import signal
import subprocess
import time

import pytest

from conftest import (PROBE, V2, assert_berth_error, has_swap_accounting, kv, read,
                      wait_for)

MiB = 1024 * 1024


def cg(c, ctrl, name):
    return read(c.cgroup(ctrl) / name).strip()


def running(bundle, args=(PROBE, "sleep", "100"), resources=None):
    c = bundle(list(args))
    if resources:
        c.resources.update(resources)
    c.create()
    c.start()
    return c


def memory_limit(c):
    return cg(c, None, "memory.max") if V2 else cg(c, "memory", "memory.limit_in_bytes")


def pids_max(c):
    return cg(c, "pids", "pids.max")


def test_update_memory_cpu_and_pids_live(bundle):
    c = running(bundle)
    pid = c.pid()
    c.rt("update", "--memory", "64m", "--memory-reservation", "32M", "--cpu-quota", "20000",
         "--cpu-period", "100000", "--cpu-share", "512", "--pids-limit", "42", c.id).ok()
    assert memory_limit(c) == str(64 * MiB)
    assert pids_max(c) == "42"
    if V2:
        assert cg(c, None, "memory.low") == str(32 * MiB)
        assert cg(c, None, "cpu.max") == "20000 100000"
        assert cg(c, None, "cpu.weight") == str(1 + (512 - 2) * 9999 // 262142)
    else:
        assert cg(c, "memory", "memory.soft_limit_in_bytes") == str(32 * MiB)
        assert cg(c, "cpu", "cpu.cfs_quota_us") == "20000"
        assert cg(c, "cpu", "cpu.cfs_period_us") == "100000"
        assert cg(c, "cpu", "cpu.shares") == "512"
    # and again: raise and lift
    c.rt("update", "--memory", "1g", "--cpu-quota", "-1", "--pids-limit", "-1", c.id).ok()
    assert memory_limit(c) == str(1024 * MiB)
    assert pids_max(c) == "max"
    if V2:
        assert cg(c, None, "cpu.max").split()[0] == "max"
    else:
        assert cg(c, "cpu", "cpu.cfs_quota_us") == "-1"
    assert c.pid() == pid and c.status() == "running"
    c.delete(force=True)


def test_update_cpuset(bundle):
    c = running(bundle)
    c.rt("update", "--cpuset-cpus", "0", "--cpuset-mems", "0", c.id).ok()
    assert cg(c, "cpuset", "cpuset.cpus") == "0"
    assert cg(c, "cpuset", "cpuset.mems") == "0"
    c.delete(force=True)


def test_update_memory_limit_bites(bundle):
    c = running(bundle)
    limit = 32 * MiB
    args = ["--memory", str(limit)]
    if has_swap_accounting():
        args += ["--memory-swap", str(limit)]
    c.rt("update", *args, c.id).ok()
    r = c.rt("exec", c.id, PROBE, "alloc", "100", timeout=60)
    assert r.rc == 128 + signal.SIGKILL, r
    assert "alloc=done" not in r.out
    c.delete(force=True)


def test_update_from_a_resources_file_and_stdin(bundle, ctx):
    c = running(bundle)
    res = ctx.work / "resources.json"
    res.write_text(json.dumps({"memory": {"limit": 48 * MiB}, "pids": {"limit": 77}}))
    c.rt("update", "--resources", res, c.id).ok()
    assert memory_limit(c) == str(48 * MiB)
    assert pids_max(c) == "77"
    # a flag wins over the file
    c.rt("update", "-r", res, "--pids-limit", "78", c.id).ok()
    assert pids_max(c) == "78"
    r = subprocess.run(c.rt.argv("update", "-r", "-", c.id), capture_output=True, text=True,
                       input=json.dumps({"memory": {"limit": 40 * MiB}}), timeout=20)
    assert r.returncode == 0, r
    assert memory_limit(c) == str(40 * MiB)
    c.delete(force=True)


def test_update_with_a_bad_resources_file_names_file_line_and_column(bundle, ctx):
    c = running(bundle, resources={"memory": {"limit": 64 * MiB}})
    res = ctx.work / "resources.json"
    res.write_text('{\n  "memory": {\n    "limit": "lots"\n  }\n}\n')
    r = c.rt("update", "-r", res, c.id)
    assert_berth_error(r, f"update {c.id}", f"{res}:3:14", "memory.limit", "expected an integer")
    res.write_text('{"pids": {"limit": 5},}')
    assert_berth_error(c.rt("update", "-r", res, c.id), f"{res}:1:")
    r = subprocess.run(c.rt.argv("update", "-r", "-", c.id), capture_output=True, text=True,
                       input='{"cpu": {"shares": -3}}', timeout=20)
    assert r.returncode != 0 and "stdin:1:" in r.stderr and "cpu.shares" in r.stderr, r
    assert memory_limit(c) == str(64 * MiB), "nothing was changed"
    c.delete(force=True)


@pytest.mark.parametrize("flag,value", [("--memory", "12q"), ("--memory", "-5"),
                                        ("--cpu-quota", "x"), ("--pids-limit", "1.5")])
def test_update_with_a_bad_flag_value(bundle, flag, value):
    c = running(bundle)
    assert_berth_error(c.rt("update", flag, value, c.id), flag)
    c.delete(force=True)


def test_update_of_a_stopped_or_unknown_container(bundle, runtime, ctx):
    c = bundle(["sh", "-c", "exit 0"])
    c.create()
    c.start()
    c.wait_status("stopped")
    assert_berth_error(c.rt("update", "--memory", "64m", c.id), f"update {c.id}", "stopped")
    c.delete()
    assert_berth_error(runtime("update", "--memory", "64m", f"nope-{ctx.token}"),
                       "does not exist")


def test_ps_lists_the_processes_as_table_and_json(bundle, ctx):
    c = running(bundle)
    init = c.pid()
    pid_file = ctx.work / "exec.pid"
    c.rt("exec", "-d", "--pid-file", pid_file, c.id, PROBE, "sleep", "100").ok()
    pid = int(pid_file.read_text())
    r = c.rt("ps", "--format", "json", c.id).ok()
    assert sorted(json.loads(r.out)) == sorted([init, pid])
    r = c.rt("ps", c.id).ok()
    lines = r.out.splitlines()
    assert lines[0].split() == ["UID", "PID", "PPID", "CMD"]
    rows = {int(l.split()[1]): l for l in lines[1:]}
    assert set(rows) == {init, pid}
    assert f"{PROBE} sleep 100" in rows[pid]
    assert_berth_error(c.rt("ps", "--format", "yaml", c.id), "unknown format")
    c.delete(force=True)
    assert_berth_error(c.rt("ps", c.id), "does not exist")


def test_events_stats_has_runcs_fields_with_plausible_values(bundle):
    c = running(bundle, resources={"memory": {"limit": 64 * MiB}, "pids": {"limit": 50}})
    r = c.rt("events", "--stats", c.id).ok()
    lines = r.out.splitlines()
    assert len(lines) == 1
    ev = json.loads(lines[0])
    assert ev["type"] == "stats" and ev["id"] == c.id
    d = ev["data"]
    cpu, mem, pids = d["cpu"], d["memory"], d["pids"]
    assert cpu["usage"]["total"] > 0
    assert cpu["usage"]["total"] >= cpu["usage"]["user"] >= 0
    assert set(cpu["throttling"]) == {"periods", "throttledPeriods", "throttledTime"}
    assert mem["usage"]["limit"] == 64 * MiB
    assert 0 < mem["usage"]["usage"] <= 64 * MiB
    assert {"usage", "limit", "max", "failcnt"} <= set(mem["swap"])
    assert isinstance(mem["raw"], dict) and mem["raw"]
    assert pids == {"current": 1, "limit": 50}
    assert set(d["blkio"]) == {"ioServiceBytesRecursive", "ioServicedRecursive"}
    if not V2:
        assert len(cpu["usage"]["percpu"]) >= 1
        assert sum(cpu["usage"]["percpu"]) == cpu["usage"]["total"]
    c.delete(force=True)


def test_events_streams_stats_until_the_container_stops(bundle, ctx):
    c = running(bundle)
    out = ctx.work / "events.out"
    p = c.rt.popen("events", "--interval", "200ms", c.id, stdout=out)
    ctx.pids.append(p.pid)
    wait_for(lambda: read(out, "").count("\n") >= 2, what="two stats lines")
    c.kill("KILL")
    assert p.wait(timeout=10) == 0, read(p.err_path)
    events = [json.loads(l) for l in read(out).splitlines()]
    assert {e["type"] for e in events} == {"stats"}
    assert all(e["id"] == c.id for e in events)
    c.delete()


def test_events_reports_an_oom_kill(bundle, ctx):
    limits = {"limit": 32 * MiB}
    if has_swap_accounting():
        limits["swap"] = 32 * MiB
    c = running(bundle, resources={"memory": limits})
    out = ctx.work / "events.out"
    p = c.rt.popen("events", "--interval", "10s", c.id, stdout=out)
    ctx.pids.append(p.pid)
    time.sleep(0.3)  # let it read the counter before the kill
    r = c.rt("exec", c.id, PROBE, "alloc", "100", timeout=60)
    assert r.rc == 128 + signal.SIGKILL, r
    wait_for(lambda: '"oom"' in read(out, ""), what="an oom event")
    assert json.loads(read(out).splitlines()[0]) == {"type": "oom", "id": c.id}
    assert c.status() == "running", "the init survives its exec'd process's OOM kill"
    c.kill("KILL")
    assert p.wait(timeout=10) == 0
    c.delete()


@pytest.mark.parametrize("args,needle", [(["--interval", "soon"], "invalid duration"),
                                         (["--interval", "0s"], "invalid duration")])
def test_events_with_a_bad_interval(bundle, args, needle):
    c = running(bundle)
    assert_berth_error(c.rt("events", *args, c.id), needle)
    c.delete(force=True)


def test_events_of_a_stopped_or_unknown_container(bundle, runtime, ctx):
    c = bundle(["sh", "-c", "exit 0"])
    c.create()
    c.start()
    c.wait_status("stopped")
    assert_berth_error(c.rt("events", c.id), f"events {c.id}", "stopped")
    assert_berth_error(c.rt("events", "--stats", c.id), f"stats {c.id}", "stopped")
    c.delete()
    assert_berth_error(runtime("events", f"nope-{ctx.token}"), "does not exist")
