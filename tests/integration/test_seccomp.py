# SPDX-License-Identifier: LGPL-2.1-or-later
"""linux.seccomp in real containers: the filter is in force (Seccomp: 2 in
/proc/self/status), each action does what the kernel says it does, argument
comparisons, the default profile of `berth oci spec`, SCMP_ACT_NOTIFY's
hand-over to a listener, the load order with and without no_new_privs, and
bad profiles refused with one line naming the key. The probe's `syscall
NAME` makes one raw syscall and prints `syscall.NAME=OK` or the errno."""
import fcntl
import json
import os
import platform
import select
import signal
import socket
import struct
import threading

import pytest

from conftest import PROBE, assert_berth_error, kv

SIGSYS = signal.SIGSYS.value
EPERM, EXDEV, ENOSYS = 1, 18, 38


def profile(*rules, default="SCMP_ACT_ALLOW", **extra):
    return {"defaultAction": default, "syscalls": list(rules), **extra}


def rule(names, action, **extra):
    return {"names": [names] if isinstance(names, str) else list(names), "action": action,
            **extra}


def probe_syscalls(bundle, seccomp, *names, nnp=True, user=None):
    """Run the probe making each syscall under seccomp (None: no
    linux.seccomp at all); its result and output."""
    args = [PROBE]
    for n in names:
        args += ["syscall", n]
    c = bundle(args)
    if seccomp is None:
        c.linux.pop("seccomp", None)
    else:
        c.linux["seccomp"] = seccomp
    c.process["noNewPrivileges"] = nnp
    if user:
        c.process["user"] = user
    # a killed probe must not try to dump core
    c.process.setdefault("rlimits", []).append({"type": "RLIMIT_CORE", "hard": 0, "soft": 0})
    r = c.run(timeout=30)
    return r, kv(c.output())


def status_of(bundle, seccomp, nnp=True, user=None):
    c = bundle([PROBE, "cat", "/proc/self/status"])
    if seccomp is None:
        c.linux.pop("seccomp", None)
    else:
        c.linux["seccomp"] = seccomp
    c.process["noNewPrivileges"] = nnp
    if user:
        c.process["user"] = user
    c.run(timeout=30, check=True)
    out = {}
    for line in c.output().splitlines():
        k, _, v = line.removeprefix("line=").partition(":")
        out[k] = v.strip()
    return out


# ---------------------------------------------------------------- in force

def test_default_spec_has_a_filter_in_force(bundle, default_spec):
    st = status_of(bundle, default_spec["linux"]["seccomp"])
    assert st["Seccomp"] == "2"
    assert st["Seccomp_filters"] == "1"
    # an empty profile is a filter too
    assert status_of(bundle, profile())["Seccomp"] == "2"


def test_no_seccomp_section_no_filter(bundle):
    assert status_of(bundle, None)["Seccomp"] == "0"
    # the control for the default profile's tests below: without a filter
    # the kernel lets the probe do these
    r, out = probe_syscalls(bundle, None, "unshare-user", "keyctl", "clone3", "io_uring_setup")
    assert r.rc == 0, r
    assert out["syscall.unshare-user"] == "OK"
    assert out["syscall.keyctl"] != "EPERM"
    assert out["syscall.clone3"] == "EINVAL"
    assert out["syscall.io_uring_setup"] == "EFAULT"


# ---------------------------------------------------------------- actions

def test_errno_returns_errno_ret(bundle):
    r, out = probe_syscalls(
        bundle, profile(rule("getppid", "SCMP_ACT_ERRNO", errnoRet=EXDEV),
                        rule("keyctl", "SCMP_ACT_ERRNO")),
        "getppid", "keyctl", "getpid")
    assert r.rc == 0, r
    assert out["syscall.getppid"] == "EXDEV"
    assert out["syscall.keyctl"] == "EPERM"  # errnoRet defaults to EPERM
    assert out["syscall.getpid"] == "OK"


def test_a_cached_filter_is_the_same_filter(bundle, ctx):
    """The compiled filter is kept (/run/berth-cache/seccomp for root) and
    the second container with the same profile gets it from there, in
    force all the same; an entry damaged on disk is a miss, not a filter."""
    if os.geteuid() != 0:
        pytest.skip("the cache of a root runtime")
    # a profile no other test has: this run's own errno for acct(2)
    mine = 1000 + (os.getpid() % 3000)
    sc = profile(rule("getppid", "SCMP_ACT_ERRNO", errnoRet=EXDEV),
                 rule("acct", "SCMP_ACT_ERRNO", errnoRet=mine))
    cache = "/run/berth-cache/seccomp"

    def entries():
        found = []
        for name in os.listdir(cache) if os.path.isdir(cache) else []:
            with open(os.path.join(cache, name), "rb") as f:
                if f'"errnoRet":{mine}'.encode() in f.read():
                    found.append(os.path.join(cache, name))
        return found

    try:
        for attempt in range(3):
            r, out = probe_syscalls(bundle, sc, "getppid", "getpid")
            assert r.rc == 0, r
            assert out["syscall.getppid"] == "EXDEV", out
            assert out["syscall.getpid"] == "OK", out
            found = entries()
            assert len(found) == 1, found
            st = os.stat(os.path.dirname(found[0]))
            assert st.st_mode & 0o777 == 0o700 and st.st_uid == 0
            if attempt == 1:  # damage it: the third run compiles again
                with open(found[0], "r+b") as f:
                    f.truncate(40)
    finally:
        for path in entries():
            os.unlink(path)


@pytest.mark.parametrize("action", ["SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                                    "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP"])
def test_kill_and_trap_end_the_process_with_sigsys(bundle, action):
    r, out = probe_syscalls(bundle, profile(rule("getppid", action)), "getpid", "getppid")
    assert r.rc == 128 + SIGSYS, r
    assert out.get("syscall.getpid") == "OK"
    assert "syscall.getppid" not in out


def test_log_allows(bundle):
    r, out = probe_syscalls(bundle, profile(rule("getppid", "SCMP_ACT_LOG")), "getppid")
    assert r.rc == 0, r
    assert out["syscall.getppid"] == "OK"


def test_trace_without_a_tracer_is_enosys(bundle):
    r, out = probe_syscalls(bundle, profile(rule("getppid", "SCMP_ACT_TRACE", errnoRet=7)),
                            "getppid")
    assert r.rc == 0, r
    assert out["syscall.getppid"] == "ENOSYS"


def test_default_errno_with_an_allow_list(bundle):
    """The probe runs on an allow list; anything else gets defaultErrnoRet."""
    needed = ["arch_prctl", "brk", "close", "execve", "exit", "exit_group", "fstat", "getpid",
              "getrandom", "ioctl", "mmap", "mprotect", "munmap", "newfstatat", "openat",
              "prlimit64", "read", "readlink", "rseq", "rt_sigreturn", "set_robust_list",
              "set_tid_address", "write"]
    r, out = probe_syscalls(
        bundle, profile(rule(needed, "SCMP_ACT_ALLOW"), default="SCMP_ACT_ERRNO",
                        defaultErrnoRet=ENOSYS),
        "getpid", "getppid", "keyctl")
    assert r.rc == 0, r
    assert out["syscall.getpid"] == "OK"
    assert out["syscall.getppid"] == "ENOSYS"
    assert out["syscall.keyctl"] == "ENOSYS"


# ---------------------------------------------------------------- arguments

def test_argument_equal_denies_one_value_only(bundle):
    r, out = probe_syscalls(
        bundle, profile(rule("personality", "SCMP_ACT_ERRNO", errnoRet=EXDEV,
                             args=[{"index": 0, "value": 0xffffffff, "op": "SCMP_CMP_EQ"}])),
        "personality-query", "personality-linux")
    assert r.rc == 0, r
    assert out["syscall.personality-query"] == "EXDEV"
    assert out["syscall.personality-linux"] == "OK"


def test_argument_masked_eq_denies_a_flag(bundle):
    newuser = 0x10000000  # CLONE_NEWUSER
    r, out = probe_syscalls(
        bundle, profile(rule("unshare", "SCMP_ACT_ERRNO", errnoRet=EXDEV,
                             args=[{"index": 0, "value": newuser, "valueTwo": newuser,
                                    "op": "SCMP_CMP_MASKED_EQ"}])),
        "unshare-none", "unshare-user")
    assert r.rc == 0, r
    assert out["syscall.unshare-none"] == "OK"
    assert out["syscall.unshare-user"] == "EXDEV"


def test_two_comparisons_of_one_argument_either_matches(bundle):
    r, out = probe_syscalls(
        bundle, profile(rule("personality", "SCMP_ACT_ERRNO", errnoRet=EXDEV,
                             args=[{"index": 0, "value": 0xffffffff, "op": "SCMP_CMP_EQ"},
                                   {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}])),
        "personality-query", "personality-linux")
    assert r.rc == 0, r
    assert out["syscall.personality-query"] == "EXDEV"
    assert out["syscall.personality-linux"] == "EXDEV"


# ---------------------------------------------------------------- the default profile

def test_default_profile_blocks_dangerous_syscalls(bundle, default_spec):
    r, out = probe_syscalls(bundle, default_spec["linux"]["seccomp"], "keyctl", "unshare-user",
                            "unshare-none", "kexec_load", "io_uring_setup", "clone3", "getpid")
    assert r.rc == 0, r
    assert out["syscall.keyctl"] == "EPERM"
    assert out["syscall.unshare-user"] == "EPERM"
    assert out["syscall.unshare-none"] == "OK"
    assert out["syscall.kexec_load"] == "EPERM"
    assert out["syscall.io_uring_setup"] == "EPERM"
    assert out["syscall.clone3"] == "ENOSYS"  # so libc falls back to clone, which is filtered
    assert out["syscall.getpid"] == "OK"


def test_default_profile_allows_normal_work(bundle):
    c = bundle(["sh", "-c", "echo hi | cat; ls / >/dev/null && echo ls-ok; sh -c 'echo sub'"])
    assert "seccomp" in c.linux
    r = c.run(timeout=30)
    assert r.rc == 0, r
    assert c.output().split() == ["hi", "ls-ok", "sub"]


def test_features_document_lists_seccomp(runtime):
    f = json.loads(runtime("features", root=False).ok().out)
    sc = f["linux"]["seccomp"]
    assert sc["enabled"] is True
    assert "SCMP_ACT_NOTIFY" in sc["actions"] and len(sc["actions"]) == 9
    assert "SCMP_CMP_MASKED_EQ" in sc["operators"]
    assert "SCMP_ARCH_X86_64" in sc["archs"]
    assert "SECCOMP_FILTER_FLAG_TSYNC" in sc["knownFlags"]
    assert "SECCOMP_FILTER_FLAG_LOG" in sc["supportedFlags"]


def test_flags_are_accepted(bundle):
    r, out = probe_syscalls(
        bundle, profile(rule("getppid", "SCMP_ACT_ERRNO", errnoRet=EXDEV),
                        flags=["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                               "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]),
        "getppid")
    assert r.rc == 0, r
    assert out["syscall.getppid"] == "EXDEV"


# ---------------------------------------------------------------- load order

def test_no_new_privs_and_a_plain_user_keep_the_filter(bundle):
    """With noNewPrivileges the filter is loaded last, as uid 1000 without
    capabilities; it must still be in force."""
    sc = profile(rule("getppid", "SCMP_ACT_ERRNO", errnoRet=EXDEV), rule("keyctl",
                                                                        "SCMP_ACT_ERRNO"))
    user = {"uid": 1000, "gid": 1000}
    st = status_of(bundle, sc, nnp=True, user=user)
    assert st["Seccomp"] == "2" and st["NoNewPrivs"] == "1"
    assert st["Uid"].split()[0] == "1000"
    assert st["CapEff"] == "0000000000000000"
    r, out = probe_syscalls(bundle, sc, "getppid", "keyctl", nnp=True, user=user)
    assert r.rc == 0, r
    assert out["syscall.getppid"] == "EXDEV"
    assert out["syscall.keyctl"] == "EPERM"


def test_without_no_new_privs_the_filter_is_loaded_before_the_uid_switch(bundle):
    """Without no_new_privs the kernel wants CAP_SYS_ADMIN, which uid 1000
    lacks: the init loads the filter while it is still root."""
    sc = profile(rule("getppid", "SCMP_ACT_ERRNO", errnoRet=EXDEV))
    user = {"uid": 1000, "gid": 1000}
    st = status_of(bundle, sc, nnp=False, user=user)
    assert st["Seccomp"] == "2" and st["NoNewPrivs"] == "0"
    assert st["Uid"].split()[0] == "1000"
    r, out = probe_syscalls(bundle, sc, "getppid", nnp=False, user=user)
    assert r.rc == 0, r
    assert out["syscall.getppid"] == "EXDEV"


# ---------------------------------------------------------------- SCMP_ACT_NOTIFY

SECCOMP_IOCTL_NOTIF_RECV = 0xC0502100  # _IOWR('!', 0, struct seccomp_notif), 80 bytes
SECCOMP_IOCTL_NOTIF_SEND = 0xC0182101  # _IOWR('!', 1, struct seccomp_notif_resp), 24 bytes


class Listener:
    """A seccomp agent on a unix socket: takes the one connection, reads
    the fd (SCM_RIGHTS) and the state JSON up to EOF, then either just
    closes the fd or answers one notification first."""

    def __init__(self, path, answer=None):
        self.path, self.answer = str(path), answer
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(1)
        self.sock.settimeout(30)
        self.message, self.fds, self.notif, self.error = None, [], None, None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
            with conn:
                conn.settimeout(30)
                data = b""
                while True:
                    msg, fds, _, _ = socket.recv_fds(conn, 65536, 4)
                    self.fds += fds
                    if not msg:
                        break
                    data += msg
            self.message = json.loads(data)
            if self.answer is not None:
                self.notif = self._answer(self.fds[0])
        except Exception as e:  # reported by the test
            self.error = e
        finally:
            for fd in self.fds:
                os.close(fd)
            self.sock.close()

    def _answer(self, fd):
        if not select.select([fd], [], [], 20)[0]:
            raise AssertionError("no notification within 20s")
        buf = bytearray(80)
        fcntl.ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, buf, True)
        nid, pid, _flags, nr = struct.unpack_from("<QIIi", buf)
        fcntl.ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND,
                    bytearray(struct.pack("<QqiI", nid, self.answer, 0, 0)), True)
        return {"pid": pid, "nr": nr}

    def join(self):
        self.thread.join(40)
        assert not self.thread.is_alive(), "the listener is still waiting"
        if self.error:
            raise self.error


def notify_bundle(bundle, ctx, args, metadata="agent=test"):
    c = bundle(args)
    path = ctx.work / "agent.sock"
    c.linux["seccomp"] = profile(rule("getppid", "SCMP_ACT_NOTIFY"),
                                 listenerPath=str(path), listenerMetadata=metadata)
    c.config.setdefault("annotations", {})["org.example.k"] = "v"
    return c, path


def test_notify_sends_fd_and_state_and_a_closed_listener_means_enosys(bundle, ctx):
    c, path = notify_bundle(bundle, ctx, [PROBE, "syscall", "getppid", "syscall", "getpid"])
    agent = Listener(path)
    r = c.run(timeout=30)
    agent.join()
    assert r.rc == 0, r
    out = kv(c.output())
    assert out["syscall.getppid"] == "ENOSYS"  # the kernel's answer once the fd is gone
    assert out["syscall.getpid"] == "OK"
    m = agent.message
    assert len(agent.fds) == 1
    assert m["ociVersion"] == c.config["ociVersion"]
    assert m["fds"] == ["seccompFd"]
    assert m["metadata"] == "agent=test"
    assert isinstance(m["pid"], int) and m["pid"] > 1
    st = m["state"]
    assert st["id"] == c.id
    assert st["pid"] == m["pid"]
    assert st["status"] == "created"
    assert st["bundle"] == str(c.path)
    assert st["annotations"] == {"org.example.k": "v"}


def test_notify_listener_answers_for_the_container(bundle, ctx):
    """A real agent: it receives the notification of the container's
    process, whose pid is the one in the state, and answers for it."""
    c, path = notify_bundle(bundle, ctx, [PROBE, "syscall", "getppid"])
    agent = Listener(path, answer=4242)
    r = c.run(timeout=30)
    agent.join()
    assert r.rc == 0, r
    out = kv(c.output())
    assert out["syscall.getppid"] == "OK"
    assert out["syscall.getppid.ret"] == "4242"
    assert agent.notif["pid"] == agent.message["pid"]
    if platform.machine() == "x86_64":
        assert agent.notif["nr"] == 110  # getppid


def test_notify_without_no_new_privs_is_sent_during_create(bundle, ctx):
    """Without no_new_privs the filter is loaded before the uid switch, so
    the listener hears of the container while it is being created."""
    c, path = notify_bundle(bundle, ctx, [PROBE, "syscall", "getppid"])
    c.process["noNewPrivileges"] = False
    c.linux["seccomp"]["flags"] = ["SECCOMP_FILTER_FLAG_TSYNC",
                                   "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]
    agent = Listener(path, answer=5)
    r = c.run(timeout=30)
    agent.join()
    assert r.rc == 0, r
    assert kv(c.output())["syscall.getppid.ret"] == "5"
    assert agent.message["state"]["status"] == "creating"
    assert agent.notif["pid"] == agent.message["pid"]


def test_notify_with_create_and_start(bundle, ctx):
    """create connects to the listener; the init hands the fd over at start
    (no_new_privs: the filter is loaded last)."""
    c, path = notify_bundle(bundle, ctx, [PROBE, "syscall", "getppid"])
    agent = Listener(path, answer=7)
    c.create()
    pid = c.pid()
    c.start()
    agent.join()
    assert agent.message["pid"] == pid
    assert agent.notif["pid"] == pid
    c.wait_output("syscall.getppid.ret=7")
    c.wait_status("stopped")
    c.delete()


# ---------------------------------------------------------------- bad input

def _set(path, value):
    def apply(sc):
        *parents, last = path
        node = sc
        for p in parents:
            node = node[p]
        node[last] = value
    return apply


BAD = [
    ("unknown-action", _set(("syscalls", 0, "action"), "SCMP_ACT_FOO"),
     ["linux.seccomp.syscalls[0].action", 'unknown action "SCMP_ACT_FOO"']),
    ("unknown-default-action", _set(("defaultAction",), "SCMP_ACT_NOPE"),
     ["linux.seccomp.defaultAction", "SCMP_ACT_NOPE"]),
    ("unknown-syscall", _set(("syscalls", 0, "names"), ["getppid", "no_such_syscall"]),
     ["linux.seccomp.syscalls[0].names[1]", 'unknown syscall "no_such_syscall"']),
    ("unknown-arch", _set(("architectures",), ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"]),
     ["linux.seccomp.architectures[1]", "SCMP_ARCH_VAX"]),
    ("unknown-flag", _set(("flags",), ["SECCOMP_FILTER_FLAG_NOPE"]),
     ["linux.seccomp.flags[0]", "SECCOMP_FILTER_FLAG_NOPE"]),
    ("bad-op", _set(("syscalls", 0, "args"), [{"index": 0, "value": 1, "op": "SCMP_CMP_XX"}]),
     ["linux.seccomp.syscalls[0].args[0].op", "SCMP_CMP_XX"]),
    ("bad-index", _set(("syscalls", 0, "args"), [{"index": 9, "value": 1, "op": "SCMP_CMP_EQ"}]),
     ["linux.seccomp.syscalls[0].args[0].index"]),
    ("errno-on-allow", _set(("syscalls", 0), {"names": ["getppid"], "action": "SCMP_ACT_KILL",
                                              "errnoRet": 1}),
     ["linux.seccomp.syscalls[0].errnoRet", "takes no errno"]),
    ("notify-without-listener", _set(("syscalls", 0, "action"), "SCMP_ACT_NOTIFY"),
     ["linux.seccomp.listenerPath", "SCMP_ACT_NOTIFY"]),
    ("listener-not-there", lambda sc: sc.update(
        listenerPath="/tmp/berth-no-such-agent.sock",
        syscalls=[{"names": ["getppid"], "action": "SCMP_ACT_NOTIFY"}]),
     ["linux.seccomp.listenerPath", "connect to /tmp/berth-no-such-agent.sock"]),
]


@pytest.mark.parametrize("mutate,needles", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_profile_is_one_line_naming_the_key(bundle, mutate, needles):
    c = bundle()
    sc = profile(rule("getppid", "SCMP_ACT_ERRNO"))
    mutate(sc)
    c.linux["seccomp"] = sc
    r = c.create(check=False)
    assert_berth_error(r, "config.json:", *needles)


def test_unknown_syscall_skipped_with_the_annotation(bundle):
    c = bundle([PROBE, "syscall", "getppid"])
    c.linux["seccomp"] = profile(rule(["no_such_syscall", "getppid"], "SCMP_ACT_ERRNO",
                                      errnoRet=EXDEV))
    c.config.setdefault("annotations", {})["org.berth.seccomp.ignore-unknown-syscalls"] = "true"
    r = c.run(timeout=30)
    assert r.rc == 0, r
    assert kv(c.output())["syscall.getppid"] == "EXDEV"
