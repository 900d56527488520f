/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The documents berth hands out: version, default spec, features. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "berth.h"
#include "config.h"
#include "error.h"
#include "seccomp.h"
#include "spec.h"
#include "util.h"

const char *berth_version(void)
{
        return BERTH_VERSION;
}

int berth_signal_parse(const char *name)
{
        return signal_parse(name);
}

int berth_oci_spec(bool rootless, char **json, struct berth_error *err)
{
        *json = spec_default_json(rootless);
        return *json ? 0 : berth_error_setx(err, ENOMEM, "spec");
}

static json_t *capability_names(void)
{
        json_t *a = json_array();
        int n = (int)cap_max_bits();
        for (cap_value_t c = 0; a && c < n; c++) {
                char *name = cap_to_name(c);
                if (!name)
                        continue;
                for (char *p = name; *p; p++)
                        *p = (char)toupper((unsigned char)*p);
                json_array_append_new(a, json_string(name));
                cap_free(name);
        }
        return a;
}

static json_t *namespace_names(void)
{
        json_t *a = json_array();
        for (int t = 0; a && t < BERTH_NS__COUNT; t++)
                json_array_append_new(a, json_string(ns_type_name((enum berth_ns_type)t)));
        return a;
}

static json_t *mount_option_list(void)
{
        json_t *a = json_array();
        const char *const *names = mount_option_names();
        for (size_t i = 0; a && names[i]; i++)
                json_array_append_new(a, json_string(names[i]));
        return a;
}

int berth_oci_features(char **json, struct berth_error *err)
{
        /* Truthful: only what this build really does. */
        json_t *doc = json_pack(
                "{s:s, s:s, s:[s, s, s, s, s, s], s:o, s:{s:o, s:o, s:{s:b, s:b, s:b, s:b, s:b}, s:{s:b},"
                " s:{s:b}, s:{s:b}, s:{s:b}, s:{s:{s:b}}}, s:{s:s}}",
                "ociVersionMin", "1.0.0", "ociVersionMax", "1.2.0", "hooks", "prestart",
                "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
                "mountOptions",
                mount_option_list(), "linux", "namespaces", namespace_names(), "capabilities",
                capability_names(), "cgroup", "v1", 1, "v2", 1, "systemd", 0, "systemdUser", 0,
                "rdma", 0, "seccomp", "enabled", 0, "apparmor", "enabled", 0, "selinux",
                "enabled", 0, "intelRdt", "enabled", 0, "mountExtensions", "idmap", "enabled", 1,
                "annotations", "org.berth.version", BERTH_VERSION);
        if (!doc)
                return berth_error_setx(err, ENOMEM, "features");
        /* seccomp's own table says what it does (replaces the "enabled": 0) */
        if (json_object_set_new(json_object_get(doc, "linux"), "seccomp",
                                seccomp_features_json()) < 0) {
                json_decref(doc);
                return berth_error_setx(err, ENOMEM, "features");
        }
        *json = json_dumps(doc, JSON_INDENT(2));
        json_decref(doc);
        return *json ? 0 : berth_error_setx(err, ENOMEM, "features");
}
