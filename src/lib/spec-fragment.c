/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parts of a spec that come in a file of their own: a process.json (`exec
 * --process`) and a linux.resources object (`update --resources`). They
 * go through the same walker as config.json, so their errors name
 * FILE:LINE:COL and the JSON path in the same way. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "spec-walk.h"
#include "spec.h"
#include "util.h"

typedef int (*fragment_fn)(struct walk *w, json_t *doc, void *out);

static int load_fragment(const char *text, size_t len, const char *name, fragment_fn fn, void *out,
                         struct berth_error *err)
{
        json_error_t jerr;
        json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc) {
                if (jerr.line > 0)
                        return berth_error_setx(err, EINVAL, "%s:%d:%d: %s", name, jerr.line,
                                                jerr.column, jerr.text);
                return berth_error_setx(err, EINVAL, "%s: %s", name, jerr.text);
        }
        struct walk w = { .text = text, .len = len, .name = name, .err = err };
        int r = walk_expect_object(&w, doc);
        if (r == 0)
                r = fn(&w, doc, out);
        json_decref(doc);
        return r;
}

static int walk_process_doc(struct walk *w, json_t *doc, void *out)
{
        return spec_walk_process(w, doc, out);
}

static int walk_resources_doc(struct walk *w, json_t *doc, void *out)
{
        return spec_walk_resources(w, doc, out);
}

int spec_load_process(const char *path, struct berth_process *out, struct berth_error *err)
{
        memset(out, 0, sizeof(*out));
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = read_file_at(AT_FDCWD, path, &text, &len);
        if (r < 0)
                return berth_error_set(err, -r, "process file %s", path);
        r = load_fragment(text, len, path, walk_process_doc, out, err);
        if (r < 0) {
                spec_process_free(out);
                memset(out, 0, sizeof(*out));
        }
        return r;
}

int spec_load_resources(const char *text, size_t len, const char *name, struct berth_resources *out,
                        struct berth_error *err)
{
        memset(out, 0, sizeof(*out));
        int r = load_fragment(text, len, name ? name : "resources.json", walk_resources_doc, out,
                              err);
        if (r < 0) {
                spec_resources_free(out);
                memset(out, 0, sizeof(*out));
        }
        return r;
}
