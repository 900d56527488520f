/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cgroup v2 device filter (an eBPF program built from device rules). */
#pragma once
#include <stddef.h>

#include "spec.h"

struct bpf_insn;

/* The program for rules (v1 list semantics: later rules win, no match
 * denies); *out malloc'd. Pure: no syscalls. */
int cgroup_bpf_device_program(const struct berth_device_rule *rules, size_t n,
                              struct bpf_insn **out, size_t *len);
/* Load the program and attach it to the cgroup v2 directory cgroup_fd. */
int cgroup_bpf_attach_devices(int cgroup_fd, const struct berth_device_rule *rules, size_t n,
                              struct berth_error *err);
