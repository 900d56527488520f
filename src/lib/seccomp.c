/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "seccomp.h"

#include <errno.h>
#include <stdlib.h>

/* Placeholder until the libseccomp backend lands: a spec that asks for a
 * filter is refused rather than run without one. */
struct seccomp_plan {
        int unused;
};

int seccomp_prepare(const struct berth_spec *spec, struct seccomp_plan **out,
                    struct berth_error *err)
{
        *out = NULL;
        if (spec->seccomp)
                return berth_error_setx(err, ENOTSUP, "config.json: linux.seccomp is not supported "
                                                      "by this build");
        return 0;
}

void seccomp_plan_free(struct seccomp_plan *plan)
{
        free(plan);
}

int seccomp_load_plan(struct seccomp_plan *plan, struct berth_error *err)
{
        (void)plan;
        (void)err;
        return 0;
}
