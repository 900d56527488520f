/* Unit tests for src/manager/netdb*.c: bridge names, published-port
 * specs, the lxc.net.N.berth.publish key, and address leases on a
 * temporary lxcpath (the bridge records are written here by hand; leasing
 * reads only the record and the lease file). test_kernel makes bridges
 * and publishes ports in a network namespace of a child's own (skipped
 * when not root), never in the host's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "net.h"
#include "src/manager/lxc-config.h"
#include "src/manager/netdb.h"
#include "util.h"

static void test_bridge_names(void **s)
{
        (void)s;
        assert_null(netdb_bridge_name_check("br0"));
        assert_null(netdb_bridge_name_check("lxc_br-1.2"));
        assert_null(netdb_bridge_name_check("abcdefghijklmno")); /* 15 */
        assert_non_null(netdb_bridge_name_check(""));
        assert_non_null(netdb_bridge_name_check("abcdefghijklmnop")); /* 16 */
        assert_non_null(netdb_bridge_name_check("."));
        assert_non_null(netdb_bridge_name_check(".."));
        assert_non_null(netdb_bridge_name_check("br/0"));
        assert_non_null(netdb_bridge_name_check("br 0"));
        assert_non_null(netdb_bridge_name_check("br:0"));
}

static void test_publish_spec(void **s)
{
        (void)s;
        struct netdb_port p;
        assert_null(netdb_publish_check("8080:80", &p));
        assert_int_equal(p.host, 8080);
        assert_int_equal(p.container, 80);
        assert_int_equal(p.proto, IPPROTO_TCP);
        assert_null(netdb_publish_check("53:5353/udp", &p));
        assert_int_equal(p.host, 53);
        assert_int_equal(p.container, 5353);
        assert_int_equal(p.proto, IPPROTO_UDP);
        assert_null(netdb_publish_check("1:65535/tcp", &p));
        assert_int_equal(p.proto, IPPROTO_TCP);
        assert_int_equal(p.container, 65535);
        assert_null(netdb_publish_check("65535:1", NULL));

        static const char *const bad[] = {
                "",          "8080",     ":80",      "8080:",         "0:80",
                "8080:0",    "65536:1",  "1:65536",  "80:80/sctp",    "80:80/",
                "80:80/TCP", "-1:80",    "+80:80",   " 80:80",        "80:80 ",
                "80:8a",     "80:80:90", "123456:1", "80:80/tcp/udp",
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                const char *why = netdb_publish_check(bad[i], &p);
                if (!why)
                        fail_msg("\"%s\" was accepted", bad[i]);
        }
        assert_string_equal(netdb_publish_check("80:80/sctp", NULL), "the protocol is tcp or udp");
        assert_string_equal(netdb_publish_check("0:80", NULL),
                            "the host port is not a number from 1 to 65535");
}

static void test_publish_key(void **s)
{
        (void)s;
        struct berth_error err = { 0 };
        struct lxc_config *cfg = lxc_config_new();
        assert_non_null(cfg);
        assert_int_equal(lxc_config_parse_text("lxc.net.0.type = veth\n"
                                               "lxc.net.0.link = br0\n"
                                               "lxc.net.0.berth.publish = 8080:80\n"
                                               "lxc.net.0.berth.publish = 5353:53/udp\n",
                                               "cfg", cfg, &err),
                         0);
        const struct lxc_net *n = lxc_config_net(cfg, 0);
        assert_non_null(n);
        assert_non_null(n->publish);
        assert_string_equal(n->publish[0], "8080:80");
        assert_string_equal(n->publish[1], "5353:53/udp");
        assert_null(n->publish[2]);
        lxc_config_free(cfg);

        cfg = lxc_config_new();
        assert_int_equal(lxc_config_parse_text("lxc.net.0.type = veth\n"
                                               "lxc.net.0.berth.publish = 8080:80/sctp\n",
                                               "cfg", cfg, &err),
                         -EINVAL);
        assert_non_null(strstr(err.msg, "lxc.net.0.berth.publish"));
        assert_non_null(strstr(err.msg, "tcp or udp"));
        lxc_config_free(cfg);
}

/* ---- leases */

struct tmp {
        char dir[64];
};

static int setup(void **state)
{
        struct tmp *t = calloc(1, sizeof(*t));
        snprintf(t->dir, sizeof(t->dir), "/tmp/berth-netdb-XXXXXX");
        assert_non_null(mkdtemp(t->dir));
        char net[128];
        snprintf(net, sizeof(net), "%s/.net", t->dir);
        assert_int_equal(mkdir(net, 0755), 0);
        *state = t;
        return 0;
}

static int teardown(void **state)
{
        struct tmp *t = *state;
        int dfd = open("/tmp", O_RDONLY | O_DIRECTORY);
        remove_tree_at(dfd, t->dir + 5);
        close(dfd);
        free(t);
        return 0;
}

static void put(const struct tmp *t, const char *file, const char *text)
{
        char path[256];
        snprintf(path, sizeof(path), "%s/.net/%s", t->dir, file);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static char *get(const struct tmp *t, const char *file)
{
        char path[256];
        snprintf(path, sizeof(path), "%s/.net/%s", t->dir, file);
        char *text = NULL;
        int dfd = open("/", O_RDONLY | O_DIRECTORY);
        int r = read_file_at(dfd, path + 1, &text, NULL);
        close(dfd);
        return r < 0 ? NULL : text;
}

/* The container's lease as text. */
static const char *lease(const struct tmp *t, const char *bridge, const char *c, int family,
                         int expect)
{
        static char buf[INET6_ADDRSTRLEN + 8];
        unsigned char a[16];
        unsigned prefix = 0;
        struct berth_error err = { 0 };
        int r = netdb_lease(t->dir, bridge, c, family, a, &prefix, &err);
        if (r != expect)
                fail_msg("lease %s on %s: %d (%s), expected %d", c, bridge, r, err.msg, expect);
        if (r < 0)
                return err.msg[0] ? strcpy(buf, "error") : "";
        inet_ntop(family, a, buf, sizeof(buf));
        snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "/%u", prefix);
        return buf;
}

static void test_lease_stable(void **state)
{
        struct tmp *t = *state;
        put(t, "br0.json",
            "{\"name\": \"br0\", \"ipv4\": \"10.0.3.1/24\", \"ipv6\": "
            "\"fd00:3::1/64\", \"nat\": true}\n");
        /* the bridge's .1 is skipped; the same container gets the same */
        assert_string_equal(lease(t, "br0", "web", AF_INET, 0), "10.0.3.2/24");
        assert_string_equal(lease(t, "br0", "db", AF_INET, 0), "10.0.3.3/24");
        assert_string_equal(lease(t, "br0", "web", AF_INET, 0), "10.0.3.2/24");
        assert_string_equal(lease(t, "br0", "db", AF_INET, 0), "10.0.3.3/24");
        assert_string_equal(lease(t, "br0", "web", AF_INET6, 0), "fd00:3::2/64");
        assert_string_equal(lease(t, "br0", "db", AF_INET6, 0), "fd00:3::3/64");
        assert_string_equal(lease(t, "br0", "web", AF_INET6, 0), "fd00:3::2/64");
        char *text = get(t, "br0.leases");
        assert_string_equal(text, "web 10.0.3.2 fd00:3::2\ndb 10.0.3.3 fd00:3::3\n");
        free(text);

        /* release frees the address for the next one; the others keep theirs */
        struct berth_error err = { 0 };
        assert_int_equal(netdb_release(t->dir, "br0", "web", &err), 0);
        assert_int_equal(netdb_release(t->dir, "br0", "web", &err), 0);
        assert_int_equal(netdb_release(t->dir, "nope", "web", &err), 0);
        assert_string_equal(lease(t, "br0", "db", AF_INET, 0), "10.0.3.3/24");
        assert_string_equal(lease(t, "br0", "app", AF_INET, 0), "10.0.3.2/24");
        text = get(t, "br0.leases");
        assert_string_equal(text, "db 10.0.3.3 fd00:3::3\napp 10.0.3.2 -\n");
        free(text);
}

static void test_lease_edges(void **state)
{
        struct tmp *t = *state;
        /* a /30 with the bridge on .1: only .2 is left (.0 network, .3 broadcast) */
        put(t, "small.json",
            "{\"name\": \"small\", \"ipv4\": \"192.168.9.1/30\", \"ipv6\": "
            "null, \"nat\": false}\n");
        assert_string_equal(lease(t, "small", "a", AF_INET, 0), "192.168.9.2/30");
        lease(t, "small", "b", AF_INET, -ENOSPC);
        /* no IPv6 subnet */
        lease(t, "small", "a", AF_INET6, -ENOENT);
        /* no record: not a berth bridge */
        lease(t, "other", "a", AF_INET, -ENOENT);

        /* the bridge on .2: .1 is free and given */
        put(t, "b2.json",
            "{\"name\": \"b2\", \"ipv4\": \"10.9.0.2/24\", \"ipv6\": null, "
            "\"nat\": false}\n");
        assert_string_equal(lease(t, "b2", "x", AF_INET, 0), "10.9.0.1/24");
        assert_string_equal(lease(t, "b2", "y", AF_INET, 0), "10.9.0.3/24");

        /* a lease from an older subnet, one on the bridge's own address and
         * a broken line are not reused; another's address is never given */
        put(t, "b2.leases", "x 10.8.0.7 -\ny 10.9.0.2 -\ngarbage\nz 10.9.0.3 -\n");
        assert_string_equal(lease(t, "b2", "x", AF_INET, 0), "10.9.0.1/24");
        assert_string_equal(lease(t, "b2", "y", AF_INET, 0), "10.9.0.4/24");
        assert_string_equal(lease(t, "b2", "z", AF_INET, 0), "10.9.0.3/24");
        char *text = get(t, "b2.leases");
        assert_string_equal(text, "x 10.9.0.1 -\ny 10.9.0.4 -\nz 10.9.0.3 -\n");
        free(text);

        /* names a lease line cannot hold */
        lease(t, "b2", "a b", AF_INET, -EINVAL);
        lease(t, "b2", "", AF_INET, -EINVAL);
}

/* Many processes at once: the lock gives each its own address. */
static void test_lease_concurrent(void **state)
{
        struct tmp *t = *state;
        put(t, "br1.json",
            "{\"name\": \"br1\", \"ipv4\": \"10.1.0.1/24\", \"ipv6\": null, "
            "\"nat\": false}\n");
        enum { N = 24 };
        pid_t pids[N];
        for (int i = 0; i < N; i++) {
                pids[i] = fork();
                assert_true(pids[i] >= 0);
                if (pids[i] == 0) {
                        char name[16];
                        snprintf(name, sizeof(name), "c%d", i);
                        unsigned char a[16];
                        unsigned prefix;
                        struct berth_error err = { 0 };
                        _exit(netdb_lease(t->dir, "br1", name, AF_INET, a, &prefix, &err) ? 1 : 0);
                }
        }
        for (int i = 0; i < N; i++) {
                int st;
                assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
                assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        }
        char *text = get(t, "br1.leases");
        assert_non_null(text);
        bool seen[256] = { false };
        int lines = 0;
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
                char name[16], v4[32], v6[32];
                assert_int_equal(sscanf(line, "%15s %31s %31s", name, v4, v6), 3);
                unsigned last = (unsigned)atoi(strrchr(v4, '.') + 1);
                assert_true(last >= 2 && last <= N + 1);
                assert_false(seen[last]);
                seen[last] = true;
                lines++;
        }
        assert_int_equal(lines, N);
        free(text);
}

/* ---- the kernel side, in a network namespace of the child's own */

#define CHECK(cond, ...)                                                                           \
        do {                                                                                       \
                if (!(cond)) {                                                                     \
                        fprintf(stderr, "line %d: %s: ", __LINE__, #cond);                         \
                        fprintf(stderr, __VA_ARGS__);                                              \
                        fprintf(stderr, "\n");                                                     \
                        _exit(1);                                                                  \
                }                                                                                  \
        } while (0)

/* `nft -n list map ip berth-BR MAP` */
static bool map_has(const char *bridge, const char *map, const char *element)
{
        char cmd[256], buf[4096];
        snprintf(cmd, sizeof(cmd), "nft -n list map ip berth-%s %s 2>/dev/null", bridge, map);
        FILE *f = popen(cmd, "r");
        if (!f)
                return false;
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = '\0';
        pclose(f);
        return strstr(buf, element) != NULL;
}

static void kernel_child(const char *dir)
{
        struct berth_error err = { 0 };
        struct netdb_bridge b;
        unsigned char c2[4] = { 10, 0, 3, 2 }, c3[4] = { 10, 0, 3, 3 };

        int r = netdb_bridge_load(dir, "br0", &b, &err);
        CHECK(r == -ENOENT, "%d %s", r, err.msg);
        CHECK(!strcmp(err.msg, "bridge br0 does not exist; create it with `berth net create "
                               "br0 --ipv4 10.0.3.1/24`"),
              "%s", err.msg);

        struct netdb_bridge nb = { .name = "br0", .nat = true };
        nb.ipv4 = (struct netdb_addr){ .set = true, .addr = { 10, 0, 3, 1 }, .prefix = 24 };
        r = netdb_bridge_create(dir, &nb, &err);
        CHECK(r == 0, "%s", err.msg);
        r = netdb_bridge_load(dir, "br0", &b, &err);
        CHECK(r == 0 && b.recorded && b.exists && b.is_bridge && b.up && b.nat && b.ipv4.set &&
                      b.ipv4.prefix == 24 && !b.ipv6.set,
              "%d %s", r, err.msg);

        r = netdb_publish(dir, "br0", "c2", "8080:80", c2, &err);
        CHECK(r == 0, "%s", err.msg);
        r = netdb_publish(dir, "br0", "c2", "8080:80/tcp", c2, &err); /* again: fine */
        CHECK(r == 0, "%s", err.msg);
        CHECK(map_has("br0", "pub_tcp", "8080 : 10.0.3.2 . 80"), "no tcp element");
        r = netdb_publish(dir, "br0", "c3", "8080:81", c3, &err);
        CHECK(r == -EEXIST, "%d %s", r, err.msg);
        CHECK(strstr(err.msg, "host port 8080/tcp is already published to 10.0.3.2:80"), "%s",
              err.msg);
        r = netdb_publish(dir, "br0", "c3", "8080:53/udp", c3, &err);
        CHECK(r == 0, "%s", err.msg);
        CHECK(map_has("br0", "pub_udp", "8080 : 10.0.3.3 . 53"), "no udp element");
        r = netdb_publish(dir, "br0", "c3", "8080", c3, &err);
        CHECK(r == -EINVAL, "%d %s", r, err.msg);

        /* unpublish removes only its own mapping */
        r = netdb_unpublish(dir, "br0", "c3", "8080:81", c3, &err);
        CHECK(r == 0, "%s", err.msg);
        CHECK(map_has("br0", "pub_tcp", "8080 : 10.0.3.2 . 80"), "c3 removed c2's element");
        r = netdb_unpublish(dir, "br0", "c2", "8080:80", c2, &err);
        CHECK(r == 0, "%s", err.msg);
        CHECK(!map_has("br0", "pub_tcp", "8080"), "element left");
        r = netdb_unpublish(dir, "br0", "c2", "8080:80", c2, &err);
        CHECK(r == 0, "%s", err.msg);

        /* a bridge without NAT cannot publish */
        struct netdb_bridge plain = { .name = "br1" };
        plain.ipv4 = (struct netdb_addr){ .set = true, .addr = { 10, 0, 4, 1 }, .prefix = 24 };
        CHECK(netdb_bridge_create(dir, &plain, &err) == 0, "%s", err.msg);
        r = netdb_publish(dir, "br1", "c2", "8080:80", c2, &err);
        CHECK(r == -EINVAL && strstr(err.msg, "no IPv4 NAT"), "%d %s", r, err.msg);

        /* a bridge whose device went away comes back from its record */
        struct net_nl *nl = NULL;
        CHECK(net_nl_open(-1, &nl, &err) == 0, "%s", err.msg);
        CHECK(net_link_delete(nl, "br1", false, &err) == 0, "%s", err.msg);
        CHECK(netdb_bridge_load(dir, "br1", &b, &err) == 0 && b.recorded && !b.exists, "%s",
              err.msg);
        CHECK(netdb_bridge_up(dir, "br1", &err) == 0, "%s", err.msg);
        CHECK(netdb_bridge_load(dir, "br1", &b, &err) == 0 && b.exists && b.up, "%s", err.msg);
        net_nl_close(nl);

        struct netdb_bridge *v = NULL;
        size_t n = 0;
        CHECK(netdb_bridge_list(dir, &v, &n, &err) == 0 && n == 2, "%s", err.msg);
        CHECK(!strcmp(v[0].name, "br0") && !strcmp(v[1].name, "br1") && v[0].nat && !v[1].nat,
              "list order");
        free(v);

        CHECK(netdb_bridge_delete(dir, "br0", &err) == 0, "%s", err.msg);
        CHECK(netdb_bridge_delete(dir, "br1", &err) == 0, "%s", err.msg);
        r = netdb_bridge_delete(dir, "br1", &err);
        CHECK(r == -ENOENT, "%d %s", r, err.msg);
        CHECK(!map_has("br0", "pub_udp", "elements"), "table left");
        _exit(0);
}

static void test_kernel(void **state)
{
        struct tmp *t = *state;
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (unshare(CLONE_NEWNET) < 0)
                        _exit(77);
                kernel_child(t->dir);
        }
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(WIFEXITED(st));
        if (WEXITSTATUS(st) == 77)
                skip(); /* not root */
        assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_bridge_names),
                cmocka_unit_test(test_publish_spec),
                cmocka_unit_test(test_publish_key),
                cmocka_unit_test_setup_teardown(test_lease_stable, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lease_edges, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lease_concurrent, setup, teardown),
                cmocka_unit_test_setup_teardown(test_kernel, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
