# SPDX-License-Identifier: LGPL-2.1-or-later
"""`berth net create|ls|delete`: bridges with their addresses, forwarding and
NAT tables, and the errors, each leaving nothing behind.

Everything happens inside a network namespace the test makes
(`ip netns add berth-<token>`, removed in a finally and by the conftest
fixture) with `-P` a temporary lxcpath: the host's own interfaces and
nftables ruleset are never read for a verdict or changed."""
import json
import os
import subprocess
from contextlib import contextmanager

import pytest

from conftest import FOREIGN_RUNTIME, Result, assert_berth_error

pytestmark = pytest.mark.skipif(FOREIGN_RUNTIME, reason="BERTH_BIN is not berth")


class NetNs:
    def __init__(self, ctx, berth_bin):
        self.name = f"berth-{ctx.token}"
        self.berth_bin = str(berth_bin)
        self.lxcpath = ctx.work / "lxc"
        self.lxcpath.mkdir()

    def sh(self, *argv, check=True):
        """A command inside the namespace."""
        p = subprocess.run(["ip", "netns", "exec", self.name, *map(str, argv)],
                           capture_output=True, text=True, timeout=30,
                           stdin=subprocess.DEVNULL)
        if check:
            assert p.returncode == 0, f"{argv}: {p.stderr}"
        return p

    def berth(self, *args):
        argv = [self.berth_bin, "net", *map(str, args), "-P", str(self.lxcpath)]
        p = self.sh(*argv, check=False)
        return Result(argv, p.returncode, p.stdout, p.stderr)

    def links(self):
        out = self.sh("ip", "-j", "link", "show").stdout
        return {l["ifname"]: l for l in json.loads(out)}

    def addrs(self, dev):
        out = self.sh("ip", "-j", "addr", "show", "dev", dev).stdout
        return {f"{a['local']}/{a['prefixlen']}" for l in json.loads(out)
                for a in l.get("addr_info", []) if a.get("scope") == "global"}

    def ruleset(self):
        return self.sh("nft", "-n", "list", "ruleset").stdout

    def sysctl(self, path):
        return self.sh("cat", f"/proc/sys/net/{path}").stdout.strip()

    def records(self):
        d = self.lxcpath / ".net"
        return sorted(p.name for p in d.iterdir()) if d.is_dir() else []


@contextmanager
def netns(ctx, berth_bin):
    ns = NetNs(ctx, berth_bin)
    subprocess.run(["ip", "netns", "add", ns.name], check=True)
    try:
        ns.sh("ip", "link", "set", "lo", "up")
        yield ns
    finally:
        subprocess.run(["ip", "netns", "del", ns.name], capture_output=True)


@pytest.fixture
def ns(ctx, berth_bin):
    with netns(ctx, berth_bin) as n:
        yield n


def test_create_ls_delete_nat(ns):
    host_links = set(os.listdir("/sys/class/net"))
    ns.berth("create", "brt0", "--ipv4", "10.0.3.1/24", "--ipv6", "fd00:3::1/64",
             "--nat").ok()

    links = ns.links()
    assert "brt0" in links
    assert links["brt0"]["link_type"] == "ether"
    assert "UP" in links["brt0"]["flags"]
    detail = json.loads(ns.sh("ip", "-j", "-d", "link", "show", "brt0").stdout)[0]
    assert detail["linkinfo"]["info_kind"] == "bridge"
    assert ns.addrs("brt0") == {"10.0.3.1/24", "fd00:3::1/64"}
    assert ns.sysctl("ipv4/conf/brt0/forwarding") == "1"
    assert ns.sysctl("ipv6/conf/brt0/forwarding") == "1"
    # only the bridge forwards
    assert ns.sysctl("ipv4/conf/lo/forwarding") == "0"
    assert ns.sysctl("ipv4/ip_forward") == "0"

    rules = ns.ruleset()
    assert "table ip berth-brt0" in rules
    assert "table ip6 berth-brt0" in rules
    assert 'ip saddr 10.0.3.0/24 oifname != "brt0" masquerade' in rules
    assert 'ip6 saddr fd00:3::/64 oifname != "brt0" masquerade' in rules
    assert "map pub_tcp" in rules and "map pub_udp" in rules
    assert "dport map @pub_tcp" in rules and "dport map @pub_udp" in rules
    assert "hook forward" in rules and 'iifname "brt0" accept' in rules

    record = json.loads((ns.lxcpath / ".net" / "brt0.json").read_text())
    assert record == {"name": "brt0", "ipv4": "10.0.3.1/24", "ipv6": "fd00:3::1/64",
                      "nat": True}

    out = ns.berth("ls").ok().out.splitlines()
    assert out[0].split() == ["NAME", "IPV4", "IPV6", "NAT", "STATE"]
    assert out[1].split() == ["brt0", "10.0.3.1/24", "fd00:3::1/64", "yes", "up"]
    listed = json.loads(ns.berth("ls", "--format", "json").ok().out)
    assert listed == [{"name": "brt0", "ipv4": "10.0.3.1/24", "ipv6": "fd00:3::1/64",
                       "nat": True, "state": "up"}]

    # nothing of it on the host
    assert set(os.listdir("/sys/class/net")) == host_links

    ns.berth("delete", "brt0").ok()
    assert "brt0" not in ns.links()
    assert "berth-" not in ns.ruleset()
    assert ns.records() == []
    assert ns.berth("ls").ok().out.splitlines()[1:] == []
    assert json.loads(ns.berth("ls", "--format", "json").ok().out) == []


def test_plain_bridge_and_missing_state(ns):
    ns.berth("create", "brp", "--ipv4", "192.168.77.1/24").ok()
    ns.berth("create", "brq").ok()
    assert ns.addrs("brp") == {"192.168.77.1/24"}
    assert ns.addrs("brq") == set()
    assert ns.sysctl("ipv4/conf/brp/forwarding") == "1"
    assert ns.sysctl("ipv4/conf/brq/forwarding") == "0"
    # no NAT: no table of ours
    assert "berth-" not in ns.ruleset()
    rows = [l.split() for l in ns.berth("ls").ok().out.splitlines()[1:]]
    assert rows == [["brp", "192.168.77.1/24", "-", "no", "up"], ["brq", "-", "-", "no", "up"]]

    # the device gone (a reboot): ls says so, and create makes it again
    ns.sh("ip", "link", "del", "brp")
    rows = [l.split() for l in ns.berth("ls").ok().out.splitlines()[1:]]
    assert rows[0] == ["brp", "192.168.77.1/24", "-", "no", "missing"]
    ns.berth("create", "brp", "--ipv4", "192.168.77.1/24", "--nat").ok()
    assert ns.addrs("brp") == {"192.168.77.1/24"}
    assert "table ip berth-brp" in ns.ruleset()
    ns.sh("ip", "link", "set", "brq", "down")
    rows = [l.split() for l in ns.berth("ls").ok().out.splitlines()[1:]]
    assert rows == [["brp", "192.168.77.1/24", "-", "yes", "up"],
                    ["brq", "-", "-", "no", "down"]]

    ns.berth("delete", "brp").ok()
    ns.berth("delete", "brq").ok()
    assert set(ns.links()) == {"lo"}
    assert "berth-" not in ns.ruleset()
    assert ns.records() == []


@pytest.mark.parametrize("args,needles", [
    (["brx", "--ipv4", "10.0.3.300/24"], ["--ipv4", "10.0.3.300/24"]),
    (["brx", "--ipv4", "fd00::1/64"], ["not an IPv4 address"]),
    (["brx", "--ipv6", "10.0.3.1/24"], ["not an IPv6 address"]),
    (["brx", "--ipv4", "10.0.3.1"], ["prefix length"]),
    (["brx", "--ipv4", "10.0.3.0/24"], ["network address"]),
    (["brx", "--ipv4", "10.0.3.255/24"], ["broadcast address"]),
    (["brx", "--ipv4", "10.0.3.1/31"], ["no room"]),
    (["brx", "--nat"], ["--nat needs a subnet"]),
    (["a-very-long-name0", "--ipv4", "10.0.3.1/24"], ["at most 15"]),
    (["br/x"], ["letters, digits"]),
    (["brx", "--bogus"], ["--bogus"]),
    ([], ["which bridge"]),
])
def test_create_errors(ns, args, needles):
    before = set(ns.links())
    assert_berth_error(ns.berth("create", *args), *needles)
    assert set(ns.links()) == before
    assert "berth-" not in ns.ruleset()
    assert ns.records() == []


def test_name_clash_and_delete_errors(ns):
    # a bridge someone else made, and a veth pair
    ns.sh("ip", "link", "add", "hostbr", "type", "bridge")
    ns.sh("ip", "link", "add", "vclash", "type", "veth", "peer", "name", "vpeer")
    for dev in ("hostbr", "vclash", "lo"):
        assert_berth_error(ns.berth("create", dev, "--ipv4", "10.0.3.1/24", "--nat"),
                           f"a device named {dev} already exists")
    assert set(ns.links()) == {"lo", "hostbr", "vclash", "vpeer"}
    assert ns.addrs("hostbr") == set() and ns.addrs("vclash") == set()
    assert "berth-" not in ns.ruleset()
    assert ns.records() == []

    # a device berth did not make is not deleted
    assert_berth_error(ns.berth("delete", "hostbr"), "hostbr", "not a berth bridge")
    assert_berth_error(ns.berth("delete", "vclash"), "vclash", "not a berth bridge")
    assert {"hostbr", "vclash"} <= set(ns.links())
    assert_berth_error(ns.berth("delete", "nosuch"), "bridge nosuch does not exist")
    assert_berth_error(ns.berth("delete"), "which bridge")

    ns.berth("create", "brd", "--ipv4", "10.0.5.1/24").ok()
    assert_berth_error(ns.berth("create", "brd", "--ipv4", "10.0.6.1/24"),
                       "bridge brd already exists")
    assert ns.addrs("brd") == {"10.0.5.1/24"}
    ns.berth("delete", "brd").ok()
    assert_berth_error(ns.berth("delete", "brd"), "does not exist")


def test_delete_removes_leases(ns):
    ns.berth("create", "brl", "--ipv4", "10.0.8.1/24").ok()
    leases = ns.lxcpath / ".net" / "brl.leases"
    leases.write_text("c1 10.0.8.2 -\n")
    ns.berth("delete", "brl").ok()
    assert not leases.exists()
    assert ns.records() == []


def test_help_and_usage(ns):
    for sub in ("create", "ls", "delete"):
        r = ns.berth(sub, "--help").ok()
        assert r.out.startswith(f"Usage: berth net {sub}")
        assert "--lxcpath" in r.out
    r = ns.sh(ns.berth_bin, "net", "--help")
    assert "create" in r.stdout and "delete" in r.stdout
    # -P also right after `net`, as the manager's other commands take it
    ns.berth("create", "brh").ok()
    r = ns.sh(ns.berth_bin, "net", "-P", ns.lxcpath, "ls")
    assert r.stdout.splitlines()[1].split() == ["brh", "-", "-", "no", "up"]
    ns.sh(ns.berth_bin, "net", f"--lxcpath={ns.lxcpath}", "delete", "brh")
    assert_berth_error(ns.berth("frobnicate"), "unknown command 'frobnicate'")
    assert_berth_error(ns.berth("ls", "--format", "yaml"), "unknown format")
    assert ns.records() == []
