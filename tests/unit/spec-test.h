/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the spec unit tests: the bundle fixture and the helpers that
 * load single-quoted JSON and check errors with their line:column. */
#pragma once
#include <limits.h>
#include <stdbool.h>

#include "spec.h"

/* The group state: a bundle directory with an empty rootfs. */
struct fixture {
        char bundle[PATH_MAX];
};

/* 'x' -> "x": JSON in single quotes for readability; malloc'd. */
char *dq(const char *q);
/* spec_load_text of dq(qtext) against the fixture's bundle. */
int load(void **state, const char *qtext, struct berth_spec **spec, struct berth_error *err);
/* 1-based line and character column where needle first starts in text. */
void pos_of(const char *text, const char *needle, int *line, int *col);
/* Loading qtext fails with "config.json:L:C: <what>", where L:C is the
 * position of marker (single-quoted like the text) in the text. */
void expect_error_at(void **state, const char *qtext, const char *marker, const char *what);
/* The same with an explicit position. */
void expect_error_lc(void **state, const char *qtext, int line, int col, const char *what);
struct berth_spec *expect_ok(void **state, const char *qtext);

/* test_spec_errors.c */
void test_error_parse(void **state);
void test_error_wrong_type(void **state);
void test_error_required_missing_points_at_parent(void **state);
void test_error_values(void **state);
void test_error_rootfs(void **state);
void test_error_capabilities(void **state);
void test_error_rlimits(void **state);
void test_rlimit_table(void **state);
void test_error_mounts_and_hooks(void **state);
void test_error_path_too_long(void **state);
void test_error_namespaces(void **state);
void test_error_needs_namespace(void **state);
void test_error_bundle_and_file(void **state);
void test_load_from_bundle(void **state);

/* test_spec_idmap.c */
void test_idmap_ranges_may_not_overlap(void **state);
void test_idmap_ranges_stay_below_the_last_id(void **state);
void test_idmap_at_most_340_ranges(void **state);
void test_idmap_mount_parses(void **state);
void test_idmap_mount_errors(void **state);
void test_resources_asked(void **state);

/* test_spec_attrs.c */
void test_process_attrs_parse(void **state);
void test_error_process_attrs(void **state);
void test_error_user_ids(void **state);
