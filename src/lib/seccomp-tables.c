/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The names linux.seccomp is written in (runtime-spec 1.2) and what they
 * are in libseccomp and kernel terms; also the features document's view
 * of them. One table per kind: parsing and listing cannot drift apart. */
#include <errno.h>
#include <jansson.h>
#include <linux/seccomp.h>
#include <seccomp-lib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "seccomp-internal.h"
#include "seccomp.h"
#include "util.h"

static const struct seccomp_action_def actions[] = {
        { "SCMP_ACT_KILL", SCMP_ACT_KILL, SECCOMP_DATA_NONE },
        { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, SECCOMP_DATA_NONE },
        { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, SECCOMP_DATA_NONE },
        { "SCMP_ACT_TRAP", SCMP_ACT_TRAP, SECCOMP_DATA_NONE },
        { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), SECCOMP_DATA_ERRNO },
        { "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), SECCOMP_DATA_TRACE },
        { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, SECCOMP_DATA_NONE },
        { "SCMP_ACT_LOG", SCMP_ACT_LOG, SECCOMP_DATA_NONE },
        { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, SECCOMP_DATA_NONE },
};

static const struct {
        const char *name;
        enum scmp_compare op;
} ops[] = {
        { "SCMP_CMP_NE", SCMP_CMP_NE },
        { "SCMP_CMP_LT", SCMP_CMP_LT },
        { "SCMP_CMP_LE", SCMP_CMP_LE },
        { "SCMP_CMP_EQ", SCMP_CMP_EQ },
        { "SCMP_CMP_GE", SCMP_CMP_GE },
        { "SCMP_CMP_GT", SCMP_CMP_GT },
        { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

/* Every architecture of the runtime-spec this libseccomp knows; the newer
 * ones only exist in newer libseccomp headers. */
static const struct {
        const char *name;
        uint32_t arch;
} archs[] = {
        { "SCMP_ARCH_X86", SCMP_ARCH_X86 },
        { "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
        { "SCMP_ARCH_X32", SCMP_ARCH_X32 },
        { "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
        { "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
        { "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
        { "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },
        { "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
        { "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },
        { "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
        { "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 },
        { "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
        { "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },
        { "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
        { "SCMP_ARCH_S390", SCMP_ARCH_S390 },
        { "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
        { "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },
        { "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
        { "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
#ifdef SCMP_ARCH_LOONGARCH64
        { "SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64 },
#endif
#ifdef SCMP_ARCH_M68K
        { "SCMP_ARCH_M68K", SCMP_ARCH_M68K },
#endif
#ifdef SCMP_ARCH_SH
        { "SCMP_ARCH_SH", SCMP_ARCH_SH },
        { "SCMP_ARCH_SHEB", SCMP_ARCH_SHEB },
#endif
};

/* The flags the runtime-spec names. berth loads the BPF program itself
 * with seccomp(2), so every one of them is passed as is; NEW_LISTENER and
 * TSYNC_ESRCH are berth's own business (SCMP_ACT_NOTIFY). */
static const struct {
        const char *name;
        unsigned int flag;
} flags[] = {
        { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
        { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
        { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
        { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

const struct seccomp_action_def *seccomp_action_by_name(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
                if (!strcmp(actions[i].name, name))
                        return &actions[i];
        return NULL;
}

int seccomp_op_by_name(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
                if (!strcmp(ops[i].name, name))
                        return (int)ops[i].op;
        return -EINVAL;
}

int seccomp_arch_by_name(const char *name, uint32_t *arch)
{
        for (size_t i = 0; i < ARRAY_SIZE(archs); i++)
                if (!strcmp(archs[i].name, name)) {
                        *arch = archs[i].arch;
                        return 0;
                }
        return -EINVAL;
}

int seccomp_flag_by_name(const char *name, unsigned int *flag)
{
        for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
                if (!strcmp(flags[i].name, name)) {
                        *flag = flags[i].flag;
                        return 0;
                }
        return -EINVAL;
}

bool seccomp_flag_kernel_supports(unsigned int flag)
{
        /* Unknown flags are refused (EINVAL) before the program pointer is
         * read; a known one gets as far as reading NULL (EFAULT). The
         * listener-only flag is only valid together with NEW_LISTENER. */
        if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
                flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL);
        return r < 0 && errno == EFAULT;
}

static json_t *names_json(size_t n, const char *(*name_at)(size_t i))
{
        json_t *a = json_array();
        for (size_t i = 0; a && i < n; i++)
                if (json_array_append_new(a, json_string(name_at(i))) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

static const char *action_at(size_t i)
{
        return actions[i].name;
}
static const char *op_at(size_t i)
{
        return ops[i].name;
}
static const char *arch_at(size_t i)
{
        return archs[i].name;
}
static const char *flag_at(size_t i)
{
        return flags[i].name;
}

static json_t *supported_flags_json(void)
{
        json_t *a = json_array();
        for (size_t i = 0; a && i < ARRAY_SIZE(flags); i++)
                if (seccomp_flag_kernel_supports(flags[i].flag) &&
                    json_array_append_new(a, json_string(flags[i].name)) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

json_t *seccomp_features_json(void)
{
        return json_pack("{s:b, s:o, s:o, s:o, s:o, s:o}", "enabled", 1, "actions",
                         names_json(ARRAY_SIZE(actions), action_at), "operators",
                         names_json(ARRAY_SIZE(ops), op_at), "archs",
                         names_json(ARRAY_SIZE(archs), arch_at), "knownFlags",
                         names_json(ARRAY_SIZE(flags), flag_at), "supportedFlags",
                         supported_flags_json());
}
