/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Process attributes beyond user and capabilities: personality, I/O
 * priority, scheduler, and the LSM exec labels.
 *
 * process_attrs_check runs in the runtime (host namespaces, root) before
 * anything exists; process_attrs_apply in the init before the uid switch
 * (root of its namespaces, every capability it will ever have);
 * process_lsm_apply in the init as the last step before exec, possibly as
 * the user's uid without capabilities, in the container's root. */
#include "process-attrs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

/* sched_setattr(2)'s argument, SCHED_ATTR_SIZE_VER0: <linux/sched/types.h>
 * clashes with glibc's struct sched_param, and glibc before 2.41 has no
 * wrapper. */
struct sched_attr_v0 {
        uint32_t size;
        uint32_t sched_policy;
        uint64_t sched_flags;
        int32_t sched_nice;
        uint32_t sched_priority;
        uint64_t sched_runtime;
        uint64_t sched_deadline;
        uint64_t sched_period;
};

/* <linux/ioprio.h> of older distributions lacks some of these. */
#define IOPRIO_WHO_PROCESS_ 1
#define IOPRIO_CLASS_SHIFT_ 13

/* ------------------------------------------------------------------ */
/* Which LSM is active: read from the host in the runtime, and from the
 * init before pivot_root (the host's /sys is still in view). */

static bool apparmor_active(void)
{
        _cleanup_free_ char *enabled = NULL;
        if (read_file_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", &enabled, NULL) < 0)
                return false;
        /* loaded is not enough: the module may be built in but disabled at
         * boot, and without its securityfs no profile can be loaded */
        return enabled[0] == 'Y' && access("/sys/kernel/security/apparmor", F_OK) == 0;
}

static bool selinux_active(void)
{
        /* selinuxfs is mounted only when SELinux is enabled */
        return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

/* "" counts as absent: Go-written configs emit empty strings. */
static bool given(const char *s)
{
        return s && *s;
}

const char *process_mount_label(const struct berth_spec *spec)
{
        /* Without SELinux a context= option would make every mount fail:
         * the label is ignored, as runc and crun ignore it. */
        if (!given(spec->mount_label) || !selinux_active())
                return NULL;
        return spec->mount_label;
}

int process_attrs_check(const struct berth_spec *spec, struct berth_error *err)
{
        const struct berth_process *p = &spec->process;
        if (given(p->apparmor_profile) && !apparmor_active())
                return berth_error_setx(err, ENOTSUP,
                                        "config.json: process.apparmorProfile: AppArmor is not "
                                        "active on this host");
        if (given(p->selinux_label) && !selinux_active())
                return berth_error_setx(err, ENOTSUP,
                                        "config.json: process.selinuxLabel: SELinux is not enabled "
                                        "on this host");
        /* the kernel answers EINVAL for a policy it does not implement
         * (SCHED_ISO, or SCHED_DEADLINE before 3.14) */
        if (p->scheduler.set && sched_get_priority_max(p->scheduler.policy) < 0)
                return berth_error_setx(err, ENOTSUP,
                                        "config.json: process.scheduler.policy: %s is not "
                                        "supported by this kernel",
                                        sched_policy_name(p->scheduler.policy));
        return 0;
}

/* ------------------------------------------------------------------ */
/* personality, ioPriority, scheduler */

static int set_personality(const struct berth_spec *spec, struct berth_error *err)
{
        if (!spec->personality.set)
                return 0;
        bool linux32 = strcmp(spec->personality.domain, "LINUX32") == 0;
        unsigned long persona = (linux32 ? PER_LINUX32 : PER_LINUX) | spec->personality.flags;
        if (personality(persona) < 0)
                return berth_error_set(err, errno, "linux.personality: set %s (0x%lx)",
                                       spec->personality.domain, persona);
        /* 0xffffffff queries: an architecture without the domain keeps
         * its own, and running with a different one than asked is wrong */
        int now = personality(0xffffffff);
        if (now < 0 || (unsigned long)now != persona)
                return berth_error_setx(err, ENOTSUP,
                                        "linux.personality: %s (0x%lx) is not supported on this "
                                        "architecture",
                                        spec->personality.domain, persona);
        return 0;
}

static int set_io_priority(const struct berth_process *p, struct berth_error *err)
{
        if (!p->io_priority.set)
                return 0;
        int value = (p->io_priority.class << IOPRIO_CLASS_SHIFT_) | p->io_priority.priority;
        if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS_, 0, value) < 0)
                return berth_error_set(err, errno, "process.ioPriority: set %s priority %d",
                                       ioprio_class_name(p->io_priority.class),
                                       p->io_priority.priority);
        return 0;
}

/* What to tell a user whose scheduler the kernel refused. */
static const char *sched_hint(int policy, int e)
{
        bool rt = policy == SCHED_FIFO || policy == SCHED_RR;
        if (rt && e == EPERM)
                return " (a realtime policy needs CAP_SYS_NICE in the initial user namespace "
                       "and, with RT group scheduling, realtime runtime in the container's "
                       "cgroup: linux.resources.cpu.realtimeRuntime)";
        if (policy == SCHED_DEADLINE && e == EBUSY)
                return " (the kernel's admission control refused runtime/period: not enough "
                       "deadline bandwidth left)";
        if (policy == SCHED_DEADLINE && e == EPERM)
                return " (SCHED_DEADLINE needs CAP_SYS_NICE and a cpuset spanning the whole "
                       "root domain)";
        return "";
}

static int set_scheduler(const struct berth_process *p, struct berth_error *err)
{
        if (!p->scheduler.set)
                return 0;
        struct sched_attr_v0 attr = {
                .size = sizeof(attr),
                .sched_policy = (uint32_t)p->scheduler.policy,
                .sched_flags = p->scheduler.flags,
                .sched_nice = p->scheduler.nice,
                .sched_priority = (uint32_t)p->scheduler.priority,
                .sched_runtime = p->scheduler.runtime,
                .sched_deadline = p->scheduler.deadline,
                .sched_period = p->scheduler.period,
        };
        if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0) {
                int e = errno;
                return berth_error_setx(err, e, "process.scheduler: set %s: %s%s",
                                        sched_policy_name(p->scheduler.policy), strerror(e),
                                        sched_hint(p->scheduler.policy, e));
        }
        return 0;
}

int process_attrs_apply(const struct berth_spec *spec, struct berth_error *err)
{
        int r = set_personality(spec, err);
        if (r == 0)
                r = set_io_priority(&spec->process, err);
        /* last: SCHED_IDLE or a tight SCHED_DEADLINE budget slows what follows */
        if (r == 0)
                r = set_scheduler(&spec->process, err);
        return r;
}

/* ------------------------------------------------------------------ */
/* LSM exec labels, written through a procfs we verified. A /proc that is
 * not procfs (a tmpfs, a bind of something else, a symlink in the
 * rootfs) could route the write to a file of the container's choosing;
 * a write to the wrong attr file would run the program unconfined. */

static bool is_procfs(int fd)
{
        struct statfs sfs;
        return fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

/* openat2 beneath dirfd, following no symlink of any kind. */
static int open_beneath(int dirfd, const char *path, int flags)
{
        struct open_how how = {
                .flags = (uint64_t)(flags | O_CLOEXEC),
                .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH,
        };
        for (int i = 0; i < 16; i++) {
                long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
                if (fd >= 0)
                        return (int)fd;
                if (errno != EAGAIN)
                        return -errno;
        }
        return -EAGAIN;
}

static int open_procfs(struct berth_error *err)
{
        _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return berth_error_set(err, errno, "open /");
        int fd = open_beneath(root, "proc", O_PATH | O_DIRECTORY);
        if (fd < 0)
                return berth_error_set(err, -fd,
                                       "open /proc (the container needs a procfs "
                                       "there to set an LSM label)");
        if (!is_procfs(fd)) {
                close(fd);
                return berth_error_setx(err, EXDEV,
                                        "/proc of the container is not procfs: refusing to "
                                        "write an LSM label through it");
        }
        return fd;
}

/* Our own directory in that procfs: "self" is a plain symlink to our pid
 * as this procfs counts it (the container's pid namespace). */
static int proc_self_name(int procfd, char *buf, size_t len, struct berth_error *err)
{
        ssize_t n = readlinkat(procfd, "self", buf, len - 1);
        if (n <= 0)
                return berth_error_set(err, n < 0 ? errno : EIO, "read /proc/self");
        buf[n] = '\0';
        if (strspn(buf, "0123456789") != (size_t)n)
                return berth_error_setx(err, EXDEV,
                                        "/proc/self of the container is \"%s\", not "
                                        "a pid",
                                        buf);
        return 0;
}

/* Write value to the first of the attr files (relative to /proc/<pid>/)
 * that exists. */
static int write_attr(const char *const *names, size_t n_names, const char *value, const char *what,
                      struct berth_error *err)
{
        _cleanup_close_ int procfd = open_procfs(err);
        if (procfd < 0)
                return berth_error_prefix(err, "%s", what);
        char self[32];
        int r = proc_self_name(procfd, self, sizeof(self), err);
        if (r < 0)
                return berth_error_prefix(err, "%s", what);
        _cleanup_close_ int fd = -ENOENT;
        const char *name = names[0];
        for (size_t i = 0; i < n_names && fd == -ENOENT; i++) {
                char path[96];
                snprintf(path, sizeof(path), "%s/%s", self, names[i]);
                name = names[i];
                fd = open_beneath(procfd, path, O_WRONLY);
        }
        if (fd < 0)
                return berth_error_set(err, -fd, "%s: open /proc/self/%s", what, name);
        if (!is_procfs(fd))
                return berth_error_setx(err, EXDEV, "%s: /proc/self/%s is not on procfs", what,
                                        name);
        size_t len = strlen(value);
        ssize_t w = write(fd, value, len);
        if (w < 0)
                return berth_error_set(err, errno, "%s", what);
        if ((size_t)w != len)
                return berth_error_setx(err, EIO, "%s: short write to /proc/self/%s", what, name);
        return 0;
}

int process_lsm_apply(const struct berth_spec *spec, struct berth_error *err)
{
        const struct berth_process *p = &spec->process;
        if (given(p->apparmor_profile)) {
                /* attr/apparmor/ (Linux 5.8) stays AppArmor's when another
                 * LSM owns the shared attr/exec */
                static const char *const files[] = { "attr/apparmor/exec", "attr/exec" };
                _cleanup_free_ char *value = NULL;
                if (asprintf(&value, "exec %s", p->apparmor_profile) < 0)
                        return berth_error_set(err, ENOMEM, "apparmor profile");
                _cleanup_free_ char *what = NULL;
                if (asprintf(&what, "process.apparmorProfile: set the exec profile \"%s\"",
                             p->apparmor_profile) < 0)
                        return berth_error_set(err, ENOMEM, "apparmor profile");
                int r = write_attr(files, ARRAY_SIZE(files), value, what, err);
                if (r < 0)
                        return r;
        }
        if (given(p->selinux_label)) {
                static const char *const files[] = { "attr/exec" };
                _cleanup_free_ char *what = NULL;
                if (asprintf(&what, "process.selinuxLabel: set the exec label \"%s\"",
                             p->selinux_label) < 0)
                        return berth_error_set(err, ENOMEM, "selinux label");
                int r = write_attr(files, ARRAY_SIZE(files), p->selinux_label, what, err);
                if (r < 0)
                        return r;
        }
        return 0;
}
