# SPDX-License-Identifier: LGPL-2.1-or-later
"""User namespaces as root: maps of several ranges, the ids files get on
the host, idmapped mounts (idmap, ridmap, mappings of a mount's own) and
the errors of bad mappings. Rootless runs are in test_rootless.py."""
import os
import shutil
import subprocess

import pytest

from conftest import PROBE, assert_berth_error, kv, kv_all, probe_stats, read

BIG = 65536


def map_lines(text):
    return [l.split() for l in text.strip().splitlines()]


def userns(c, uids, gids=None):
    """A user namespace with maps given as (containerID, hostID, size)."""
    c.add_namespace("user")
    c.linux["uidMappings"] = [{"containerID": a, "hostID": b, "size": n} for a, b, n in uids]
    c.linux["gidMappings"] = [{"containerID": a, "hostID": b, "size": n}
                              for a, b, n in (gids or uids)]


def host_dir(ctx, name, mode=0o755):
    """A directory of the host's (owned by root) with a root-owned file f."""
    d = ctx.dir(name)
    os.chmod(d, mode)
    (d / "f").write_text("host\n")
    return d


def stat_of(out, path):
    st = probe_stats(out).get(path)
    assert st and "uid" in st, f"no stat of {path} in:\n{out}"
    return int(st["uid"]), int(st["gid"])


# ---------------------------------------------------------------- maps

def test_several_ranges_are_mapped_as_given(bundle):
    c = bundle([PROBE, "ids", "cat", "/proc/self/uid_map", "sleep", "100"])
    userns(c, [(0, 100000, 1000), (1000, 200000, 1000), (5000, 300000, 10)],
           [(0, 100000, 2000), (2000, 400000, 1)])
    c.create()
    pid = c.pid()
    assert map_lines(read(f"/proc/{pid}/uid_map")) == [
        ["0", "100000", "1000"], ["1000", "200000", "1000"], ["5000", "300000", "10"]]
    assert map_lines(read(f"/proc/{pid}/gid_map")) == [
        ["0", "100000", "2000"], ["2000", "400000", "1"]]
    c.start()
    out = c.wait_output("line=")
    ids = kv(c.wait_output("groups="))
    assert ids["uid"] == "0" and ids["gid"] == "0"
    status = kv(read(f"/proc/{pid}/status").replace(":", "="))
    assert status["Uid"].split()[0] == "100000"
    assert len(kv_all(c.wait_output("5000"), "line")) == 3, out
    c.kill("KILL")
    c.wait_status("stopped")
    c.delete()


@pytest.mark.parametrize("uid,host", [(0, 100000), (1500, 200500)])
def test_files_created_belong_to_the_mapped_host_ids(bundle, ctx, uid, host):
    data = host_dir(ctx, "data", 0o777)
    c = bundle([PROBE, "write", "/mnt/new", "ids"])
    userns(c, [(0, 100000, 1000), (1000, 200000, 1000)])
    c.process["user"] = {"uid": uid, "gid": uid}
    c.add_mount("/mnt", "bind", data, ["bind", "rw"])
    r = c.run()
    assert r.rc == 0, r
    assert kv(r.out)["write"] == "OK", r.out
    st = os.stat(data / "new")
    assert (st.st_uid, st.st_gid) == (host, host)


# ---------------------------------------------------------------- idmapped mounts

def test_without_idmap_host_root_files_show_as_nobody(bundle, ctx):
    data = host_dir(ctx, "data")
    c = bundle([PROBE, "stat", "/mnt/f", "write", "/mnt/new"])
    userns(c, [(0, 100000, BIG)])
    c.add_mount("/mnt", "bind", data, ["bind"])
    r = c.run()
    assert r.rc == 0, r
    assert stat_of(r.out, "/mnt/f") == (65534, 65534)
    assert kv(r.out)["write"] == "EACCES"


def test_idmap_shows_host_root_as_root_and_creates_as_host_root(bundle, ctx):
    data = host_dir(ctx, "data")
    c = bundle([PROBE, "stat", "/mnt/f", "write", "/mnt/new", "mounts"])
    userns(c, [(0, 100000, BIG)])
    c.add_mount("/mnt", "bind", data, ["bind", "idmap", "nosuid"])
    r = c.run()
    assert r.rc == 0, r
    assert stat_of(r.out, "/mnt/f") == (0, 0)
    assert kv(r.out)["write"] == "OK", r.out
    st = os.stat(data / "new")
    assert (st.st_uid, st.st_gid) == (0, 0)
    mnt = [l for l in r.out.splitlines() if l.startswith("mount=/mnt ")]
    assert mnt and "idmapped" in mnt[0] and "nosuid" in mnt[0], r.out


def test_idmap_of_a_file(bundle, ctx):
    f = ctx.work / "one-file"
    f.write_text("x\n")
    c = bundle([PROBE, "stat", "/etc/passwd", "cat", "/etc/passwd"])
    userns(c, [(0, 100000, BIG)])
    # the shared rootfs is read-only, so the target is a file that is there
    c.add_mount("/etc/passwd", "bind", f, ["bind", "idmap", "ro"])
    r = c.run()
    assert r.rc == 0, r
    assert stat_of(r.out, "/etc/passwd") == (0, 0)
    assert kv_all(r.out, "line") == ["x"]


def test_mount_mappings_of_its_own(bundle, ctx):
    data = host_dir(ctx, "data", 0o777)
    c = bundle([PROBE, "stat", "/mnt/f"])
    userns(c, [(0, 100000, BIG)])
    c.add_mount("/mnt", "bind", data, ["bind"])
    # disk id 0 -> host 101000 -> container 1000; disk gid 0 -> container 2000
    c.config["mounts"][-1]["uidMappings"] = [{"containerID": 0, "hostID": 101000, "size": 1}]
    c.config["mounts"][-1]["gidMappings"] = [{"containerID": 0, "hostID": 102000, "size": 1}]
    r = c.run()
    assert r.rc == 0, r
    assert stat_of(r.out, "/mnt/f") == (1000, 2000)


def test_ridmap_reaches_submounts_and_idmap_does_not(bundle, ctx, berth_bin):
    """A tmpfs mounted under the source, in a private mount namespace of
    the runtime's own (so the host never sees it)."""
    src = host_dir(ctx, "tree")
    (src / "sub").mkdir()
    results = {}
    for opt in ("idmap", "ridmap"):
        c = bundle([PROBE, "stat", "/mnt/f", "stat", "/mnt/sub/g"])
        userns(c, [(0, 100000, BIG)])
        c.add_mount("/mnt", "bind", src, ["rbind", opt])
        c.write()
        script = (f"mount -t tmpfs tmpfs {src}/sub && echo g >{src}/sub/g && "
                  f"exec {berth_bin} oci --root {ctx.rt.root} run --bundle {c.path} {c.id}")
        with open(c.out_path, "ab") as out:
            p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script,
                                f"sh-{ctx.token}"], stdout=out, stderr=subprocess.PIPE,
                               timeout=60)
        assert p.returncode == 0, p.stderr
        results[opt] = (stat_of(c.output(), "/mnt/f"), stat_of(c.output(), "/mnt/sub/g"))
    assert results["idmap"] == ((0, 0), (65534, 65534))
    assert results["ridmap"] == ((0, 0), (0, 0))


def test_features_report_idmapped_mounts(runtime):
    import json
    f = json.loads(runtime("features", root=False).ok().out)
    assert f["linux"]["mountExtensions"]["idmap"]["enabled"] is True
    assert {"idmap", "ridmap"} <= set(f["mountOptions"])


# ---------------------------------------------------------------- bad input

def check_fails(c, *needles):
    r = c.run()
    line = assert_berth_error(r, *needles)
    assert not (c.state_dir()).exists()
    return line


def test_overlapping_container_ids_are_refused(bundle):
    c = bundle()
    userns(c, [(0, 100000, BIG), (1000, 300000, 10)])
    check_fails(c, "linux.uidMappings[1]: overlaps linux.uidMappings[0]", "container ids 0-65535")


def test_overlapping_host_ids_are_refused(bundle):
    c = bundle()
    userns(c, [(0, 100000, BIG)], [(0, 100000, 10), (10, 100005, 10)])
    check_fails(c, "linux.gidMappings[1]: overlaps linux.gidMappings[0]", "host ids")


def test_mappings_without_a_user_namespace_are_refused(bundle):
    c = bundle()
    c.linux["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 10}]
    check_fails(c, "linux.uidMappings: needs a user namespace")


def test_idmap_without_a_user_namespace_names_the_mount(bundle, ctx):
    c = bundle()
    c.add_mount("/mnt", "bind", host_dir(ctx, "data"), ["bind", "idmap"])
    n = len(c.config["mounts"]) - 1
    check_fails(c, f"mounts[{n}].options", "mount /mnt", "needs a user namespace")


def test_idmap_of_a_filesystem_without_support(bundle):
    c = bundle()
    userns(c, [(0, 100000, BIG)])
    c.add_mount("/mnt", "bind", "/proc/sys", ["bind", "idmap"])
    check_fails(c, "mount /mnt", "idmap the bind of /proc/sys", "cannot be idmapped")


def test_unmapped_root_is_a_clear_error(bundle):
    c = bundle()
    userns(c, [(1, 100000, 10)])
    check_fails(c, "become root in the user namespace", "is uid/gid 0 mapped")
