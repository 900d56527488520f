/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth.oci: the OCI runtime's verbs (`berth oci ...`) over bundles, as
 * functions. root is the state directory (--root; None: /run/berth).
 *
 * The init of a container made by create (or a detached run) is a child
 * of this process, as it is of the berth command, but this process
 * outlives it: the pids are remembered and reaped once they have exited,
 * at the start of every call here, so no zombie is left behind. */
#include "berthmodule.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define UNLOCKED(stmt)                  \
        do {                            \
                Py_BEGIN_ALLOW_THREADS; \
                stmt;                   \
                Py_END_ALLOW_THREADS;   \
        } while (0)

/* ---- the inits we are the parent of (the GIL guards the list) */

static pid_t *inits;
static size_t n_inits, cap_inits;

static void reap_inits(void)
{
        size_t k = 0;
        for (size_t i = 0; i < n_inits; i++) {
                pid_t w = waitpid(inits[i], NULL, WNOHANG);
                if (w == 0)
                        inits[k++] = inits[i]; /* still running */
                /* w == pid: reaped; -1 (ECHILD): someone else reaped it */
        }
        n_inits = k;
}

/* A child to reap once it has exited. Only a child of ours can be: a
 * pid that is not one gives ECHILD and is dropped at the next reap. */
static void remember(pid_t pid)
{
        if (pid <= 0)
                return;
        if (n_inits == cap_inits) {
                size_t nc = cap_inits ? cap_inits * 2 : 16;
                pid_t *ni = realloc(inits, nc * sizeof(*ni));
                if (!ni)
                        return;
                inits = ni;
                cap_inits = nc;
        }
        inits[n_inits++] = pid;
}

/* The init of id (0 if none), remembered. */
static pid_t remember_init(const struct berth_oci_ctx *ctx, const char *id)
{
        char *text = NULL;
        struct berth_error err = { 0 };
        if (berth_oci_state(ctx, id, &text, &err) < 0)
                return 0;
        json_t *doc = json_loads(text, 0, NULL);
        free(text);
        pid_t pid = (pid_t)json_integer_value(json_object_get(doc, "pid"));
        json_decref(doc);
        remember(pid);
        return pid > 0 ? pid : 0;
}

/* A pid file's pid, 0 when it cannot be read. */
static pid_t read_pid_file(const char *path)
{
        FILE *f = fopen(path, "re");
        long pid = 0;
        if (f) {
                if (fscanf(f, "%ld", &pid) != 1)
                        pid = 0;
                fclose(f);
        }
        return (pid_t)pid;
}

/* ---- warnings: poststart/poststop hooks that failed do not fail the
 * call; they become RuntimeWarnings once the GIL is back */

struct warnings {
        char *msgs[8];
        size_t n;
};

static void warn_cb(void *data, const char *msg)
{
        struct warnings *w = data;
        if (w->n < sizeof(w->msgs) / sizeof(w->msgs[0]))
                w->msgs[w->n++] = strdup(msg);
}

static int warnings_emit(struct warnings *w)
{
        int r = 0;
        for (size_t i = 0; i < w->n; i++) {
                if (r == 0 && w->msgs[i] && PyErr_WarnEx(PyExc_RuntimeWarning, w->msgs[i], 1) < 0)
                        r = -1; /* warnings are errors (-W error) */
                free(w->msgs[i]);
        }
        w->n = 0;
        return r;
}

/* An exception is already set: the warnings are dropped with it. */
static void warnings_drop(struct warnings *w)
{
        for (size_t i = 0; i < w->n; i++)
                free(w->msgs[i]);
        w->n = 0;
}

/* A context for root (a bytes object or NULL), collecting warnings. */
static struct berth_oci_ctx make_ctx(PyObject *root, struct warnings *w)
{
        reap_inits();
        return (struct berth_oci_ctx){
                .root = root ? PyBytes_AS_STRING(root) : NULL,
                .warn = warn_cb,
                .warn_data = w,
        };
}

/* The end of every call: warnings, the error, or the result. */
static PyObject *finish(int r, const struct berth_error *err, struct warnings *w,
                        PyObject *result, PyObject *root)
{
        Py_XDECREF(root);
        if (warnings_emit(w) < 0 && r == 0) {
                Py_XDECREF(result);
                return NULL;
        }
        if (r < 0) {
                Py_XDECREF(result);
                return berthpy_raise(err);
        }
        return result;
}

/* ---- the verbs */

static PyObject *oci_create(PyObject *mod, PyObject *args, PyObject *kw)
{
        (void)mod;
        static char *kwlist[] = { "id",       "bundle",         "root",     "pid_file",
                                  "console_socket", "preserve_fds", "no_pivot", "no_new_keyring",
                                  NULL };
        const char *id;
        PyObject *bundle = NULL, *root = NULL, *pid_file = NULL, *sock = NULL;
        int preserve = 0, no_pivot = 0, no_keyring = 0;
        if (!PyArg_ParseTupleAndKeywords(args, kw, "sO&|O&O&O&ipp:create", kwlist, &id,
                                         berthpy_opt_path, &bundle, berthpy_opt_path, &root,
                                         berthpy_opt_path, &pid_file, berthpy_opt_path, &sock,
                                         &preserve, &no_pivot, &no_keyring))
                return NULL;
        struct warnings w = { 0 };
        struct berth_oci_ctx ctx = make_ctx(root, &w);
        struct berth_create_opts o = {
                .bundle = bundle ? PyBytes_AS_STRING(bundle) : NULL,
                .pid_file = pid_file ? PyBytes_AS_STRING(pid_file) : NULL,
                .console_socket = sock ? PyBytes_AS_STRING(sock) : NULL,
                .preserve_fds = preserve,
                .no_pivot = no_pivot,
                .no_new_keyring = no_keyring,
        };
        struct berth_error err = { 0 };
        int r;
        UNLOCKED(r = berth_oci_create(&ctx, id, &o, &err));
        if (r == 0)
                remember_init(&ctx, id);
        Py_XDECREF(bundle);
        Py_XDECREF(pid_file);
        Py_XDECREF(sock);
        return finish(r, &err, &w, r < 0 ? NULL : Py_NewRef(Py_None), root);
}

static PyObject *oci_run(PyObject *mod, PyObject *args, PyObject *kw)
{
        (void)mod;
        static char *kwlist[] = { "id", "bundle", "root", "detach", "keep", "pid_file", NULL };
        const char *id;
        PyObject *bundle = NULL, *root = NULL, *pid_file = NULL;
        int detach = 0, keep = 0;
        if (!PyArg_ParseTupleAndKeywords(args, kw, "sO&|O&ppO&:run", kwlist, &id,
                                         berthpy_opt_path, &bundle, berthpy_opt_path, &root,
                                         &detach, &keep, berthpy_opt_path, &pid_file))
                return NULL;
        struct warnings w = { 0 };
        struct berth_oci_ctx ctx = make_ctx(root, &w);
        struct berth_create_opts o = {
                .bundle = bundle ? PyBytes_AS_STRING(bundle) : NULL,
                .pid_file = pid_file ? PyBytes_AS_STRING(pid_file) : NULL,
        };
        struct berth_error err = { 0 };
        int r, status = 0;
        berthpy_flush_stdio();
        UNLOCKED(r = berth_oci_run(&ctx, id, &o, detach, keep, &status, &err));
        if (r == 0 && detach)
                status = (int)remember_init(&ctx, id); /* detached: the init's pid */
        Py_XDECREF(bundle);
        Py_XDECREF(pid_file);
        return finish(r, &err, &w, r < 0 ? NULL : PyLong_FromLong(status), root);
}

/* start, pause, resume: an id and the root. */
static PyObject *id_call(PyObject *args, PyObject *kw, const char *fmt,
                         int (*call)(const struct berth_oci_ctx *, const char *,
                                     struct berth_error *))
{
        static char *kwlist[] = { "id", "root", NULL };
        const char *id;
        PyObject *root = NULL;
        if (!PyArg_ParseTupleAndKeywords(args, kw, fmt, kwlist, &id, berthpy_opt_path, &root))
                return NULL;
        struct warnings w = { 0 };
        struct berth_oci_ctx ctx = make_ctx(root, &w);
        struct berth_error err = { 0 };
        int r;
        UNLOCKED(r = call(&ctx, id, &err));
        return finish(r, &err, &w, r < 0 ? NULL : Py_NewRef(Py_None), root);
}

static PyObject *oci_start(PyObject *mod, PyObject *args, PyObject *kw)
{
        (void)mod;
        return id_call(args, kw, "s|O&:start", berth_oci_start);
}

static PyObject *oci_pause(PyObject *mod, PyObject *args, PyObject *kw)
{
        (void)mod;
        return id_call(args, kw, "s|O&:pause", berth_oci_pause);
}

static PyObject *oci_resume(PyObject *mod, PyObject *args, PyObject *kw)
{
        (void)mod;
        return id_call(args, kw, "s|O&:resume", berth_oci_resume);
}

/* state and stats: a JSON document of id. */
static PyObject *doc_call(PyObject *args, PyObject *kw, const char *fmt,
                          int (*call)(const struct berth_oci_ctx *, const char *, char **,
                                      struct berth_error *))
{
        static char *kwlist[] = { "id", "root", NULL };
        const char *id;
        PyObject *root = NULL;
        if (!PyArg_ParseTupleAndKeywords(args, kw, fmt, kwlist, &id, berthpy_opt_path, &root))
                return NULL;
        struct warnings w = { 0 };
        struct berth_oci_ctx ctx = make_ctx(root, &w);
        struct berth_error err = { 0 };
        char *json = NULL;
        int r;
        UNLOCKED(r = call(&ctx, id, &json, &err));
        PyObject *doc = r < 0 ? NULL : berthpy_json(json);
        free(json);
        if (r == 0 && !doc) {
                warnings_drop(&w);
                Py_XDECREF(root);
                return NULL;
        }
        return finish(r, &err, &w, doc, root);
}

static PyObject *oci_state(PyObject *mod, PyObject *args, PyObject *kw)
{
        (void)mod;
        return doc_call(args, kw, "s|O&:state", berth_oci_state);
}

static PyObject *oci_stats(PyObject *mod, PyObject *args, PyObject *kw)
{
        (void)mod;
        return doc_call(args, kw, "s|O&:stats", berth_oci_stats);
}

static PyObject *oci_kill(PyObject *mod, PyObject *args, PyObject *kw)
{
        (void)mod;
        static char *kwlist[] = { "id", "sig", "all", "root", NULL };
        const char *id;
        PyObject *sig_obj = NULL, *root = NULL;
        int all = 0;
        if (!PyArg_ParseTupleAndKeywords(args, kw, "s|OpO&:kill", kwlist, &id, &sig_obj, &all,
                                         berthpy_opt_path, &root))
                return NULL;
        int sig = sig_obj ? berthpy_signal(sig_obj) : SIGTERM;
        if (sig < 0) {
                Py_XDECREF(root);
                return NULL;
        }
        struct warnings w = { 0 };
        struct berth_oci_ctx ctx = make_ctx(root, &w);
        struct berth_error err = { 0 };
        int r;
        UNLOCKED(r = berth_oci_kill(&ctx, id, sig, all, &err));
        return finish(r, &err, &w, r < 0 ? NULL : Py_NewRef(Py_None), root);
}

static PyObject *oci_delete(PyObject *mod, PyObject *args, PyObject *kw)
{
        (void)mod;
        static char *kwlist[] = { "id", "force", "root", NULL };
        const char *id;
        PyObject *root = NULL;
        int force = 0;
        if (!PyArg_ParseTupleAndKeywords(args, kw, "s|pO&:delete", kwlist, &id, &force,
                                         berthpy_opt_path, &root))
                return NULL;
        struct warnings w = { 0 };
        struct berth_oci_ctx ctx = make_ctx(root, &w);
        struct berth_error err = { 0 };
        int r;
        UNLOCKED(r = berth_oci_delete(&ctx, id, force, &err));
        /* a forced delete killed the init: reap it now, not at the next call */
        if (r == 0)
                reap_inits();
        return finish(r, &err, &w, r < 0 ? NULL : Py_NewRef(Py_None), root);
}

static PyObject *oci_exec(PyObject *mod, PyObject *args, PyObject *kw)
{
        (void)mod;
        static char *kwlist[] = { "id",     "argv",    "root",  "env",      "cwd",
                                  "user",   "tty",     "detach", "process", "caps",
                                  "no_new_privs", "additional_gids", "pid_file",
                                  "console_socket", "preserve_fds", NULL };
        const char *id, *user = NULL;
        PyObject *argv_obj = Py_None, *root = NULL, *env_obj = Py_None, *cwd = NULL;
        PyObject *process = NULL, *caps_obj = Py_None, *gids_obj = Py_None, *pid_file = NULL;
        PyObject *sock = NULL;
        int tty = 0, detach = 0, nnp = 0, preserve = 0;
        if (!PyArg_ParseTupleAndKeywords(
                    args, kw, "s|OO&OO&zppO&OpOO&O&i:exec", kwlist, &id, &argv_obj,
                    berthpy_opt_path, &root, &env_obj, berthpy_opt_path, &cwd, &user, &tty,
                    &detach, berthpy_opt_path, &process, &caps_obj, &nnp, &gids_obj,
                    berthpy_opt_path, &pid_file, berthpy_opt_path, &sock, &preserve))
                return NULL;
        char **argv = NULL, **env = NULL, **caps = NULL;
        gid_t *gids = NULL;
        Py_ssize_t n_gids = 0;
        PyObject *gids_fast = NULL;
        bool ok = (argv_obj == Py_None || berthpy_strv(argv_obj, "argv", &argv) == 0) &&
                  berthpy_env(env_obj, &env) == 0 &&
                  (caps_obj == Py_None || berthpy_strv(caps_obj, "caps", &caps) == 0);
        if (ok && gids_obj != Py_None) {
                gids_fast = PySequence_Fast(gids_obj, "additional_gids: expected a sequence");
                n_gids = gids_fast ? PySequence_Fast_GET_SIZE(gids_fast) : 0;
                gids = gids_fast ? calloc((size_t)n_gids + 1, sizeof(*gids)) : NULL;
                ok = gids != NULL;
                if (gids_fast && !gids)
                        PyErr_NoMemory();
                for (Py_ssize_t i = 0; ok && i < n_gids; i++) {
                        long g = PyLong_AsLong(PySequence_Fast_GET_ITEM(gids_fast, i));
                        if (g == -1 && PyErr_Occurred())
                                ok = false;
                        gids[i] = (gid_t)g;
                }
        }
        Py_XDECREF(gids_fast);
        PyObject *ret = NULL;
        if (ok) {
                struct warnings w = { 0 };
                struct berth_oci_ctx ctx = make_ctx(root, &w);
                struct berth_exec_opts o = {
                        .process_file = process ? PyBytes_AS_STRING(process) : NULL,
                        .argv = argv,
                        .env = env,
                        .cwd = cwd ? PyBytes_AS_STRING(cwd) : NULL,
                        .user = user,
                        .additional_gids = gids,
                        .n_additional_gids = (size_t)n_gids,
                        .caps = caps,
                        .no_new_privs = nnp,
                        .tty = tty,
                        .console_socket = sock ? PyBytes_AS_STRING(sock) : NULL,
                        .detach = detach,
                        .pid_file = pid_file ? PyBytes_AS_STRING(pid_file) : NULL,
                        .preserve_fds = preserve,
                };
                /* detached, the process stays our child: its pid (from a
                 * pid file of our own when the caller gave none) is
                 * returned and remembered, to be reaped */
                char tmp[] = "/tmp/berth-py-exec-XXXXXX";
                int tmpfd = detach && !o.pid_file ? mkstemp(tmp) : -1;
                if (tmpfd >= 0) {
                        close(tmpfd);
                        o.pid_file = tmp;
                }
                struct berth_error err = { 0 };
                int r, status = 0;
                berthpy_flush_stdio();
                UNLOCKED(r = berth_oci_exec(&ctx, id, &o, &status, &err));
                if (r == 0 && detach && o.pid_file) {
                        status = (int)read_pid_file(o.pid_file);
                        remember(status);
                }
                if (tmpfd >= 0)
                        unlink(tmp);
                ret = finish(r, &err, &w, r < 0 ? NULL : PyLong_FromLong(status), NULL);
        }
        berthpy_strv_free(argv);
        berthpy_strv_free(env);
        berthpy_strv_free(caps);
        free(gids);
        Py_XDECREF(root);
        Py_XDECREF(cwd);
        Py_XDECREF(process);
        Py_XDECREF(pid_file);
        Py_XDECREF(sock);
        return ret;
}

static PyObject *oci_list(PyObject *mod, PyObject *args, PyObject *kw)
{
        (void)mod;
        static char *kwlist[] = { "root", NULL };
        PyObject *root = NULL;
        if (!PyArg_ParseTupleAndKeywords(args, kw, "|O&:list", kwlist, berthpy_opt_path, &root))
                return NULL;
        struct warnings w = { 0 };
        struct berth_oci_ctx ctx = make_ctx(root, &w);
        struct berth_oci_state *states = NULL;
        size_t n = 0;
        struct berth_error err = { 0 };
        int r;
        UNLOCKED(r = berth_oci_list(&ctx, &states, &n, &err));
        PyObject *out = r < 0 ? NULL : PyList_New(0);
        for (size_t i = 0; out && i < n; i++) {
                const struct berth_oci_state *s = &states[i];
                PyObject *d = Py_BuildValue("{s:s, s:s, s:i, s:N, s:s, s:s}", "id", s->id,
                                            "status", s->status, "pid", (int)s->pid, "bundle",
                                            PyUnicode_DecodeFSDefault(s->bundle), "created",
                                            s->created, "owner", s->owner);
                if (!d || PyList_Append(out, d) < 0)
                        Py_CLEAR(out);
                Py_XDECREF(d);
        }
        free(states);
        if (r == 0 && !out) {
                warnings_drop(&w);
                Py_XDECREF(root);
                return NULL;
        }
        return finish(r, &err, &w, out, root);
}

static PyObject *oci_ps(PyObject *mod, PyObject *args, PyObject *kw)
{
        (void)mod;
        static char *kwlist[] = { "id", "root", NULL };
        const char *id;
        PyObject *root = NULL;
        if (!PyArg_ParseTupleAndKeywords(args, kw, "s|O&:ps", kwlist, &id, berthpy_opt_path,
                                         &root))
                return NULL;
        struct warnings w = { 0 };
        struct berth_oci_ctx ctx = make_ctx(root, &w);
        pid_t *pids = NULL;
        size_t n = 0;
        struct berth_error err = { 0 };
        int r;
        UNLOCKED(r = berth_oci_ps(&ctx, id, &pids, &n, &err));
        PyObject *out = r < 0 ? NULL : PyList_New((Py_ssize_t)n);
        for (size_t i = 0; out && i < n; i++) {
                PyObject *p = PyLong_FromLong(pids[i]);
                if (!p)
                        Py_CLEAR(out);
                else
                        PyList_SET_ITEM(out, (Py_ssize_t)i, p);
        }
        free(pids);
        if (r == 0 && !out) {
                warnings_drop(&w);
                Py_XDECREF(root);
                return NULL;
        }
        return finish(r, &err, &w, out, root);
}

static PyObject *oci_spec(PyObject *mod, PyObject *args, PyObject *kw)
{
        (void)mod;
        static char *kwlist[] = { "rootless", NULL };
        int rootless = 0;
        if (!PyArg_ParseTupleAndKeywords(args, kw, "|p:spec", kwlist, &rootless))
                return NULL;
        char *json = NULL;
        struct berth_error err = { 0 };
        if (berth_oci_spec(rootless, &json, &err) < 0)
                return berthpy_raise(&err);
        PyObject *doc = berthpy_json(json);
        free(json);
        return doc;
}

static PyObject *oci_features(PyObject *mod, PyObject *unused)
{
        (void)mod, (void)unused;
        char *json = NULL;
        struct berth_error err = { 0 };
        if (berth_oci_features(&json, &err) < 0)
                return berthpy_raise(&err);
        PyObject *doc = berthpy_json(json);
        free(json);
        return doc;
}

#include "oci-doc.h"

#define KW(f) (PyCFunction)(void (*)(void))(f), METH_VARARGS | METH_KEYWORDS

static PyMethodDef oci_methods[] = {
        { "create", KW(oci_create), DOC_OCI_CREATE },
        { "start", KW(oci_start), DOC_OCI_START },
        { "run", KW(oci_run), DOC_OCI_RUN },
        { "state", KW(oci_state), DOC_OCI_STATE },
        { "kill", KW(oci_kill), DOC_OCI_KILL },
        { "delete", KW(oci_delete), DOC_OCI_DELETE },
        { "pause", KW(oci_pause), DOC_OCI_PAUSE },
        { "resume", KW(oci_resume), DOC_OCI_RESUME },
        { "exec", KW(oci_exec), DOC_OCI_EXEC },
        { "list", KW(oci_list), DOC_OCI_LIST },
        { "ps", KW(oci_ps), DOC_OCI_PS },
        { "stats", KW(oci_stats), DOC_OCI_STATS },
        { "spec", KW(oci_spec), DOC_OCI_SPEC },
        { "features", (PyCFunction)oci_features, METH_NOARGS, DOC_OCI_FEATURES },
        { NULL, NULL, 0, NULL },
};

static struct PyModuleDef oci_def = {
        PyModuleDef_HEAD_INIT,
        .m_name = "berth.oci",
        .m_doc = DOC_OCI,
        .m_size = -1,
        .m_methods = oci_methods,
};

PyObject *berthpy_oci_module(void)
{
        return PyModule_Create(&oci_def);
}
