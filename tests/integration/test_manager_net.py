# SPDX-License-Identifier: LGPL-2.1-or-later
"""System containers on a network: veth pairs on a berth bridge, addresses
and MACs set from outside, leases, phys and macvlan devices, published
ports. Everything runs inside a network namespace the test creates (`ip
netns exec`), so no packet can leave the machine."""
import json
import re
import subprocess
import time

import pytest

from conftest import assert_berth_error, read, wait_for
from manager_util import Manager


class NetManager(Manager):
    """`berth ...` run inside the test's network namespace."""

    def __init__(self, ctx, netns):
        super().__init__(ctx)
        self.netns = netns

    def argv(self, *args):
        # nsenter, not `ip netns exec`: that remounts /sys, hiding cgroupfs
        return ["nsenter", f"--net=/run/netns/{self.netns}"] + super().argv(*args)

    def sh(self, *cmd, check=True):
        r = subprocess.run(["ip", "netns", "exec", self.netns, *cmd], capture_output=True,
                           text=True, timeout=30)
        if check:
            assert r.returncode == 0, r
        return r


@pytest.fixture
def net(ctx):
    ns = f"berth-{ctx.token}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    m = NetManager(ctx, ns)
    m.sh("ip", "link", "set", "lo", "up")
    try:
        yield m
    finally:
        m.cleanup()
        subprocess.run(["ip", "netns", "del", ns])
    assert not m.leftovers(), m.leftovers()


def bridge(m, cidr4="10.88.0.1/24", cidr6="fd88::1/64", nat=False):
    name = f"br{m.ctx.token}"
    m("net", "create", name, "--ipv4", cidr4, "--ipv6", cidr6, *(["--nat"] if nat else [])).ok()
    return name


def veth_config(m, name, br, *extra):
    m("create", name, "-t", "busybox").ok()
    lines = [f"lxc.net.0.type = veth", f"lxc.net.0.link = {br}", "lxc.net.0.flags = up",
             *extra]
    with open(m.cdir(name) / "config", "a") as f:
        f.write("\n".join(lines) + "\n")


def inside(m, name, *cmd):
    return m("attach", name, "--", *cmd)


def test_two_containers_on_a_bridge_talk(net):
    br = bridge(net)
    a, b = net.name("a"), net.name("b")
    veth_config(net, a, br, "lxc.net.0.hwaddr = 02:00:00:88:00:0a",
                "lxc.net.0.ipv4.address = 10.88.0.10/24", "lxc.net.0.ipv6.address = fd88::10/64",
                "lxc.net.0.ipv4.gateway = auto")
    veth_config(net, b, br)  # addresses from the bridge's leases
    net("start", a).ok()
    net("start", b).ok()
    # what `ip` shows inside is what the config says
    show = inside(net, a, "ip", "addr", "show", "eth0").ok().out
    assert "02:00:00:88:00:0a" in show and "10.88.0.10/24" in show and "fd88::10/64" in show
    assert "default via 10.88.0.1" in inside(net, a, "ip", "route").ok().out
    # b got the next free address, and keeps it across restarts
    info = net.state(b)
    assert info["ipv4"] and info["ipv4"][0].startswith("10.88.0."), info
    b4 = info["ipv4"][0]
    b6 = info["ipv6"][0]
    assert b4 not in ("10.88.0.1", "10.88.0.10")
    row = [l for l in net("ls", "--fancy").ok().out.splitlines() if l.startswith(b)][0]
    assert b4 in row
    # IPv4 and IPv6 (after duplicate address detection) and a TCP message
    inside(net, a, "ping", "-c", "1", "-W", "2", b4).ok()
    wait_for(lambda: inside(net, a, "ping", "-c", "1", "-W", "1", b6).rc == 0, timeout=10,
             what="IPv6 between the containers")
    net("attach", b, "--", "sh", "-c", "nc -l -p 7777 > /tmp/got &").ok()
    time.sleep(0.3)
    inside(net, a, "sh", "-c", f"echo over-tcp | nc {b4} 7777").ok()
    wait_for(lambda: "over-tcp" in inside(net, b, "cat", "/tmp/got").out, what="the message")
    # the host side reaches a container over the bridge
    net.sh("ping", "-c", "1", "-W", "2", "10.88.0.10")
    net("restart", b, "-t", "10").ok()
    assert net.state(b)["ipv4"][0] == b4
    # after stop: no veth on the host, but the lease is kept
    net("stop", a, "-k").ok()
    net("stop", b, "-k").ok()
    links = net.sh("ip", "-o", "link").stdout
    assert "veth" not in links, links
    leases = read(net.lxcpath / ".net" / f"{br}.leases")
    assert b in leases and b4 in leases
    net("destroy", b).ok()
    assert b not in read(net.lxcpath / ".net" / f"{br}.leases", "")


def test_old_style_network_keys(net):
    """The seeds' style: lxc.network.* on a bridge, reachable from the host."""
    br = bridge(net, "10.89.0.1/24", "fd89::1/64")
    name = net.name("old")
    net("create", name, "-t", "busybox").ok()
    with open(net.cdir(name) / "config", "a") as f:
        f.write(f"""lxc.network.type = veth
lxc.network.flags = up
lxc.network.link = {br}
lxc.network.hwaddr = 02:00:00:89:xx:xx
lxc.network.ipv4 = 10.89.0.20/24
lxc.network.ipv6 = fd89::20/64
""")
    net("start", name).ok()
    show = inside(net, name, "ip", "addr", "show", "eth0").ok().out
    mac = re.search(r"link/ether ([0-9a-f:]+)", show).group(1)
    assert mac.startswith("02:00:00:89:") and mac != "02:00:00:89:00:00"
    assert "10.89.0.20/24" in show and "fd89::20/64" in show
    net.sh("ping", "-c", "1", "-W", "2", "10.89.0.20")


def test_phys_device_moves_in_and_comes_back(net):
    # (no dummy driver on this kernel: one end of a veth pair stands in)
    dev, peer = f"ph{net.ctx.token}", f"pp{net.ctx.token}"
    net.sh("ip", "link", "add", dev, "type", "veth", "peer", "name", peer)
    name = net.name("ph")
    net("create", name, "-t", "busybox").ok()
    with open(net.cdir(name) / "config", "a") as f:
        f.write(f"lxc.net.0.type = phys\nlxc.net.0.link = {dev}\nlxc.net.0.name = uplink\n"
                "lxc.net.0.flags = up\nlxc.net.0.ipv4.address = 10.90.0.2/24\n")
    net("start", name).ok()
    assert dev not in net.sh("ip", "-o", "link").stdout
    assert "10.90.0.2/24" in inside(net, name, "ip", "addr", "show", "uplink").ok().out
    net("stop", name, "-k").ok()
    wait_for(lambda: dev in net.sh("ip", "-o", "link").stdout, what=f"{dev} back on the host")


def test_macvlan_on_a_host_device(net):
    lower, peer = f"mv{net.ctx.token}", f"mp{net.ctx.token}"
    net.sh("ip", "link", "add", lower, "type", "veth", "peer", "name", peer)
    net.sh("ip", "link", "set", lower, "up")
    name = net.name("mv")
    net("create", name, "-t", "busybox").ok()
    with open(net.cdir(name) / "config", "a") as f:
        f.write(f"lxc.net.0.type = macvlan\nlxc.net.0.link = {lower}\n"
                "lxc.net.0.macvlan.mode = bridge\nlxc.net.0.flags = up\n"
                "lxc.net.0.ipv4.address = 10.91.0.2/24\n")
    net("start", name).ok()
    # busybox's ip has no -d: look from outside, with the host's ip, in its netns
    pid = net.state(name)["pid"]
    show = net.sh("nsenter", "-t", str(pid), "-n", "ip", "-d", "link", "show", "eth0").stdout
    assert "macvlan mode bridge" in show, show
    assert "10.91.0.2/24" in inside(net, name, "ip", "addr", "show", "eth0").ok().out
    net("stop", name, "-k").ok()


def test_published_port_reaches_the_container(net):
    br = bridge(net, "10.92.0.1/24", "fd92::1/64", nat=True)
    name = net.name("pub")
    veth_config(net, name, br, "lxc.net.0.ipv4.gateway = auto",
                "lxc.net.0.berth.publish = 18080:8080/tcp")
    net("start", name).ok()
    net("attach", name, "--", "sh", "-c", "nc -l -p 8080 > /tmp/got &").ok()
    time.sleep(0.3)
    ruleset = net.sh("nft", "list", "ruleset").stdout
    assert "18080" in ruleset, ruleset
    net.sh("sh", "-c", "echo via-publish | busybox nc -w 2 10.92.0.1 18080")
    wait_for(lambda: "via-publish" in inside(net, name, "cat", "/tmp/got").out,
             what="the published port's message")
    net("stop", name, "-k").ok()
    assert "18080" not in net.sh("nft", "list", "ruleset").stdout
    assert "masquerade" in net.sh("nft", "list", "ruleset").stdout
    net("destroy", name).ok()
    net("net", "delete", br).ok()
    assert f"berth-{br}" not in net.sh("nft", "list", "ruleset").stdout


def test_bad_network_config_leaves_nothing(net):
    name = net.name("bad")
    net("create", name, "-t", "busybox").ok()
    cfg = net.cdir(name) / "config"
    base = read(cfg)
    cfg.write_text(base + "lxc.net.0.type = veth\nlxc.net.0.link = nosuchbr\n")
    assert_berth_error(net("start", name), "lxc.net.0.link", "berth net create")
    assert "veth" not in net.sh("ip", "-o", "link").stdout
    cfg.write_text(base + "lxc.net.0.type = phys\nlxc.net.0.link = nosuchdev\n")
    assert_berth_error(net("start", name), "nosuchdev")
    # a link that is no bridge, and a host end whose name the host uses
    dev, peer = f"nb{net.ctx.token}", f"np{net.ctx.token}"
    net.sh("ip", "link", "add", dev, "type", "veth", "peer", "name", peer)
    cfg.write_text(base + f"lxc.net.0.type = veth\nlxc.net.0.link = {dev}\n")
    assert_berth_error(net("start", name), "lxc.net.0.link", "not a bridge")
    br = bridge(net, "10.93.0.1/24", "fd93::1/64")
    cfg.write_text(base + f"lxc.net.0.type = veth\nlxc.net.0.link = {br}\n"
                   f"lxc.net.0.veth.pair = {peer}\n")
    assert_berth_error(net("start", name), "veth.pair", peer)
    cfg.write_text(base + "lxc.net.0.type = bogus\n")
    assert_berth_error(net("start", name), "lxc.net.0.type")
    links = net.sh("ip", "-o", "link").stdout
    assert not re.search(r"^\d+: veth", links, re.M), links  # no host end left
    cfg.write_text(base)
    assert_berth_error(net("config", name, "lxc.net.0.hwaddr", "01:00:00:00:00:01"), "hwaddr")
    assert_berth_error(net("config", name, "lxc.net.0.ipv4.address", "10.1.2.300/24"),
                       "ipv4.address")
    r = net("ls", "--fancy").ok()
    assert "STOPPED" in r.out
