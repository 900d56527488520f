/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Capabilities and the other privileges of the user's process. */
#pragma once
#include "spec.h"

/* Before the uid switch: drop from the bounding set every capability the
 * spec does not list there. */
int caps_drop_bounding(const struct berth_process *p, struct berth_error *err);
/* After the uid switch (with PR_SET_KEEPCAPS): set effective, permitted,
 * inheritable exactly as listed, then raise the ambient ones. */
int caps_apply(const struct berth_process *p, struct berth_error *err);
