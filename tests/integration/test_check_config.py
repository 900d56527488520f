# SPDX-License-Identifier: LGPL-2.1-or-later
"""`berth check-config`: the kernel features containers need, from this
machine's config or one given with --config / $CONFIG; verdicts, grouping,
JSON, exit statuses."""
import gzip
import json
import os
import subprocess

import pytest

from conftest import CGROUP_LAYOUT, FOREIGN_RUNTIME

pytestmark = pytest.mark.skipif(FOREIGN_RUNTIME, reason="BERTH_BIN is not berth")

REQUIRED = ["NAMESPACES", "UTS_NS", "IPC_NS", "PID_NS", "NET_NS", "CGROUPS", "CGROUP_DEVICE",
            "CGROUP_BPF", "SECCOMP", "SECCOMP_FILTER", "POSIX_MQUEUE"]


def check(berth_bin, *args, env=None):
    e = dict(os.environ)
    e.pop("CONFIG", None)
    e.update(env or {})
    return subprocess.run([str(berth_bin), "check-config", *map(str, args)], capture_output=True,
                          text=True, timeout=30, stdin=subprocess.DEVNULL, env=e)


def machine_has_config():
    return os.path.exists("/proc/config.gz") or os.path.exists(
        f"/boot/config-{os.uname().release}")


def write_config(path, lines, gz=False):
    text = "".join(f"{l}\n" for l in lines)
    if gz:
        with gzip.open(path, "wt") as f:
            f.write(text)
    else:
        path.write_text(text)
    return path


def features(res):
    return {f["name"]: f for f in json.loads(res.stdout)["features"]}


@pytest.mark.skipif(not machine_has_config(), reason="no /proc/config.gz or /boot/config-*")
def test_this_machine_text(berth_bin):
    r = check(berth_bin)
    assert r.returncode in (0, 1), r.stderr
    for header in ("Namespaces", "Cgroups", "Network", "Misc", "Cgroup mounts",
                   "User namespace helpers"):
        assert f"\n{header}\n" in r.stdout
    assert "CONFIG_PID_NS" in r.stdout
    assert "\033[" not in r.stdout  # no color into a pipe
    lines = [l for l in r.stdout.splitlines() if l.startswith("  CONFIG_")]
    assert lines and all(l.rstrip().split()[1] in ("required", "optional") for l in lines)
    assert all(any(v in l for v in ("enabled", "missing")) for l in lines)


@pytest.mark.skipif(not machine_has_config(), reason="no /proc/config.gz or /boot/config-*")
def test_this_machine_json_matches_exit_status(berth_bin):
    r = check(berth_bin, "--format", "json")
    assert r.returncode in (0, 1), r.stderr
    doc = json.loads(r.stdout)
    assert doc["kernel"] == os.uname().release
    assert doc["ok"] == (r.returncode == 0) == (doc["missing_required"] == 0)
    names = {f["name"] for f in doc["features"]}
    assert {"CONFIG_NAMESPACES", "CONFIG_USER_NS", "newuidmap", "newgidmap"} <= names
    layout = next(f for f in doc["features"] if f["name"] == "cgroup file systems")
    assert layout["status"] == "info"
    assert {"hybrid": "hybrid", "v1": "v1", "v2": "v2"}[CGROUP_LAYOUT] in layout["value"]


def test_full_config_passes(berth_bin, tmp_path):
    cfg = write_config(tmp_path / "config", [f"CONFIG_{o}=y" for o in REQUIRED] +
                       ["CONFIG_VETH=m", "# CONFIG_MACVLAN is not set"])
    r = check(berth_bin, "--config", cfg, "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    f = features(r)
    assert f["CONFIG_VETH"]["status"] == "module"
    assert f["CONFIG_MACVLAN"]["status"] == "missing"
    assert not f["CONFIG_MACVLAN"]["required"]
    t = check(berth_bin, "--config", cfg)
    assert "enabled as module" in t.stdout
    assert "Every required feature is there." in t.stdout


def test_missing_required_feature_exits_1(berth_bin, tmp_path):
    cfg = write_config(tmp_path / "config",
                       [f"CONFIG_{o}=y" for o in REQUIRED if o != "PID_NS"] +
                       ["# CONFIG_PID_NS is not set"])
    r = check(berth_bin, "--config", cfg)
    assert r.returncode == 1, r.stdout + r.stderr
    line = next(l for l in r.stdout.splitlines() if "CONFIG_PID_NS" in l)
    assert "required" in line and "missing" in line
    assert "1 required feature is missing" in r.stdout


def test_gzip_config_from_the_CONFIG_variable(berth_bin, tmp_path):
    cfg = write_config(tmp_path / "config.gz", [f"CONFIG_{o}=y" for o in REQUIRED], gz=True)
    r = check(berth_bin, "--format", "json", env={"CONFIG": str(cfg)})
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["config"] == str(cfg)


def test_config_not_found_is_one_error_line(berth_bin, tmp_path):
    r = check(berth_bin, env={"CONFIG": str(tmp_path / "nope")})
    assert r.returncode == 1
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("berth: check-config: "), r.stderr
    assert "nope" in lines[0]


def test_not_a_config(berth_bin, tmp_path):
    p = tmp_path / "junk"
    p.write_text("hello\n")
    r = check(berth_bin, "--config", p)
    assert r.returncode == 1
    assert "not a kernel config" in r.stderr


@pytest.mark.parametrize("args", [["--format", "yaml"], ["--bogus"], ["extra"], ["--config"]])
def test_usage_errors_exit_2(berth_bin, args):
    r = check(berth_bin, *args)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.startswith("berth: check-config: ")


def test_help(berth_bin):
    r = check(berth_bin, "--help")
    assert r.returncode == 0
    assert "Usage: berth check-config" in r.stdout
    assert "--format" in r.stdout
