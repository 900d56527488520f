/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A mount's option strings in mount(2) terms: flags to set, flags to
 * clear, propagation, and the filesystem's own data string. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "spec.h"
#include "util.h"

enum opt_kind {
        OPT_SET,         /* flags |= flag */
        OPT_CLEAR,       /* flags &= ~flag, remembered in clear */
        OPT_PROPAGATION, /* propagation = flag */
        OPT_SKIP,        /* ours or the engine's, never the kernel's */
        OPT_IDMAP,       /* idmapped mount; flag MS_REC: ridmap */
};

/* Every option mount(8) offers that runtime-spec allows; a later option
 * overrides an earlier one, as in mount(8). One X-macro list, so the
 * parser's table and the names `berth oci features` reports cannot drift. */
#define APPLIED_OPTS(X)                                                                            \
        X("bind", MS_BIND, OPT_SET)                                                                \
        X("rbind", MS_BIND | MS_REC, OPT_SET)                                                      \
        X("ro", MS_RDONLY, OPT_SET)                                                                \
        X("rw", MS_RDONLY, OPT_CLEAR)                                                              \
        X("nosuid", MS_NOSUID, OPT_SET)                                                            \
        X("suid", MS_NOSUID, OPT_CLEAR)                                                            \
        X("nodev", MS_NODEV, OPT_SET)                                                              \
        X("dev", MS_NODEV, OPT_CLEAR)                                                              \
        X("noexec", MS_NOEXEC, OPT_SET)                                                            \
        X("exec", MS_NOEXEC, OPT_CLEAR)                                                            \
        X("sync", MS_SYNCHRONOUS, OPT_SET)                                                         \
        X("async", MS_SYNCHRONOUS, OPT_CLEAR)                                                      \
        X("dirsync", MS_DIRSYNC, OPT_SET)                                                          \
        X("remount", MS_REMOUNT, OPT_SET)                                                          \
        X("mand", MS_MANDLOCK, OPT_SET)                                                            \
        X("nomand", MS_MANDLOCK, OPT_CLEAR)                                                        \
        X("noatime", MS_NOATIME, OPT_SET)                                                          \
        X("atime", MS_NOATIME, OPT_CLEAR)                                                          \
        X("nodiratime", MS_NODIRATIME, OPT_SET)                                                    \
        X("diratime", MS_NODIRATIME, OPT_CLEAR)                                                    \
        X("relatime", MS_RELATIME, OPT_SET)                                                        \
        X("norelatime", MS_RELATIME, OPT_CLEAR)                                                    \
        X("strictatime", MS_STRICTATIME, OPT_SET)                                                  \
        X("nostrictatime", MS_STRICTATIME, OPT_CLEAR)                                              \
        X("lazytime", MS_LAZYTIME, OPT_SET)                                                        \
        X("nolazytime", MS_LAZYTIME, OPT_CLEAR)                                                    \
        X("silent", MS_SILENT, OPT_SET)                                                            \
        X("loud", MS_SILENT, OPT_CLEAR)                                                            \
        X("iversion", MS_I_VERSION, OPT_SET)                                                       \
        X("noiversion", MS_I_VERSION, OPT_CLEAR)                                                   \
        X("shared", MS_SHARED, OPT_PROPAGATION)                                                    \
        X("rshared", MS_SHARED | MS_REC, OPT_PROPAGATION)                                          \
        X("slave", MS_SLAVE, OPT_PROPAGATION)                                                      \
        X("rslave", MS_SLAVE | MS_REC, OPT_PROPAGATION)                                            \
        X("private", MS_PRIVATE, OPT_PROPAGATION)                                                  \
        X("rprivate", MS_PRIVATE | MS_REC, OPT_PROPAGATION)                                        \
        X("unbindable", MS_UNBINDABLE, OPT_PROPAGATION)                                            \
        X("runbindable", MS_UNBINDABLE | MS_REC, OPT_PROPAGATION)

/* Idmapped mounts: not mount(2) flags but a detached tree given an
 * idmapping with mount_setattr(MOUNT_ATTR_IDMAP) (mount-idmap.c);
 * "ridmap" idmaps every mount of an rbind, "idmap" only its top. */
#define IDMAP_OPTS(X)                                                                              \
        X("idmap", 0, OPT_IDMAP)                                                                   \
        X("ridmap", MS_REC, OPT_IDMAP)

/* Recognised and dropped, and not reported as supported: tmpcopyup
 * (copy the shadowed content into a tmpfs) is an engine feature. */
#define SKIPPED_OPTS(X) X("tmpcopyup", 0, OPT_SKIP)

#define OPT_ROW(name, flag, kind) { name, flag, kind },
static const struct {
        const char *name;
        unsigned long flag;
        enum opt_kind kind;
} mount_opts[] = { APPLIED_OPTS(OPT_ROW) IDMAP_OPTS(OPT_ROW) SKIPPED_OPTS(OPT_ROW) };

#define OPT_NAME(name, flag, kind) name,
const char *const *mount_option_names(void)
{
        static const char *const names[] = { APPLIED_OPTS(OPT_NAME) IDMAP_OPTS(OPT_NAME) NULL };
        return names;
}

static int append_data(char **data, size_t *len, const char *opt)
{
        size_t n = strlen(opt);
        char *p = realloc(*data, *len + n + 2);
        if (!p)
                return -ENOMEM;
        if (*len > 0)
                p[(*len)++] = ',';
        memcpy(p + *len, opt, n + 1);
        *len += n;
        *data = p;
        return 0;
}

int mount_options_parse(struct berth_mount *m, struct berth_error *err)
{
        /* Parsing again starts from nothing, so a caller may re-run it
         * after changing options. */
        free(m->data);
        m->data = NULL;
        m->flags = m->clear = m->propagation = 0;
        m->bind = m->recursive = false;
        m->idmap_recursive = false;
        /* mappings of the mount's own make it idmapped without an option */
        m->idmap = m->n_uid_mappings > 0 || m->n_gid_mappings > 0;
        size_t len = 0;

        /* "bind" is the spec's type for a bind mount; "rbind" is not the
         * spec's but appears in configs written for runc, which takes it. */
        if (m->type && strcmp(m->type, "bind") == 0) {
                m->bind = true;
                m->flags |= MS_BIND;
        } else if (m->type && strcmp(m->type, "rbind") == 0) {
                m->bind = m->recursive = true;
                m->flags |= MS_BIND | MS_REC;
        }
        for (char **o = m->options; o && *o; o++) {
                const char *opt = *o;
                if (opt[0] == '\0' || strncmp(opt, "x-", 2) == 0)
                        continue; /* x-*: for userspace tools, mount(8) drops them too */
                size_t i = 0;
                while (i < ARRAY_SIZE(mount_opts) && strcmp(mount_opts[i].name, opt) != 0)
                        i++;
                if (i == ARRAY_SIZE(mount_opts)) {
                        if (append_data(&m->data, &len, opt) < 0)
                                return berth_error_setx(err, ENOMEM, "out of memory");
                        continue;
                }
                unsigned long f = mount_opts[i].flag;
                switch (mount_opts[i].kind) {
                case OPT_SET:
                        m->flags |= f;
                        m->clear &= ~f;
                        if (f & MS_BIND) {
                                m->bind = true;
                                m->recursive = (f & MS_REC) != 0;
                        }
                        break;
                case OPT_CLEAR:
                        m->flags &= ~f;
                        m->clear |= f;
                        break;
                case OPT_PROPAGATION:
                        m->propagation = f;
                        break;
                case OPT_IDMAP:
                        m->idmap = true;
                        m->idmap_recursive = f != 0;
                        break;
                case OPT_SKIP:
                        break;
                }
        }
        /* "bind" after "rbind" leaves a plain bind. */
        if (m->bind && !m->recursive)
                m->flags &= ~MS_REC;
        return 0;
}
