/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What `berth info NAME` and `berth ls --fancy` show about a running
 * container: its addresses, what its cgroup has used, and its
 * namespaces, gathered from its init's pid and its cgroup path. */
#pragma once
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "berth.h"

/* The addresses ("10.0.3.5", "fd00::5") of every interface but loopback
 * in the network namespace of pid, IPv6 link-local ones left out; two
 * NULL-terminated malloc'd vectors (strv_free). The calling thread enters
 * that namespace for the listing and always returns to its own; a pid
 * sharing our namespace (lxc.net.0.type = none) lists the host's.
 * -ESRCH "process N is gone"; -EPERM or -EACCES without the privilege
 * to enter. */
int info_addresses(pid_t pid, char ***ipv4, char ***ipv6, struct berth_error *err);

/* A JSON object describing the container whose init is pid:
 *   "pid": n,
 *   "ipv4": [...], "ipv6": [...]   (null when we may not enter its netns),
 *   "memory": {"usage": bytes, "limit": bytes|null, "swap_usage": bytes}
 *             ("swap_usage" only where the kernel accounts swap),
 *   "cpu": {"usage_ns": n}, "pids": {"current": n, "limit": n|null},
 *   "processes": n,
 *   "namespaces": {"pid": {"container": inode, "host": inode}, "mnt", "net",
 *                  "uts", "ipc", "user", "cgroup", "time"}
 * ("host" is /proc/1's; a namespace type this kernel lacks is null).
 * cgroup_path is the container's cgroup ("/berth/c1") or NULL; memory,
 * cpu, pids and processes are null when that cgroup (or its controller)
 * is not there, as for a container started rootless. A pid that is gone
 * is -ESRCH "process N is gone". */
int info_json(pid_t pid, const char *cgroup_path, json_t **out, struct berth_error *err);

/* n bytes in a human unit: "512 B", "1.0 KiB", "12.3 MiB" (binary units,
 * one decimal). 0, or -ENOSPC when buf is too small (then truncated). */
int info_format_bytes(uint64_t n, char *buf, size_t len);
