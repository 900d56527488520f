/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The config.json `berth oci spec` writes: a small, safe starting point
 * that runs `sh` in a busybox-like rootfs, in the shape runc's spec has so
 * that tools written for it find what they expect. */
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seccomp.h"
#include "spec.h"
#include "util.h"

/* json_pack consumes "o" references even on failure, so building with it
 * needs no unwinding; a NULL anywhere makes the result NULL. */
static json_t *strv_json(const char *const *v, size_t n)
{
        json_t *a = json_array();
        for (size_t i = 0; a && i < n; i++)
                if (json_array_append_new(a, json_string(v[i])) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

#define STRV(...)                                                                                  \
        strv_json((const char *const[]){ __VA_ARGS__ },                                            \
                  sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The json_pack calls below are laid out key by key, as the JSON reads. */
static json_t *process_json(void)
{
        /* clang-format off */
        return json_pack("{s:b, s:{s:i, s:i}, s:o, s:o, s:s, s:{s:o, s:o, s:o}, "
                         "s:[{s:s, s:i, s:i}], s:b}",
                         "terminal", 1,
                         "user", "uid", 0, "gid", 0,
                         "args", STRV("sh"),
                         "env", STRV(DEFAULT_PATH, "TERM=xterm"),
                         "cwd", "/",
                         "capabilities",
                         "bounding", STRV("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"),
                         "effective", STRV("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"),
                         "permitted", STRV("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"),
                         "rlimits", "type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024,
                         "noNewPrivileges", 1);
        /* clang-format on */
}

static json_t *mount_json(const char *dst, const char *type, const char *src, json_t *options)
{
        return json_pack("{s:s, s:s, s:s, s:o}", "destination", dst, "type", type, "source", src,
                         "options", options);
}

static json_t *mounts_json(bool rootless)
{
        json_t *devpts_opts, *sys;
        if (rootless) {
                /* gid 5 (tty) is not mapped in a rootless user namespace */
                devpts_opts = STRV("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620");
                /* sysfs can only be mounted by the owner of the network
                 * namespace; a rootless container shares the host's. */
                sys = mount_json("/sys", "none", "/sys",
                                 STRV("rbind", "nosuid", "noexec", "nodev", "ro"));
        } else {
                devpts_opts = STRV("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
                                   "gid=5");
                sys = mount_json("/sys", "sysfs", "sysfs", STRV("nosuid", "noexec", "nodev", "ro"));
        }
        /* clang-format off */
        return json_pack(
                "[o, o, o, o, o, o, o]",
                mount_json("/proc", "proc", "proc", json_array()),
                mount_json("/dev", "tmpfs", "tmpfs",
                           STRV("nosuid", "strictatime", "mode=755", "size=65536k")),
                mount_json("/dev/pts", "devpts", "devpts", devpts_opts),
                mount_json("/dev/shm", "tmpfs", "shm",
                           STRV("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")),
                mount_json("/dev/mqueue", "mqueue", "mqueue", STRV("nosuid", "noexec", "nodev")),
                sys,
                mount_json("/sys/fs/cgroup", "cgroup", "cgroup",
                           STRV("nosuid", "noexec", "nodev", "relatime", "ro")));
        /* clang-format on */
}

static json_t *namespaces_json(bool rootless)
{
        /* Every namespace but user (a rootful container's ids are the
         * host's unless its config maps them) */
        static const char *const rootful[] = { "pid",   "network", "ipc", "uts",
                                               "mount", "cgroup",  "time" };
        /* Rootless: no network namespace (nobody could set it up), no time
         * namespace (only the host's root may make one outside a user
         * namespace), and a user namespace that makes the caller root
         * inside. */
        static const char *const rootless_ns[] = { "pid", "ipc", "uts", "mount", "cgroup", "user" };
        const char *const *names = rootless ? rootless_ns : rootful;
        size_t n = rootless ? ARRAY_SIZE(rootless_ns) : ARRAY_SIZE(rootful);
        json_t *a = json_array();
        for (size_t i = 0; a && i < n; i++)
                if (json_array_append_new(a, json_pack("{s:s}", "type", names[i])) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

static json_t *linux_json(bool rootless)
{
        json_t *lnx = json_pack(
                "{s:o, s:o, s:o, s:o}", "namespaces", namespaces_json(rootless), "seccomp",
                seccomp_default_profile_json(), "maskedPaths",
                STRV("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                     "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                     "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
                     "/sys/devices/virtual/powercap"),
                "readonlyPaths",
                STRV("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"));
        if (!lnx)
                return NULL;
        int r;
        if (rootless) {
                /* The caller's ids are the only ones it may map alone. */
                r = json_object_set_new(lnx, "uidMappings",
                                        json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
                                                  (json_int_t)getuid(), "size", 1));
                if (r == 0)
                        r = json_object_set_new(lnx, "gidMappings",
                                                json_pack("[{s:i, s:I, s:i}]", "containerID", 0,
                                                          "hostID", (json_int_t)getgid(), "size",
                                                          1));
        } else {
                /* Deny every device, as runc's default does: the runtime
                 * must then allow the /dev nodes it creates itself (null,
                 * zero, full, tty, random, urandom, ptmx, pts). Rootless
                 * users cannot write the device cgroup: no rule for them. */
                r = json_object_set_new(
                        lnx, "resources",
                        json_pack("{s:[{s:b, s:s}]}", "devices", "allow", 0, "access", "rwm"));
        }
        if (r < 0) {
                json_decref(lnx);
                return NULL;
        }
        return lnx;
}

char *spec_default_json(bool rootless)
{
        /* clang-format off */
        json_t *doc = json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}",
                                "ociVersion", "1.2.0",
                                "process", process_json(),
                                "root", "path", "rootfs", "readonly", 1,
                                "hostname", "berth",
                                "mounts", mounts_json(rootless),
                                "linux", linux_json(rootless));
        /* clang-format on */
        if (!doc)
                return NULL;
        char *text = json_dumps(doc, JSON_INDENT(2));
        json_decref(doc);
        return text;
}
