/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "devices.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* What every container gets. No blanket "c *:* m" / "b *:* m" (runc's
 * default): a node of any other device, even one the container cannot
 * open here, is a node that works wherever the directory is later
 * reachable with more rights (a bind to the host, a volume), so mknod is
 * allowed only for the devices that are usable anyway. */
static const struct berth_device_rule always_allowed[] = {
        { true, 'c', 1, 3, "rwm" },  /* null */
        { true, 'c', 1, 5, "rwm" },  /* zero */
        { true, 'c', 1, 7, "rwm" },  /* full */
        { true, 'c', 1, 8, "rwm" },  /* random */
        { true, 'c', 1, 9, "rwm" },  /* urandom */
        { true, 'c', 5, 0, "rwm" },  /* tty */
        { true, 'c', 5, 1, "rwm" },  /* console */
        { true, 'c', 5, 2, "rwm" },  /* ptmx */
        { true, 'c', 136, -1, "rwm" }, /* pts/N */
};

int devices_effective_rules(const struct berth_spec *spec, struct berth_device_rule **out,
                            size_t *n, struct berth_error *err)
{
        size_t own = spec->has_resources ? spec->resources.n_devices : 0;
        size_t total = 1 + own + ARRAY_SIZE(always_allowed) + spec->n_devices;
        struct berth_device_rule *r = calloc(total, sizeof(*r));
        if (!r)
                return berth_error_setx(err, ENOMEM, "device rules");
        /* runc's order: the config's rules, then the defaults, so a config
         * cannot take /dev/null away. A system container's config (LXC's
         * lxc.cgroup.devices.*) has the last word instead. */
        bool config_last = false;
        for (size_t i = 0; i < spec->n_annotations; i++)
                if (!strcmp(spec->annotations[i].key, DEVICES_CONFIG_LAST_ANNOTATION) &&
                    !strcmp(spec->annotations[i].value, "true"))
                        config_last = true;
        size_t k = 0;
        r[k++] = (struct berth_device_rule){ false, 'a', -1, -1, "rwm" };
        for (size_t i = 0; i < own && !config_last; i++)
                r[k++] = spec->resources.devices[i];
        for (size_t i = 0; i < ARRAY_SIZE(always_allowed); i++)
                r[k++] = always_allowed[i];
        for (size_t i = 0; i < spec->n_devices; i++) {
                const struct berth_device *d = &spec->devices[i];
                if (d->type == 'p')
                        continue; /* a fifo is no device */
                r[k++] = (struct berth_device_rule){ true, d->type == 'b' ? 'b' : 'c', d->major,
                                                     d->minor, "rwm" };
        }
        for (size_t i = 0; i < own && config_last; i++)
                r[k++] = spec->resources.devices[i];
        *out = r;
        *n = k;
        return 0;
}
