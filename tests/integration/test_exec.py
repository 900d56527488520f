# SPDX-License-Identifier: LGPL-2.1-or-later
"""exec: a process joins a running container's namespaces, cgroup and
security settings; checked from inside (the probe) and from outside
(/proc/PID/ns, cgroupfs, ps)."""
import array
import json
import os
import signal
import socket
import subprocess
import time

import pytest

from conftest import (PROBE, assert_berth_error, assert_in_container_cgroup, cgroup_dirs_of,
                      kv, kv_all, pid_alive, probe_mounts, read, wait_for)

NS_KINDS = ("pid", "net", "mnt", "ipc", "uts", "cgroup", "user", "time")


def running(bundle, args=(PROBE, "sleep", "100"), **config):
    c = bundle(list(args))
    c.config.update(config)
    c.create()
    c.start()
    return c


def ns_of(pid):
    return {k: os.stat(f"/proc/{pid}/ns/{k}").st_ino for k in NS_KINDS}


def exec_(c, *args, check=True, timeout=20):
    r = c.rt("exec", *args, timeout=timeout)
    return r.ok() if check else r


def container_procs(c):
    """The pids in the container's cgroup, every hierarchy."""
    return {d: sorted(int(p) for p in read(d / "cgroup.procs").split())
            for d in cgroup_dirs_of(c.id)}


def test_exec_sees_the_containers_hostname_and_namespaces(bundle):
    c = running(bundle, hostname="exec-box")
    init = c.pid()
    r = exec_(c, c.id, PROBE, "hostname", "ns", "ids")
    out = kv(r.out)
    assert out["hostname"] == "exec-box"
    for kind, ino in ns_of(init).items():
        assert out.get(f"ns.{kind}") == str(ino), f"{kind}: {r.out}"
    # in the pid namespace, not its init: a pid > 1 whose parent is outside it
    assert int(out["pid"]) > 1 and out["ppid"] == "0", r.out
    c.delete(force=True)


def test_exec_joins_the_cgroup_from_inside_and_outside(bundle, ctx):
    c = running(bundle)
    init = c.pid()
    r = exec_(c, c.id, PROBE, "cgroup")
    # the container has a cgroup namespace: its cgroup is its root
    assert kv_all(r.out, "cgroup") and all(l.endswith(":/") for l in kv_all(r.out, "cgroup")), r.out
    pid_file = ctx.work / "exec.pid"
    exec_(c, "--detach", "--pid-file", pid_file, c.id, PROBE, "sleep", "100")
    pid = int(pid_file.read_text())
    assert pid_alive(pid)
    assert_in_container_cgroup(pid, c.id)
    assert ns_of(pid) == ns_of(init)
    for d, pids in container_procs(c).items():
        assert sorted(pids) == sorted([init, pid]), f"{d}: {pids}"
    c.delete(force=True)
    wait_for(lambda: not pid_alive(pid), what="the exec'd process to die with the container")


def test_exec_sees_the_containers_mounts(bundle):
    c = running(bundle)
    init = c.pid()
    # (stat of a missing path makes the probe exit 1)
    r = exec_(c, c.id, PROBE, "mounts", "stat", "/tmp/" + c.ctx.token, check=False)
    assert r.rc == 1 and r.err == "", r
    mine = probe_mounts(r.out)
    theirs = {l.split(" ")[4] for l in read(f"/proc/{init}/mountinfo").splitlines()}
    assert set(mine) == theirs
    assert "ro" in mine["/"]["opts"].split(","), mine["/"]  # root.readonly
    assert kv(r.out)["errno"] == "ENOENT"  # the host's /tmp is not there
    c.delete(force=True)


@pytest.mark.parametrize("script,status", [("exit 0", 0), ("exit 7", 7),
                                           ("kill -TERM $$", 128 + signal.SIGTERM),
                                           ("kill -KILL $$", 128 + signal.SIGKILL)])
def test_exec_exit_status_is_the_process(bundle, script, status):
    c = running(bundle)
    r = exec_(c, c.id, "sh", "-c", script, check=False)
    assert r.rc == status, r
    assert r.err == "", r
    c.delete(force=True)


def test_exec_env_cwd_and_user(bundle):
    c = running(bundle)
    c_env = c.process["env"]
    r = exec_(c, "-e", "FOO=bar", "--env", "TERM=dumb", "--cwd", "/dev", "-u", "1000:1001",
              c.id, PROBE, "ids", "env", "cwd")
    out = kv(r.out)
    assert (out["uid"], out["gid"], out["euid"], out["egid"]) == ("1000", "1001", "1000", "1001")
    assert out["cwd"] == "/dev"
    assert out["FOO"] == "bar"
    assert kv_all(r.out, "TERM") == ["dumb"], "a flag replaces the config's value"
    assert out["PATH"] == kv(os.linesep.join(c_env))["PATH"], "the config's env stays"
    c.delete(force=True)


def test_exec_user_without_group_keeps_the_configs_group(bundle):
    c = bundle()
    c.process["user"] = {"uid": 0, "gid": 42}
    c.create()
    c.start()
    out = kv(exec_(c, "-u", "1234", "--additional-gids", "5", "-g", "6", c.id, PROBE,
                   "ids").out)
    assert (out["uid"], out["gid"], out["groups"]) == ("1234", "42", "5,6")
    c.delete(force=True)


def cap_bit(status_hex, cap):
    return bool(int(status_hex, 16) >> cap & 1)


CAP_NET_ADMIN = 12


def test_exec_cap_adds_a_capability(bundle):
    c = running(bundle)
    plain = kv(exec_(c, "-u", "1000", c.id, PROBE, "caps").out)
    assert not cap_bit(plain["CapEff"], CAP_NET_ADMIN)
    added = kv(exec_(c, "-u", "1000", "--cap", "CAP_NET_ADMIN", c.id, PROBE, "caps").out)
    for s in ("CapEff", "CapPrm", "CapBnd", "CapAmb"):
        assert cap_bit(added[s], CAP_NET_ADMIN), added
    r = exec_(c, "--cap", "CAP_NOPE", c.id, PROBE, "caps", check=False)
    assert_berth_error(r, f"exec {c.id}", "unknown capability", "CAP_NOPE")
    c.delete(force=True)


def test_exec_gets_the_configs_rlimits_and_no_new_privs(bundle):
    c = bundle()
    c.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 321, "hard": 654}]
    c.process["noNewPrivileges"] = False
    c.create()
    c.start()
    r = exec_(c, c.id, PROBE, "rlimits", "cat", "/proc/self/status")
    assert kv(r.out)["NOFILE"] == "321:654"
    assert "NoNewPrivs:\t0" in kv_all(r.out, "line")
    r = exec_(c, "--no-new-privs", c.id, PROBE, "cat", "/proc/self/status")
    assert "NoNewPrivs:\t1" in kv_all(r.out, "line")
    c.delete(force=True)


def test_exec_process_file(bundle, ctx):
    c = running(bundle)
    proc = ctx.work / "process.json"
    proc.write_text(json.dumps({
        "args": [PROBE, "ids", "env", "cwd", "tag", ctx.token],
        "env": ["ONLY=this"], "cwd": "/proc",
        "user": {"uid": 7, "gid": 8, "additionalGids": [9]},
    }))
    out = kv(exec_(c, "--process", proc, c.id).out)
    assert (out["uid"], out["gid"], out["groups"], out["cwd"]) == ("7", "8", "9", "/proc")
    assert out["ONLY"] == "this" and "PATH" not in out
    c.delete(force=True)


def test_exec_process_file_errors_name_line_and_column(bundle, ctx):
    c = running(bundle)
    before = container_procs(c)
    proc = ctx.work / "process.json"
    proc.write_text('{\n  "args": [],\n  "cwd": "/"\n}\n')
    r = exec_(c, "-p", proc, c.id, check=False)
    assert_berth_error(r, f"exec {c.id}", f"{proc}:2:", "args", "must not be empty")
    proc.write_text('{"args": ["sh"], "cwd": "/",}')
    r = exec_(c, "-p", proc, c.id, check=False)
    assert_berth_error(r, f"{proc}:1:")
    assert container_procs(c) == before
    c.delete(force=True)


def test_exec_detach_returns_with_the_process_running(bundle, ctx):
    c = running(bundle)
    pid_file = ctx.work / "p.pid"
    t0 = time.monotonic()
    exec_(c, "-d", "--pid-file", pid_file, c.id, PROBE, "sleep", "100")
    assert time.monotonic() - t0 < 5
    pid = int(pid_file.read_text())
    assert read(f"/proc/{pid}/cmdline").split("\0")[:3] == [PROBE, "sleep", "100"]
    r = c.rt("ps", "--format", "json", c.id).ok()
    assert sorted(json.loads(r.out)) == sorted([c.pid(), pid])
    c.delete(force=True)


def test_exec_forwards_signals_to_the_process(bundle, ctx):
    c = running(bundle)
    out = ctx.work / "exec.out"
    p = c.rt.popen("exec", c.id, PROBE, "signal-wait", "tag", ctx.token, stdout=out)
    ctx.pids.append(p.pid)
    wait_for(lambda: "ready" in read(out, ""), what="the exec'd process to be ready")
    p.send_signal(signal.SIGUSR1)
    assert p.wait(timeout=10) == 0
    assert kv(read(out))["signal"] == str(int(signal.SIGUSR1))
    c.delete(force=True)


def test_exec_with_a_tty_runs_on_a_pty(bundle):
    c = running(bundle)
    r = exec_(c, "-t", c.id, "sh", "-c", "test -t 0 && test -t 1 && echo tty=yes; tty")
    lines = r.out.replace("\r", "").splitlines()
    assert "tty=yes" in lines and any(l.startswith("/dev/pts/") for l in lines), r.out
    c.delete(force=True)


def test_exec_console_socket_receives_a_working_pty(bundle, ctx):
    c = running(bundle)
    path = str(ctx.work / "console.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(10)
    argv = c.rt.argv("exec", "-t", "-d", "--console-socket", path, c.id,
                     "sh", "-c", "read l; echo got-$l; tty")
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    conn, _ = srv.accept()
    fds = array.array("i")
    _, anc, _, _ = conn.recvmsg(64, socket.CMSG_SPACE(fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:fds.itemsize])
    assert p.wait(timeout=10) == 0, p.stderr.read()
    assert len(fds) == 1
    master = fds[0]
    os.write(master, b"ping\n")
    buf = b""
    end = time.monotonic() + 10
    while b"/dev/pts/" not in buf and time.monotonic() < end:
        try:
            buf += os.read(master, 4096)
        except OSError:
            break
    assert b"got-ping" in buf and b"/dev/pts/" in buf, buf
    os.close(master)
    conn.close()
    srv.close()
    c.delete(force=True)


def test_exec_preserve_fds_passes_them_on(bundle, ctx):
    c = running(bundle)
    data = ctx.work / "data.txt"
    data.write_text("hello-through-fd3\n")
    argv = c.rt.argv("exec", "--preserve-fds", "1", c.id, "sh", "-c", "cat <&3")
    fd = os.open(data, os.O_RDONLY)

    def as_fd3():
        if fd != 3:
            os.dup2(fd, 3)  # inheritable
        else:
            os.set_inheritable(3, True)

    try:
        r = subprocess.run(argv, preexec_fn=as_fd3, close_fds=False, capture_output=True,
                           text=True, timeout=20)
    finally:
        os.close(fd)
    assert r.returncode == 0, r
    assert r.stdout == "hello-through-fd3\n"
    c.delete(force=True)


# ---- bad input: one line, nothing left behind

def test_exec_into_a_stopped_container(bundle):
    c = bundle(["sh", "-c", "exit 0"])
    c.create()
    c.start()
    c.wait_status("stopped")
    r = exec_(c, c.id, PROBE, "ids", check=False)
    assert_berth_error(r, f"exec {c.id}", "stopped")
    c.delete()


def test_exec_into_a_container_that_does_not_exist(runtime, ctx):
    r = runtime("exec", f"nope-{ctx.token}", "true")
    assert_berth_error(r, "does not exist")


def test_exec_into_a_paused_container(bundle):
    c = running(bundle)
    c.rt("pause", c.id).ok()
    before = container_procs(c)
    r = exec_(c, c.id, PROBE, "ids", check=False)
    assert_berth_error(r, f"exec {c.id}", "paused")
    assert container_procs(c) == before
    c.rt("resume", c.id).ok()
    c.delete(force=True)


@pytest.mark.parametrize("user", ["abc", "1:x", "-1", ":5", "1:", "99999999999"])
def test_exec_with_a_bad_user(bundle, user):
    c = running(bundle)
    r = exec_(c, "-u", user, c.id, PROBE, "ids", check=False)
    assert_berth_error(r, f"exec {c.id}", "invalid user", user)
    c.delete(force=True)


@pytest.mark.parametrize("argv,needle", [
    (["/no/such/program"], "/no/such/program"),
    (["no-such-program"], "executable file not found"),
    (["/etc"], "not an executable file"),
])
def test_exec_of_a_missing_program_leaves_nothing(bundle, argv, needle):
    c = running(bundle)
    before = container_procs(c)
    r = exec_(c, c.id, *argv, check=False)
    assert_berth_error(r, f"exec {c.id}", needle)
    # no stray process and nothing half-joined: the cgroup holds the init only
    assert container_procs(c) == before
    c.delete(force=True)


def test_exec_without_a_command(bundle):
    c = running(bundle)
    r = exec_(c, c.id, check=False)
    assert_berth_error(r, "no command")
    c.delete(force=True)


def test_exec_with_a_user_the_kernel_refuses_leaves_nothing(bundle):
    """Container with a user namespace mapping only 0..999: uid 5000 has no
    mapping, so the switch fails inside, after the join."""
    c = bundle()
    c.add_namespace("user")
    c.config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 1000}]
    c.config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 1000}]
    c.create()
    c.start()
    before = container_procs(c)
    out = kv(exec_(c, c.id, PROBE, "ids").out)
    assert out["uid"] == "0"
    r = exec_(c, "-u", "5000", c.id, PROBE, "ids", check=False)
    assert_berth_error(r, f"exec {c.id}", "setuid 5000")
    assert container_procs(c) == before
    c.delete(force=True)


# ---- seccomp

def test_the_containers_seccomp_filter_applies_to_exec(bundle):
    c = bundle()
    c.linux["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}],
    }
    r = c.create(check=False)
    if r.rc != 0 and "not supported by this build" in r.err:
        pytest.skip("linux.seccomp is not wired in this build (seccomp.c placeholder)")
    r.ok()
    c.start()
    out = kv(exec_(c, c.id, PROBE, "syscall", "getppid", "syscall", "getpid").out)
    assert out["syscall.getppid"] == "EPERM", out
    assert out["syscall.getpid"] == "OK", out
    c.delete(force=True)
