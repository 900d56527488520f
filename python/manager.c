/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The manager's module-level functions: berth.list_containers and
 * berth.execute. */
#include "berthmodule.h"

#include <stdlib.h>

/* names[] freed as berth_list_containers hands it out. */
static void names_free(char **names, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

/* Whether NAME passes the active filter (None: all; True: not STOPPED;
 * False: STOPPED); -1 with an exception. */
static int keep_name(const char *name, const char *lxcpath, int active)
{
        if (active < 0)
                return 1;
        struct berth_container *c = NULL;
        struct berth_error err = { 0 };
        enum berth_container_state s = BERTH_STOPPED;
        pid_t pid;
        int r;
        Py_BEGIN_ALLOW_THREADS;
        r = berth_container_new(name, lxcpath, &c, &err);
        if (r == 0)
                r = berth_container_state(c, &s, &pid, &err);
        berth_container_free(c);
        Py_END_ALLOW_THREADS;
        if (r < 0) {
                berthpy_raise(&err);
                return -1;
        }
        return (s != BERTH_STOPPED) == (active == 1);
}

/* A Container for name in lxcpath. */
static PyObject *container_of(PyObject *name, PyObject *lxcpath)
{
        return PyObject_CallFunctionObjArgs((PyObject *)&berthpy_ContainerType, name,
                                            lxcpath ? lxcpath : Py_None, NULL);
}

static PyObject *list_containers(PyObject *mod, PyObject *args, PyObject *kw)
{
        (void)mod;
        static char *kwlist[] = { "lxcpath", "active", "as_object", NULL };
        PyObject *lxcpath = NULL, *active_obj = Py_None;
        int as_object = 0;
        if (!PyArg_ParseTupleAndKeywords(args, kw, "|O&Op:list_containers", kwlist,
                                         berthpy_opt_path, &lxcpath, &active_obj, &as_object))
                return NULL;
        int active = active_obj == Py_None ? -1 : PyObject_IsTrue(active_obj);
        if (active_obj != Py_None && active < 0) {
                Py_XDECREF(lxcpath);
                return NULL;
        }
        const char *path = lxcpath ? PyBytes_AS_STRING(lxcpath) : NULL;
        char **names = NULL;
        size_t n = 0;
        struct berth_error err = { 0 };
        int r;
        Py_BEGIN_ALLOW_THREADS;
        r = berth_list_containers(path, &names, &n, &err);
        Py_END_ALLOW_THREADS;
        PyObject *out = r < 0 ? berthpy_raise(&err) : PyList_New(0);
        for (size_t i = 0; out && i < n; i++) {
                int keep = keep_name(names[i], path, active);
                PyObject *name = keep > 0 ? PyUnicode_DecodeFSDefault(names[i]) : NULL;
                PyObject *item = name && as_object ? container_of(name, lxcpath) : Py_XNewRef(name);
                if (keep < 0 || (keep > 0 && (!item || PyList_Append(out, item) < 0)))
                        Py_CLEAR(out);
                Py_XDECREF(item);
                Py_XDECREF(name);
        }
        names_free(names, n);
        Py_XDECREF(lxcpath);
        return out;
}

static PyObject *execute(PyObject *mod, PyObject *args, PyObject *kw)
{
        (void)mod;
        static char *kwlist[] = { "name", "argv", "lxcpath", "config", NULL };
        const char *name = NULL;
        PyObject *argv_obj, *lxcpath = NULL, *config = NULL;
        if (!PyArg_ParseTupleAndKeywords(args, kw, "zO|O&O&:execute", kwlist, &name, &argv_obj,
                                         berthpy_opt_path, &lxcpath, berthpy_opt_path, &config))
                return NULL;
        char **argv = NULL;
        PyObject *ret = NULL;
        if (berthpy_strv(argv_obj, "argv", &argv) == 0) {
                struct berth_error err = { 0 };
                int r, status = 0;
                berthpy_flush_stdio();
                Py_BEGIN_ALLOW_THREADS;
                r = berth_execute(name, lxcpath ? PyBytes_AS_STRING(lxcpath) : NULL,
                                  config ? PyBytes_AS_STRING(config) : NULL, argv, &status,
                                  &err);
                Py_END_ALLOW_THREADS;
                ret = r < 0 ? berthpy_raise(&err) : PyLong_FromLong(status);
        }
        berthpy_strv_free(argv);
        Py_XDECREF(lxcpath);
        Py_XDECREF(config);
        return ret;
}

PyDoc_STRVAR(list_containers_doc,
"list_containers(lxcpath=None, active=None, as_object=False)\n--\n\n"
"The names of the containers defined in lxcpath (default /var/lib/berth),\n"
"sorted, as `berth ls` lists them.\n"
"\n"
"active=None lists them all, True those that are not STOPPED, False the\n"
"STOPPED ones. as_object=True gives berth.Container objects instead of\n"
"names.");

PyDoc_STRVAR(execute_doc,
"execute(name, argv, lxcpath=None, config=None)\n--\n\n"
"Run argv as an application container and return its exit status (128+N\n"
"for signal N), as `berth execute` does: NAME's config (or the config\n"
"file when NAME has none; name may then be None), argv under berth's tiny\n"
"init as PID 1, wired to this process's stdin, stdout and stderr; nothing\n"
"is kept after it exits.");

PyMethodDef berthpy_manager_methods[] = {
        { "list_containers", (PyCFunction)(void (*)(void))list_containers,
          METH_VARARGS | METH_KEYWORDS, list_containers_doc },
        { "execute", (PyCFunction)(void (*)(void))execute, METH_VARARGS | METH_KEYWORDS,
          execute_doc },
        { NULL, NULL, 0, NULL },
};
