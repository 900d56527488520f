/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cgroup v2 device filter: cgroup v2 has no devices.allow/deny, only
 * a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup. We write
 * the program ourselves, a few instructions per rule, so no compiler or
 * BPF library is needed at run time.
 *
 * Semantics match the v1 controller's list: rules apply in order and a
 * later rule overrides an earlier one, so the program tests them last to
 * first and the first match decides. An allow rule matches when every
 * requested access is in the rule; a deny rule when any requested access
 * is. No match: denied (our rule lists start with "deny all"). */
#include "cgroup-bpf.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"

/* Registers: r1 = ctx on entry; we keep type in r2, access in r3, major in
 * r4, minor in r5; r0 is the verdict. */
static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
        return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off,
                                  .imm = imm };
}

#define LDX_W(dst, src, off) insn(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0)
#define MOV_REG(dst, src)    insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV_IMM(dst, imm)    insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define AND_IMM(dst, imm)    insn(BPF_ALU64 | BPF_AND | BPF_K, dst, 0, 0, imm)
#define RSH_IMM(dst, imm)    insn(BPF_ALU64 | BPF_RSH | BPF_K, dst, 0, 0, imm)
#define JNE_IMM(dst, imm, o) insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, o, imm)
#define JEQ_IMM(dst, imm, o) insn(BPF_JMP | BPF_JEQ | BPF_K, dst, 0, o, imm)
#define EXIT()               insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static uint32_t access_bits(const char *access)
{
        uint32_t bits = 0;
        for (const char *p = access; *p; p++) {
                if (*p == 'r')
                        bits |= BPF_DEVCG_ACC_READ;
                else if (*p == 'w')
                        bits |= BPF_DEVCG_ACC_WRITE;
                else if (*p == 'm')
                        bits |= BPF_DEVCG_ACC_MKNOD;
        }
        return bits;
}

/* One rule's block; `skip` jumps land on the next block. Returns the
 * number of instructions written. */
static size_t emit_rule(struct bpf_insn *out, const struct berth_device_rule *r)
{
        struct bpf_insn body[16];
        size_t n = 0;
        /* the checks jump forward to the end of this block; offsets are
         * patched once the block's length is known */
        size_t jumps[8], nj = 0;
        if (r->type == 'c' || r->type == 'b') {
                jumps[nj++] = n;
                body[n++] = JNE_IMM(2, r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, 0);
        }
        if (r->major >= 0) {
                jumps[nj++] = n;
                body[n++] = JNE_IMM(4, (int32_t)r->major, 0);
        }
        if (r->minor >= 0) {
                jumps[nj++] = n;
                body[n++] = JNE_IMM(5, (int32_t)r->minor, 0);
        }
        uint32_t bits = access_bits(r->access);
        body[n++] = MOV_REG(1, 3);
        if (r->allow) {
                /* every requested access must be in the rule */
                body[n++] = AND_IMM(1, (int32_t)(~bits & 7));
                jumps[nj++] = n;
                body[n++] = JNE_IMM(1, 0, 0);
        } else {
                /* any requested access in the rule denies */
                body[n++] = AND_IMM(1, (int32_t)bits);
                jumps[nj++] = n;
                body[n++] = JEQ_IMM(1, 0, 0);
        }
        body[n++] = MOV_IMM(0, r->allow ? 1 : 0);
        body[n++] = EXIT();
        for (size_t i = 0; i < nj; i++)
                body[jumps[i]].off = (int16_t)(n - jumps[i] - 1);
        memcpy(out, body, n * sizeof(*body));
        return n;
}

int cgroup_bpf_device_program(const struct berth_device_rule *rules, size_t n,
                              struct bpf_insn **out, size_t *len)
{
        /* prologue 6 + at most 11 per rule + epilogue 2 */
        struct bpf_insn *p = calloc(8 + 11 * n, sizeof(*p));
        if (!p)
                return -ENOMEM;
        size_t k = 0;
        p[k++] = LDX_W(2, 1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
        p[k++] = AND_IMM(2, 0xffff);
        p[k++] = LDX_W(3, 1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
        p[k++] = RSH_IMM(3, 16);
        p[k++] = LDX_W(4, 1, offsetof(struct bpf_cgroup_dev_ctx, major));
        p[k++] = LDX_W(5, 1, offsetof(struct bpf_cgroup_dev_ctx, minor));
        for (size_t i = n; i-- > 0;) {
                if (rules[i].type != 'a' && rules[i].type != 'c' && rules[i].type != 'b')
                        continue;
                k += emit_rule(p + k, &rules[i]);
        }
        p[k++] = MOV_IMM(0, 0);
        p[k++] = EXIT();
        *out = p;
        *len = k;
        return 0;
}

int cgroup_bpf_attach_devices(int cgroup_fd, const struct berth_device_rule *rules, size_t n,
                              struct berth_error *err)
{
        _cleanup_free_ struct bpf_insn *prog = NULL;
        size_t len = 0;
        if (cgroup_bpf_device_program(rules, n, &prog, &len) < 0)
                return berth_error_set(err, ENOMEM, "device filter");
        char log[4096] = "";
        union bpf_attr load = { 0 };
        load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        load.insns = (uint64_t)(uintptr_t)prog;
        load.insn_cnt = (uint32_t)len;
        load.license = (uint64_t)(uintptr_t) "GPL";
        load.log_buf = (uint64_t)(uintptr_t)log;
        load.log_size = sizeof(log);
        load.log_level = 1;
        _cleanup_close_ int fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load));
        if (fd < 0)
                return berth_error_set(err, errno, "load the device filter (eBPF)%s%.200s",
                                       log[0] ? ": " : "", log);
        union bpf_attr at = { 0 };
        at.target_fd = (uint32_t)cgroup_fd;
        at.attach_bpf_fd = (uint32_t)fd;
        at.attach_type = BPF_CGROUP_DEVICE;
        at.attach_flags = BPF_F_ALLOW_MULTI;
        if (syscall(SYS_bpf, BPF_PROG_ATTACH, &at, sizeof(at)) < 0)
                return berth_error_set(err, errno, "attach the device filter (eBPF)");
        /* the cgroup holds the program now; our fd may go */
        return 0;
}
