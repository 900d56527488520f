# SPDX-License-Identifier: LGPL-2.1-or-later
"""org.berth.init: berth's reaper as PID 1, the user's command as its child
(PID 2); orphans reaped, signals forwarded, the command's exit status
passed through, exec errors reported as without it."""
import array
import os
import pty
import re
import signal
import socket
import time
from pathlib import Path

import pytest

from conftest import PROBE, assert_berth_error, cgroup_dir, kv, read, read_until, wait_for

ANN = "org.berth.init"


def with_init(c, value="true"):
    c.config.setdefault("annotations", {})[ANN] = value
    return c


def container_pids(c):
    return [int(p) for p in read(cgroup_dir("pids", c.id) / "cgroup.procs", "").split()]


def proc_status(pid):
    out = {}
    for line in read(f"/proc/{pid}/status", "").splitlines():
        k, _, v = line.partition(":")
        out[k] = v.strip()
    return out


def zombie_children(parents):
    """Zombies (seen from the host) whose parent is one of `parents`: a
    zombie has left its cgroup, so it is found through its parent."""
    found = []
    for d in Path("/proc").glob("[0-9]*"):
        st = proc_status(d.name)
        if st.get("State", "").startswith("Z") and int(st.get("PPid", "0")) in parents:
            found.append(int(d.name))
    return found


@pytest.mark.parametrize("init", [True, False], ids=["with-init", "without"])
def test_pid_1_is_the_reaper_and_the_command_pid_2(bundle, init):
    c = bundle(["sh", "-c", "echo pid=$$; echo comm1=$(cat /proc/1/comm); "
                            "echo ppid=$PPID; echo ready; exec " + PROBE + " sleep 100"])
    if init:
        with_init(c)
    c.create()
    try:
        c.start()
        out = c.wait_output("ready")
        got = kv(out)
        if not init:
            assert got["pid"] == "1" and got["comm1"] == "sh", out
            return
        assert got["pid"] == "2", out
        assert got["ppid"] == "1", out
        assert got["comm1"] == "berth-init", out
        # outside: the state's pid is the reaper, its only child the command
        reaper = c.pid()
        assert proc_status(reaper)["Name"] == "berth-init"
        assert proc_status(reaper)["NSpid"].split()[-1] == "1"
        kids = [p for p in container_pids(c) if p != reaper]
        assert len(kids) == 1, container_pids(c)
        st = proc_status(kids[0])
        assert st["PPid"] == str(reaper) and st["NSpid"].split()[-1] == "2", st
        assert st["Name"] == "berth-probe", st
        # the reaper holds nothing but its signalfd: no stdio, no exec-error
        # socket, nothing of the host
        fds = os.listdir(f"/proc/{reaper}/fd")
        assert len(fds) == 1, [os.readlink(f"/proc/{reaper}/fd/{f}") for f in fds]
        assert os.readlink(f"/proc/{reaper}/fd/{fds[0]}") == "anon_inode:[signalfd]"
        # it takes its signals through the signalfd: all blocked
        assert proc_status(reaper)["SigBlk"] != "0000000000000000"
        # the command runs in its own process group (for forwarding)
        stat = read(f"/proc/{kids[0]}/stat").rsplit(")", 1)[1].split()
        assert int(stat[2]) == kids[0], stat  # pgrp == its own (host) pid
    finally:
        c.delete(force=True)


@pytest.mark.parametrize("init", [True, False], ids=["with-init", "without"])
def test_an_orphaned_grandchild_is_reaped(bundle, ctx, init):
    # a subshell puts a job in the background and exits: the job's parent
    # is PID 1 now; the command then becomes a probe that never waits
    c = bundle(["sh", "-c", "(sh -c 'sleep 0.3; echo orphan-done' &); echo ready; "
                            f"exec {PROBE} sleep 100 tag {ctx.token}"])
    if init:
        with_init(c)
    c.create()
    try:
        c.start()
        c.wait_output("orphan-done")
        pid1 = c.pid()
        if init:
            # only the reaper and the probe are left, and no zombie of theirs
            wait_for(lambda: len(container_pids(c)) == 2 and
                     not zombie_children(set(container_pids(c)) | {pid1}),
                     5, what="the orphan reaped")
            time.sleep(0.3)
            assert zombie_children(set(container_pids(c)) | {pid1}) == []
        else:
            # the control: without our reaper, PID 1 is the probe, which
            # never waits, so the orphan stays a zombie
            assert wait_for(lambda: zombie_children({pid1}), 5, what="the zombie")
    finally:
        c.delete(force=True)


def test_kill_sigterm_reaches_the_command(bundle):
    c = with_init(bundle(["sh", "-c", "trap 'echo got-term; exit 3' TERM; echo ready; "
                                      "while :; do sleep 0.1; done"]))
    p = c.run_background()
    try:
        c.wait_output("ready")
        c.kill("TERM")
        assert p.wait(timeout=15) == 3
        assert "got-term" in c.output()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert not c.state_dir().exists()


def test_run_forwards_its_signals_through_the_reaper(bundle):
    c = with_init(bundle([PROBE, "signal-wait"]))
    p = c.run_background()
    try:
        c.wait_output("ready")
        p.send_signal(signal.SIGUSR1)
        assert p.wait(timeout=15) == 0
        assert kv(c.output())["signal"] == str(int(signal.SIGUSR1))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


@pytest.mark.parametrize("script,status", [("exit 0", 0), ("exit 7", 7), ("kill -9 $$", 137),
                                           ("kill -USR1 $$", 128 + int(signal.SIGUSR1))])
def test_run_exits_with_the_commands_status(bundle, script, status):
    c = with_init(bundle(["sh", "-c", script]))
    r = c.run()
    assert r.rc == status, r
    assert r.err == "", r
    assert not c.state_dir().exists()


@pytest.mark.parametrize("init", [True, False], ids=["with-init", "without"])
def test_exec_of_a_missing_binary_is_a_clear_error(bundle, init):
    c = bundle(["/bin/no-such-program"])
    if init:
        with_init(c)
    r = c.run()
    # found missing while the container is set up, before any fork
    line = assert_berth_error(r, c.id, "exec /bin/no-such-program", "No such file")
    assert line == (f"berth: create {c.id}: exec /bin/no-such-program: "
                    "No such file or directory"), line
    assert not c.state_dir().exists()


@pytest.mark.parametrize("init", [True, False], ids=["with-init", "without"])
def test_an_exec_error_after_the_fork_is_reported(bundle, rootfs_copy, init):
    # executable but no program (no ELF header, no #!): only execve itself
    # can tell, so with the init it is the forked child that reports it
    rf = rootfs_copy()
    junk = rf / "bin" / "junk"
    junk.write_bytes(b"\x00\x01\x02 not a program\n")
    junk.chmod(0o755)
    c = bundle(["/bin/junk"], rootfs_path=rf)
    if init:
        with_init(c)
    r = c.run()
    # the same line with and without the reaper
    line = assert_berth_error(r, f"run {c.id}", "exec /bin/junk", "Exec format error")
    assert line == f"berth: run {c.id}: exec /bin/junk: Exec format error", line
    assert not c.state_dir().exists()
    # and through create + start: start fails, the container is stopped
    c2 = bundle(["/bin/junk"], rootfs_path=rf)
    if init:
        with_init(c2)
    c2.create()
    try:
        r = c2.start(check=False)
        assert_berth_error(r, f"start {c2.id}", "exec /bin/junk", "Exec format error")
        c2.wait_status("stopped")
    finally:
        c2.delete(force=True)


@pytest.mark.parametrize("value", ["yes", "TRUE", "1", ""])
def test_a_bad_annotation_value_is_a_config_error(bundle, value):
    c = with_init(bundle(), value)
    r = c.create(check=False)
    assert_berth_error(r, "config.json:", ANN, '"true" or "false"')
    assert not c.state_dir().exists()


def test_annotation_false_runs_without_the_reaper(bundle):
    c = with_init(bundle(["sh", "-c", "echo pid=$$"]), "false")
    r = c.run()
    assert r.rc == 0, r
    assert kv(c.output())["pid"] == "1"


def test_terminal_run_makes_the_command_the_foreground_job(bundle):
    c = with_init(bundle(["sh"]))
    c.process["terminal"] = True
    c.write()
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(c.rt.binary, c.rt.argv("run", "--bundle", str(c.path), c.id))
    try:
        # pgrp (5th field) and the terminal's foreground group (8th) of
        # the shell, read by builtins (a pipeline would be a job of its
        # own): the same, and the shell is PID 2
        os.write(fd, b"tty; echo pid=$$; read -r a b c d e f g h rest < /proc/$$/stat; "
                     b"echo fg=$e $h; echo comm1=$(cat /proc/1/comm); echo marker-$((40+2))\n")
        out = read_until(fd, b"marker-42").decode(errors="replace").replace("\r", "")
        assert "/dev/pts/" in out, out
        assert "pid=2" in out, out
        assert re.search(r"^fg=2 2$", out, re.M), out
        assert "comm1=berth-init" in out, out
        os.write(fd, b"exit 5\n")
        _, status = os.waitpid(pid, 0)
        pid = 0
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 5
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)


def test_console_socket_terminal_with_the_reaper(ctx, bundle):
    path = str(ctx.work / "console.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    c = with_init(bundle(["sh", "-c", "read line; echo got-$line; echo pid=$$; "
                                      "read -r a b c d e f g h rest < /proc/$$/stat; "
                                      "echo fg=$e $h; exit 4"]))
    c.process["terminal"] = True
    c.create("--console-socket", path)
    master = None
    try:
        conn, _ = srv.accept()
        fds = array.array("i")
        _, anc, _, _ = conn.recvmsg(64, socket.CMSG_SPACE(fds.itemsize))
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[:fds.itemsize])
        conn.close()
        master = fds[0]
        c.start()
        os.write(master, b"ping\n")
        out = read_until(master, b"fg=").decode(errors="replace")
        out += read_until(master, b"\n", timeout=2).decode(errors="replace")
        out = out.replace("\r", "")
        assert "got-ping" in out and "pid=2" in out, out
        assert re.search(r"^fg=2 2$", out, re.M), out
        c.wait_status("stopped")
    finally:
        if master is not None:
            os.close(master)
        srv.close()
        c.delete(force=True)


def test_without_a_pid_namespace_the_reaper_is_a_subreaper(bundle, ctx):
    # the orphan says who its parent is once its own parent has gone
    orphan = ("sleep 0.3; read -r a b c ppid rest < /proc/$$/stat; "
              "echo orphan-ppid=$ppid; echo orphan-done")
    c = with_init(bundle(["sh", "-c", f"(sh -c '{orphan}' &); echo ready; "
                                      f"exec {PROBE} sleep 100 tag {ctx.token}"]))
    c.remove_namespace("pid")
    c.create()
    try:
        c.start()
        c.wait_output("orphan-done")
        reaper = c.pid()
        # the host's pids (no pid namespace): the orphan came to the
        # reaper, not to the host's init
        assert kv(c.output())["orphan-ppid"] == str(reaper), c.output()
        wait_for(lambda: len(container_pids(c)) == 2 and
                 not zombie_children(set(container_pids(c))), 5, what="the orphan reaped")
    finally:
        c.delete(force=True)
