/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "process-attrs.h"

#include <errno.h>

/* Placeholder: LSM labels are refused until they are implemented. */
int process_attrs_check(const struct berth_spec *spec, struct berth_error *err)
{
        if (spec->process.apparmor_profile || spec->process.selinux_label)
                return berth_error_setx(err, ENOTSUP,
                                        "config.json: process.apparmorProfile/selinuxLabel: not "
                                        "supported by this build");
        return 0;
}

int process_attrs_apply(const struct berth_spec *spec, struct berth_error *err)
{
        (void)spec;
        (void)err;
        return 0;
}

int process_lsm_apply(const struct berth_spec *spec, struct berth_error *err)
{
        (void)spec;
        (void)err;
        return 0;
}
