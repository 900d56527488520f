/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The docstrings of berth.Container: help(berth.Container) is its manual
 * page. The "name(signature)\n--\n\n" first lines give help() and
 * inspect.signature() the real signatures. */
#pragma once

#define DOC_CONTAINER \
"Container(name, lxcpath=None)\n--\n\n" \
"A system container: LXCPATH/NAME with its config (LXC syntax) and rootfs.\n" \
"\n" \
"The handle is cheap and the container need not exist: create() makes it.\n" \
"lxcpath defaults to /var/lib/berth (the berth command's -P). The name is\n" \
"1-64 letters, digits, '_', '.' or '-', not starting with '.' or '-'.\n" \
"Every method is what the berth command of the same name does, needs root,\n" \
"releases the GIL while it works and raises berth.Error (an OSError with\n" \
".errno and the message the command prints) when it fails.\n" \
"\n" \
"Example:\n" \
"\n" \
"    import berth\n" \
"\n" \
"    c = berth.Container('web')\n" \
"    c.create('busybox')                 # berth create web -t busybox\n" \
"    c.start()                           # returns once its init runs\n" \
"    print(c.state, c.init_pid)          # RUNNING 12345\n" \
"    c.attach_wait(['hostname'])         # prints 'web'; returns its exit status\n" \
"    c.freeze(); c.unfreeze()\n" \
"    print(c.get_ips(), c.get_cgroup_item('memory.usage_in_bytes'))\n" \
"    c.stop()\n" \
"    c.destroy()\n" \
"\n" \
"States: STOPPED, STARTING, RUNNING, STOPPING, FROZEN (see .state).\n" \
"Files: LXCPATH/NAME/config, LXCPATH/NAME/rootfs/, LXCPATH/NAME/console.log.\n" \
"See also: berth.list_containers(), berth.oci, docs/python.md, docs/manager.md."

#define DOC_CREATE \
"create($self, /, template, args=(), config=None)\n--\n\n" \
"Make the container: LXCPATH/NAME with its config and rootfs.\n" \
"\n" \
"template  'busybox', 'debian', 'dir:PATH' (an existing rootfs) or 'oci:PATH'\n" \
"          (an OCI image layout or its tar); None: only the config\n" \
"args      options for the template, e.g. ['--release', 'bookworm']\n" \
"config    an LXC config file to start from (the berth command's -f)\n" \
"\n" \
"The config is translated once, so a bad one is refused now. A failure\n" \
"leaves nothing behind. The debian template takes minutes the first time."

#define DOC_START \
"start($self, /, daemon=True, cmd=None, rcfile=None)\n--\n\n" \
"Start the container with its monitor.\n" \
"\n" \
"daemon=True returns None once the init runs (the monitor stays in the\n" \
"background, holding the console). daemon=False runs it on this process's\n" \
"stdin and stdout and returns the init's exit status (128+N for signal N)\n" \
"once it has stopped. cmd (a list) replaces lxc.init.cmd for this start;\n" \
"rcfile is a config to use instead of LXCPATH/NAME/config."

#define DOC_STOP \
"stop($self, /, timeout=30, kill=False)\n--\n\n" \
"Stop the container and wait until it is STOPPED and cleaned up.\n" \
"\n" \
"lxc.signal.halt goes to the init; after timeout seconds (a negative\n" \
"timeout: 60) it is killed. kill=True sends lxc.signal.stop (SIGKILL) at once."

#define DOC_FREEZE \
"freeze($self, /)\n--\n\n" \
"Freeze every process of the container (the freezer cgroup, or\n" \
"cgroup.freeze on cgroup v2); returns once the kernel says FROZEN."

#define DOC_UNFREEZE \
"unfreeze($self, /)\n--\n\n" \
"Thaw a frozen container; returns once it is RUNNING again."

#define DOC_WAIT \
"wait($self, /, state, timeout=-1)\n--\n\n" \
"Wait until the container is in state (" BERTHPY_STATES ",\n" \
"any case). Returns True when it is, False when timeout seconds passed\n" \
"first (a negative timeout waits for ever)."

#define DOC_DESTROY \
"destroy($self, /, force=False)\n--\n\n" \
"Remove LXCPATH/NAME. A running container is refused unless force, which\n" \
"stops it first. A rootfs outside the container's directory (dir:PATH)\n" \
"stays; a mount inside the tree is refused."

#define DOC_ATTACH_WAIT \
"attach_wait($self, /, argv, env=None, uid=None, gid=None, cwd=None, keep_env=False)\n--\n\n" \
"Run a program in the running container and return its exit status\n" \
"(128+N for signal N), as `berth attach NAME -- ARGV...` does.\n" \
"\n" \
"argv      the program and its arguments, a list (a lone string is the\n" \
"          program alone); empty or None: the user's login shell\n" \
"env       extra variables, a dict or a list of 'K=V'\n" \
"uid, gid  who runs it (numbers; default root)\n" \
"cwd       its working directory (default: the user's home, or /)\n" \
"keep_env  pass this process's environment (default: the container's\n" \
"          own, plus TERM and HOME)\n" \
"\n" \
"The program gets all the container's namespaces, its cgroup,\n" \
"capabilities, LSM label and seccomp filter, and this process's stdin,\n" \
"stdout and stderr (file descriptors 0, 1, 2: sys.stdout is flushed\n" \
"first, but output goes to the descriptors, not to a replaced sys.stdout);\n" \
"a pty when stdin and stdout are terminals. Signals sent to this process\n" \
"meanwhile are forwarded to the program."

#define DOC_ATTACH \
"attach($self, func, /, *args)\n--\n\n" \
"Run func(*args) inside the running container and return its exit status.\n" \
"\n" \
"A child process is forked; it joins the container's cgroup and every\n" \
"namespace the container has (pid, mount, network, uts, ipc, cgroup,\n" \
"user, time), chdirs to its /, forks once more (a pid namespace holds only\n" \
"processes created after joining it) and calls func there. So\n" \
"socket.gethostname(), os.listdir('/'), os.getpid() and the network are\n" \
"the container's. The child keeps this process's credentials: root with\n" \
"the host's capabilities and no seccomp filter (attach_wait is the\n" \
"confined way to run a program). Modules func needs should be imported\n" \
"before the call: the container's / has no Python.\n" \
"\n" \
"The status: 0 when func returns None, its value & 0xff when it returns an\n" \
"int, the code of a SystemExit it raises (sys.exit(n)); 1 after printing\n" \
"the traceback of any other exception, or when it returns anything else;\n" \
"128+N when the child dies of signal N. A container that is not running,\n" \
"or a join that fails, raises berth.Error in this process."

#define DOC_GET_IPS \
"get_ips($self, /, family=None)\n--\n\n" \
"The container's IP addresses (loopback excluded), as a list of str.\n" \
"\n" \
"family: None for both, 'inet' or socket.AF_INET for IPv4 only, 'inet6' or\n" \
"socket.AF_INET6 for IPv6 only. A stopped container has none."

#define DOC_INFO \
"info($self, /)\n--\n\n" \
"What `berth info NAME --format json` shows, as a dict: name, state, pid,\n" \
"ipv4, ipv6, memory, cpu, pids, processes, cgroup, config, autostart,\n" \
"groups, last_exit and namespaces (each kind's inode in the container and\n" \
"on the host)."

#define DOC_GET_CONFIG_ITEM \
"get_config_item($self, key, /)\n--\n\n" \
"The value of a config key, as a str ('' when it is not set). A list key\n" \
"(lxc.mount.entry, lxc.cgroup.devices.allow, ...) gives every value, one\n" \
"per line: use .splitlines(). An unknown key raises berth.Error (EINVAL)."

#define DOC_SET_CONFIG_ITEM \
"set_config_item($self, key, value, /)\n--\n\n" \
"Set a config key (value: a str, or an int) and write LXCPATH/NAME/config\n" \
"back at once, comments and order kept. The key and value are checked as\n" \
"the config parser checks them; an unknown key or bad value raises\n" \
"berth.Error (EINVAL) naming it, with a suggestion when a key is close."

#define DOC_SAVE_CONFIG \
"save_config($self, /)\n--\n\n" \
"Returns True and does nothing else: set_config_item() has written the\n" \
"config already. Kept so code written for python3-lxc runs unchanged."

#define DOC_GET_CGROUP_ITEM \
"get_cgroup_item($self, key, /)\n--\n\n" \
"Read a cgroup file of the running container ('memory.limit_in_bytes',\n" \
"'pids.current', 'cpuset.cpus', ...), on whatever cgroup layout the\n" \
"machine has; the value without its trailing newline."

#define DOC_SET_CGROUP_ITEM \
"set_cgroup_item($self, key, value, /)\n--\n\n" \
"Write a cgroup file of the running container (value: a str or an int);\n" \
"the kernel's refusal raises berth.Error."
