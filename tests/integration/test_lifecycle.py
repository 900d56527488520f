# SPDX-License-Identifier: LGPL-2.1-or-later
"""create / start / state / kill / delete / run / list / pause / resume."""
import json
import os
import signal

import pytest

from conftest import (PROBE, assert_berth_error, assert_in_container_cgroup, cgroup_dirs_of,
                      frozen, kv_all, pid_alive, read, wait_for)


def test_create_reports_created_with_a_pid_in_its_cgroup(bundle):
    c = bundle()
    c.create()
    st = c.state()
    assert st["status"] == "created"
    assert st["id"] == c.id
    assert st["ociVersion"]
    assert os.path.realpath(st["bundle"]) == os.path.realpath(c.path)
    assert st["pid"] > 0 and pid_alive(st["pid"])
    assert_in_container_cgroup(st["pid"], c.id)
    assert c.state_dir().is_dir()
    c.delete()


def test_start_makes_it_running_the_user_process(bundle):
    c = bundle([PROBE, "sleep", "100"])
    c.create()
    pid = c.pid()
    c.start()
    st = c.state()
    assert st["status"] == "running"
    assert st["pid"] == pid, "the init execs the user's process in place"
    cmdline = read(f"/proc/{pid}/cmdline").split("\0")
    assert cmdline[:3] == [PROBE, "sleep", "100"]
    c.kill("KILL")
    c.wait_status("stopped")
    c.delete()


@pytest.mark.parametrize("sig", ["TERM", "SIGTERM", "15", None])
def test_kill_delivers_sigterm_by_any_name(bundle, sig):
    c = bundle([PROBE, "signal-wait"])
    c.create()
    c.start()
    c.wait_output("ready")
    c.kill(*([sig] if sig else []))
    c.wait_status("stopped")
    assert kv_all(c.output(), "signal") == [str(int(signal.SIGTERM))]
    c.delete()


def test_kill_with_sigkill_stops_it(bundle):
    c = bundle([PROBE, "sleep", "100"])
    c.create()
    c.start()
    pid = c.pid()
    c.kill("KILL")
    c.wait_status("stopped")
    wait_for(lambda: not pid_alive(pid), what="the init to be gone")
    c.delete()


def test_delete_removes_state_dir_and_cgroups(bundle):
    c = bundle()
    c.create()
    dirs = cgroup_dirs_of(c.id)
    assert all(d.is_dir() for d in dirs), [str(d) for d in dirs if not d.is_dir()]
    pid = c.pid()
    c.delete()
    assert not c.state_dir().exists()
    assert [str(d) for d in dirs if d.exists()] == []
    wait_for(lambda: not pid_alive(pid), what="the created init to be gone")


def test_state_of_a_deleted_container_is_an_error(bundle):
    c = bundle()
    c.create()
    c.delete()
    assert_berth_error(c.rt("state", c.id), c.id)


def test_run_returns_the_exit_code(bundle):
    c = bundle([PROBE, "exit", "3"])
    r = c.run()
    assert r.rc == 3, r
    assert not c.state_dir().exists(), "run without --keep deletes the container"
    assert [str(d) for d in cgroup_dirs_of(c.id) if d.exists()] == []


def test_run_passes_the_output_through(bundle):
    c = bundle([PROBE, "hostname"])
    r = c.run()
    assert r.rc == 0, r
    assert "hostname=" in r.out


def test_run_killed_by_signal_9_exits_137(bundle):
    c = bundle([PROBE, "signal-wait"])
    p = c.run_background()
    try:
        c.wait_output("ready")
        os.kill(c.pid(), signal.SIGKILL)
        assert p.wait(timeout=15) == 137
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert not c.state_dir().exists()


def test_run_forwards_signals_to_the_container(bundle):
    c = bundle([PROBE, "signal-wait"])
    p = c.run_background()
    try:
        c.wait_output("ready")
        p.send_signal(signal.SIGUSR1)
        assert p.wait(timeout=15) == 0
        assert kv_all(c.output(), "signal") == [str(int(signal.SIGUSR1))]
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_run_detached_then_kill_and_delete(bundle):
    c = bundle([PROBE, "sleep", "100"])
    r = c.run("--detach")
    assert r.rc == 0, r
    assert c.status() == "running"
    c.kill("KILL")
    c.wait_status("stopped")
    c.delete()
    assert not c.state_dir().exists()


def test_run_keep_leaves_a_stopped_container(bundle):
    c = bundle([PROBE, "exit", "0"])
    r = c.run("--keep")
    assert r.rc == 0, r
    assert c.status() == "stopped"
    c.delete()


def test_pid_file_holds_the_init_pid(bundle, ctx):
    c = bundle()
    pidfile = ctx.work / "init.pid"
    c.create("--pid-file", pidfile)
    assert int(pidfile.read_text().strip()) == c.pid()
    c.delete()


def test_run_detached_writes_the_pid_file(bundle, ctx):
    c = bundle([PROBE, "sleep", "100"])
    pidfile = ctx.work / "run.pid"
    c.run("--detach", "--pid-file", pidfile, check=True)
    assert int(pidfile.read_text().strip()) == c.pid()
    c.delete(force=True)


def test_list_shows_containers_as_table_json_and_ids(bundle, runtime):
    a, b = bundle(), bundle([PROBE, "sleep", "100"])
    a.create()
    b.create()
    b.start()
    table = runtime("list").ok().out.splitlines()
    assert table[0].split()[:3] == ["ID", "PID", "STATUS"]
    rows = {line.split()[0]: line.split() for line in table[1:] if line.strip()}
    assert rows[a.id][1:3] == [str(a.pid()), "created"]
    assert rows[b.id][1:3] == [str(b.pid()), "running"]

    js = json.loads(runtime("list", "--format", "json").ok().out)
    by_id = {x["id"]: x for x in js}
    assert set(by_id) == {a.id, b.id}
    assert by_id[a.id]["status"] == "created" and by_id[b.id]["status"] == "running"
    assert by_id[b.id]["pid"] == b.pid()
    assert os.path.realpath(by_id[a.id]["bundle"]) == os.path.realpath(a.path)

    assert sorted(runtime("list", "-q").ok().out.split()) == sorted([a.id, b.id])
    a.delete()
    b.delete(force=True)


def test_list_of_an_empty_root_is_empty(runtime):
    assert runtime("list", "-q").ok().out.strip() == ""
    assert json.loads(runtime("list", "--format", "json").ok().out or "[]") in ([], None)


def test_pause_freezes_and_resume_thaws(bundle):
    c = bundle([PROBE, "sleep", "100"])
    c.create()
    c.start()
    c.rt("pause", c.id).ok()
    assert c.status() == "paused"
    assert frozen(c.id)
    c.rt("resume", c.id).ok()
    assert c.status() == "running"
    assert not frozen(c.id)
    c.kill("KILL")
    c.wait_status("stopped")
    c.delete()


def test_delete_force_of_a_paused_container(bundle):
    c = bundle([PROBE, "sleep", "100"])
    c.create()
    c.start()
    c.rt("pause", c.id).ok()
    c.delete(force=True)
    assert not c.state_dir().exists()


def test_delete_force_kills_a_running_container(bundle):
    c = bundle([PROBE, "sleep", "100"])
    c.create()
    c.start()
    pid = c.pid()
    c.delete(force=True)
    assert not c.state_dir().exists()
    wait_for(lambda: not pid_alive(pid), what="the init to be gone")


def test_state_of_a_container_whose_init_died_is_stopped(bundle):
    c = bundle([PROBE, "exit", "0"])
    c.create()
    c.start()
    c.wait_status("stopped")
    st = c.state()
    assert st["status"] == "stopped"
    assert st.get("pid", 0) == 0
    c.delete()


def test_state_is_stopped_when_the_init_is_killed_from_outside(bundle):
    c = bundle([PROBE, "sleep", "100"])
    c.create()
    c.start()
    os.kill(c.pid(), signal.SIGKILL)
    c.wait_status("stopped")
    c.delete()


def test_kill_all_signals_every_process_in_the_container(bundle):
    # sh is PID 1 and ignores SIGUSR1 (no handler); only --all reaches the
    # two probes, which report it and exit, and then sh's `wait` returns.
    c = bundle(["sh", "-c", f"{PROBE} signal-wait & {PROBE} signal-wait & wait"])
    c.create()
    c.start()
    c.wait_output("ready", count=2)
    c.kill("USR1", all=True)
    c.wait_status("stopped")
    assert kv_all(c.output(), "signal") == ["10", "10"]
    c.delete()


def test_kill_all_with_sigkill_empties_the_cgroup(bundle):
    c = bundle(["sh", "-c", f"{PROBE} sleep 100 & {PROBE} sleep 100 & wait"])
    c.create()
    c.start()
    procs = c.cgroup("pids") / "cgroup.procs"
    wait_for(lambda: len(read(procs).split()) == 3, what="three processes")
    c.kill("KILL", all=True)
    wait_for(lambda: read(procs, "").split() == [], what="an empty cgroup")
    c.wait_status("stopped")
    c.delete()


def test_foreground_run_starts_the_program_with_no_signal_blocked(bundle):
    # run blocks signals to forward them; the container must not inherit that
    c = bundle(["sh", "-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status"])
    r = c.run()
    assert r.rc == 0, r
    assert "SigBlk:\t0000000000000000" in c.output(), c.output()


def test_signals_the_caller_ignored_are_not_ignored_inside(bundle):
    """nohup ignores SIGHUP, Python SIGPIPE: neither reaches the container."""
    c = bundle(["sh", "-c", "grep SigIgn /proc/self/status"])
    c.write()
    import signal as _signal
    import subprocess as _sp

    def ignore():
        _signal.signal(_signal.SIGHUP, _signal.SIG_IGN)
        _signal.signal(_signal.SIGPIPE, _signal.SIG_IGN)
    with open(c.out_path, "wb") as out:
        rc = _sp.run(c.rt.argv("run", "--bundle", c.path, c.id), stdout=out,
                     stderr=_sp.PIPE, preexec_fn=ignore, timeout=30).returncode
    assert rc == 0
    # sh ignores nothing itself; busybox grep neither
    ign = int(c.output().split()[-1], 16)
    assert ign & ((1 << (_signal.SIGHUP - 1)) | (1 << (_signal.SIGPIPE - 1))) == 0, c.output()
