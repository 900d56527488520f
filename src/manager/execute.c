/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* execute: an application container. Which process: the command, in the
 * host's namespaces, as root. The command runs under berth's tiny init
 * (org.berth.init) as PID 1, wired to our stdio, and the container goes
 * with it: a foreground `oci run` that keeps nothing. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "manager.h"
#include "util.h"

static int execute_in(struct berth_container *c, const char *rcfile, char *const *argv,
                      int *status, struct berth_error *err)
{
        json_t *doc = NULL;
        int r = mgr_spec_doc(c, rcfile, &doc, NULL, err);
        if (r < 0)
                return r;
        json_t *process = json_object_get(doc, "process");
        json_t *args = json_array();
        for (char *const *a = argv; *a; a++)
                json_array_append_new(args, json_string(*a));
        json_object_set_new(process, "args", args);
        json_object_set_new(process, "terminal", json_boolean(isatty(0) && isatty(1)));
        json_t *ann = json_object_get(doc, "annotations");
        if (!ann) {
                ann = json_object();
                json_object_set_new(doc, "annotations", ann);
        }
        json_object_set_new(ann, "org.berth.init", json_string("true"));

        _cleanup_free_ char *parent = NULL, *bundle = NULL;
        if (asprintf(&parent, "%s/exec", c->run_root) < 0 ||
            asprintf(&bundle, "%s/%s", parent, c->name) < 0) {
                json_decref(doc);
                return berth_error_setx(err, ENOMEM, "execute");
        }
        r = mkdir_p(parent, 0700);
        if (r < 0) {
                json_decref(doc);
                return berth_error_set(err, -r, "%s", parent);
        }
        if (mkdir(bundle, 0700) < 0) {
                json_decref(doc);
                return errno == EEXIST
                               ? berth_error_setx(err, EBUSY, "%s is already being executed",
                                                  c->name)
                               : berth_error_set(err, errno, "%s", bundle);
        }
        r = mgr_write_bundle(bundle, doc, err);
        json_decref(doc);
        if (r == 0) {
                struct berth_create_opts o = { .bundle = bundle };
                r = berth_oci_run(&c->ctx, c->name, &o, false, false, status, err);
        }
        (void)remove_tree_at(AT_FDCWD, bundle);
        mgr_prune_run(c);
        return r;
}

int berth_execute(const char *name, const char *lxcpath, const char *config_file,
                  char *const *argv, int *status, struct berth_error *err)
{
        char anon[64];
        if (!name) {
                snprintf(anon, sizeof(anon), "execute-%d", getpid());
                name = anon;
        }
        if (!argv || !argv[0])
                return berth_error_setx(err, EINVAL, "execute %s: no command", name);
        struct berth_container *c = NULL;
        int r = berth_container_new(name, lxcpath, &c, err);
        if (r < 0)
                return berth_error_prefix(err, "execute");
        enum berth_container_state s;
        pid_t pid;
        if (!config_file && mgr_state(c, &s, &pid, err) == 0 && s != BERTH_STOPPED)
                r = berth_error_setx(err, EBUSY, "%s is %s; execute runs a stopped container's "
                                                 "config", name, berth_state_name(s));
        if (r == 0)
                r = execute_in(c, config_file, argv, status, err);
        if (r < 0)
                berth_error_prefix(err, "execute %s", name);
        berth_container_free(c);
        return r;
}
