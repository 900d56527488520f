# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fixtures for berth's integration tests: real containers, as root.

Every test gets a unique token; its container ids, its --root, its bundles
and the probe's command line all carry it, so whatever a test leaves behind
(state dir, cgroup, process, mount, netns) can be found and removed. The
autouse fixture `nothing_left_behind` fails a passing test that leaves
anything behind, and cleans up after every test, passing or not.

The cgroup checks follow the machine's layout (this hybrid machine, or a
pure cgroup2 one as in tests/vm): see cgroup_dir().

Environment knobs (for the harness itself, not for berth):
  BERTH_BIN    runtime binary (default build/berth); a binary not named
               `berth` is driven without the `oci` word (e.g. runc)
  BERTH_PROBE  static probe (default build/tests/berth-probe)
"""
import copy
import functools
import glob
import json
import os
import re
import secrets
import select
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from leftovers import Result, cgroup_dirs_where, mount_points, procs_mentioning

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "build"
PROBE = "/bin/berth-probe"
CGROOT = Path("/sys/fs/cgroup")
# BERTH_BIN pointing at another runtime (runc) sanity-checks the harness.
FOREIGN_RUNTIME = Path(os.environ.get("BERTH_BIN", "berth")).name != "berth"
# The v1 controllers of this machine's hybrid layout; the container must
# land in /berth/<id> in each and in the unified hierarchy.
V1_CONTROLLERS = ("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids")


def _cgroup_layout():
    if (CGROOT / "cgroup.controllers").exists():
        return "v2"
    if (CGROOT / "unified" / "cgroup.controllers").exists():
        return "hybrid"
    return "v1"


# The tests are written for this machine's hybrid layout and also run on a
# pure cgroup2 machine (tests/vm), where files and values differ.
CGROUP_LAYOUT = _cgroup_layout()
V2 = CGROUP_LAYOUT == "v2"


@functools.lru_cache(maxsize=None)
def has_swap_accounting():
    if V2:
        # memory.swap.max is not on the root cgroup, and the children that
        # exist come and go with the tests: ask a scratch cgroup of our own,
        # once, so the answer cannot change within a test.
        scratch = CGROOT / f"berth-swap-check-{os.getpid()}"
        scratch.mkdir()
        try:
            return (scratch / "memory.swap.max").exists()
        finally:
            scratch.rmdir()
    return (CGROOT / "memory" / "memory.memsw.limit_in_bytes").exists()


def cgroup_dir(ctrl, cid):
    """The container's cgroup for a v1 controller ("unified" for the hybrid
    cgroup2 mount); on a pure v2 machine the one directory."""
    if V2:
        return CGROOT / "berth" / cid
    return CGROOT / ctrl / "berth" / cid


def cgroup_dirs_of(cid):
    """Every directory of the container's cgroup, one per hierarchy."""
    if V2:
        return [CGROOT / "berth" / cid]
    return [CGROOT / c / "berth" / cid for c in V1_CONTROLLERS + ("unified",)
            if (CGROOT / c).is_dir()]


# ---------------------------------------------------------------- helpers

def kv(text):
    """`key=value` lines -> dict (the last value of a key wins)."""
    out = {}
    for line in text.splitlines():
        k, sep, v = line.partition("=")
        if sep:
            out[k.strip()] = v.strip()
    return out


def kv_all(text, key):
    """Every value of `key` in order."""
    return [v for k, v in (l.partition("=")[::2] for l in text.splitlines()) if k == key]


def probe_mounts(text):
    """The probe's `mounts` output -> {mountpoint: {fstype, source, opts, superopts}}."""
    mounts = {}
    for line in text.splitlines():
        if not line.startswith("mount="):
            continue
        fields = dict(f.split("=", 1) for f in line.split(" ") if "=" in f)
        mp = fields.pop("mount").replace("\\040", " ")
        mounts[mp] = fields
    return mounts


def probe_stats(text):
    """The probe's `stat P1 stat P2 ...` output -> {path: {type, mode, rdev, ...}}."""
    out, cur = {}, None
    for line in text.splitlines():
        k, sep, v = line.partition("=")
        if not sep:
            continue
        if k == "path":
            cur = out.setdefault(v, {})
        elif cur is not None:
            cur[k] = v
    return out


def read(path, default=None):
    try:
        return Path(path).read_text()
    except OSError:
        if default is None:
            raise
        return default


def wait_for(pred, timeout=10.0, interval=0.02, what="condition"):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def read_until(fd, needle, timeout=10):
    """Read a pty (or pipe) until needle shows up, EOF, or timeout; the bytes."""
    buf = b""
    end = time.monotonic() + timeout
    while needle not in buf and time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
    return buf


def host_ns(kind):
    return os.stat(f"/proc/self/ns/{kind}").st_ino


def pid_alive(pid):
    try:
        st = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return st.rsplit(")", 1)[1].split()[0] != "Z"


def proc_cgroups(pid):
    """/proc/PID/cgroup -> {controller: path}; the cgroup2 line is "unified"."""
    out = {}
    for line in read(f"/proc/{pid}/cgroup").splitlines():
        _, ctrls, path = line.split(":", 2)
        for c in (ctrls.split(",") if ctrls else ["unified"]):
            out[c] = path
    return out


def assert_in_container_cgroup(pid, cid):
    cgs = proc_cgroups(pid)
    want = f"/berth/{cid}"
    ctrls = ("unified",) if V2 else V1_CONTROLLERS + ("unified",)
    for ctrl in ctrls:
        if V2 or (CGROOT / ctrl).is_dir():
            assert cgs.get(ctrl) == want, f"pid {pid} in {ctrl}:{cgs.get(ctrl)}, want {want}"
            procs = read(cgroup_dir(ctrl, cid) / "cgroup.procs").split()
            assert str(pid) in procs, f"pid {pid} not in {cgroup_dir(ctrl, cid)}/cgroup.procs"


def frozen(cid):
    """Whether the kernel reports the container's cgroup frozen."""
    if V2:
        return kv(read(cgroup_dir(None, cid) / "cgroup.events").replace(" ", "="))["frozen"] == "1"
    state = read(cgroup_dir("freezer", cid) / "freezer.state").strip()
    assert state in ("FROZEN", "THAWED"), state  # not FREEZING: berth waits for the kernel
    return state == "FROZEN"


def assert_berth_error(res, *needles):
    """The CLI's error contract: non-zero exit, exactly one stderr line
    `berth: <what>: <why>`, naming what the test expects."""
    assert res.rc != 0, f"expected an error: {res!r}"
    if FOREIGN_RUNTIME:
        return res.err  # another runtime (harness check): its own error format
    lines = res.err.strip("\n").splitlines()
    assert len(lines) == 1, f"expected one stderr line: {res!r}"
    assert lines[0].startswith("berth: "), f"expected `berth: ...`: {res!r}"
    for n in needles:
        if isinstance(n, re.Pattern):
            assert n.search(lines[0]), f"expected /{n.pattern}/ in: {lines[0]}"
        else:
            assert n in lines[0], f"expected {n!r} in: {lines[0]}"
    return lines[0]


# ---------------------------------------------------------------- runtime

class Runtime:
    """The CLI under test with the test's --root."""

    def __init__(self, binary, root, workdir):
        self.binary = str(binary)
        self.root = str(root)
        self.workdir = Path(workdir)
        self.is_berth = Path(self.binary).name == "berth"
        self.prefix = [self.binary, "oci"] if self.is_berth else [self.binary]
        self._n = 0

    def argv(self, *args, root=True, global_args=()):
        g = ["--root", self.root] if root else []
        return self.prefix + g + list(global_args) + [str(a) for a in args]

    def __call__(self, *args, timeout=10, stdout=None, root=True, global_args=(), env=None):
        """Run the CLI and wait. stdout/stderr go to files, never pipes: a
        container inherits the runtime's stdio and would keep a pipe open."""
        argv = self.argv(*args, root=root, global_args=global_args)
        self._n += 1
        errf = self.workdir / f"cmd{self._n}.err"
        outf = Path(stdout) if stdout else self.workdir / f"cmd{self._n}.out"
        with open(outf, "ab") as o, open(errf, "wb") as e:
            start = o.tell()
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=o, stderr=e,
                                 start_new_session=True, env=env)
            try:
                rc = p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
                raise AssertionError(f"timed out after {timeout}s: {' '.join(argv)}")
        with open(outf, "rb") as o:
            o.seek(start)
            out = o.read().decode(errors="replace")
        return Result(argv, rc, out, errf.read_text(errors="replace"))

    def popen(self, *args, stdout, global_args=()):
        """Start the CLI without waiting (e.g. a foreground `run`)."""
        argv = self.argv(*args, global_args=global_args)
        self._n += 1
        err_path = self.workdir / f"cmd{self._n}.err"
        with open(stdout, "ab") as o, open(err_path, "wb") as e:
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=o, stderr=e,
                                 start_new_session=True)
        p.err_path = err_path
        return p


class Container:
    """A bundle (config.json as a dict, written on first use) and its id."""

    def __init__(self, ctx, cid, path, config):
        self.ctx, self.rt, self.id, self.path, self.config = ctx, ctx.rt, cid, path, config
        self.out_path = path / "out.txt"
        self.out_path.touch()

    # --- config
    @property
    def process(self):
        return self.config["process"]

    @property
    def linux(self):
        return self.config.setdefault("linux", {})

    @property
    def resources(self):
        return self.linux.setdefault("resources", {})

    def namespaces(self):
        return [n["type"] for n in self.linux.get("namespaces", [])]

    def add_namespace(self, kind, path=None):
        ns = [n for n in self.linux.setdefault("namespaces", []) if n["type"] != kind]
        ns.append({"type": kind, **({"path": str(path)} if path else {})})
        self.linux["namespaces"] = ns

    def remove_namespace(self, kind):
        self.linux["namespaces"] = [n for n in self.linux.get("namespaces", [])
                                    if n["type"] != kind]

    def add_mount(self, destination, type_, source, options=()):
        self.config.setdefault("mounts", []).append(
            {"destination": destination, "type": type_, "source": str(source),
             "options": list(options)})

    def write(self):
        cfg = copy.deepcopy(self.config)
        if not self.rt.is_berth and "cgroupsPath" not in cfg.get("linux", {}):
            # Other runtimes default elsewhere; pin berth's default path.
            cfg.setdefault("linux", {})["cgroupsPath"] = f"/berth/{self.id}"
        (self.path / "config.json").write_text(json.dumps(cfg, indent=2))

    # --- lifecycle
    def create(self, *extra, check=True, timeout=30):
        self.write()
        r = self.rt("create", "--bundle", self.path, *extra, self.id, stdout=self.out_path,
                    timeout=timeout)
        return r.ok() if check else r

    def start(self, check=True):
        r = self.rt("start", self.id)
        return r.ok() if check else r

    def run(self, *extra, timeout=60, check=False):
        """Foreground run; .out is the container's output, .rc its status."""
        self.write()
        r = self.rt("run", "--bundle", self.path, *extra, self.id, stdout=self.out_path,
                    timeout=timeout)
        return r.ok() if check else r

    def run_background(self, *extra):
        self.write()
        return self.rt.popen("run", "--bundle", self.path, *extra, self.id,
                             stdout=self.out_path)

    def state(self):
        r = self.rt("state", self.id).ok()
        try:
            return json.loads(r.out)
        except ValueError:
            raise AssertionError(f"state is not JSON: {r!r}")

    def status(self):
        return self.state()["status"]

    def pid(self):
        return self.state()["pid"]

    def wait_status(self, status, timeout=10):
        wait_for(lambda: self.status() == status, timeout, what=f"{self.id} {status}")

    def kill(self, *sig, all=False, check=True):
        r = self.rt("kill", *(["--all"] if all else []), self.id, *sig)
        return r.ok() if check else r

    def delete(self, force=False, check=True):
        r = self.rt("delete", *(["--force"] if force else []), self.id)
        return r.ok() if check else r

    def output(self):
        return self.out_path.read_text(errors="replace")

    def wait_output(self, needle, timeout=10, count=1):
        return wait_for(lambda: self.output().count(needle) >= count and self.output(),
                        timeout, what=f"{needle!r} in the output of {self.id}")

    # --- outside view
    def cgroup(self, ctrl):
        return cgroup_dir(ctrl, self.id)

    def state_dir(self):
        return Path(self.rt.root) / self.id


def pytest_configure(config):
    # `make check` deselects these (-m "not slow"); `make check-slow` runs only them.
    config.addinivalue_line("markers", "slow: takes minutes (e.g. a real debootstrap)")


# ---------------------------------------------------------------- fixtures

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture(scope="session")
def berth_bin():
    env = os.environ.get("BERTH_BIN")
    # build/berth is made by scripts/build.sh; meson itself leaves the
    # executable in build/src/cli/.
    candidates = [Path(env)] if env else [BUILD / "berth", BUILD / "src" / "cli" / "berth"]
    for b in candidates:
        if b.exists():
            return b.absolute()
    pytest.fail(f"no runtime binary at {candidates[0]}: build it with `make`")


@pytest.fixture(scope="session")
def rootfs(tmp_path_factory):
    """The shared busybox rootfs; tests use it read-only (root.readonly)."""
    if os.geteuid() != 0:
        pytest.skip("the integration tests need root (this user is not root)")
    probe = os.environ.get("BERTH_PROBE") or str(BUILD / "tests" / "berth-probe")
    # Not under pytest's 0700 tmp: a user-namespaced init must reach it.
    dest = BUILD / "rootfs" if BUILD.is_dir() else Path("/tmp/berth-test-rootfs")
    r = subprocess.run([str(REPO / "scripts" / "mkrootfs.sh"), str(dest), probe],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail(f"mkrootfs failed: {r.stderr}")
    return dest


@pytest.fixture(scope="session")
def default_spec(berth_bin, tmp_path_factory):
    """What `berth oci spec` writes, parsed once per session."""
    d = tmp_path_factory.mktemp("spec")
    rt = Runtime(berth_bin, d / "root", d)
    rt("spec", "--bundle", d, root=False).ok()
    return json.loads((d / "config.json").read_text())


def _listing(root):
    return sorted(os.path.relpath(os.path.join(dp, n), root)
                  for dp, dns, fns in os.walk(root) for n in dns + fns)


@pytest.fixture(scope="session")
def rootfs_listing(rootfs):
    return _listing(rootfs)


class Ctx:
    def __init__(self, token, name, work, rt):
        self.token, self.name, self.work, self.rt = token, name, work, rt
        self.ids = []
        self.netns = []
        self.pids = []
        self._n = 0

    def new_id(self, hint=""):
        self._n += 1
        cid = f"t-{self.name}-{self.token}-{self._n}"
        self.ids.append(cid)
        return cid

    def dir(self, name):
        d = self.work / name
        d.mkdir(parents=True, exist_ok=True)
        return d


@pytest.fixture
def ctx(request, berth_bin):
    token = secrets.token_hex(4)
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower().removeprefix("test_"))
    name = name.strip("-")[:24].strip("-")
    # Short and free of pytest's 0700 dirs, so that a user-namespaced init can
    # reach what the test hands it (bind sources, the rootfs copy).
    work = Path(tempfile.mkdtemp(prefix=f"berth-{token}-", dir="/tmp"))
    os.chmod(work, 0o755)
    (work / "owner.pid").write_text(str(os.getpid()))
    rt = Runtime(berth_bin, work / "root", work)
    c = Ctx(token, name, work, rt)
    yield c
    # Never rmtree through a mount that is still there (a bind of a host dir).
    if not _mounts(token):
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture
def runtime(ctx):
    """The CLI under test with this test's --root."""
    return ctx.rt


@pytest.fixture
def state_root(ctx):
    return Path(ctx.rt.root)


@pytest.fixture
def bundle(ctx, rootfs, default_spec):
    """bundle(args) -> Container: `berth oci spec`'s config with the shared
    busybox rootfs (read-only), no terminal, and args. Probe commands and
    `sh -c` scripts get the test's marker in their command line."""

    def make(args=(PROBE, "sleep", "100"), rootfs_path=None):
        cid = ctx.new_id()
        path = ctx.dir(f"bundle-{cid}")
        cfg = copy.deepcopy(default_spec)
        cfg["root"] = {"path": str(rootfs_path or rootfs), "readonly": True}
        args = list(args)
        if args and os.path.basename(args[0]) == "berth-probe":
            args += ["tag", ctx.token]
        elif args[:2] == ["sh", "-c"] and len(args) == 3:
            args.append(f"sh-{ctx.token}")
        cfg["process"]["args"] = args
        cfg["process"]["terminal"] = False
        return Container(ctx, cid, path, cfg)

    return make


@pytest.fixture
def rootfs_copy(ctx, rootfs):
    """A private, writable copy of the busybox rootfs."""
    def make():
        dest = ctx.work / f"rootfs-{secrets.token_hex(2)}"
        subprocess.run(["cp", "-a", str(rootfs), str(dest)], check=True)
        return dest
    return make


# ---------------------------------------------------------------- leftovers

def _cgroup_dirs(token):
    """Every cgroup named after one of the test's ids, deepest first."""
    return cgroup_dirs_where(lambda d: token in d)


def _procs(token):
    return procs_mentioning(token)


def _mounts(token):
    return mount_points(lambda line: token in line)


def _netns(token):
    return glob.glob(f"/run/netns/*{token}*")


def _find_leftovers(ctx, rootfs, listing):
    left = []
    root = Path(ctx.rt.root)
    if root.is_dir():
        left += [f"state dir {p}" for p in root.iterdir()]
    left += [f"cgroup {d}" for d in _cgroup_dirs(ctx.token)]
    left += [f"process {pid}: {cmd}" for pid, cmd in _procs(ctx.token)]
    left += [f"process {pid} (started by the test)" for pid in ctx.pids if pid_alive(pid)]
    left += [f"mount {m}" for m in _mounts(ctx.token)]
    left += [f"netns {n}" for n in _netns(ctx.token)]
    now = _listing(rootfs)
    if now != listing:
        added = sorted(set(now) - set(listing))
        gone = sorted(set(listing) - set(now))
        left.append(f"shared rootfs changed: added {added[:5]} removed {gone[:5]}")
    return left


def _clean(ctx):
    rt = ctx.rt
    root = Path(rt.root)
    ids = set(ctx.ids) | ({p.name for p in root.iterdir()} if root.is_dir() else set())

    def force_delete():
        for cid in sorted(ids):
            if (root / cid).exists():
                try:
                    rt("delete", "--force", cid, timeout=10)
                except AssertionError:
                    pass

    # The CLI first (it is its job); then by hand whatever it could not do.
    force_delete()
    for pid in ctx.pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for pid, _ in _procs(ctx.token):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for d in _cgroup_dirs(ctx.token):
        # A frozen task cannot die: thaw first, then kill, then rmdir.
        for f, thawed in (("freezer.state", "THAWED"), ("cgroup.freeze", "0")):
            if os.path.exists(os.path.join(d, f)):
                try:
                    Path(d, f).write_text(thawed)
                except OSError:
                    pass
        for _ in range(250):
            pids = [int(p) for p in read(os.path.join(d, "cgroup.procs"), "").split()
                    if int(p) not in (os.getpid(), os.getppid())]
            if not pids:
                break
            for p in pids:
                if p in (os.getpid(), os.getppid()):
                    continue  # berth misplaced us: report it, do not die of it
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.02)
        try:
            os.rmdir(d)
        except OSError:
            pass
    for m in reversed(_mounts(ctx.token)):
        subprocess.run(["umount", "-l", m], capture_output=True)
    for n in _netns(ctx.token):
        subprocess.run(["ip", "netns", "del", os.path.basename(n)], capture_output=True)
    force_delete()  # again, now that nothing can hold it up
    if root.is_dir():
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def sweep_stale_runs(berth_bin):
    """Remove what an interrupted earlier run (killed pytest) left: work dirs
    /tmp/berth-<token>-* whose owning pytest process is gone."""
    for work in glob.glob("/tmp/berth-*-*"):
        m = re.fullmatch(r"/tmp/berth-([0-9a-f]{8})-[^/]+", work)
        owner = Path(work, "owner.pid")
        if not m or not owner.exists():
            continue
        try:
            if pid_alive(int(owner.read_text())):
                continue
        except ValueError:
            pass
        c = Ctx(m.group(1), "stale", Path(work), Runtime(berth_bin, Path(work, "root"), work))
        _clean(c)
        if not _mounts(c.token):
            shutil.rmtree(work, ignore_errors=True)
    # A run killed after its work dir was removed leaves only its
    # containers' cgroups (and their processes, named by the token).
    live = {m.group(1) for w in glob.glob("/tmp/berth-*-*")
            if (m := re.fullmatch(r"/tmp/berth-([0-9a-f]{8})-[^/]+", w))}
    for d in glob.glob(str(CGROOT / "*" / "berth" / "t-*")) + glob.glob(str(CGROOT / "berth" / "t-*")):
        m = re.fullmatch(r"t-.*-([0-9a-f]{8})-\d+", os.path.basename(d))
        if m and m.group(1) not in live:
            gone = Path(tempfile.gettempdir(), f"berth-stale-{m.group(1)}")
            _clean(Ctx(m.group(1), "stale", gone, Runtime(berth_bin, gone / "root", gone)))
    yield


@pytest.fixture(autouse=True)
def nothing_left_behind(request, ctx, rootfs, rootfs_listing):
    """After every test: no state dir, cgroup, process, mount, netns of the
    test's, and the shared rootfs unchanged. Always cleans up."""
    yield
    left = _find_leftovers(ctx, rootfs, rootfs_listing)
    _clean(ctx)
    # Wait for killed processes to go, then check the clean-up itself.
    try:
        wait_for(lambda: not _procs(ctx.token) and not _cgroup_dirs(ctx.token), 5)
    except AssertionError:
        pass
    still = [x for x in _find_leftovers(ctx, rootfs, rootfs_listing)
             if not x.startswith("shared rootfs")]
    call = getattr(request.node, "rep_call", None)
    if still:
        pytest.fail("could not clean up: " + "; ".join(still), pytrace=False)
    if left and call is not None and call.passed:
        pytest.fail("left behind: " + "; ".join(left), pytrace=False)
