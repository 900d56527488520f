/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cache of compiled seccomp filters (seccomp-cache.c): a hit gives
 * the very program a compile gives, a file whose key differs is a miss,
 * and NOTIFY profiles are never cached. Runs as root (the cache is then
 * /run/berth-cache/seccomp); each test removes the entries it made. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seccomp-internal.h"
#include "seccomp.h"
#include "spec.h"
#include "util.h"

/* A profile no other run has: its errno is this process's. */
static char *profile(void)
{
        char *p = NULL;
        assert_true(asprintf(&p,
                             "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                             "[\"getppid\", \"mknodat\"], \"action\": \"SCMP_ACT_ERRNO\", "
                             "\"errnoRet\": %d}]}",
                             (int)(getpid() % 4000) + 1) > 0);
        return p;
}

static struct seccomp_plan *prepare(const char *sc)
{
        char *text = NULL;
        assert_true(asprintf(&text,
                             "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"}, "
                             "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"}, "
                             "\"linux\": {\"seccomp\": %s}}",
                             sc) > 0);
        struct berth_spec *spec = NULL;
        struct berth_error err = { 0 };
        if (spec_load_text(text, strlen(text), "config.json", NULL, &spec, &err) < 0)
                fail_msg("the test's config does not load: %s", err.msg);
        struct seccomp_plan *plan = NULL;
        if (seccomp_prepare(spec, "ctr", &plan, &err) < 0)
                fail_msg("seccomp_prepare: %s", err.msg);
        spec_free(spec);
        free(text);
        assert_non_null(plan);
        return plan;
}

/* The cache file of a profile, as seccomp-cache.c names it. */
static void entry_path(const char *sc, char *buf, size_t len)
{
        /* the key is made of the compact JSON, as seccomp_prepare makes it */
        json_error_t je;
        json_t *j = json_loads(sc, 0, &je);
        assert_non_null(j);
        char *compact = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        char *key = seccomp_cache_key(compact, false);
        assert_non_null(key);
        snprintf(buf, len, "/run/berth-cache/seccomp/%016" PRIx64 ".bpf", hash_fnv1a64(key));
        free(key);
        free(compact);
}

static int need_root(void **state)
{
        (void)state;
        if (geteuid() != 0)
                skip();
        return 0;
}

static void assert_same_program(const struct seccomp_plan *a, const struct seccomp_plan *b)
{
        assert_int_equal(a->n_insns, b->n_insns);
        assert_int_equal(a->flags, b->flags);
        assert_memory_equal(a->insns, b->insns, (size_t)a->n_insns * sizeof(*a->insns));
}

static void test_hit_is_the_same_program(void **state)
{
        (void)state;
        char *sc = profile(), path[128];
        entry_path(sc, path, sizeof(path));
        unlink(path);
        struct seccomp_plan *compiled = prepare(sc);
        assert_int_equal(access(path, R_OK), 0); /* the miss stored it */
        struct seccomp_plan *cached = prepare(sc);
        assert_same_program(compiled, cached);

        /* a file whose key is another profile's is a miss: the program is
         * compiled again, and the same */
        FILE *f = fopen(path, "r+b");
        assert_non_null(f);
        assert_int_equal(fseek(f, 40, SEEK_SET), 0); /* inside the key */
        assert_int_equal(fputc('#', f), '#');
        fclose(f);
        struct seccomp_plan *again = prepare(sc);
        assert_same_program(compiled, again);
        /* ... and stored anew */
        struct seccomp_plan *hit = prepare(sc);
        assert_same_program(compiled, hit);

        unlink(path);
        seccomp_plan_free(compiled);
        seccomp_plan_free(cached);
        seccomp_plan_free(again);
        seccomp_plan_free(hit);
        free(sc);
}

static void test_truncated_entry_is_a_miss(void **state)
{
        (void)state;
        char *sc = profile(), path[128];
        entry_path(sc, path, sizeof(path));
        struct seccomp_plan *compiled = prepare(sc);
        assert_int_equal(truncate(path, 30), 0);
        struct seccomp_plan *again = prepare(sc);
        assert_same_program(compiled, again);
        unlink(path);
        seccomp_plan_free(compiled);
        seccomp_plan_free(again);
        free(sc);
}

static void test_notify_is_never_cached(void **state)
{
        (void)state;
        assert_null(seccomp_cache_key("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{"
                                      "\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
                                      false));
        assert_null(seccomp_cache_key("{\"listenerPath\":\"/x\"}", false));
        char *a = seccomp_cache_key("{}", false), *b = seccomp_cache_key("{}", true);
        assert_non_null(a);
        assert_non_null(b);
        assert_string_not_equal(a, b); /* the annotation is part of the key */
        free(a);
        free(b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(test_hit_is_the_same_program, need_root),
                cmocka_unit_test_setup(test_truncated_entry_is_a_miss, need_root),
                cmocka_unit_test(test_notify_is_never_cached),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
