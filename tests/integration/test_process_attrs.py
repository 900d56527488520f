# SPDX-License-Identifier: LGPL-2.1-or-later
"""linux.personality, process.ioPriority and process.scheduler, read back
from inside the container (sched_getattr, ioprio_get, personality) and
from the host. The LSM labels are in test_security.py."""
import os
from pathlib import Path

import pytest

from conftest import PROBE, V2, assert_berth_error, kv, read

PER_LINUX32 = 0x0008
ADDR_NO_RANDOMIZE = 0x0040000
SCHED = {"SCHED_OTHER": 0, "SCHED_FIFO": 1, "SCHED_RR": 2, "SCHED_BATCH": 3, "SCHED_IDLE": 5,
         "SCHED_DEADLINE": 6}
# RT group scheduling: a new v1 cpu cgroup gets no realtime runtime
RT_GROUP_SCHED = Path("/sys/fs/cgroup/cpu/cpu.rt_runtime_us").exists()


def sched_of(bundle, scheduler=None, io=None, personality=None, extra=None):
    c = bundle([PROBE, "sched"])
    if scheduler is not None:
        c.process["scheduler"] = scheduler
    if io is not None:
        c.process["ioPriority"] = io
    if personality is not None:
        c.linux["personality"] = personality
    if extra:
        extra(c)
    return c, c.run()


def test_personality_linux32(bundle):
    c = bundle(["sh", "-c", "uname -m; /bin/berth-probe sched"])
    c.linux["personality"] = {"domain": "LINUX32"}
    r = c.run()
    assert r.rc == 0, r
    assert int(kv(r.out)["personality"], 16) == PER_LINUX32
    if os.uname().machine == "x86_64":
        assert r.out.splitlines()[0] in ("i686", "i386"), r.out


def test_personality_flags(bundle):
    _, r = sched_of(bundle, personality={"domain": "LINUX", "flags": ["ADDR_NO_RANDOMIZE"]})
    assert r.rc == 0, r
    assert int(kv(r.out)["personality"], 16) == ADDR_NO_RANDOMIZE


def test_personality_unknown_flag_is_a_clear_error(bundle):
    c = bundle()
    c.linux["personality"] = {"domain": "LINUX", "flags": ["NO_SUCH_FLAG"]}
    assert_berth_error(c.create(check=False), "linux.personality.flags[0]", "NO_SUCH_FLAG")


def test_without_personality_the_default_is_kept(bundle):
    _, r = sched_of(bundle)
    assert r.rc == 0, r
    assert int(kv(r.out)["personality"], 16) == 0


@pytest.mark.parametrize("cls,num,level", [("IOPRIO_CLASS_RT", 1, 2), ("IOPRIO_CLASS_BE", 2, 5),
                                           ("IOPRIO_CLASS_IDLE", 3, 0)])
def test_io_priority(bundle, cls, num, level):
    _, r = sched_of(bundle, io={"class": cls, "priority": level})
    assert r.rc == 0, r
    out = kv(r.out)
    assert (out["ioprio.class"], out["ioprio.level"]) == (str(num), str(level)), r.out


def test_io_priority_bad_class_is_a_clear_error(bundle):
    c = bundle()
    c.process["ioPriority"] = {"class": "IOPRIO_CLASS_FAST", "priority": 0}
    assert_berth_error(c.create(check=False), "process.ioPriority.class", "IOPRIO_CLASS_FAST")


@pytest.mark.parametrize("policy,nice", [("SCHED_OTHER", -5), ("SCHED_BATCH", 7),
                                         ("SCHED_IDLE", 0)])
def test_scheduler_policy_and_nice(bundle, policy, nice):
    c, r = sched_of(bundle, scheduler={"policy": policy, "nice": nice})
    assert r.rc == 0, r
    out = kv(r.out)
    assert out["policy"] == str(SCHED[policy]), r.out
    if policy != "SCHED_IDLE":
        assert out["nice"] == str(nice), r.out


def test_scheduler_is_the_running_programs(bundle):
    # seen from the host too: /proc/PID/sched of the user's program
    c = bundle([PROBE, "sleep", "100"])
    c.process["scheduler"] = {"policy": "SCHED_BATCH", "nice": 3}
    c.create()
    c.start()
    fields = read(f"/proc/{c.pid()}/stat").rsplit(")", 1)[1].split()
    # stat fields 19 (nice) and 41 (policy), counted from 1 with pid and comm
    assert (fields[16], fields[38]) == ("3", "3"), fields
    c.delete(force=True)


def test_scheduler_fifo_with_realtime_runtime(bundle):
    def rt(c):
        if RT_GROUP_SCHED:
            # only a cgroup right under the root can be given RT runtime
            # without touching /berth; found and removed by the test's token
            c.linux["cgroupsPath"] = f"/{c.id}"
            c.resources["cpu"] = {"realtimeRuntime": 10000, "realtimePeriod": 1000000}
    _, r = sched_of(bundle, scheduler={"policy": "SCHED_FIFO", "priority": 10}, extra=rt)
    assert r.rc == 0, r
    out = kv(r.out)
    assert (out["policy"], out["priority"]) == ("1", "10"), r.out


def test_scheduler_the_kernel_refuses_is_a_clear_error(bundle):
    if not RT_GROUP_SCHED or V2:
        pytest.skip("needs RT group scheduling on a v1 cpu controller (a cgroup without "
                    "realtime runtime)")
    c = bundle()
    c.process["scheduler"] = {"policy": "SCHED_RR", "priority": 5}
    assert_berth_error(c.create(check=False), "process.scheduler", "SCHED_RR",
                       "Operation not permitted", "realtimeRuntime")


def test_scheduler_deadline(bundle):
    ms = 1000 * 1000
    sched = {"policy": "SCHED_DEADLINE", "runtime": 2 * ms, "deadline": 50 * ms,
             "period": 100 * ms}
    _, r = sched_of(bundle, scheduler=sched)
    if r.rc != 0:
        # admission control may refuse on a busy machine: then clearly
        assert_berth_error(r, "process.scheduler", "SCHED_DEADLINE")
        return
    out = kv(r.out)
    assert out["policy"] == "6", r.out
    assert (out["runtime"], out["deadline"], out["period"]) == \
        (str(2 * ms), str(50 * ms), str(100 * ms)), r.out


def test_scheduler_iso_is_not_in_linux(bundle):
    c = bundle()
    c.process["scheduler"] = {"policy": "SCHED_ISO"}
    assert_berth_error(c.create(check=False),
                       "config.json: process.scheduler.policy: SCHED_ISO is not supported by "
                       "this kernel")


def test_scheduler_bad_values_name_the_key(bundle):
    c = bundle()
    c.process["scheduler"] = {"policy": "SCHED_FIFO", "priority": 0}
    assert_berth_error(c.create(check=False), "process.scheduler.priority")
    c.process["scheduler"] = {"policy": "SCHED_DEADLINE", "runtime": 10}
    assert_berth_error(c.create(check=False), "process.scheduler.deadline")
