# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every error: one line `berth: <what>: <why>` on stderr, a non-zero exit,
and nothing left behind (the autouse fixture checks the last part)."""
import json
import os
import re

import pytest

from conftest import CGROOT, PROBE, assert_berth_error, has_swap_accounting

MiB = 1024 * 1024


def assert_no_state(runtime):
    root = runtime.root
    assert not os.path.isdir(root) or os.listdir(root) == [], os.listdir(root)


def test_missing_bundle(runtime, ctx):
    cid = ctx.new_id()
    missing = ctx.work / "no-such-bundle"
    r = runtime("create", "--bundle", missing, cid)
    assert_berth_error(r, str(missing))
    assert_no_state(runtime)


def test_bundle_without_config_json(runtime, ctx):
    cid = ctx.new_id()
    empty = ctx.dir("empty-bundle")
    assert_berth_error(runtime("create", "--bundle", empty, cid), "config.json")


def test_malformed_config_names_line_and_column(bundle):
    c = bundle()
    c.write()
    (c.path / "config.json").write_text(
        '{\n  "ociVersion": "1.0.2",\n  "process": {\n    "args": ["sh",, "x"]\n  }\n}\n')
    r = c.rt("create", "--bundle", c.path, c.id)
    assert_berth_error(r, re.compile(r"config\.json:4:\d+"))


def test_wrong_type_names_the_json_path(bundle):
    c = bundle()
    c.process["args"] = "not-a-list"
    r = c.create(check=False)
    text = (c.path / "config.json").read_text().splitlines()
    line = next(i for i, l in enumerate(text, 1) if '"args"' in l)
    assert_berth_error(r, re.compile(rf"config\.json:{line}:\d+"), "process.args")


def test_wrong_type_deep_in_resources(bundle):
    c = bundle()
    c.resources["memory"] = {"limit": "64M"}
    r = c.create(check=False)
    assert_berth_error(r, "config.json:", "linux.resources.memory.limit")


def test_unknown_namespace_type(bundle):
    c = bundle()
    c.linux["namespaces"].append({"type": "bogus"})
    assert_berth_error(c.create(check=False), "config.json:", "bogus")


def test_id_mappings_without_a_user_namespace(bundle):
    c = bundle()
    c.remove_namespace("user")
    c.linux["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    c.linux["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    assert_berth_error(c.create(check=False), re.compile(r"(?i)user namespace|Mappings"))


def test_duplicate_id_is_refused_and_the_first_survives(bundle, ctx):
    a = bundle()
    a.create()
    pid = a.pid()
    b = bundle()
    b.id = a.id
    assert_berth_error(b.create(check=False), a.id)
    st = a.state()
    assert (st["status"], st["pid"]) == ("created", pid)
    a.delete()


@pytest.mark.parametrize("bad_id", ["a/b", "..", "../escape", ".", "", "x/../../escape"])
def test_id_with_slash_or_dots_is_refused(bundle, ctx, bad_id):
    c = bundle()
    c.id = bad_id
    c.write()
    r = c.rt("create", "--bundle", c.path, bad_id)
    assert_berth_error(r)
    assert_no_state(c.rt)
    assert not (ctx.work / "escape").exists()


def test_rootfs_that_does_not_exist(bundle, ctx):
    missing = ctx.work / "no-such-rootfs"
    c = bundle(rootfs_path=missing)
    assert_berth_error(c.create(check=False), str(missing))


def test_memory_setting_the_kernel_rejects(bundle):
    # Since 5.16 the v1 memory controller refuses to turn hierarchy off.
    if not (CGROOT / "memory" / "memory.use_hierarchy").exists():
        pytest.skip("this machine has no v1 memory.use_hierarchy")
    c = bundle()
    c.resources["memory"] = {"limit": 64 * MiB, "useHierarchy": False}
    assert_berth_error(c.create(check=False), "memory.use_hierarchy")


def test_memory_plus_swap_below_memory_is_refused(bundle):
    if not has_swap_accounting():
        pytest.skip("this kernel has no swap accounting (memory.memsw.* / memory.swap.max)")
    c = bundle()
    c.resources["memory"] = {"limit": 64 * MiB, "swap": 32 * MiB}
    assert_berth_error(c.create(check=False), "linux.resources.memory.swap")


def test_start_of_a_running_container(bundle):
    c = bundle([PROBE, "sleep", "100"])
    c.create()
    c.start()
    assert_berth_error(c.start(check=False), c.id)
    assert c.status() == "running"
    c.delete(force=True)


def test_delete_of_a_running_container_without_force(bundle):
    c = bundle([PROBE, "sleep", "100"])
    c.create()
    c.start()
    assert_berth_error(c.delete(check=False), c.id)
    assert c.status() == "running"
    c.delete(force=True)


def test_kill_of_a_stopped_container(bundle):
    c = bundle([PROBE, "exit", "0"])
    c.create()
    c.start()
    c.wait_status("stopped")
    assert_berth_error(c.kill("TERM", check=False), c.id)
    c.delete()


def test_kill_with_an_unknown_signal(bundle):
    c = bundle()
    c.create()
    assert_berth_error(c.kill("SIGNOPE", check=False), "SIGNOPE")
    assert c.status() == "created"
    c.delete()


@pytest.mark.parametrize("verb", ["state", "start", "kill", "delete", "pause", "resume"])
def test_verbs_on_a_container_that_does_not_exist(runtime, ctx, verb):
    cid = ctx.new_id()
    assert_berth_error(runtime(verb, cid), cid)


def test_unknown_verb(runtime):
    assert_berth_error(runtime("frobnicate"), "frobnicate")


def test_unknown_option(runtime, ctx):
    assert_berth_error(runtime("create", "--no-such-flag", ctx.new_id()), "--no-such-flag")


def test_config_that_is_not_an_object(bundle):
    c = bundle()
    c.write()
    (c.path / "config.json").write_text(json.dumps(["not", "an", "object"]))
    assert_berth_error(c.rt("create", "--bundle", c.path, c.id), "config.json")
