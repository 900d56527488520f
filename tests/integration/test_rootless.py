# SPDX-License-Identifier: LGPL-2.1-or-later
"""Rootless: a fresh unprivileged user, made by the test, runs containers
with `runuser -u USER -- berth oci ...`: a map of its own id written by
berth, subuid ranges through newuidmap, no cgroup (not delegated), and
the default --root under XDG_RUNTIME_DIR."""
import json
import os
import pwd
import re
import shutil
import signal
import subprocess

import pytest

from conftest import (PROBE, Container, Runtime, assert_berth_error, kv, kv_all, probe_stats,
                      read, wait_for)

SUBID_COUNT = 65536


def userns_refused():
    """Why this kernel refuses user namespaces to unprivileged users, or None."""
    knobs = {"/proc/sys/kernel/unprivileged_userns_clone": "1",
             "/proc/sys/kernel/apparmor_restrict_unprivileged_userns": "0"}
    for path, ok in knobs.items():
        if os.path.exists(path) and read(path).strip() != ok:
            return f"{path} is {read(path).strip()}: unprivileged user namespaces are off"
    if int(read("/proc/sys/user/max_user_namespaces", "0").strip() or 0) == 0:
        return "user.max_user_namespaces is 0: user namespaces are off"
    return None


def _drop_subid_lines(name):
    for f in ("/etc/subuid", "/etc/subgid"):
        if not os.path.exists(f):
            continue
        lines = read(f).splitlines(keepends=True)
        keep = [l for l in lines if l.split(":", 1)[0] != name]
        if keep != lines:
            with open(f, "w") as fh:
                fh.writelines(keep)


def _free_subid_start():
    """A subordinate range no line of /etc/subuid or /etc/subgid uses."""
    used = []
    for f in ("/etc/subuid", "/etc/subgid"):
        for line in read(f, "").splitlines():
            parts = line.strip().split(":")
            if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                used.append((int(parts[1]), int(parts[1]) + int(parts[2])))
    start = 1_000_000
    while any(a < start + SUBID_COUNT and start < b for a, b in used):
        start += SUBID_COUNT
    return start


def _pids_of(uid):
    """Live processes whose real uid is uid."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        status = read(f"/proc/{d}/status", "")
        fields = dict(l.split(":", 1) for l in status.splitlines() if ":" in l)
        if fields.get("Uid", "").split()[:1] == [str(uid)] and \
                fields.get("State", "").split()[:1] != ["Z"]:
            pids.append(int(d))
    return pids


class User:
    def __init__(self, name):
        pw = pwd.getpwnam(name)
        self.name, self.uid, self.gid = name, pw.pw_uid, pw.pw_gid
        self.subid = None

    def grant_subids(self):
        """Our own /etc/subuid and /etc/subgid lines (useradd may add some)."""
        _drop_subid_lines(self.name)
        self.subid = _free_subid_start()
        for f in ("/etc/subuid", "/etc/subgid"):
            with open(f, "a") as fh:
                fh.write(f"{self.name}:{self.subid}:{SUBID_COUNT}\n")
        return self.subid


@pytest.fixture
def user(ctx):
    """A fresh unprivileged user; removed, with its subid lines, whatever happens."""
    why = userns_refused()
    if why:
        pytest.skip(why)
    name = f"bt{ctx.token}"
    subprocess.run(["useradd", "-M", "-s", "/bin/sh", name], check=True, capture_output=True)
    uid = pwd.getpwnam(name).pw_uid
    try:
        u = User(name)
        _drop_subid_lines(name)
        # the state root of the test, so that the leftover checks look there
        root = ctx.work / "root"
        root.mkdir(exist_ok=True)
        os.chown(root, u.uid, u.gid)
        yield u
    finally:
        # nothing of the user may outlive it: its containers, then any
        # process still running as it (all of them started by this test)
        for cid in ctx.ids:
            if (ctx.work / "root" / cid).exists():
                ctx.rt("delete", "--force", cid)
        for pid in _pids_of(uid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            wait_for(lambda: not _pids_of(uid), 5, what=f"the processes of {name} to exit")
        finally:
            subprocess.run(["userdel", name], capture_output=True)
            _drop_subid_lines(name)


@pytest.fixture
def urt(ctx, user, berth_bin):
    """The CLI under test as the user, with the test's --root."""
    rt = Runtime(berth_bin, ctx.rt.root, ctx.work)
    rt.prefix = ["runuser", "-u", user.name, "--", str(berth_bin), "oci"]
    rt._n = 1000  # its output files apart from the root runtime's
    return rt


@pytest.fixture
def rootless_bundle(ctx, user, urt, rootfs_copy):
    """bundle(args) -> Container with what `berth oci spec --rootless` writes
    for the user, on a copy of the busybox rootfs, driven as the user."""
    rootfs = rootfs_copy()
    spec_dir = ctx.dir("spec")
    os.chown(spec_dir, user.uid, user.gid)
    urt("spec", "--rootless", "--bundle", spec_dir, root=False).ok()
    base = json.loads((spec_dir / "config.json").read_text())

    def make(args=(PROBE, "sleep", "100")):
        cid = ctx.new_id()
        path = ctx.dir(f"bundle-{cid}")
        cfg = json.loads(json.dumps(base))
        cfg["root"] = {"path": str(rootfs), "readonly": True}
        args = list(args)
        if args and os.path.basename(args[0]) == "berth-probe":
            args += ["tag", ctx.token]
        cfg["process"]["args"] = args
        cfg["process"]["terminal"] = False
        c = Container(ctx, cid, path, cfg)
        c.rt = urt
        return c

    return make


def maps(c, uids, gids=None):
    c.linux["uidMappings"] = [{"containerID": a, "hostID": b, "size": n} for a, b, n in uids]
    c.linux["gidMappings"] = [{"containerID": a, "hostID": b, "size": n}
                              for a, b, n in (gids or uids)]


def no_cgroup_warning(err, user):
    assert re.search(rf"berth: warning: create \S+: cgroups skipped: not delegated to uid "
                     rf"{user.uid}", err), err


# ---------------------------------------------------------------- tests

def test_rootless_spec_maps_the_caller(rootless_bundle, user):
    c = rootless_bundle()
    assert c.linux["uidMappings"] == [{"containerID": 0, "hostID": user.uid, "size": 1}]
    assert c.linux["gidMappings"] == [{"containerID": 0, "hostID": user.gid, "size": 1}]
    assert "user" in c.namespaces() and "network" not in c.namespaces()


def test_rootless_container_is_root_inside_and_the_user_outside(rootless_bundle, user):
    c = rootless_bundle([PROBE, "ids", "cat", "/proc/self/uid_map", "sleep", "100"])
    r = c.create()
    no_cgroup_warning(r.err, user)
    pid = c.pid()
    assert read(f"/proc/{pid}/uid_map").split() == ["0", str(user.uid), "1"]
    assert read(f"/proc/{pid}/gid_map").split() == ["0", str(user.gid), "1"]
    assert read(f"/proc/{pid}/setgroups").strip() == "deny"
    status = kv(read(f"/proc/{pid}/status").replace(":", "="))
    assert status["Uid"].split()[0] == str(user.uid)
    assert c.state()["status"] == "created"
    c.start()
    out = c.wait_output("line=")
    ids = kv(out)
    assert ids["uid"] == "0" and ids["gid"] == "0", out
    assert kv_all(out, "line")[0].split() == ["0", str(user.uid), "1"]
    # no cgroup: the host's /berth/<id> does not exist in any hierarchy
    assert not list(filter(os.path.isdir, (f"/sys/fs/cgroup/{h}/berth/{c.id}"
                                           for h in os.listdir("/sys/fs/cgroup"))))
    # kill goes through the init's pidfd
    c.kill("KILL")
    c.wait_status("stopped")
    c.delete()
    assert not c.state_dir().exists()


def test_rootless_run_exits_with_the_status_and_leaves_nothing(rootless_bundle, user):
    c = rootless_bundle([PROBE, "exit", "7"])
    r = c.run()
    assert r.rc == 7, r
    no_cgroup_warning(r.err, user)
    assert not c.state_dir().exists()


def test_rootless_pause_is_a_clear_error_and_delete_force_works(rootless_bundle, user):
    c = rootless_bundle()
    c.create()
    c.start()
    c.wait_status("running")
    r = c.rt("pause", c.id)
    assert_berth_error(r, f"pause {c.id}", "no cgroup")
    assert c.status() == "running"
    pid = c.pid()
    c.delete(force=True)
    wait_for(lambda: not os.path.exists(f"/proc/{pid}/status") or
             "zombie" in read(f"/proc/{pid}/status", ""), what="the init to die")
    assert not c.state_dir().exists()


def test_rootless_exec_joins_without_a_cgroup(rootless_bundle, user):
    c = rootless_bundle()
    c.create()
    c.start()
    r = c.rt("exec", c.id, PROBE, "ids", "tag", c.ctx.token)
    assert r.rc == 0, r
    assert kv(r.out)["uid"] == "0"
    c.delete(force=True)


def test_rootless_resources_need_a_delegated_cgroup(rootless_bundle, user):
    c = rootless_bundle()
    c.resources["pids"] = {"limit": 10}
    r = c.run()
    assert_berth_error(r, f"cgroups are not delegated to uid {user.uid}",
                       "linux.resources asks for limits")
    assert not c.state_dir().exists()


def test_rootless_subuid_ranges_go_through_newuidmap(rootless_bundle, user):
    if not shutil.which("newuidmap") or not shutil.which("newgidmap"):
        pytest.skip("newuidmap/newgidmap are not installed (Debian package uidmap)")
    sub = user.grant_subids()
    c = rootless_bundle([PROBE, "ids", "stat", "/etc/passwd", "sleep", "100"])
    maps(c, [(0, user.uid, 1), (1, sub, SUBID_COUNT)], [(0, user.gid, 1), (1, sub, SUBID_COUNT)])
    c.process["user"] = {"uid": 1000, "gid": 1000}
    c.create()
    pid = c.pid()
    want = [["0", str(user.uid), "1"], ["1", str(sub), str(SUBID_COUNT)]]
    assert [l.split() for l in read(f"/proc/{pid}/uid_map").strip().splitlines()] == want
    want[0][1] = str(user.gid)
    assert [l.split() for l in read(f"/proc/{pid}/gid_map").strip().splitlines()] == want
    # newgidmap keeps setgroups allowed for subgid ranges
    assert read(f"/proc/{pid}/setgroups").strip() == "allow"
    c.start()
    out = c.wait_output("path=")
    ids = kv(out.split("path=")[0])
    assert ids["uid"] == "1000" and ids["gid"] == "1000", out
    status = kv(read(f"/proc/{pid}/status").replace(":", "="))
    assert status["Uid"].split()[0] == str(sub + 999)
    # the rootfs copy is host root's: unmapped, so nobody inside
    st = probe_stats(out)["/etc/passwd"]
    assert (st["uid"], st["gid"]) == ("65534", "65534")
    c.delete(force=True)


def test_rootless_range_not_granted_is_a_clear_error(rootless_bundle, user):
    if not shutil.which("newuidmap"):
        pytest.skip("newuidmap is not installed (Debian package uidmap)")
    sub = user.grant_subids()
    c = rootless_bundle()
    maps(c, [(0, user.uid, 1), (1, sub + SUBID_COUNT, 10)], [(0, user.gid, 1)])
    r = c.run()
    assert_berth_error(r, "write uid_map: newuidmap failed", "not allowed",
                       f"granted to uid {user.uid} in /etc/subuid")
    assert not c.state_dir().exists()


def test_rootless_idmap_is_refused_with_the_reason(rootless_bundle, user, ctx):
    data = ctx.dir("data")
    c = rootless_bundle()
    c.add_mount("/mnt", "bind", data, ["bind", "idmap"])
    r = c.run()
    assert_berth_error(r, "mount /mnt", "idmapped mounts need a runtime running as root")
    assert not c.state_dir().exists()


def test_rootless_default_root_is_under_xdg_runtime_dir(rootless_bundle, user, ctx, berth_bin):
    xdg = ctx.dir("xdg")
    os.chown(xdg, user.uid, user.gid)
    os.chmod(xdg, 0o700)
    c = rootless_bundle([PROBE, "sleep", "100"])
    c.write()
    env = ["runuser", "-u", user.name, "--", "env", f"XDG_RUNTIME_DIR={xdg}", str(berth_bin),
           "oci"]

    def as_user(*args):
        # files, not pipes: the container's init inherits the runtime's stdio
        out, err = ctx.work / "xdg.out", ctx.work / "xdg.err"
        with open(out, "wb") as o, open(err, "wb") as e:
            rc = subprocess.run(env + list(args), stdout=o, stderr=e, timeout=30,
                                stdin=subprocess.DEVNULL, start_new_session=True).returncode
        return rc, out.read_text(), err.read_text()

    try:
        rc, _, err = as_user("create", "--bundle", str(c.path), c.id)
        assert rc == 0, err
        assert (xdg / "berth" / c.id / "state.json").exists()
        rc, out, err = as_user("list", "-q")
        assert rc == 0 and out.split() == [c.id], err
    finally:
        as_user("delete", "--force", c.id)
    assert not (xdg / "berth" / c.id).exists()


def test_rootless_without_a_runtime_dir_names_root(user, berth_bin):
    if os.path.isdir(f"/run/user/{user.uid}"):
        pytest.skip(f"/run/user/{user.uid} exists")
    r = subprocess.run(["runuser", "-u", user.name, "--", "env", "-u", "XDG_RUNTIME_DIR",
                        str(berth_bin), "oci", "list"], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("berth: "), r.stderr
    assert f"no state directory for uid {user.uid}" in lines[0] and "--root" in lines[0]
