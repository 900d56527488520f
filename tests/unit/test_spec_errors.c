/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every error class of the config.json loader: each message names
 * config.json:LINE:COL and the JSON path of the culprit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec-test.h"
#include "spec-walk.h"
#include "spec.h"

void test_error_parse(void **state)
{
        struct berth_spec *spec = NULL;
        struct berth_error err = { 0 };
        assert_int_equal(load(state, "{\n  'ociVersion': '1.2.0',\n  'root': }", &spec, &err),
                         -EINVAL);
        assert_non_null(strstr(err.msg, "config.json:3:"));
        assert_non_null(strstr(err.msg, "unexpected token"));

        assert_int_equal(load(state, "{'a': 1, 'a': 2}", &spec, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "config.json:1:"));
        assert_non_null(strstr(err.msg, "duplicate"));
}

void test_error_wrong_type(void **state)
{
        expect_error_at(state,
                        "{\n  'ociVersion': '1.2.0',\n  'root': {'path': 'rootfs'},\n"
                        "  'linux': {\n    'resources': {\n      'memory': {\n"
                        "        'limit': 'big'\n      }\n    }\n  }\n}",
                        "'big'", "linux.resources.memory.limit: expected an integer");
        expect_error_lc(state,
                        "{\n  'ociVersion': '1.2.0',\n  'root': {'path': 'rootfs'},\n"
                        "  'linux': {\n    'resources': {\n      'memory': {\n"
                        "        'limit': 'big'\n      }\n    }\n  }\n}",
                        7, 18, "linux.resources.memory.limit: expected an integer");
        expect_error_at(state, "{'ociVersion': 1.2, 'root': {'path': 'rootfs'}}", "1.2",
                        "ociVersion: expected a string");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs', 'readonly': 'yes'}}",
                        "'yes'", "root.readonly: expected a boolean");
        expect_error_at(state, "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'}, 'mounts': {}}",
                        "{}", "mounts: expected an array");
        expect_error_at(state, "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'}, 'linux': []}",
                        "[]", "linux: expected an object");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'resources': {'memory': {'swappiness': -1}}}}",
                        "-1", "linux.resources.memory.swappiness: expected a non-negative integer");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'resources': {'blockIO': {'weight': 70000}}}}",
                        "70000", "linux.resources.blockIO.weight: 70000 is out of range");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'resources': {'cpu': {'cpus': 3}}}}",
                        "3}", "linux.resources.cpu.cpus: expected a string");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'resources': {'blockIO': {'throttleWriteIOPSDevice':"
                        " [{'major': 8, 'minor': 0, 'rate': 1},"
                        "  {'major': 8, 'minor': 'x', 'rate': 2}]}}}}",
                        "'x'",
                        "linux.resources.blockIO.throttleWriteIOPSDevice[1].minor: "
                        "expected an integer");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'resources': {'unified': {'memory.max': 5}}}}",
                        "5}", "linux.resources.unified[\"memory.max\"]: expected a string");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'process': {'args': ['sh', 7], 'cwd': '/'}}",
                        "7]", "process.args[1]: expected a string");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'process': {'args': ['sh'], 'cwd': '/',"
                        "  'user': {'uid': 4294967296, 'gid': 0}}}",
                        "4294967296", "process.user.uid: 4294967296 is out of range");
        expect_error_at(state, "[1, 2]", "[", "expected an object");
}

void test_error_required_missing_points_at_parent(void **state)
{
        expect_error_lc(state, "{\n  'root': {'path': 'rootfs'}\n}", 1, 1,
                        "ociVersion: required property is missing");
        expect_error_lc(state, "{'ociVersion': '1.2.0'}", 1, 1,
                        "root: required property is missing");
        expect_error_at(state, "{'ociVersion': '1.2.0', 'root': {'readonly': true}}", "{'readonly'",
                        "root.path: required property is missing");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},\n"
                        " 'mounts': [{'destination': '/a'}, {'destination': '/b'},\n"
                        "            {'type': 'tmpfs', 'source': 'x'}]}",
                        "{'type'", "mounts[2].destination: required property is missing");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'process': {'cwd': '/'}}",
                        "{'cwd'", "process.args: required property is missing");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'process': {'args': ['sh']}}",
                        "{'args'", "process.cwd: required property is missing");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'namespaces': [{'type': 'pid'}, {'path': '/x'}]}}",
                        "{'path': '/x'}", "linux.namespaces[1].type: required property is missing");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'resources': {'devices': [{'access': 'rwm'}]}}}",
                        "{'access'",
                        "linux.resources.devices[0].allow: required property is missing");
}

void test_error_values(void **state)
{
        expect_error_at(state, "{'ociVersion': '2.0.0', 'root': {'path': 'rootfs'}}", "'2.0.0'",
                        "ociVersion: unsupported version");
        expect_error_at(state, "{'ociVersion': '1.2.0', 'root': {'path': ''}}", "''}",
                        "root.path: must not be empty");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'process': {'args': [], 'cwd': '/'}}",
                        "[]", "process.args: must not be empty");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'process': {'args': ['sh'], 'cwd': 'tmp'}}",
                        "'tmp'", "process.cwd: must be an absolute path, got \"tmp\"");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'process': {'args': ['sh'], 'cwd': '/', 'env': ['A=1', 'NOEQUALS']}}",
                        "'NOEQUALS'", "process.env[1]: \"NOEQUALS\" is not of the form KEY=VALUE");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'process': {'args': ['sh'], 'cwd': '/', 'oomScoreAdj': 1001}}",
                        "1001", "process.oomScoreAdj: 1001 is out of range");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'process': {'args': ['sh'], 'cwd': '/', 'consoleSize': {'height': 1}}}",
                        "{'height'", "process.consoleSize.width: required property is missing");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'rootfsPropagation': 'rshared'}}",
                        "'rshared'", "linux.rootfsPropagation: \"rshared\" is not one of");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'resources': {'devices': [{'allow': true, 'access': 'rwx'}]}}}",
                        "'rwx'", "linux.resources.devices[0].access: \"rwx\" is not a combination");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'resources': {'devices': [{'allow': true, 'type': 'x'}]}}}",
                        "'x'", "linux.resources.devices[0].type: expected \"a\", \"b\" or \"c\"");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'devices': [{'type': 'c', 'path': '/dev/x'}]}}",
                        "{'type'", "linux.devices[0].major: required property is missing");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'devices': [{'type': 'q', 'path': '/dev/x'}]}}",
                        "'q'", "linux.devices[0].type: expected");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'maskedPaths': ['/a', 'b']}}",
                        "'b'", "linux.maskedPaths[1]: must be an absolute path");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'personality': {'domain': 'BSD'}}}",
                        "'BSD'", "linux.personality.domain: \"BSD\" is not LINUX or LINUX32");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'namespaces': [{'type': 'user'}], 'uidMappings':"
                        " [{'containerID': 0, 'hostID': 1000, 'size': 0}]}}",
                        "0}", "linux.uidMappings[0].size: must be greater than zero");
}

void test_error_rootfs(void **state)
{
        struct fixture *f = *state;
        char want[PATH_MAX + 128];
        snprintf(want, sizeof(want), "root.path: rootfs %s/nope: No such file or directory",
                 f->bundle);
        expect_error_at(state, "{'ociVersion': '1.2.0', 'root': {'path': 'nope'}}", "'nope'", want);

        /* a file is not a rootfs */
        char file[PATH_MAX + 16];
        snprintf(file, sizeof(file), "%s/afile", f->bundle);
        FILE *fp = fopen(file, "w");
        assert_non_null(fp);
        fclose(fp);
        snprintf(want, sizeof(want), "root.path: rootfs %s/afile: Not a directory", f->bundle);
        expect_error_at(state, "{'ociVersion': '1.2.0', 'root': {'path': 'afile'}}", "'afile'",
                        want);
        unlink(file);

        expect_error_at(state, "{'ociVersion': '1.2.0', 'root': {'path': '/nonexistent/rootfs'}}",
                        "'/non",
                        "root.path: rootfs /nonexistent/rootfs: No such file or directory");
}

void test_error_capabilities(void **state)
{
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},\n"
                        " 'process': {'args': ['sh'], 'cwd': '/', 'capabilities': {\n"
                        "   'bounding': ['CAP_KILL'],\n   'ambient': ['CAP_KILL', 'CAP_BOGUS']}}}",
                        "'CAP_BOGUS'",
                        "process.capabilities.ambient[1]: unknown capability \"CAP_BOGUS\"");
        /* libcap would take these; the spec's spelling is CAP_NAME */
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'process': {'args': ['sh'], 'cwd': '/', 'capabilities': {"
                        " 'effective': ['cap_kill']}}}",
                        "'cap_kill'", "process.capabilities.effective[0]: unknown capability");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'process': {'args': ['sh'], 'cwd': '/', 'capabilities': {"
                        " 'permitted': ['12']}}}",
                        "'12'", "process.capabilities.permitted[0]: unknown capability");
}

void test_error_rlimits(void **state)
{
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'process': {'args': ['sh'], 'cwd': '/', 'rlimits': ["
                        " {'type': 'RLIMIT_NOFILE', 'soft': 1, 'hard': 1},"
                        " {'type': 'RLIMIT_FOO', 'soft': 1, 'hard': 1}]}}",
                        "'RLIMIT_FOO'", "process.rlimits[1].type: unknown rlimit \"RLIMIT_FOO\"");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'process': {'args': ['sh'], 'cwd': '/', 'rlimits': ["
                        " {'type': 'RLIMIT_NOFILE', 'soft': 1, 'hard': 1},"
                        " {'type': 'RLIMIT_CORE', 'soft': 1, 'hard': 1},"
                        " {'type': 'RLIMIT_NOFILE', 'soft': 2, 'hard': 2}]}}",
                        "{'type': 'RLIMIT_NOFILE', 'soft': 2",
                        "process.rlimits[2]: duplicate rlimit RLIMIT_NOFILE (also rlimits[0])");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'process': {'args': ['sh'], 'cwd': '/', 'rlimits': ["
                        " {'type': 'RLIMIT_NOFILE', 'soft': 10, 'hard': 5}]}}",
                        "10,", "process.rlimits[0].soft: soft limit 10 is above hard limit 5");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'process': {'args': ['sh'], 'cwd': '/', 'rlimits': ["
                        " {'type': 'RLIMIT_NOFILE', 'soft': 10}]}}",
                        "{'type'", "process.rlimits[0].hard: required property is missing");
}

void test_rlimit_table(void **state)
{
        (void)state;
        static const struct {
                const char *name;
                int resource;
        } all[] = {
                { "RLIMIT_AS", RLIMIT_AS },
                { "RLIMIT_CORE", RLIMIT_CORE },
                { "RLIMIT_CPU", RLIMIT_CPU },
                { "RLIMIT_DATA", RLIMIT_DATA },
                { "RLIMIT_FSIZE", RLIMIT_FSIZE },
                { "RLIMIT_LOCKS", RLIMIT_LOCKS },
                { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
                { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
                { "RLIMIT_NICE", RLIMIT_NICE },
                { "RLIMIT_NOFILE", RLIMIT_NOFILE },
                { "RLIMIT_NPROC", RLIMIT_NPROC },
                { "RLIMIT_RSS", RLIMIT_RSS },
                { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
                { "RLIMIT_RTTIME", RLIMIT_RTTIME },
                { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
                { "RLIMIT_STACK", RLIMIT_STACK },
        };
        for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
                assert_int_equal(rlimit_from_name(all[i].name), all[i].resource);
        assert_int_equal(rlimit_from_name("RLIMIT_BOGUS"), -EINVAL);
        assert_int_equal(rlimit_from_name("nofile"), -EINVAL);
        assert_int_equal(rlimit_from_name(""), -EINVAL);
}

void test_error_mounts_and_hooks(void **state)
{
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},\n"
                        " 'mounts': [{'destination': '/proc', 'type': 'proc'},\n"
                        "   {'destination': 'data', 'type': 'bind', 'source': '/srv'}]}",
                        "'data'", "mounts[1].destination: must be an absolute path, got \"data\"");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'mounts': [{'destination': '/x', 'options': ['ro', 5]}]}",
                        "5]", "mounts[0].options[1]: expected a string");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'hooks': {'poststop': [{'path': 'bin/hook'}]}}",
                        "'bin/hook'", "hooks.poststop[0].path: must be an absolute path");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'hooks': {'createRuntime': [{'path': '/bin/h', 'timeout': 0}]}}",
                        "0}", "hooks.createRuntime[0].timeout: must be greater than zero");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'hooks': {'prestart': [{'args': ['x']}]}}",
                        "{'args'", "hooks.prestart[0].path: required property is missing");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'annotations': {'a': 'b', 'org.x': true}}",
                        "true", "annotations[\"org.x\"]: expected a string");
}

/* A path too long to hold still gives an error, without a position. */
void test_error_path_too_long(void **state)
{
        enum { N = 3000 };
        static const char head[] = "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                                   " 'annotations': {'ok': 'x', '";
        static const char tail[] = "': 5}}";
        char text[sizeof(head) + N + sizeof(tail)];
        size_t off = sizeof(head) - 1;
        memcpy(text, head, off);
        memset(text + off, 'k', N);
        memcpy(text + off + N, tail, sizeof(tail));
        struct berth_spec *spec = NULL;
        struct berth_error err = { 0 };
        assert_int_equal(load(state, text, &spec, &err), -EINVAL);
        assert_string_equal(err.msg, "config.json: annotations: expected a string");

        /* the same with a dotted key, which paths quote */
        memset(text + off, '.', N);
        assert_int_equal(load(state, text, &spec, &err), -EINVAL);
        assert_string_equal(err.msg, "config.json: annotations: expected a string");
}

void test_error_namespaces(void **state)
{
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},\n"
                        " 'linux': {'namespaces': [{'type': 'pid'}, {'type': 'net'}]}}",
                        "'net'", "linux.namespaces[1].type: unknown namespace type \"net\"");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},\n"
                        " 'linux': {'namespaces': [{'type': 'pid'}, {'type': 'mount'},\n"
                        "   {'type': 'pid', 'path': '/proc/1/ns/pid'}]}}",
                        "'pid', 'path'",
                        "linux.namespaces[2].type: duplicate namespace type \"pid\" "
                        "(also namespaces[0])");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'namespaces': [{'type': 'network', 'path': 'proc/1/ns/net'}]}}",
                        "'proc/1", "linux.namespaces[0].path: must be an absolute path");
}

void test_error_needs_namespace(void **state)
{
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'namespaces': [{'type': 'pid'}],"
                        " 'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}]}}",
                        "[{'containerID'", "linux.uidMappings: needs a user namespace");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'gidMappings':"
                        "  [{'containerID': 0, 'hostID': 1000, 'size': 1}]}}",
                        "[{'containerID'", "linux.gidMappings: needs a user namespace");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'timeOffsets': {'boottime': {'secs': 5}}}}",
                        "{'boottime'", "linux.timeOffsets: needs a time namespace");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'namespaces': [{'type': 'time'}],"
                        " 'timeOffsets': {'realtime': {'secs': 5}}}}",
                        "{'secs'", "linux.timeOffsets.realtime: unknown clock");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'}, 'hostname': 'h',"
                        " 'linux': {'namespaces': [{'type': 'pid'}]}}",
                        "'h'", "hostname: needs a uts namespace");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'}, 'domainname': 'd'}",
                        "'d'", "domainname: needs a uts namespace");
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'namespaces': [{'type': 'ipc'}],"
                        " 'sysctl': {'kernel.shmmax': '1', 'net.ipv4.ip_forward': '1'}}}",
                        "'1'}",
                        "linux.sysctl[\"net.ipv4.ip_forward\"]: sysctl net.ipv4.ip_forward "
                        "belongs to the network namespace, but linux.namespaces has no "
                        "network namespace: setting it would change the host's value");
        static const char *const ipc_keys[] = { "kernel.shmmax", "kernel.msgmax", "kernel.sem",
                                                "fs.mqueue.msg_max", "fs/mqueue/queues_max" };
        for (size_t i = 0; i < sizeof(ipc_keys) / sizeof(ipc_keys[0]); i++) {
                char text[512], want[256];
                snprintf(text, sizeof(text),
                         "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                         " 'linux': {'namespaces': [{'type': 'network'}],"
                         " 'sysctl': {'%s': '1'}}}",
                         ipc_keys[i]);
                /* keys with dots are quoted in paths; fs/mqueue/... needs no quotes */
                char path[128];
                snprintf(path, sizeof(path),
                         strchr(ipc_keys[i], '.') ? "linux.sysctl[\"%s\"]" : "linux.sysctl.%s",
                         ipc_keys[i]);
                snprintf(want, sizeof(want),
                         "%s: sysctl %s belongs to the ipc namespace, but "
                         "linux.namespaces has no ipc namespace",
                         path, ipc_keys[i]);
                expect_error_at(state, text, "'1'", want);
        }
        expect_error_at(state,
                        "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                        " 'linux': {'sysctl': {'kernel.domainname': 'x'}}}",
                        "'x'",
                        "linux.sysctl[\"kernel.domainname\"]: sysctl kernel.domainname "
                        "belongs to the uts namespace");

        /* with the namespaces, the same is fine; a path counts too */
        struct berth_spec *spec = expect_ok(
                state, "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'}, 'hostname': 'h',"
                       " 'linux': {'namespaces': [{'type': 'uts'}, {'type': 'ipc'},"
                       " {'type': 'network', 'path': '/proc/1/ns/net'}],"
                       " 'sysctl': {'kernel.hostname': 'x', 'kernel.sem': '1 2 3 4',"
                       " 'net.core.somaxconn': '10', 'vm.overcommit_memory': '1'}}}");
        assert_int_equal(spec->n_sysctl, 4);
        spec_free(spec);
        /* an empty hostname sets nothing, so needs nothing */
        spec = expect_ok(state,
                         "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'}, 'hostname': ''}");
        spec_free(spec);
}

void test_error_bundle_and_file(void **state)
{
        struct fixture *f = *state;
        struct berth_spec *spec = NULL;
        struct berth_error err = { 0 };
        assert_int_equal(spec_load("/nonexistent/bundle", &spec, &err), -ENOENT);
        assert_string_equal(err.msg, "bundle /nonexistent/bundle: No such file or directory");
        assert_null(spec);

        assert_int_equal(spec_load(f->bundle, &spec, &err), -ENOENT);
        char want[PATH_MAX + 128];
        snprintf(want, sizeof(want), "open %s/config.json: No such file or directory", f->bundle);
        assert_string_equal(err.msg, want);
}

void test_load_from_bundle(void **state)
{
        struct fixture *f = *state;
        char path[PATH_MAX + 16];
        snprintf(path, sizeof(path), "%s/config.json", f->bundle);
        FILE *fp = fopen(path, "w");
        assert_non_null(fp);
        fputs("{\"ociVersion\": \"1.0.2\",\n \"root\": {\"path\": \"rootfs\"},\n"
              " \"process\": {\"args\": [\"true\"], \"cwd\": 7}}",
              fp);
        fclose(fp);

        struct berth_spec *spec = NULL;
        struct berth_error err = { 0 };
        assert_int_equal(spec_load(f->bundle, &spec, &err), -EINVAL);
        assert_string_equal(err.msg, "config.json:3:39: process.cwd: expected a string");

        fp = fopen(path, "w");
        assert_non_null(fp);
        fputs("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}}", fp);
        fclose(fp);
        /* a relative, unclean bundle path becomes absolute */
        char rel[PATH_MAX + 64];
        snprintf(rel, sizeof(rel), "%s/rootfs/..", f->bundle);
        assert_int_equal(spec_load(rel, &spec, &err), 0);
        assert_string_equal(spec->bundle, f->bundle);
        char rootfs[PATH_MAX + 16];
        snprintf(rootfs, sizeof(rootfs), "%s/rootfs", f->bundle);
        assert_string_equal(spec->root_path, rootfs);
        assert_false(spec->has_process);
        assert_false(spec->has_resources);
        spec_free(spec);
        unlink(path);
}
