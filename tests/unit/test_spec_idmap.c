/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* User namespace mappings in config.json: ranges that overlap or run out
 * of ids, and idmapped mounts (options and mappings of their own). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rootless.h"
#include "spec-test.h"
#include "spec.h"

#define HEAD   "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'}, "
#define USERNS "'namespaces': [{'type': 'user'}, {'type': 'mount'}]"

void test_idmap_ranges_may_not_overlap(void **state)
{
        expect_error_at(state,
                        HEAD "'linux': {" USERNS ", 'uidMappings': ["
                             "{'containerID': 0, 'hostID': 100000, 'size': 65536},"
                             "{'containerID': 1000, 'hostID': 300000, 'size': 10}]}}",
                        "{'containerID': 1000",
                        "linux.uidMappings[1]: overlaps linux.uidMappings[0] (container ids "
                        "0-65535)");
        expect_error_at(state,
                        HEAD "'linux': {" USERNS ", 'gidMappings': ["
                             "{'containerID': 0, 'hostID': 1000, 'size': 1},"
                             "{'containerID': 1, 'hostID': 100000, 'size': 100},"
                             "{'containerID': 200, 'hostID': 100099, 'size': 1}]}}",
                        "{'containerID': 200",
                        "linux.gidMappings[2]: overlaps linux.gidMappings[1] (host ids "
                        "100000-100099)");
        /* touching ranges do not overlap */
        struct berth_spec *s =
                expect_ok(state, HEAD "'linux': {" USERNS ", 'uidMappings': ["
                                      "{'containerID': 0, 'hostID': 1000, 'size': 1},"
                                      "{'containerID': 1, 'hostID': 100000, "
                                      "'size': 65536}]}}");
        assert_int_equal(s->n_uid_mappings, 2);
        spec_free(s);
}

void test_idmap_ranges_stay_below_the_last_id(void **state)
{
        expect_error_at(state,
                        HEAD "'linux': {" USERNS ", 'uidMappings': ["
                             "{'containerID': 4294967000, 'hostID': 1, 'size': 1000}]}}",
                        "{'containerID'",
                        "linux.uidMappings[0]: containerID 4294967000 + size 1000 runs past the "
                        "last id 4294967294");
        expect_error_at(state,
                        HEAD "'linux': {" USERNS ", 'gidMappings': ["
                             "{'containerID': 0, 'hostID': 4294967295, 'size': 1}]}}",
                        "{'containerID'",
                        "linux.gidMappings[0]: hostID 4294967295 + size 1 runs past the last id");
}

void test_idmap_at_most_340_ranges(void **state)
{
        size_t cap = 64 * 341 + 256;
        char *text = malloc(cap);
        assert_non_null(text);
        size_t n = (size_t)snprintf(text, cap, HEAD "'linux': {" USERNS ", 'uidMappings': [");
        for (int i = 0; i < 341; i++)
                n += (size_t)snprintf(text + n, cap - n,
                                      "%s{'containerID': %d, 'hostID': %d, 'size': 1}",
                                      i ? "," : "", i, 100000 + i);
        snprintf(text + n, cap - n, "]}}");
        expect_error_at(state, text, "[{'containerID': 0,",
                        "linux.uidMappings: 341 ranges: the kernel takes at most 340");
        free(text);
}

void test_idmap_mount_parses(void **state)
{
        struct berth_spec *s = expect_ok(
                state, HEAD "'mounts': ["
                            "{'destination': '/a', 'type': 'bind', 'source': '/x',"
                            " 'options': ['rbind', 'ridmap', 'ro']},"
                            "{'destination': '/b', 'source': '/y', 'options': ['bind'],"
                            " 'uidMappings': [{'containerID': 0, 'hostID': 5000, 'size': 10}],"
                            " 'gidMappings': [{'containerID': 0, 'hostID': 6000, 'size': 10}]},"
                            "{'destination': '/c', 'type': 'bind', 'source': '/z'}],"
                            " 'linux': {" USERNS "}}");
        assert_int_equal(s->n_mounts, 3);
        assert_true(s->mounts[0].idmap && s->mounts[0].idmap_recursive);
        assert_true(s->mounts[0].recursive);
        assert_true(s->mounts[1].idmap && !s->mounts[1].idmap_recursive);
        assert_int_equal(s->mounts[1].n_uid_mappings, 1);
        assert_int_equal(s->mounts[1].uid_mappings[0].host_id, 5000);
        assert_int_equal(s->mounts[1].gid_mappings[0].host_id, 6000);
        assert_false(s->mounts[2].idmap);
        spec_free(s);
}

void test_idmap_mount_errors(void **state)
{
        expect_error_at(state,
                        HEAD "'mounts': [{'destination': '/data', 'type': 'bind', 'source': '/x',"
                             " 'options': ['bind', 'idmap']}],"
                             " 'linux': {'namespaces': [{'type': 'mount'}]}}",
                        "['bind', 'idmap']",
                        "mounts[0].options: mount /data: an idmapped mount needs a user "
                        "namespace: add {\"type\": \"user\"} to linux.namespaces");
        expect_error_at(state,
                        HEAD "'mounts': [{'destination': '/t', 'type': 'tmpfs', 'source': 'tmpfs',"
                             " 'options': ['idmap']}], 'linux': {" USERNS "}}",
                        "['idmap']",
                        "mounts[0].options: mount /t: an idmapped mount must be a bind mount");
        expect_error_at(state,
                        HEAD "'mounts': [{'destination': '/b', 'type': 'bind', 'source': '/y',"
                             " 'uidMappings': [{'containerID': 0, 'hostID': 5000, 'size': 10}]}],"
                             " 'linux': {" USERNS "}}",
                        "{'destination'",
                        "mounts[0].gidMappings: mount /b: an idmapped mount with mappings of its "
                        "own needs both uidMappings and gidMappings");
        expect_error_at(state,
                        HEAD "'mounts': [{'destination': '/b', 'type': 'bind', 'source': '/y',"
                             " 'uidMappings': [{'containerID': 0, 'hostID': 5000, 'size': 10}],"
                             " 'gidMappings': [{'containerID': 0, 'hostID': 6000, 'size': 10},"
                             " {'containerID': 20, 'hostID': 6005, 'size': 1}]}],"
                             " 'linux': {" USERNS "}}",
                        "{'containerID': 20",
                        "mounts[0].gidMappings[1]: overlaps mounts[0].gidMappings[0] (host ids "
                        "6000-6009)");
        expect_error_at(state,
                        HEAD "'mounts': [{'destination': '/b', 'type': 'bind', 'source': '/y',"
                             " 'uidMappings': [{'containerID': 0, 'hostID': 5000, 'size': 0}]}],"
                             " 'linux': {" USERNS "}}",
                        "0}]", "mounts[0].uidMappings[0].size: must be greater than zero");
}

/* What makes a rootless container without a cgroup an error instead. */
void test_resources_asked(void **state)
{
        struct berth_spec *s =
                expect_ok(state, HEAD
                          "'linux': {'resources': {'devices': [{'allow': false, 'access': 'rwm'}],"
                          " 'memory': {'kernel': 100}}}}");
        assert_false(resources_asked(&s->resources));
        spec_free(s);
        static const char *const asking[] = {
                "'memory': {'limit': 1000000}",
                "'cpu': {'shares': 100}",
                "'cpu': {'cpus': '0'}",
                "'pids': {'limit': 10}",
                "'unified': {'io.max': 'x'}",
                "'hugepageLimits': [{'pageSize': '2MB', "
                "'limit': 0}]",
        };
        for (size_t i = 0; i < sizeof(asking) / sizeof(asking[0]); i++) {
                char text[512];
                snprintf(text, sizeof(text), HEAD "'linux': {'resources': {%s}}}", asking[i]);
                s = expect_ok(state, text);
                if (!resources_asked(&s->resources))
                        fail_msg("%s does not count as asking for resources", asking[i]);
                spec_free(s);
        }
}
