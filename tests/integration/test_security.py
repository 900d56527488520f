# SPDX-License-Identifier: LGPL-2.1-or-later
"""Regression tests named after the container escapes they stop.

Each test plays the attack against a real container (from inside it, from
a second container sharing its namespaces, or from the host) and then
checks the host. docs/security.md explains each defence. Some classes are
covered elsewhere and only referenced here:
  - mount target through a symlinked parent: test_mounts.py
    test_mount_target_symlink_out_of_the_rootfs_is_refused and
    test_mount_target_symlink_to_a_path_also_in_the_rootfs_stays_inside
  - masked paths read empty: test_mounts.py test_masked_paths_read_empty
  - readonly paths refuse writes (EROFS): test_mounts.py
    test_readonly_paths_refuse_writes
  - noNewPrivileges: test_isolation.py test_no_new_privileges
"""
import array
import hashlib
import os
import re
import socket
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import (PROBE, assert_berth_error, kv, kv_all, probe_stats, read, read_until,
                      wait_for)

# Capability numbers from <linux/capability.h>, so that the masks below do
# not depend on libcap (which berth itself uses).
CAPS = {
    "CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_DAC_READ_SEARCH": 2, "CAP_FOWNER": 3,
    "CAP_FSETID": 4, "CAP_KILL": 5, "CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_SETPCAP": 8,
    "CAP_LINUX_IMMUTABLE": 9, "CAP_NET_BIND_SERVICE": 10, "CAP_NET_BROADCAST": 11,
    "CAP_NET_ADMIN": 12, "CAP_NET_RAW": 13, "CAP_IPC_LOCK": 14, "CAP_IPC_OWNER": 15,
    "CAP_SYS_MODULE": 16, "CAP_SYS_RAWIO": 17, "CAP_SYS_CHROOT": 18, "CAP_SYS_PTRACE": 19,
    "CAP_SYS_PACCT": 20, "CAP_SYS_ADMIN": 21, "CAP_SYS_BOOT": 22, "CAP_SYS_NICE": 23,
    "CAP_SYS_RESOURCE": 24, "CAP_SYS_TIME": 25, "CAP_SYS_TTY_CONFIG": 26, "CAP_MKNOD": 27,
    "CAP_LEASE": 28, "CAP_AUDIT_WRITE": 29, "CAP_AUDIT_CONTROL": 30, "CAP_SETFCAP": 31,
    "CAP_MAC_OVERRIDE": 32, "CAP_MAC_ADMIN": 33, "CAP_SYSLOG": 34, "CAP_WAKE_ALARM": 35,
    "CAP_BLOCK_SUSPEND": 36, "CAP_AUDIT_READ": 37, "CAP_PERFMON": 38, "CAP_BPF": 39,
    "CAP_CHECKPOINT_RESTORE": 40,
}


def cap_mask(names):
    return sum(1 << CAPS[n] for n in names)


def proc_status(pid):
    """/proc/PID/status of a process, as the host sees it."""
    out = {}
    for line in read(f"/proc/{pid}/status").splitlines():
        k, _, v = line.partition(":")
        out[k] = v.strip()
    return out


def cap_sets(status):
    return {k: int(status[k], 16) for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def listing(d):
    return sorted(os.listdir(d))


def host_secret(ctx, name="secret"):
    """A host file the container must never reach: (path, contents)."""
    f = ctx.work / name
    f.write_text("host secret\n")
    os.chmod(f, 0o644)
    return f


def without_dev_mounts(c):
    c.config["mounts"] = [m for m in c.config["mounts"]
                          if not (m["destination"] == "/dev" or
                                  m["destination"].startswith("/dev/"))]


def receive_fd(srv, timeout=10):
    """Accept one connection on a console socket and take the fd it sends."""
    srv.settimeout(timeout)
    conn, _ = srv.accept()
    fds = array.array("i")
    _, anc, _, _ = conn.recvmsg(64, socket.CMSG_SPACE(fds.itemsize))
    conn.close()
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:fds.itemsize])
    assert len(fds) == 1, anc
    return fds[0]


def read_pty(fd, needle, timeout=10):
    return read_until(fd, needle, timeout).decode(errors="replace")


def unix_sockets(procfile="/proc/net/unix"):
    """inode -> path (abstract ones start with '@') of /proc/net/unix."""
    out = {}
    for line in read(procfile).splitlines()[1:]:
        f = line.split()
        if len(f) >= 7:
            out[f[6]] = f[7] if len(f) > 7 else ""
    return out


def fd_targets(pid):
    out = {}
    for n in os.listdir(f"/proc/{pid}/fd"):
        try:
            out[int(n)] = os.readlink(f"/proc/{pid}/fd/{n}")
        except OSError:
            pass
    return out


# ------------------------------------------------------------ CVE-2019-5736

def test_cve_2019_5736_created_init_exe_is_out_of_reach_of_a_joining_container(
        bundle, berth_bin):
    """/proc/self/exe overwrite: while a container is `created`, its init is
    still the berth binary. A second container in its pid namespace (root,
    without CAP_SYS_PTRACE, as a `docker exec` would be) can neither open
    that binary through /proc/1/exe for writing nor read it: the init is
    not dumpable."""
    before = sha256(berth_bin)
    a = bundle([PROBE, "sleep", "100"])
    a.create()
    pid = a.pid()
    # the scenario is real: the waiting init is berth itself
    assert os.path.realpath(f"/proc/{pid}/exe") == os.path.realpath(berth_bin)

    b = bundle([PROBE, "open", "/proc/1/exe", "w", "open", "/proc/1/exe", "r",
                "readlink", "/proc/1/exe", "stat-follow", "/proc/1/exe"])
    b.add_namespace("pid", f"/proc/{pid}/ns/pid")
    r = b.run()
    assert r.rc != 0, r  # readlink and stat of the exe fail too
    opens = kv_all(r.out, "open")
    assert len(opens) == 2 and all(o in ("EACCES", "EPERM") for o in opens), r.out
    assert kv(r.out)["link.error"] in ("EACCES", "EPERM"), r.out
    assert probe_stats(r.out)["/proc/1/exe"].get("errno") in ("EACCES", "EPERM"), r.out

    a.start()
    # after start the init is the user's program, not berth
    wait_for(lambda: os.path.realpath(f"/proc/{pid}/exe") != os.path.realpath(berth_bin),
             what="the init to exec")
    assert os.path.basename(os.readlink(f"/proc/{pid}/exe")) == "berth-probe"
    a.delete(force=True)
    assert sha256(berth_bin) == before


def test_cve_2019_5736_nsenter_without_privileges_cannot_open_the_created_init(
        bundle, ctx, berth_bin):
    """The same from a process put into every namespace of the created
    container by the host (nsenter), as root without capabilities."""
    before = sha256(berth_bin)
    a = bundle([PROBE, "sleep", "100"])
    a.create()
    pid = a.pid()
    # control: with every capability (CAP_SYS_PTRACE) the exe can be read,
    # and even then not written while it runs
    r = subprocess.run(["nsenter", "-t", str(pid), "-a", PROBE,
                        "open", "/proc/1/exe", "r", "open", "/proc/1/exe", "w", "tag", ctx.token],
                       capture_output=True, text=True, timeout=10)
    assert kv_all(r.stdout, "open") == ["OK", "ETXTBSY"], r
    r = subprocess.run(["nsenter", "-t", str(pid), "-a", PROBE, "drop-caps",
                        "open", "/proc/1/exe", "w", "open", "/proc/1/exe", "r",
                        "readlink", "/proc/1/exe", "tag", ctx.token],
                       capture_output=True, text=True, timeout=10)
    assert kv(r.stdout)["drop-caps"] == "OK", r
    opens = kv_all(r.stdout, "open")
    assert len(opens) == 2 and all(o in ("EACCES", "EPERM") for o in opens), r
    assert kv(r.stdout)["link.error"] in ("EACCES", "EPERM"), r
    a.delete()
    assert sha256(berth_bin) == before


def test_cve_2019_5736_proc_1_exe_is_the_users_program_after_start(bundle, berth_bin):
    before = sha256(berth_bin)
    c = bundle([PROBE, "readlink", "/proc/1/exe", "stat-follow", "/proc/self/exe",
                "stat-follow", "/bin/berth-probe", "open", "/proc/1/exe", "w"])
    r = c.run()
    assert r.rc == 0, r
    assert kv(r.out)["link"] == "/bin/berth-probe"
    st = probe_stats(r.out)
    assert st["/proc/self/exe"]["ino"] == st["/bin/berth-probe"]["ino"]
    # the rootfs is read-only; what matters is that it is not berth
    assert kv(r.out)["open"] in ("ETXTBSY", "EROFS"), r.out
    assert sha256(berth_bin) == before


# ------------------------------------------------------------ CVE-2024-21626

def create_with_fd3(c, target):
    """`create --preserve-fds 1` with fd 3 open on target."""
    c.write()
    argv = c.rt.argv("create", "--bundle", c.path, "--preserve-fds", "1", c.id)
    err = c.path / "create-fd3.err"
    # files, not pipes: the init inherits them and would hold a pipe open
    with open(c.out_path, "ab") as out, open(err, "wb") as e:
        r = subprocess.run(["/bin/sh", "-c", 'exec 3<"$0"; exec "$@"', str(target)] + argv,
                           stdin=subprocess.DEVNULL, stdout=out, stderr=e, timeout=30)
    assert r.returncode == 0, err.read_text()


def test_cve_2024_21626_created_init_holds_only_allowed_fds(bundle, ctx):
    """Leaked fds: the waiting init of a created container holds stdio, the
    start socket and the preserved fds, nothing else (no host directory,
    cgroupfs or state-dir fd a `cwd` of /proc/self/fd/N could climb out
    through)."""
    keep = ctx.work / "preserved"
    keep.write_text("fd 3\n")
    c = bundle([PROBE, "fds", "sleep", "100"])
    create_with_fd3(c, keep)
    pid = c.pid()
    fds = fd_targets(pid)
    host_unix = unix_sockets()
    allowed = {0, 1, 2, 3}
    for n, target in fds.items():
        if n in allowed:
            continue
        m = re.fullmatch(r"socket:\[(\d+)\]", target)
        assert m and host_unix.get(m.group(1), "").endswith("/start.sock"), \
            f"the created init holds fd {n} -> {target}: {fds}"
    assert fds[3] == str(keep)
    assert sum(1 for t in fds.values() if t.startswith("socket:")) == 1, fds

    c.start()
    out = c.wait_output("fd=3:")
    seen = dict(l.split(":", 1) for l in kv_all(out, "fd"))
    assert sorted(int(n) for n in seen) == [0, 1, 2, 3], out
    assert seen["3"] == str(keep)
    # and from the host: the user's program holds the same
    assert sorted(fd_targets(pid)) == [0, 1, 2, 3]
    c.delete(force=True)


def test_cve_2024_21626_users_process_has_only_stdio(bundle):
    c = bundle([PROBE, "fds"])
    r = c.run()
    assert r.rc == 0, r
    assert sorted(int(l.split(":")[0]) for l in kv_all(r.out, "fd")) == [0, 1, 2], r.out


@pytest.mark.parametrize("n", range(3, 10))
def test_cve_2024_21626_cwd_through_proc_self_fd_fails_or_stays_inside(bundle, n):
    c = bundle([PROBE, "cwd", "stat", "."])
    c.process["cwd"] = f"/proc/self/fd/{n}"
    r = c.run()
    out = kv(r.out)
    if "cwd" not in out and "cwd.error" not in out:
        assert_berth_error(r, "cwd")  # refused before the program ran
        return
    # it ran: getcwd fails (ENOENT) for a directory outside the root
    assert "cwd.error" not in out, f"cwd is outside the container: {r!r}"
    assert out["cwd"].startswith("/"), r.out


def host_only_program():
    """A static program that exists on the host but not in the container."""
    probe = os.environ.get("BERTH_PROBE") or str(Path(__file__).resolve().parents[2] /
                                                 "build" / "tests" / "berth-probe")
    return os.path.realpath(probe)


def through_fd(n, host_path):
    """/proc/self/fd/N/../../.. up to the root, then host_path: from a
    leaked host directory fd this reaches the host's file."""
    return f"/proc/self/fd/{n}" + "/.." * 16 + host_path


@pytest.mark.parametrize("n", range(3, 10))
def test_cve_2024_21626_program_through_proc_self_fd_is_not_the_hosts(bundle, ctx, n):
    c = bundle([through_fd(n, host_only_program()), "ids", "tag", ctx.token])
    r = c.run()
    assert "uid=" not in r.out, f"a host program ran in the container: {r!r}"
    assert_berth_error(r)


def test_cve_2024_21626_exec_cwd_and_program_through_proc_self_fd_stay_inside(bundle, ctx):
    """The same through `exec`: its process is also a clone of the runtime
    and held the runtime's cgroup directory fds."""
    c = bundle([PROBE, "sleep", "100"])
    c.create()
    c.start()
    for n in range(3, 16):
        r = c.rt("exec", "--cwd", f"/proc/self/fd/{n}", c.id, PROBE, "cwd", "tag", ctx.token)
        out = kv(r.out)
        assert "cwd.error" not in out, f"exec's cwd is outside the container: {r!r}"
        if r.rc != 0:
            assert_berth_error(r, "cwd")
        r = c.rt("exec", c.id, through_fd(n, host_only_program()), "ids", "tag", ctx.token)
        assert "uid=" not in r.out, f"a host program ran in the container: {r!r}"
        assert r.rc != 0, r
    r = c.rt("exec", c.id, PROBE, "fds", "tag", ctx.token).ok()
    assert sorted(int(l.split(":")[0]) for l in kv_all(r.out, "fd")) == [0, 1, 2], r.out
    c.delete(force=True)


# ------------------------------------------------------------ rootfs symlinks

@pytest.mark.parametrize("name", ["proc", "sys", "dev"])
@pytest.mark.parametrize("link", ["absolute", "relative"])
def test_rootfs_proc_sys_dev_symlinked_to_the_host_touch_nothing_outside(
        bundle, ctx, rootfs_copy, name, link):
    """An image whose /proc, /sys or /dev is a symlink to a host path: berth
    refuses to mount through it (or mounts inside the rootfs), and the host
    path stays as it was."""
    rf = rootfs_copy()
    outside = ctx.dir("outside")
    (outside / "keep").write_text("host file\n")
    os.rmdir(rf / name)
    os.symlink(str(outside) if link == "absolute" else os.path.relpath(outside, rf), rf / name)
    c = bundle([PROBE, "mounts"], rootfs_path=rf)
    c.config["root"]["readonly"] = False
    r = c.run()
    if r.rc != 0:
        assert_berth_error(r, f"/{name}")
    assert listing(outside) == ["keep"], "the host directory was touched"
    assert (outside / "keep").read_text() == "host file\n"
    assert str(outside) not in read("/proc/self/mountinfo")


def test_rootfs_dev_symlink_without_a_dev_mount_populates_nothing_outside(
        bundle, ctx, rootfs_copy):
    """No /dev tmpfs, the image's dev -> a host directory, and a device to
    create: the node must not appear on the host."""
    rf = rootfs_copy()
    outside = ctx.dir("outside")
    (outside / "keep").write_text("host file\n")
    os.rmdir(rf / "dev")
    os.symlink(str(outside), rf / "dev")
    c = bundle([PROBE, "stat", "/dev/mynull"], rootfs_path=rf)
    c.config["root"]["readonly"] = False
    without_dev_mounts(c)
    c.linux["maskedPaths"] = []
    c.linux["devices"] = [{"type": "c", "path": "/dev/mynull", "major": 1, "minor": 3}]
    r = c.run()
    if r.rc != 0:
        assert_berth_error(r, "/dev")
    assert listing(outside) == ["keep"], "a node was created on the host"
    assert str(outside) not in read("/proc/self/mountinfo")


# ------------------------------------------------------------ CVE-2025-31133

@pytest.mark.parametrize("kind", ["symlink-to-host-file", "regular-file", "other-device"])
def test_cve_2025_31133_masked_path_source_must_be_the_null_device(
        bundle, ctx, rootfs_copy, kind):
    """maskedPaths are covered with the container's /dev/null. Without a
    fresh /dev tmpfs that node is the image's: when it is a symlink to a
    host file, a plain file or another device, berth refuses to use it (a
    bind of it would expose or make writable what it points to)."""
    rf = rootfs_copy()
    secret = host_secret(ctx)
    null = rf / "dev" / "null"
    if kind == "symlink-to-host-file":
        os.symlink(str(secret), null)
    elif kind == "regular-file":
        null.write_text("not null\n")
    else:
        os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 5))  # zero
    c = bundle(["sh", "-c", "echo pwned > /etc/group; cat /etc/group"], rootfs_path=rf)
    c.config["root"]["readonly"] = False
    without_dev_mounts(c)
    c.linux["maskedPaths"] = ["/etc/group"]
    group_before = (rf / "etc" / "group").read_text()
    r = c.run()
    assert_berth_error(r, "/dev/null", "null device")
    assert secret.read_text() == "host secret\n"
    assert (rf / "etc" / "group").read_text() == group_before
    assert str(secret) not in read("/proc/self/mountinfo")


def test_masked_path_with_the_images_real_null_device_works(bundle, rootfs_copy):
    rf = rootfs_copy()
    os.mknod(rf / "dev" / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    c = bundle(["sh", "-c", "echo group=$(wc -c < /etc/group)"], rootfs_path=rf)
    without_dev_mounts(c)
    c.linux["maskedPaths"] = ["/etc/group"]
    r = c.run()
    assert r.rc == 0, r
    assert kv(r.out)["group"] == "0"


# ------------------------------------------------------------ CVE-2025-52565

def console_socket(ctx):
    path = str(ctx.work / "console.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    return srv, path


def test_cve_2025_52565_dev_console_is_exactly_the_containers_pty(ctx, bundle):
    """/dev/console is the pty berth allocated (same device as the
    process's stdin), bound onto a node berth checked."""
    srv, path = console_socket(ctx)
    c = bundle([PROBE, "stat-follow", "/proc/self/fd/0", "stat-follow", "/dev/console",
                "open", "/dev/console", "w", "exit", "0"])
    c.process["terminal"] = True
    c.create("--console-socket", path)
    master = receive_fd(srv)
    srv.close()
    c.start()
    out = read_pty(master, b"open=")
    os.close(master)
    st = probe_stats(out)
    assert st["/proc/self/fd/0"]["type"] == "chr", out
    assert st["/proc/self/fd/0"]["rdev"].split(":")[0] == "136", out  # a pts
    assert st["/dev/console"]["rdev"] == st["/proc/self/fd/0"]["rdev"], out
    assert kv(out)["open"] == "OK", out
    c.wait_status("stopped")
    c.delete()


@pytest.mark.parametrize("kind", ["symlink", "other-device", "file-with-data"])
def test_cve_2025_52565_dev_console_that_is_not_a_placeholder_is_refused(
        ctx, bundle, rootfs_copy, kind):
    """An image that brings its own /dev (no tmpfs over it) with a
    /dev/console that is a symlink, another device or a file with data:
    berth refuses to bind the terminal there."""
    rf = rootfs_copy()
    secret = host_secret(ctx)
    dev = rf / "dev"
    (dev / "pts").mkdir()
    os.symlink("pts/ptmx", dev / "ptmx")
    os.mknod(dev / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    console = dev / "console"
    if kind == "symlink":
        os.symlink(str(secret), console)
    elif kind == "other-device":
        os.mknod(console, 0o600 | stat.S_IFCHR, os.makedev(1, 5))
    else:
        console.write_text("data\n")
    srv, path = console_socket(ctx)
    c = bundle([PROBE, "exit", "0"], rootfs_path=rf)
    c.process["terminal"] = True
    c.config["mounts"] = [m for m in c.config["mounts"]
                          if m["destination"] in ("/proc", "/dev/pts", "/sys")]
    c.linux["maskedPaths"] = []
    r = c.create("--console-socket", path, check=False)
    srv.close()
    assert_berth_error(r, "/dev/console")
    assert secret.read_text() == "host secret\n"


# ------------------------------------------------------------ numeric users

def test_numeric_uid_without_a_passwd_entry_is_used_as_is(bundle, rootfs_copy):
    rf = rootfs_copy()
    os.unlink(rf / "etc" / "passwd")
    os.unlink(rf / "etc" / "group")
    c = bundle([PROBE, "ids"], rootfs_path=rf)
    c.process["user"] = {"uid": 1000, "gid": 1000}
    r = c.run()
    assert r.rc == 0, r
    out = kv(r.out)
    assert (out["uid"], out["euid"], out["gid"], out["egid"]) == ("1000",) * 4


def test_uid_2_to_the_32_minus_2_is_used_exactly_never_as_root(bundle):
    big = 2**32 - 2
    c = bundle([PROBE, "ids"])
    c.process["user"] = {"uid": big, "gid": big, "additionalGids": [big]}
    r = c.run()
    if r.rc != 0:
        assert_berth_error(r, str(big))
        return
    out = kv(r.out)
    assert (out["uid"], out["euid"], out["gid"], out["egid"]) == (str(big),) * 4, r.out
    assert out["groups"] == str(big)


@pytest.mark.parametrize("key", ["uid", "gid"])
def test_id_minus_1_is_refused_as_it_would_leave_the_process_root(bundle, key):
    # (uid_t)-1 is "unchanged" to setresuid(): the process would stay uid 0
    c = bundle([PROBE, "ids"])
    c.process["user"] = {"uid": 1000, "gid": 1000, key: 2**32 - 1}
    assert_berth_error(c.create(check=False), f"process.user.{key}", str(2**32 - 1))


def test_uid_above_2_to_the_32_is_refused_with_its_path(bundle):
    c = bundle([PROBE, "ids"])
    c.process["user"] = {"uid": 2**32, "gid": 0}
    assert_berth_error(c.create(check=False), re.compile(r"config\.json:\d+:\d+"),
                       "process.user.uid", "out of range")


def test_additional_gids_are_set_exactly(bundle):
    c = bundle([PROBE, "ids"])
    c.process["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [10, 20, 3000000000]}
    r = c.run()
    assert r.rc == 0, r
    assert sorted(kv(r.out)["groups"].split(","), key=int) == ["10", "20", "3000000000"]


def test_no_additional_gids_means_no_groups(bundle):
    c = bundle([PROBE, "ids"])
    c.process["user"] = {"uid": 1000, "gid": 1000}
    r = c.run()
    assert r.rc == 0, r
    assert kv(r.out)["groups"] == ""  # not root's 0, nor anything inherited


# ------------------------------------------------------------ state and sockets

def test_state_directories_are_0700_and_root_owned(bundle, state_root):
    c = bundle()
    c.create()
    for d in (state_root, c.state_dir()):
        st = os.stat(d)
        assert stat.S_IMODE(st.st_mode) == 0o700, (d, oct(st.st_mode))
        assert (st.st_uid, st.st_gid) == (0, 0), d
    for f in c.state_dir().iterdir():
        assert os.lstat(f).st_uid == 0, f
    c.delete()


def test_no_abstract_unix_sockets(bundle):
    """Abstract sockets ignore file permissions and mount namespaces: any
    process in the network namespace can connect. berth uses paths only."""
    c = bundle()
    c.create()
    pid = c.pid()
    socks = [re.fullmatch(r"socket:\[(\d+)\]", t) for t in fd_targets(pid).values()]
    inodes = {m.group(1) for m in socks if m}
    for table in ("/proc/net/unix", f"/proc/{pid}/net/unix"):
        paths = unix_sockets(table)
        for ino in inodes:
            assert not paths.get(ino, "").startswith("@"), (table, ino, paths.get(ino))
        assert not [p for p in paths.values() if p.startswith("@") and c.id in p], table
    c.delete()


# ------------------------------------------------------------ cgroup v1 release_agent

def test_cgroup_v1_release_agent_escape_is_blocked(bundle):
    """CVE-2022-0492 class: a default container cannot mount a cgroup v1
    hierarchy (which would give it a release_agent to point at a host
    program), and finds no writable release_agent in its /sys/fs/cgroup."""
    script = (f"{PROBE} mount cgroup /mnt memory mount cgroup /mnt none,name=berthx; "
              "for d in /sys/fs/cgroup /sys/fs/cgroup/*; do "
              f"  echo dir=$d; {PROBE} open $d/release_agent w; "
              "done; "
              "echo found=$(find /sys/fs/cgroup -name release_agent 2>/dev/null | wc -l)")
    c = bundle(["sh", "-c", script])
    r = c.run()
    assert r.rc == 0, r
    assert kv_all(r.out, "mount") == ["EPERM", "EPERM"], r.out
    opens = kv_all(r.out, "open")
    assert opens and all(o in ("ENOENT", "EROFS", "EACCES") for o in opens), r.out
    assert kv(r.out)["found"] == "0", r.out


# ------------------------------------------------------------ capabilities

@pytest.mark.parametrize("nnp", [False, True])
def test_capability_sets_are_exactly_the_specs_before_and_after_exec(bundle, nnp):
    caps = {
        "bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE", "CAP_CHOWN",
                     "CAP_SETUID"],
        "effective": ["CAP_KILL", "CAP_CHOWN"],
        "permitted": ["CAP_KILL", "CAP_CHOWN", "CAP_NET_BIND_SERVICE"],
        "inheritable": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
        "ambient": ["CAP_KILL"],
    }
    want = {"CapBnd": cap_mask(caps["bounding"]), "CapEff": cap_mask(caps["effective"]),
            "CapPrm": cap_mask(caps["permitted"]), "CapInh": cap_mask(caps["inheritable"]),
            "CapAmb": cap_mask(caps["ambient"])}
    c = bundle([PROBE, "sleep", "100"])
    c.process["capabilities"] = caps
    c.process["noNewPrivileges"] = nnp
    c.create()
    # the waiting init holds exactly what berth set
    status = proc_status(c.pid())
    assert cap_sets(status) == want
    assert status["NoNewPrivs"] == ("1" if nnp else "0")
    c.start()
    wait_for(lambda: os.path.basename(os.readlink(f"/proc/{c.pid()}/exe")) == "berth-probe")
    # exec as uid 0 makes permitted = effective = bnd | inh | amb, which
    # no_new_privs caps at the permitted set the init had
    after = cap_sets(proc_status(c.pid()))
    full = want["CapBnd"] | want["CapInh"] | want["CapAmb"]
    if nnp:
        full &= want["CapPrm"]
    assert after == dict(want, CapPrm=full, CapEff=full)
    c.delete(force=True)


def test_capabilities_of_a_non_root_user_after_exec_are_the_ambient_set(bundle):
    caps = {"bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
            "effective": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
            "permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
            "inheritable": ["CAP_NET_BIND_SERVICE"],
            "ambient": ["CAP_NET_BIND_SERVICE"]}
    c = bundle([PROBE, "caps"])
    c.process["user"] = {"uid": 1000, "gid": 1000}
    c.process["capabilities"] = caps
    r = c.run()
    assert r.rc == 0, r
    got = {k: int(v, 16) for k, v in kv(r.out).items()}
    amb = cap_mask(["CAP_NET_BIND_SERVICE"])
    assert got == {"CapBnd": cap_mask(caps["bounding"]), "CapInh": amb, "CapPrm": amb,
                   "CapEff": amb, "CapAmb": amb}


def test_inheritable_and_ambient_are_empty_unless_named(bundle):
    c = bundle([PROBE, "caps"])
    r = c.run()
    assert r.rc == 0, r
    got = {k: int(v, 16) for k, v in kv(r.out).items()}
    assert got["CapInh"] == 0 and got["CapAmb"] == 0
    assert got["CapBnd"] == cap_mask(c.process["capabilities"]["bounding"])


def test_capability_typo_is_one_clear_error(bundle):
    c = bundle()
    c.process["capabilities"]["effective"].append("CAP_SYS_ADMN")
    n = len(c.process["capabilities"]["effective"]) - 1
    assert_berth_error(c.create(check=False), f"process.capabilities.effective[{n}]",
                       "CAP_SYS_ADMN")


# ------------------------------------------------------------ masks and devices

def test_relative_masked_path_is_one_clear_error(bundle):
    c = bundle()
    c.linux["maskedPaths"] = ["/proc/kcore", "proc/keys"]
    assert_berth_error(c.create(check=False), "linux.maskedPaths[1]", "absolute")


def test_relative_readonly_path_is_one_clear_error(bundle):
    c = bundle()
    c.linux["readonlyPaths"] = ["proc/sys"]
    assert_berth_error(c.create(check=False), "linux.readonlyPaths[0]", "absolute")


def test_mknod_outside_the_device_allow_list_fails_even_with_cap_mknod(bundle):
    c = bundle([PROBE, "mknod", "/dev/sda-copy", "8:0", "mknod", "/dev/mem-copy", "1:1",
                "mknod", "/dev/null-copy", "1:3", "open", "/dev/null-copy", "w"])
    for s in ("bounding", "effective", "permitted"):
        c.process["capabilities"][s].append("CAP_MKNOD")
    r = c.run()
    assert r.rc == 0, r
    assert kv_all(r.out, "mknod") == ["EPERM", "EPERM", "OK"], r.out
    assert kv(r.out)["open"] == "OK"


def test_device_with_a_bad_type_is_one_clear_line(bundle):
    c = bundle()
    c.linux["devices"] = [{"type": "x", "path": "/dev/x", "major": 1, "minor": 3}]
    assert_berth_error(c.create(check=False), re.compile(r"config\.json:\d+:\d+"),
                       "linux.devices[0].type")


# ------------------------------------------------------------ LSM labels

def apparmor_active():
    try:
        enabled = read("/sys/module/apparmor/parameters/enabled").strip()
    except OSError:
        return False
    return enabled == "Y" and os.path.exists("/sys/kernel/security/apparmor")


def test_apparmor_profile_without_apparmor_is_a_clear_error(bundle):
    if apparmor_active():
        pytest.skip("AppArmor is active on this host")
    c = bundle()
    c.process["apparmorProfile"] = "berth-default"
    assert_berth_error(c.create(check=False),
                       "config.json: process.apparmorProfile: AppArmor is not active on this host")


def test_selinux_label_without_selinux_is_a_clear_error(bundle):
    if os.path.exists("/sys/fs/selinux/enforce"):
        pytest.skip("SELinux is enabled on this host")
    c = bundle()
    c.process["selinuxLabel"] = "system_u:system_r:container_t:s0:c1,c2"
    assert_berth_error(c.create(check=False),
                       "config.json: process.selinuxLabel: SELinux is not enabled on this host")


def test_mount_label_without_selinux_is_ignored(bundle):
    if os.path.exists("/sys/fs/selinux/enforce"):
        pytest.skip("SELinux is enabled on this host")
    c = bundle([PROBE, "exit", "0"])
    c.linux["mountLabel"] = "system_u:object_r:container_file_t:s0:c1,c2"
    r = c.run()
    assert r.rc == 0, r


def test_empty_lsm_labels_count_as_absent(bundle):
    c = bundle([PROBE, "exit", "0"])
    c.process["apparmorProfile"] = ""
    c.process["selinuxLabel"] = ""
    r = c.run()
    assert r.rc == 0, r
