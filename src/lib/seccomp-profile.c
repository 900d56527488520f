/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth's default seccomp profile, the one `berth oci spec` writes: allow
 * by default and deny, with EPERM, the syscalls a container has no
 * business making because they reach the whole machine (kernel, modules,
 * clocks, swap, keys) or open well-known kernel attack surface to a
 * process without privileges (user namespaces, BPF, io_uring,
 * userfaultfd). Syscalls the kernel already gates behind a capability
 * the default container lacks (mount, pivot_root, setns, the new mount
 * API) stay allowed, so a spec that grants the capability just works. */
#include <errno.h>
#include <jansson.h>
#include <sched.h>
#include <stddef.h>

#include "seccomp.h"
#include "util.h"

/* Denied outright. */
/* clang-format off */
static const char *const denied[] = {
        /* the kernel itself */
        "kexec_load", "kexec_file_load", "reboot",
        /* kernel modules */
        "init_module", "finit_module", "delete_module", "create_module", "get_kernel_syms",
        "query_module",
        /* machine-wide clocks */
        "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "stime",
        /* machine-wide state: swap, process accounting, quotas, the kernel log */
        "swapon", "swapoff", "acct", "quotactl", "quotactl_fd", "syslog",
        /* the kernel keyring is not namespaced */
        "keyctl", "add_key", "request_key",
        /* file handles bypass the mount namespace (the "shocker" escape) */
        "open_by_handle_at", "name_to_handle_at",
        /* BPF programs and perf events reach kernel memory and other processes */
        "bpf", "perf_event_open",
        /* a second, uninspectable syscall path; and a page-fault race helper */
        "io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd",
        /* I/O ports and legacy x86 modes */
        "iopl", "ioperm", "vm86", "vm86old",
        /* obsolete interfaces nothing current uses */
        "lookup_dcookie", "nfsservctl", "uselib", "_sysctl", "ustat", "sysfs",
};
/* clang-format on */

/* clone's flags are its first argument everywhere except s390, where the
 * stack pointer comes first. */
#if defined(__s390__) || defined(__s390x__)
#define CLONE_FLAGS_ARG 1
#else
#define CLONE_FLAGS_ARG 0
#endif

/* Denied only with CLONE_NEWUSER among the flags: a new user namespace
 * hands an unprivileged process every capability over it, and with them
 * the large kernel surface those unlock. */
static const struct {
        const char *name;
        unsigned int arg;
} denied_newuser[] = {
        { "unshare", 0 },
        { "clone", CLONE_FLAGS_ARG },
};

/* The architectures a process of this machine can make syscalls in: a
 * 64-bit x86 process can also enter through the 32-bit and x32 tables, and
 * without them in the filter those calls would be killed rather than
 * filtered (the native one is always in). */
/* clang-format off */
static const char *const archs[] = {
#if defined(__x86_64__)
        "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
#elif defined(__aarch64__)
        "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM",
#elif defined(__i386__)
        "SCMP_ARCH_X86",
#elif defined(__s390x__)
        "SCMP_ARCH_S390X", "SCMP_ARCH_S390",
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        "SCMP_ARCH_PPC64LE",
#elif defined(__riscv) && __riscv_xlen == 64
        "SCMP_ARCH_RISCV64",
#endif
        NULL,
};
/* clang-format on */

static json_t *strv_json(const char *const *v, size_t n)
{
        json_t *a = json_array();
        for (size_t i = 0; a && i < n && v[i]; i++)
                if (json_array_append_new(a, json_string(v[i])) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

static int append(json_t *a, json_t *v)
{
        return v ? json_array_append_new(a, v) : -1;
}

json_t *seccomp_default_profile_json(void)
{
        json_t *rules = json_array();
        if (!rules)
                return NULL;
        int r = append(rules,
                       json_pack("{s:o, s:s, s:i}", "names", strv_json(denied, ARRAY_SIZE(denied)),
                                 "action", "SCMP_ACT_ERRNO", "errnoRet", EPERM));
        for (size_t i = 0; r == 0 && i < ARRAY_SIZE(denied_newuser); i++)
                r = append(rules,
                           json_pack("{s:[s], s:s, s:i, s:[{s:i, s:I, s:I, s:s}]}", "names",
                                     denied_newuser[i].name, "action", "SCMP_ACT_ERRNO", "errnoRet",
                                     EPERM, "args", "index", denied_newuser[i].arg, "value",
                                     (json_int_t)CLONE_NEWUSER, "valueTwo",
                                     (json_int_t)CLONE_NEWUSER, "op", "SCMP_CMP_MASKED_EQ"));
        /* clone3 passes its flags in memory, where a filter cannot look:
         * ENOSYS makes the C library fall back to clone, which is filtered. */
        if (r == 0)
                r = append(rules, json_pack("{s:[s], s:s, s:i}", "names", "clone3", "action",
                                            "SCMP_ACT_ERRNO", "errnoRet", ENOSYS));
        if (r < 0) {
                json_decref(rules);
                return NULL;
        }
        return json_pack("{s:s, s:o, s:o}", "defaultAction", "SCMP_ACT_ALLOW", "architectures",
                         strv_json(archs, ARRAY_SIZE(archs)), "syscalls", rules);
}
