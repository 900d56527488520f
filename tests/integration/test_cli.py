# SPDX-License-Identifier: LGPL-2.1-or-later
"""The command line itself: version, help, the berth-oci name, spec,
features, and the log file engines read."""
import json
import os
import re
import subprocess

import pytest

from conftest import FOREIGN_RUNTIME, PROBE, assert_berth_error, kv, probe_stats

VERBS = ["create", "start", "state", "kill", "delete", "run", "list", "spec", "features",
         "pause", "resume"]

pytestmark = pytest.mark.skipif(FOREIGN_RUNTIME, reason="BERTH_BIN is not berth")


def berth(berth_bin, *args):
    return subprocess.run([str(berth_bin), *map(str, args)], capture_output=True, text=True,
                          timeout=30, stdin=subprocess.DEVNULL)


def test_version(berth_bin):
    r = berth(berth_bin, "--version")
    assert r.returncode == 0, r.stderr
    assert re.search(r"berth.*\d+\.\d+\.\d+", r.stdout), r.stdout
    assert r.stderr == ""


def test_oci_version(berth_bin):
    """runc's lines (version, commit, spec), then what this build can do."""
    r = berth(berth_bin, "oci", "--version")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert re.fullmatch(r"berth version \d+\.\d+\.\d+", lines[0]), r.stdout
    assert lines[1].startswith("commit: ") and lines[2].startswith("spec: 1."), r.stdout
    assert any(l.startswith("features: +seccomp") for l in lines), r.stdout


def test_help_mentions_oci(berth_bin):
    r = berth(berth_bin, "--help")
    assert r.returncode == 0, r.stderr
    assert "oci" in r.stdout


def test_oci_help_lists_every_verb(berth_bin):
    r = berth(berth_bin, "oci", "--help")
    assert r.returncode == 0, r.stderr
    for verb in VERBS:
        assert re.search(rf"\b{verb}\b", r.stdout), (verb, r.stdout)


@pytest.mark.parametrize("verb", VERBS)
def test_oci_verb_help(berth_bin, verb):
    r = berth(berth_bin, "oci", verb, "--help")
    assert r.returncode == 0, r.stderr
    assert verb in r.stdout
    assert re.search(r"(?i)usage", r.stdout), r.stdout


def test_berth_oci_symlink_acts_as_berth_oci(berth_bin, ctx, bundle):
    link = ctx.work / "berth-oci"
    os.symlink(berth_bin, link)
    root = ctx.rt.root
    r = subprocess.run([str(link), "--root", root, "list", "-q"], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    c = bundle([PROBE, "exit", "3"])
    c.write()
    r = subprocess.run([str(link), "--root", root, "run", "--bundle", str(c.path), c.id],
                       capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert r.returncode == 3, r.stderr
    r = subprocess.run([str(link), "--version"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and re.search(r"\d+\.\d+\.\d+", r.stdout)


def test_spec_writes_a_config_that_run_accepts(runtime, ctx, rootfs):
    d = ctx.dir("spec-bundle")
    runtime("spec", "--bundle", d).ok()
    cfg = json.loads((d / "config.json").read_text())
    assert cfg["ociVersion"].startswith("1.")
    assert cfg["root"]["path"] == "rootfs"
    kinds = {n["type"] for n in cfg["linux"]["namespaces"]}
    assert {"pid", "mount", "ipc", "uts", "network"} <= kinds
    assert "user" not in kinds
    # The only edits: a rootfs where the spec says, no terminal, a command.
    subprocess.run(["cp", "-a", str(rootfs), str(d / "rootfs")], check=True)
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = [PROBE, "exit", "7", "tag", ctx.token]
    (d / "config.json").write_text(json.dumps(cfg))
    cid = ctx.new_id()
    r = runtime("run", "--bundle", d, cid)
    assert r.rc == 7, r


def test_spec_in_the_current_directory(berth_bin, ctx):
    d = ctx.dir("cwd-spec")
    r = subprocess.run([str(berth_bin), "oci", "spec"], cwd=d, capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert json.loads((d / "config.json").read_text())["ociVersion"]


def test_spec_rootless_has_a_user_namespace_and_mappings(runtime, ctx):
    d = ctx.dir("rootless")
    runtime("spec", "--rootless", "--bundle", d).ok()
    cfg = json.loads((d / "config.json").read_text())
    assert "user" in {n["type"] for n in cfg["linux"]["namespaces"]}
    assert cfg["linux"]["uidMappings"] and cfg["linux"]["gidMappings"]


def test_features_is_json_with_oci_versions(runtime):
    r = runtime("features").ok()
    f = json.loads(r.out)
    assert f["ociVersionMin"].startswith("1.")
    assert f["ociVersionMax"].startswith("1.")
    v = [tuple(int(x) for x in re.findall(r"\d+", f[k])[:3])
         for k in ("ociVersionMin", "ociVersionMax")]
    assert v[0] <= v[1]
    ns = f.get("linux", {}).get("namespaces")
    if ns is not None:
        assert {"pid", "network", "mount", "user", "cgroup"} <= set(ns)


def test_log_json_writes_the_error_to_the_file(runtime, ctx):
    log = ctx.work / "berth.log"
    cid = ctx.new_id()
    r = runtime("state", cid, global_args=["--log", log, "--log-format", "json"])
    assert_berth_error(r, cid)
    lines = [l for l in log.read_text().splitlines() if l.strip()]
    entries = [json.loads(l) for l in lines]
    errors = [e for e in entries if e.get("level") == "error"]
    assert errors, lines
    assert cid in errors[-1]["msg"]
    assert "time" in errors[-1]


def test_log_text_writes_the_error_to_the_file(runtime, ctx):
    log = ctx.work / "berth.log"
    cid = ctx.new_id()
    r = runtime("state", cid, global_args=["--log", log, "--log-format", "text"])
    assert_berth_error(r, cid)
    assert cid in log.read_text()


def test_debug_flag_is_accepted(runtime):
    r = runtime("list", "-q", global_args=["--debug"])
    assert r.rc == 0, r


def test_run_reads_the_bundle_from_the_current_directory(bundle):
    c = bundle([PROBE, "hostname"])
    c.write()
    r = subprocess.run(c.rt.argv("run", c.id), cwd=c.path, capture_output=True, text=True,
                       timeout=30, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    assert "hostname" in kv(r.stdout)


# ---- what engines write in config.json (tests/engines drives podman and containerd)

def test_capabilities_object_without_bounding_empties_the_bounding_set(bundle):
    # podman's --cap-drop all writes "capabilities": {}; runc and crun then
    # drop every capability, the bounding set included
    c = bundle([PROBE, "caps"])
    c.process["capabilities"] = {}
    r = c.run()
    assert r.rc == 0, r
    assert {k: int(v, 16) for k, v in kv(r.out).items()} == {
        "CapBnd": 0, "CapEff": 0, "CapPrm": 0, "CapInh": 0, "CapAmb": 0}, r.out


def test_device_file_mode_may_carry_the_nodes_type_bits(bundle):
    # podman writes the host node's st_mode: S_IFCHR | 0640 for a char device
    c = bundle([PROBE, "stat", "/dev/berth-zero"])
    c.linux["devices"] = [{"type": "c", "path": "/dev/berth-zero", "major": 1, "minor": 5,
                           "fileMode": 0o20640}]
    r = c.run()
    assert r.rc == 0, r
    st = probe_stats(r.out)["/dev/berth-zero"]
    assert st["type"] == "chr" and st["mode"] == "0640" and st["rdev"] == "1:5", r.out


def test_device_file_mode_with_another_nodes_type_bits_is_one_clear_line(bundle):
    c = bundle()
    c.linux["devices"] = [{"type": "c", "path": "/dev/x", "major": 1, "minor": 5,
                           "fileMode": 0o60640}]  # S_IFBLK
    assert_berth_error(c.create(check=False), re.compile(r"config\.json:\d+:\d+"),
                       "linux.devices[0].fileMode", "type \"c\"")
