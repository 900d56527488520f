/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The docstrings of berth.oci: each verb is the `berth oci VERB` of the
 * same name (docs/runtime.md has the details). */
#pragma once

#define DOC_OCI \
"The OCI runtime: `berth oci VERB` as functions, over OCI bundles\n" \
"(a directory with config.json and the rootfs it names).\n" \
"\n" \
"Every function takes root=, the state directory (the command's --root;\n" \
"None: /run/berth), and raises berth.Error when it fails. A poststart or\n" \
"poststop hook that fails does not fail the call: it is a RuntimeWarning.\n" \
"\n" \
"Example:\n" \
"\n" \
"    from berth import oci\n" \
"\n" \
"    oci.create('demo', '/srv/bundle')    # its init waits for start\n" \
"    oci.start('demo')\n" \
"    print(oci.state('demo')['status'])   # running\n" \
"    oci.exec('demo', ['ps'])             # 0\n" \
"    oci.kill('demo', 'KILL')\n" \
"    oci.delete('demo')\n" \
"    status = oci.run('demo2', '/srv/bundle')   # create + start + wait\n" \
"\n" \
"The init of a container created here is a child of this process (as of\n" \
"the berth command); berth.oci reaps it once it has exited, at the next\n" \
"call into berth.oci."

#define DOC_OCI_CREATE \
"create(id, bundle, root=None, pid_file=None, console_socket=None, preserve_fds=0, " \
"no_pivot=False, no_new_keyring=False)\n--\n\n" \
"Set the container up from bundle/config.json; its init waits for start().\n" \
"It inherits this process's stdin, stdout and stderr. console_socket\n" \
"receives the pty master when config.json asks for a terminal;\n" \
"preserve_fds passes fds 3 .. 3+N-1 on."

#define DOC_OCI_START \
"start(id, root=None)\n--\n\n" \
"The waiting init execs the user's process; an exec failure is raised here."

#define DOC_OCI_RUN \
"run(id, bundle, root=None, detach=False, keep=False, pid_file=None)\n--\n\n" \
"create + start. Without detach, wait (signals sent to this process are\n" \
"forwarded to the container) and return the exit status (128+N for signal\n" \
"N); the container is deleted when it exits unless keep. With detach,\n" \
"return the init's pid once it runs."

#define DOC_OCI_STATE \
"state(id, root=None)\n--\n\n" \
"The runtime-spec state as a dict: ociVersion, id, status ('creating',\n" \
"'created', 'running', 'paused', 'stopped'), pid (unless stopped), bundle,\n" \
"annotations."

#define DOC_OCI_KILL \
"kill(id, sig='TERM', all=False, root=None)\n--\n\n" \
"Send sig (a number or a name, with or without SIG) to the init, or with\n" \
"all=True to every process in the container's cgroup."

#define DOC_OCI_DELETE \
"delete(id, force=False, root=None)\n--\n\n" \
"Remove the container's cgroup (killing what is left in it) and its state.\n" \
"A running container is refused unless force, which kills it first."

#define DOC_OCI_PAUSE \
"pause(id, root=None)\n--\n\n" \
"Freeze the container's cgroup; returns once the kernel says it is frozen."

#define DOC_OCI_RESUME \
"resume(id, root=None)\n--\n\n" \
"Thaw a paused container."

#define DOC_OCI_EXEC \
"exec(id, argv=None, root=None, env=None, cwd=None, user=None, tty=False, detach=False, " \
"process=None, caps=None, no_new_privs=False, additional_gids=None, pid_file=None, " \
"console_socket=None, preserve_fds=0)\n--\n\n" \
"Run a process in a running container: its namespaces, cgroup, user,\n" \
"capabilities, rlimits and seccomp filter, with the container's\n" \
"config.json process as the base. Returns its exit status (128+N for\n" \
"signal N), or with detach=True its pid once it runs (it is reaped by\n" \
"berth.oci once it exits).\n" \
"\n" \
"argv     the program and its arguments (a list)\n" \
"env      'K=V' strings or a dict, replacing the config's K or added\n" \
"cwd      an absolute path (default: the config's)\n" \
"user     'UID' or 'UID:GID' (default: the config's)\n" \
"tty      a pty: sent to console_socket, or relayed to this process's stdio\n" \
"process  a runtime-spec process.json that is the whole process\n" \
"caps     'CAP_X' names added to every capability set\n" \
"additional_gids  gids added to the config's"

#define DOC_OCI_LIST \
"list(root=None)\n--\n\n" \
"Every container under root, as dicts: id, status, pid, bundle, created\n" \
"(RFC 3339), owner."

#define DOC_OCI_PS \
"ps(id, root=None)\n--\n\n" \
"The pids (as the host sees them) of every process in the container's\n" \
"cgroup."

#define DOC_OCI_STATS \
"stats(id, root=None)\n--\n\n" \
"Resource use read from cgroupfs, as runc's `events --stats` reports it:\n" \
"{'type': 'stats', 'id': ..., 'data': {'cpu': ..., 'memory': ..., ...}}."

#define DOC_OCI_SPEC \
"spec(rootless=False)\n--\n\n" \
"A default config.json, as a dict (`berth oci spec`)."

#define DOC_OCI_FEATURES \
"features()\n--\n\n" \
"The runtime-spec features document of this build, as a dict."
