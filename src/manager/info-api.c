/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* info and the cgroup keys of a system container: the manager's view
 * (state, autostart, last exit) around info.c's view of the running
 * container. Which process: the command, host namespaces, root. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-key.h"
#include "cleanup.h"
#include "info.h"
#include "manager.h"
#include "util.h"

static json_t *last_exit(const struct berth_container *c)
{
        _cleanup_close_ int dfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *text = NULL;
        if (dfd < 0 || read_file_at(dfd, "last-exit", &text, NULL) < 0)
                return json_null();
        json_t *j = json_loads(text, 0, NULL);
        return j ? j : json_null();
}

int berth_container_info(struct berth_container *c, char **json, struct berth_error *err)
{
        *json = NULL;
        struct lxc_config *cfg = NULL;
        int r = mgr_load_config(c, NULL, &cfg, err);
        if (r < 0)
                return r;
        const char *autostart = lxc_config_get(cfg, "lxc.start.auto");
        _cleanup_free_ char *groups = lxc_config_get_all(cfg, "lxc.group");
        bool auto_on = autostart && !strcmp(autostart, "1");
        lxc_config_free(cfg);

        enum berth_container_state s;
        pid_t pid = 0;
        r = mgr_state(c, &s, &pid, err);
        if (r < 0)
                return r;
        json_t *doc = NULL;
        if (pid > 0) {
                _cleanup_free_ char *cgroup = NULL;
                pid_t p2;
                struct berth_error e = { 0 };
                if (mgr_running(c, &p2, &cgroup, &e) == 0 &&
                    info_json(pid, cgroup, &doc, &e) == 0)
                        json_object_set_new(doc, "cgroup", json_string(cgroup));
                else
                        doc = NULL; /* it stopped meanwhile: say what we know */
        }
        if (!doc)
                doc = json_pack("{s:n, s:[], s:[], s:n, s:n, s:n, s:n}", "pid", "ipv4", "ipv6",
                                "memory", "cpu", "pids", "namespaces");
        if (!doc)
                return berth_error_setx(err, ENOMEM, "info %s", c->name);
        json_object_set_new(doc, "name", json_string(c->name));
        json_object_set_new(doc, "state", json_string(berth_state_name(s)));
        json_object_set_new(doc, "autostart", json_boolean(auto_on));
        json_object_set_new(doc, "groups", json_string(groups ? groups : ""));
        json_object_set_new(doc, "config", json_string(c->config_path));
        json_object_set_new(doc, "last_exit", last_exit(c));
        *json = json_dumps(doc, JSON_SORT_KEYS);
        json_decref(doc);
        return *json ? 0 : berth_error_setx(err, ENOMEM, "info %s", c->name);
}

static int running_cgroup(struct berth_container *c, const char *verb, char **cgroup,
                          struct berth_error *err)
{
        pid_t pid;
        int r = mgr_require_defined(c, err);
        if (r == 0)
                r = mgr_running(c, &pid, cgroup, err);
        if (r == 0 && !*cgroup)
                r = berth_error_setx(err, ENOENT, "%s has no cgroup", c->name);
        return r < 0 ? berth_error_prefix(err, "%s", verb) : 0;
}

int berth_container_cgroup_get(struct berth_container *c, const char *key, char **value,
                               struct berth_error *err)
{
        _cleanup_free_ char *cgroup = NULL;
        *value = NULL;
        int r = running_cgroup(c, "cgroup", &cgroup, err);
        if (r == 0)
                r = cgroup_key_get(cgroup, key, value, err);
        return r;
}

int berth_container_cgroup_set(struct berth_container *c, const char *key, const char *value,
                               struct berth_error *err)
{
        _cleanup_free_ char *cgroup = NULL;
        int r = running_cgroup(c, "cgroup", &cgroup, err);
        if (r == 0)
                r = cgroup_key_set(cgroup, key, value, err);
        return r;
}
