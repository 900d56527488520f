/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check-config's pure parts: reading .config text, and the verdicts the
 * kernel checks give for a known config on each cgroup layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../src/manager/check-config.h"

static const char sample[] = "#\n"
                             "# Automatically generated file; DO NOT EDIT.\n"
                             "#\n"
                             "CONFIG_NAMESPACES=y\n"
                             "CONFIG_UTS_NS=y\n"
                             "CONFIG_IPC_NS=y\n"
                             "CONFIG_PID_NS=y\n"
                             "CONFIG_NET_NS=y\n"
                             "# CONFIG_USER_NS is not set\n"
                             "CONFIG_CGROUPS=y\n"
                             "CONFIG_CGROUP_DEVICE=y\n"
                             "CONFIG_MEMCG=y\n"
                             "CONFIG_VETH=m\n"
                             "CONFIG_NFT_MASQ=m\n"
                             "CONFIG_SECCOMP=y\n"
                             "CONFIG_SECCOMP_FILTER=y\n"
                             "CONFIG_POSIX_MQUEUE=y\n"
                             "CONFIG_OVERLAY_FS=n\n"
                             "CONFIG_LOCALVERSION=\"-custom\"\n"
                             "CONFIG_NR_CPUS=64\r\n"
                             "CONFIG_LAST=y"; /* no final newline */

static struct kconfig *parse(const char *text)
{
        struct kconfig *kc = NULL;
        assert_int_equal(kconfig_parse(text, &kc), 0);
        assert_non_null(kc);
        return kc;
}

static void test_tristate_values(void **state)
{
        (void)state;
        struct kconfig *kc = parse(sample);
        assert_int_equal(kconfig_get(kc, "NAMESPACES"), KCONFIG_ENABLED);
        assert_int_equal(kconfig_get(kc, "CONFIG_NAMESPACES"), KCONFIG_ENABLED);
        assert_int_equal(kconfig_get(kc, "VETH"), KCONFIG_MODULE);
        assert_int_equal(kconfig_get(kc, "USER_NS"), KCONFIG_MISSING);    /* is not set */
        assert_int_equal(kconfig_get(kc, "OVERLAY_FS"), KCONFIG_MISSING); /* =n */
        assert_int_equal(kconfig_get(kc, "TIME_NS"), KCONFIG_MISSING);    /* absent */
        assert_int_equal(kconfig_get(kc, "LAST"), KCONFIG_ENABLED);
        kconfig_free(kc);
}

static void test_non_tristate_values(void **state)
{
        (void)state;
        struct kconfig *kc = parse(sample);
        assert_string_equal(kconfig_value(kc, "LOCALVERSION"), "\"-custom\"");
        assert_string_equal(kconfig_value(kc, "NR_CPUS"), "64"); /* \r dropped */
        assert_int_equal(kconfig_get(kc, "NR_CPUS"), KCONFIG_ENABLED);
        assert_null(kconfig_value(kc, "USER_NS"));
        kconfig_free(kc);
}

static void test_empty_and_junk_text(void **state)
{
        (void)state;
        struct kconfig *kc = parse("");
        assert_int_equal(kconfig_get(kc, "NAMESPACES"), KCONFIG_MISSING);
        kconfig_free(kc);
        kc = parse("hello\nCONFIG_=y\nCONFIG_X\n =y\n");
        assert_null(kconfig_value(kc, "X"));
        kconfig_free(kc);
}

static const struct cc_feature *find(const struct cc_report *r, const char *name)
{
        for (size_t i = 0; i < r->n_features; i++)
                if (!strcmp(r->features[i].name, name))
                        return &r->features[i];
        return NULL;
}

static void test_verdicts_on_cgroup_v1(void **state)
{
        (void)state;
        struct kconfig *kc = parse(sample);
        struct cc_report r = { 0 };
        assert_int_equal(cc_check_kernel(&r, kc, "6.1.0", CC_CGROUP_HYBRID), 0);

        const struct cc_feature *f = find(&r, "CONFIG_NAMESPACES");
        assert_non_null(f);
        assert_true(f->required);
        assert_int_equal(f->status, CC_ENABLED);
        assert_string_equal(f->group, "Namespaces");

        f = find(&r, "CONFIG_USER_NS");
        assert_non_null(f);
        assert_false(f->required);
        assert_int_equal(f->status, CC_MISSING);

        f = find(&r, "CONFIG_VETH");
        assert_int_equal(f->status, CC_MODULE);

        /* alternatives: named after the one that is there */
        f = find(&r, "CONFIG_NFT_MASQ");
        assert_non_null(f);
        assert_int_equal(f->status, CC_MODULE);

        /* the devices controller is what v1 needs; BPF is then optional */
        assert_true(find(&r, "CONFIG_CGROUP_DEVICE")->required);
        assert_false(find(&r, "CONFIG_CGROUP_BPF")->required);
        assert_int_equal(find(&r, "CONFIG_CGROUP_BPF")->status, CC_MISSING);

        /* devpts instances are only a question before 4.7 */
        assert_null(find(&r, "CONFIG_DEVPTS_MULTIPLE_INSTANCES"));
        assert_int_equal(r.missing_required, 0);
        kconfig_free(kc);
        for (size_t i = 0; i < r.n_features; i++) {
                free(r.features[i].name);
                free(r.features[i].detail);
        }
        free(r.features);
}

static void test_missing_required_on_cgroup_v2_and_old_kernel(void **state)
{
        (void)state;
        struct kconfig *kc = parse(sample);
        struct cc_report *r = calloc(1, sizeof(*r));
        assert_non_null(r);
        assert_int_equal(cc_check_kernel(r, kc, "4.4.0-generic", CC_CGROUP_V2), 0);
        /* CGROUP_BPF (device rules on v2) and DEVPTS_MULTIPLE_INSTANCES */
        assert_true(find(r, "CONFIG_CGROUP_BPF")->required);
        const struct cc_feature *f = find(r, "CONFIG_DEVPTS_MULTIPLE_INSTANCES");
        assert_non_null(f);
        assert_int_equal(f->status, CC_MISSING);
        assert_int_equal(r->missing_required, 2);
        /* neither masquerade option: both names shown */
        kconfig_free(kc);
        kc = parse("CONFIG_NAMESPACES=y\n");
        cc_report_free(r);
        r = calloc(1, sizeof(*r));
        assert_non_null(r);
        assert_int_equal(cc_check_kernel(r, kc, "6.1", CC_CGROUP_V1), 0);
        assert_non_null(find(r, "CONFIG_NETFILTER_XT_TARGET_MASQUERADE or CONFIG_NFT_MASQ"));
        assert_true(r->missing_required > 5);
        kconfig_free(kc);
        cc_report_free(r);
}

static void test_status_names(void **state)
{
        (void)state;
        assert_string_equal(cc_status_name(CC_ENABLED), "enabled");
        assert_string_equal(cc_status_name(CC_MODULE), "enabled as module");
        assert_string_equal(cc_status_name(CC_MISSING), "missing");
        assert_string_equal(cc_status_name(CC_FOUND), "found");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tristate_values),
                cmocka_unit_test(test_non_tristate_values),
                cmocka_unit_test(test_empty_and_junk_text),
                cmocka_unit_test(test_verdicts_on_cgroup_v1),
                cmocka_unit_test(test_missing_required_on_cgroup_v2_and_old_kernel),
                cmocka_unit_test(test_status_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
