# SPDX-License-Identifier: LGPL-2.1-or-later
"""`make install` into a DESTDIR, and what it installed, used as a user
would: the binary's --version, the man pages through man(1), the bash
completion completing names, pkg-config building a program against
libberth, the exported symbols, the systemd unit.

The install is `meson install --destdir` of the existing build (no
rebuild, nothing outside the temporary directory); where each file went
comes from `meson introspect --installed`, so any prefix works."""
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import BUILD, FOREIGN_RUNTIME, REPO

pytestmark = pytest.mark.skipif(FOREIGN_RUNTIME, reason="BERTH_BIN is not berth")


def run(argv, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 120)
    kw.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.run([str(a) for a in argv], **kw)


class Install:
    def __init__(self, destdir):
        self.destdir = destdir
        r = run(["meson", "introspect", "--installed", BUILD])
        assert r.returncode == 0, r.stderr
        # build file -> install path (absolute, without DESTDIR)
        self.installed = json.loads(r.stdout)
        opts = json.loads(run(["meson", "introspect", "--buildoptions", BUILD]).stdout)
        opt = {o["name"]: o["value"] for o in opts}
        self.prefix = opt["prefix"]
        self.bin_path = Path(self.prefix) / opt["bindir"]  # as installed
        self.bindir = self.at(self.bin_path)
        self.libdir = self.at(Path(self.prefix) / opt["libdir"])

    def at(self, path):
        """Where an install path is inside the DESTDIR."""
        return self.destdir / str(path).lstrip("/")

    def find(self, name):
        """The one installed file whose install path ends in /name."""
        hits = [p for p in self.installed.values() if p.endswith("/" + name)]
        assert len(hits) == 1, (name, hits)
        p = self.at(hits[0])
        assert p.exists(), p
        return p


@pytest.fixture(scope="module")
def inst():
    destdir = Path(tempfile.mkdtemp(prefix="berth-install-"))
    try:
        r = run(["meson", "install", "-C", BUILD, "--destdir", destdir, "--no-rebuild", "--quiet"])
        assert r.returncode == 0, r.stdout + r.stderr
        yield Install(destdir)
    finally:
        shutil.rmtree(destdir, ignore_errors=True)


def test_everything_lands_under_destdir(inst):
    for p in inst.installed.values():
        assert inst.at(p).exists() or inst.at(p).is_symlink(), p
    names = {Path(p).name for p in inst.installed.values()}
    for want in ("berth", "berth-oci", "libberth.so", "libberth.so.0", "berth.h", "berth.pc",
                 "berth.1", "berth-oci.1", "berth.conf.5", "berth-autostart.service"):
        assert want in names, (want, sorted(names))
    # berth-oci is a link to berth, in the same directory
    link = inst.bindir / "berth-oci"
    assert link.is_symlink() and os.readlink(link) == "berth"


def test_installed_version(inst):
    r = run([inst.bindir / "berth", "--version"])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert re.fullmatch(r"berth version \d+\.\d+\.\d+", lines[0]), r.stdout
    commit = re.search(r"^commit: (\S+)$", r.stdout, re.M)
    assert commit, r.stdout
    if (REPO / ".git").exists():
        head = run(["git", "-C", REPO, "rev-parse", "HEAD"]).stdout.strip()
        assert head.startswith(commit.group(1).removesuffix("-dirty")), (head, commit.group(1))
    features = re.search(r"^features: (.*)$", r.stdout, re.M)
    assert features, r.stdout
    for f in ("+seccomp", "+caps", "+apparmor(", "+selinux(", "+idmap", "+rootless"):
        assert f in features.group(1), (f, r.stdout)
    # deps.sh installs every load-on-use library, so each loads here
    for lib in ("libarchive", "libcrypto", "libnftables", "libmnl", "libcrypt", "zlib"):
        assert f"{lib}:yes" in features.group(1), (lib, r.stdout)
    # the link answers as berth oci
    r = run([inst.bindir / "berth-oci", "--version"])
    assert r.returncode == 0 and re.search(r"\d+\.\d+\.\d+", r.stdout), r.stdout + r.stderr


def is_static(path):
    """An ELF file with no program interpreter (PT_INTERP): no dynamic loader."""
    data = Path(path).read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2, path  # 64-bit
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    return all(struct.unpack_from("<I", data, phoff + i * phentsize)[0] != 3  # PT_INTERP
               for i in range(phnum))


def test_static_berth_and_its_twin(inst, tmp_path):
    """berth is static (no dynamic loader on the start path); berth-full,
    dynamic, in LIBEXECDIR/berth, takes the commands that load optional
    libraries, found relative to the installed berth."""
    full = inst.find("berth-full")
    assert full.parent.name == "berth" and full.parent.parent.name == "libexec", full
    assert is_static(inst.bindir / "berth")
    assert not is_static(full)
    # check-config loads zlib, net loads libmnl: both go through the twin
    r = run([inst.bindir / "berth", "net", "ls", "-P", tmp_path])
    assert r.returncode == 0, r.stdout + r.stderr
    # without its twin, the static berth says what is missing, and still
    # runs what needs no optional library
    lone = tmp_path / "lone"
    lone.mkdir()
    shutil.copy2(inst.bindir / "berth", lone / "berth")
    r = run([lone / "berth", "net", "ls", "-P", tmp_path])
    assert r.returncode != 0 and "berth-full is not installed" in r.stderr, r.stderr
    r = run([lone / "berth", "ls", "-P", tmp_path])
    assert r.returncode == 0, r.stderr


def render(page):
    """The man page as man(1) prints it, on one line per paragraph (no
    wrapping, so no hyphenation) and with no warning from groff."""
    env = dict(os.environ, MANWIDTH="1000", MANPAGER="cat", PAGER="cat", LANG="C.UTF-8")
    r = run(["man", "-l", page], env=env)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", r.stderr
    return r.stdout


def help_options(argv):
    """The long options an Options: section of a --help lists first on its lines."""
    r = run(argv + ["--help"])
    assert r.returncode == 0, (argv, r.stderr)
    return re.findall(r"^\s+(?:-\w, )?(--[a-z][\w-]*)", r.stdout, re.M)


def manager_commands(berth):
    r = run([berth, "--help"])
    section = r.stdout.split("System containers", 1)[1].split("Options:", 1)[0]
    return re.findall(r"^  ([a-z][\w-]*)\s", section, re.M)


def oci_verbs(berth):
    r = run([berth, "oci", "--help"])
    section = r.stdout.split("Verbs:", 1)[1].split("Global options:", 1)[0]
    return re.findall(r"^  ([a-z][\w-]*)\s", section, re.M)


def test_man_berth(inst):
    berth = inst.bindir / "berth"
    text = render(inst.find("man1/berth.1"))
    assert "berth - run OCI containers" in text
    cmds = manager_commands(berth)
    assert "create" in cmds and "autostart" in cmds, cmds
    for cmd in cmds:
        assert re.search(rf"\bberth {re.escape(cmd)}\b", text), cmd
        for opt in help_options([berth, cmd]):
            assert opt in text, (cmd, opt)
    for sub in ("create", "ls", "delete"):
        for opt in help_options([berth, "net", sub]):
            assert opt in text, ("net", sub, opt)
    for verb in oci_verbs(berth):
        assert verb in text, verb
    assert "--lxcpath" in text and "berth-oci(1)" in text


def test_man_berth_oci(inst):
    berth = inst.bindir / "berth"
    text = render(inst.find("man1/berth-oci.1"))
    for verb in oci_verbs(berth):
        assert re.search(rf"\bberth-oci {verb}\b", text), verb
        for opt in help_options([berth, "oci", verb]):
            assert opt in text, (verb, opt)
    for opt in ("--root", "--log", "--log-format", "--debug", "--systemd-cgroup"):
        assert opt in text, opt


def test_man_berth_conf(inst):
    text = render(inst.find("man5/berth.conf.5"))
    # every key of the config table, old names included
    table = (REPO / "src/manager/lxc-config-keys.c").read_text()
    keys = re.findall(r'\.name = "(lxc\.[^"]+)"', table)
    assert len(keys) > 50 and "lxc.network.ipv4" in keys
    for key in keys:
        assert key.replace("#", "N") in text, key


def bash(script, env=None):
    r = run(["bash", "--norc", "--noprofile", "-c", script], env=env)
    assert r.returncode == 0, r.stderr
    return r.stdout


def complete(inst, words):
    """COMPREPLY for the command line `words` (the last one being completed),
    with the installed completion and the installed berth first in PATH."""
    script = inst.find("completions/berth")
    env = dict(os.environ, PATH=f"{inst.bindir}:{os.environ['PATH']}")
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    out = bash(f"""set -u
        source '{script}'
        COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; COMP_LINE="${{COMP_WORDS[*]}}"
        COMP_POINT=${{#COMP_LINE}}
        _berth
        printf '%s\\n' "${{COMPREPLY[@]}}" """, env=env)
    return [w for w in out.splitlines() if w]


def test_completion_script(inst, tmp_path):
    script = inst.find("completions/berth")
    r = run(["bash", "-n", script])
    assert r.returncode == 0, r.stderr
    out = bash(f"source '{script}'; complete -p berth berth-oci")
    assert out.count("-F _berth") == 2, out
    # bash-completion loads berth-oci's completion from a file of that name
    assert os.readlink(script.parent / "berth-oci") == "berth"

    lxcpath = tmp_path / "lxc"
    for name in ("web", "db"):
        (lxcpath / name).mkdir(parents=True)
        (lxcpath / name / "config").write_text(f"lxc.uts.name = {name}\n")
    assert complete(inst, ["berth", "start", "-P", str(lxcpath), ""]) == ["db", "web"]
    assert complete(inst, ["berth", "stop", "--lxcpath", "=", str(lxcpath), "w"]) == ["web"]
    assert complete(inst, ["berth", "attach", "-P", str(lxcpath), "web", "--", ""]) == []
    assert complete(inst, ["berth", "wait", "-P", str(lxcpath), "db", "RU"]) == ["RUNNING"]
    assert "lxc.net.0.link" in complete(inst, ["berth", "config", "db", "lxc.net.0.l"])


def test_completion_covers_every_command_and_option(inst):
    berth = inst.bindir / "berth"
    top = complete(inst, ["berth", ""])
    for cmd in manager_commands(berth) + ["oci", "--version", "--help"]:
        assert cmd in top, cmd
    for cmd in manager_commands(berth):
        if cmd == "net":
            continue
        got = complete(inst, ["berth", cmd, "--"])
        for opt in help_options([berth, cmd]):
            assert opt in got, (cmd, opt, got)
    assert complete(inst, ["berth", "net", ""]) == ["create", "ls", "delete"]
    for sub in ("create", "ls", "delete"):
        got = complete(inst, ["berth", "net", sub, "--"])
        for opt in help_options([berth, "net", sub]):
            assert opt in got, ("net", sub, opt, got)
    verbs = oci_verbs(berth)
    assert complete(inst, ["berth", "oci", ""]) == verbs
    assert complete(inst, ["berth-oci", ""]) == verbs
    for verb in verbs:
        got = complete(inst, ["berth", "oci", verb, "--"])
        for opt in help_options([berth, "oci", verb]):
            assert opt in got, (verb, opt, got)
    assert "--root" in complete(inst, ["berth", "oci", "--"])
    assert "KILL" in complete(inst, ["berth-oci", "kill", "someid", "K"])


def test_pkg_config_builds_a_program(inst, tmp_path):
    pc = inst.find("pkgconfig/berth.pc")
    # the sysroot puts the DESTDIR in front of the -I and -L paths
    env = dict(os.environ, PKG_CONFIG_PATH=str(pc.parent), PKG_CONFIG_SYSROOT_DIR=str(inst.destdir),
               PKG_CONFIG_LIBDIR="")
    r = run(["pkg-config", "--modversion", "berth"], env=env)
    assert r.returncode == 0, r.stderr
    version = r.stdout.strip()
    r = run(["pkg-config", "--cflags", "--libs", "berth"], env=env)
    assert r.returncode == 0, r.stderr
    flags = r.stdout.split()
    assert "-lberth" in flags and any(f.startswith(f"-I{inst.destdir}") for f in flags), flags
    src = tmp_path / "hello.c"
    src.write_text("#include <berth.h>\n#include <stdio.h>\n"
                   "int main(void)\n{\n"
                   "        printf(\"%s %s\\n\", berth_version(), berth_state_name(BERTH_RUNNING));\n"
                   "        return 0;\n}\n")
    exe = tmp_path / "hello"
    r = run(["cc", "-Wall", "-Werror", src, "-o", exe] + flags)
    assert r.returncode == 0, r.stderr
    r = run([exe], env=dict(os.environ, LD_LIBRARY_PATH=str(inst.libdir)))
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"{version} RUNNING\n"
    # and it is the installed library that ran
    r = run(["ldd", exe], env=dict(os.environ, LD_LIBRARY_PATH=str(inst.libdir)))
    assert f"{inst.libdir}/libberth.so.0" in r.stdout, r.stdout


def test_library_soname_and_exports(inst):
    lib = inst.libdir / "libberth.so"
    assert lib.is_symlink()
    real = lib.resolve()
    assert re.fullmatch(r"libberth\.so\.0\.\d+\.\d+", real.name), real
    r = run(["readelf", "-d", real])
    assert "Library soname: [libberth.so.0]" in r.stdout, r.stdout
    r = run(["nm", "-D", "--defined-only", real])
    assert r.returncode == 0, r.stderr
    names = [line.split()[-1] for line in r.stdout.splitlines() if line.strip()]
    assert "berth_version" in names and "berth_oci_run" in names, names
    assert [n for n in names if not n.startswith("berth_")] == []
    # the shims of the load-on-use libraries stay inside
    for shim in ("archive_read_new", "mnl_socket_open2", "nft_ctx_new", "crypt_r"):
        assert shim not in names


def test_systemd_unit(inst):
    unit = inst.find("berth-autostart.service")
    text = unit.read_text()
    berth = inst.bin_path / "berth"
    assert "@" not in text, text
    for line in ("Type=oneshot", "RemainAfterExit=yes", f"ExecStart={berth} autostart",
                 f"ExecStop={berth} autostart --stop", "After=network-online.target",
                 "WantedBy=multi-user.target"):
        assert re.search(rf"^{re.escape(line)}(\s|$)", text, re.M), (line, text)
    if shutil.which("systemd-analyze"):
        r = run(["systemd-analyze", "verify", unit])
        # the binary and the man pages are in the DESTDIR, not installed
        other = [line for line in (r.stdout + r.stderr).splitlines()
                 if line and "is not executable" not in line and "man " not in line]
        assert other == [], other
