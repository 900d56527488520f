# SPDX-License-Identifier: LGPL-2.1-or-later
"""OCI hooks: order, namespace, state on stdin, env/args, timeouts, and what
a failure does before and after start."""
import json
import os
import time

from conftest import PROBE, assert_berth_error, host_ns

HOOK = r"""#!/bin/sh
# $1: the hook's name, $2: the log; stdin: the state JSON
state=$(cat)
status=$(echo "$state" | tr -d '\n ' | sed 's/.*"status":"\([a-z]*\)".*/\1/')
id=$(echo "$state" | tr -d '\n ' | sed 's/.*"id":"\([^"]*\)".*/\1/')
echo "$1 $status $id $(readlink /proc/self/ns/mnt) env=$(env | grep -c .)" >> "$2"
"""


def hook_script(ctx):
    path = ctx.dir("hooks") / "hook.sh"
    path.write_text(HOOK)
    path.chmod(0o755)
    return path


def hook(script, name, log, **extra):
    return {"path": str(script), "args": ["hook.sh", name, str(log)], **extra}


def read_log(log):
    return [line.split() for line in log.read_text().splitlines()] if log.exists() else []


def test_hooks_run_in_order_with_the_state_on_stdin(ctx, bundle):
    script, log = hook_script(ctx), ctx.work / "hooks.log"
    c = bundle(["sh", "-c", "cat /dev/shm/started"])
    kinds = ["prestart", "createRuntime", "createContainer", "poststart", "poststop"]
    c.config["hooks"] = {k: [hook(script, k, log)] for k in kinds}
    # startContainer runs inside the container, after pivot_root: it leaves
    # its proof where the container's process can read it
    c.config["hooks"]["startContainer"] = [
        {"path": "/bin/sh", "args": ["sh", "-c", "cat > /dev/shm/started"]}]
    r = c.run()
    assert r.rc == 0, r
    lines = read_log(log)
    assert [line[0] for line in lines] == kinds
    status = {line[0]: line[1] for line in lines}
    assert status == {"prestart": "creating", "createRuntime": "creating",
                      "createContainer": "creating", "poststart": "running",
                      "poststop": "stopped"}
    assert all(line[2] == c.id for line in lines)
    mnt = {line[0]: line[3] for line in lines}
    host = f"mnt:[{host_ns('mnt')}]"
    # runtime namespace for all but createContainer, which is the container's
    assert mnt["createRuntime"] == mnt["prestart"] == mnt["poststart"] == host
    assert mnt["createContainer"] != host
    started = json.loads(c.output())
    assert started["id"] == c.id and started["status"] == "created"


def test_hook_gets_exactly_its_env_and_args(ctx, bundle):
    out = ctx.work / "env.txt"
    c = bundle([PROBE, "exit", "0"])
    c.config["hooks"] = {"createRuntime": [{
        "path": "/bin/sh", "args": ["sh", "-c", f"env > {out}; echo \"$0\" >> {out}", "argzero"],
        "env": ["HOOKVAR=hello"]}]}
    assert c.run().rc == 0
    lines = out.read_text().splitlines()
    assert "HOOKVAR=hello" in lines
    assert not any(line.startswith("PATH=") for line in lines), lines
    assert lines[-1] == "argzero"


def test_failing_create_runtime_hook_aborts_create_and_cleans_up(bundle):
    c = bundle()
    c.config["hooks"] = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]}]}
    r = c.create(check=False)
    assert_berth_error(r, "createRuntime hook 0", "exited with status 3")


def test_failing_create_container_hook_aborts_create(bundle):
    c = bundle()
    c.config["hooks"] = {"createContainer": [{"path": "/bin/false"}]}
    assert_berth_error(c.create(check=False), "createContainer hook 0", "status 1")


def test_missing_hook_is_a_clear_error(bundle):
    c = bundle()
    c.config["hooks"] = {"prestart": [{"path": "/nonexistent/hook"}]}
    assert_berth_error(c.create(check=False), "prestart hook 0", "/nonexistent/hook",
                       "No such file")


def test_hook_timeout_kills_it_and_fails(bundle):
    c = bundle()
    c.config["hooks"] = {"createRuntime": [{"path": "/bin/sleep", "args": ["sleep", "30"],
                                            "timeout": 1}]}
    t = time.monotonic()
    r = c.create(check=False)
    assert time.monotonic() - t < 10
    assert_berth_error(r, "createRuntime hook 0", "timed out after 1 s")


def test_failing_poststart_hook_is_only_a_warning(bundle):
    c = bundle([PROBE, "exit", "0"])
    c.config["hooks"] = {"poststart": [{"path": "/bin/false"}]}
    r = c.run()
    assert r.rc == 0, r
    assert "warning" in r.err and "poststart hook 0" in r.err


def test_poststop_runs_on_delete_of_a_created_container(ctx, bundle):
    script, log = hook_script(ctx), ctx.work / "poststop.log"
    c = bundle()
    c.config["hooks"] = {"poststop": [hook(script, "poststop", log)]}
    c.create()
    assert read_log(log) == []
    c.delete()
    lines = read_log(log)
    assert [line[:3] for line in lines] == [["poststop", "stopped", c.id]]


def test_poststart_runs_after_start(ctx, bundle):
    script, log = hook_script(ctx), ctx.work / "poststart.log"
    c = bundle()
    c.config["hooks"] = {"poststart": [hook(script, "poststart", log)]}
    c.create()
    assert read_log(log) == []
    c.start()
    assert [line[:3] for line in read_log(log)] == [["poststart", "running", c.id]]
    c.kill("KILL")
    c.wait_status("stopped")
    c.delete()
    assert os.path.exists(log)
