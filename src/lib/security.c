/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "security.h"

#include <errno.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "util.h"

static bool listed(char **names, cap_value_t cap)
{
        for (char **n = names; n && *n; n++) {
                cap_value_t v;
                if (cap_from_name(*n, &v) == 0 && v == cap)
                        return true;
        }
        return false;
}

static cap_value_t last_cap(void)
{
        /* the running kernel may know more or fewer than libcap's headers */
        int n = (int)cap_max_bits();
        return n > 0 ? n - 1 : CAP_LAST_CAP;
}

/* A capabilities object without "bounding" means an empty bounding set,
 * as for runc and crun: podman's --cap-drop all writes `{}`. Only a process
 * without the object keeps the set it was born with. */
int caps_drop_bounding(const struct berth_process *p, struct berth_error *err)
{
        if (!p->has_capabilities)
                return 0;
        for (cap_value_t c = 0; c <= last_cap(); c++) {
                if (listed(p->caps[BERTH_CAP_BOUNDING], c))
                        continue;
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
                        return berth_error_set(err, errno, "drop %s from the bounding set",
                                               cap_to_name(c));
        }
        return 0;
}

static int fill(cap_t caps, cap_flag_t flag, char **names, struct berth_error *err)
{
        for (char **n = names; n && *n; n++) {
                cap_value_t v;
                if (cap_from_name(*n, &v) < 0)
                        return berth_error_setx(err, EINVAL, "unknown capability %s", *n);
                if (v > last_cap())
                        continue; /* the kernel does not have it */
                if (cap_set_flag(caps, flag, 1, &v, CAP_SET) < 0)
                        return berth_error_set(err, errno, "capability %s", *n);
        }
        return 0;
}

int caps_apply(const struct berth_process *p, struct berth_error *err)
{
        if (!p->has_capabilities)
                return 0;
        cap_t caps = cap_init();
        if (!caps)
                return berth_error_set(err, errno, "capabilities");
        static const struct {
                enum berth_cap_set set;
                cap_flag_t flag;
        } rows[] = {
                { BERTH_CAP_EFFECTIVE, CAP_EFFECTIVE },
                { BERTH_CAP_PERMITTED, CAP_PERMITTED },
                { BERTH_CAP_INHERITABLE, CAP_INHERITABLE },
        };
        int r = 0;
        for (size_t i = 0; i < ARRAY_SIZE(rows) && r == 0; i++)
                r = fill(caps, rows[i].flag, p->caps[rows[i].set], err);
        if (r == 0 && cap_set_proc(caps) < 0)
                r = berth_error_set(err, errno, "set capabilities");
        cap_free(caps);
        if (r < 0)
                return r;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return berth_error_set(err, errno, "clear ambient capabilities");
        for (char **n = p->caps[BERTH_CAP_AMBIENT]; n && *n; n++) {
                cap_value_t v;
                if (cap_from_name(*n, &v) < 0 || v > last_cap())
                        continue;
                /* an ambient cap must also be permitted and inheritable: the
                 * kernel refuses it otherwise, and so do the other runtimes */
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, v, 0, 0) < 0 && errno != EPERM)
                        return berth_error_set(err, errno, "raise ambient %s", *n);
        }
        return 0;
}
