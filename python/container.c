/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth.Container: a handle on one system container, LXCPATH/NAME. Each
 * method is one libberth call with the GIL released, so other Python
 * threads run while a container starts or stops; the handle itself is
 * immutable after __init__ and the library is safe against concurrent
 * calls. attach and attach_wait live in container-attach.c. */
#include "berthmodule.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* A call into the library without the GIL. */
#define UNLOCKED(stmt)                  \
        do {                            \
                Py_BEGIN_ALLOW_THREADS; \
                stmt;                   \
                Py_END_ALLOW_THREADS;   \
        } while (0)

struct berth_container *berthpy_handle(BerthContainer *self)
{
        if (!self->c)
                PyErr_SetString(PyExc_RuntimeError,
                                "berth.Container was not initialised (call __init__)");
        return self->c;
}

#define HANDLE(self)                                        \
        struct berth_container *c = berthpy_handle(self);   \
        if (!c)                                             \
                return NULL

static void container_dealloc(BerthContainer *self)
{
        berth_container_free(self->c);
        Py_TYPE(self)->tp_free((PyObject *)self);
}

static int container_init(BerthContainer *self, PyObject *args, PyObject *kw)
{
        static char *kwlist[] = { "name", "lxcpath", NULL };
        const char *name;
        PyObject *lxcpath = NULL;
        if (!PyArg_ParseTupleAndKeywords(args, kw, "s|O&:Container", kwlist, &name,
                                         berthpy_opt_path, &lxcpath))
                return -1;
        struct berth_error err = { 0 };
        struct berth_container *c = NULL;
        int r = berth_container_new(name, lxcpath ? PyBytes_AS_STRING(lxcpath) : NULL, &c, &err);
        Py_XDECREF(lxcpath);
        if (r < 0) {
                berthpy_raise(&err);
                return -1;
        }
        berth_container_free(self->c); /* __init__ called again */
        self->c = c;
        return 0;
}

static PyObject *container_repr(BerthContainer *self)
{
        if (!self->c)
                return PyUnicode_FromString("<berth.Container (uninitialised)>");
        PyObject *name = PyUnicode_DecodeFSDefault(berth_container_name(self->c));
        PyObject *dir = PyUnicode_DecodeFSDefault(berth_container_dir(self->c));
        PyObject *r = name && dir ? PyUnicode_FromFormat("<berth.Container %R at %R>", name, dir)
                                  : NULL;
        Py_XDECREF(name);
        Py_XDECREF(dir);
        return r;
}

/* ---- properties */

static PyObject *get_name(BerthContainer *self, void *unused)
{
        (void)unused;
        HANDLE(self);
        return PyUnicode_DecodeFSDefault(berth_container_name(c));
}

static PyObject *get_dir(BerthContainer *self, void *unused)
{
        (void)unused;
        HANDLE(self);
        return PyUnicode_DecodeFSDefault(berth_container_dir(c));
}

static PyObject *get_lxcpath(BerthContainer *self, void *unused)
{
        (void)unused;
        HANDLE(self);
        const char *dir = berth_container_dir(c);
        const char *slash = strrchr(dir, '/');
        return PyUnicode_DecodeFSDefaultAndSize(dir, slash && slash != dir ? slash - dir : 1);
}

static PyObject *get_defined(BerthContainer *self, void *unused)
{
        (void)unused;
        HANDLE(self);
        bool d;
        UNLOCKED(d = berth_container_defined(c));
        return PyBool_FromLong(d);
}

static int state_of(struct berth_container *c, enum berth_container_state *s, pid_t *pid)
{
        struct berth_error err = { 0 };
        int r;
        UNLOCKED(r = berth_container_state(c, s, pid, &err));
        if (r < 0)
                berthpy_raise(&err);
        return r;
}

static PyObject *get_state(BerthContainer *self, void *unused)
{
        (void)unused;
        HANDLE(self);
        enum berth_container_state s;
        pid_t pid;
        if (state_of(c, &s, &pid) < 0)
                return NULL;
        return PyUnicode_FromString(berth_state_name(s));
}

static PyObject *get_running(BerthContainer *self, void *unused)
{
        (void)unused;
        HANDLE(self);
        enum berth_container_state s;
        pid_t pid;
        if (state_of(c, &s, &pid) < 0)
                return NULL;
        return PyBool_FromLong(s != BERTH_STOPPED);
}

static PyObject *get_init_pid(BerthContainer *self, void *unused)
{
        (void)unused;
        HANDLE(self);
        enum berth_container_state s;
        pid_t pid;
        if (state_of(c, &s, &pid) < 0)
                return NULL;
        return PyLong_FromLong(pid > 0 ? (long)pid : -1L);
}

static PyGetSetDef container_getset[] = {
        { "name", (getter)get_name, NULL, "The container's name.", NULL },
        { "lxcpath", (getter)get_lxcpath, NULL,
          "The directory that holds the container (absolute; default /var/lib/berth).", NULL },
        { "dir", (getter)get_dir, NULL, "LXCPATH/NAME: its config, rootfs and console.log.",
          NULL },
        { "defined", (getter)get_defined, NULL,
          "True when LXCPATH/NAME/config exists (create() makes it, destroy() removes it).",
          NULL },
        { "state", (getter)get_state, NULL,
          "The state now, from the kernel: 'STOPPED', 'STARTING', 'RUNNING', 'STOPPING' or "
          "'FROZEN'.",
          NULL },
        { "running", (getter)get_running, NULL,
          "True unless the container is STOPPED (as LXC's is_running).", NULL },
        { "init_pid", (getter)get_init_pid, NULL,
          "The pid of the container's init as the host sees it; -1 unless it is RUNNING or "
          "FROZEN.",
          NULL },
        { NULL, NULL, NULL, NULL, NULL },
};

/* ---- life cycle */

/* A method whose only library call takes the handle and an error. */
#define SIMPLE_CALL(call)                              \
        do {                                           \
                HANDLE(self);                          \
                struct berth_error err = { 0 };        \
                int r;                                 \
                UNLOCKED(r = call(c, &err));           \
                if (r < 0)                             \
                        return berthpy_raise(&err);    \
                Py_RETURN_NONE;                        \
        } while (0)

static PyObject *container_create(BerthContainer *self, PyObject *args, PyObject *kw)
{
        static char *kwlist[] = { "template", "args", "config", NULL };
        const char *tmpl = NULL;
        PyObject *targs = NULL, *config = NULL;
        if (!PyArg_ParseTupleAndKeywords(args, kw, "z|OO&:create", kwlist, &tmpl, &targs,
                                         berthpy_opt_path, &config))
                return NULL;
        struct berth_container *c = berthpy_handle(self);
        char **argv = NULL;
        if (!c || (targs && targs != Py_None && berthpy_strv(targs, "args", &argv) < 0)) {
                Py_XDECREF(config);
                return NULL;
        }
        struct berth_create_request req = {
                .tmpl = tmpl,
                .tmpl_argv = argv,
                .config_file = config ? PyBytes_AS_STRING(config) : NULL,
        };
        struct berth_error err = { 0 };
        int r;
        UNLOCKED(r = berth_container_create(c, &req, &err));
        berthpy_strv_free(argv);
        Py_XDECREF(config);
        if (r < 0)
                return berthpy_raise(&err);
        Py_RETURN_NONE;
}

static PyObject *container_start(BerthContainer *self, PyObject *args, PyObject *kw)
{
        static char *kwlist[] = { "daemon", "cmd", "rcfile", NULL };
        int daemon = 1;
        PyObject *cmd = NULL, *rcfile = NULL;
        if (!PyArg_ParseTupleAndKeywords(args, kw, "|pOO&:start", kwlist, &daemon, &cmd,
                                         berthpy_opt_path, &rcfile))
                return NULL;
        struct berth_container *c = berthpy_handle(self);
        char **argv = NULL;
        if (!c || (cmd && cmd != Py_None && berthpy_strv(cmd, "cmd", &argv) < 0)) {
                Py_XDECREF(rcfile);
                return NULL;
        }
        struct berth_start_opts o = {
                .foreground = !daemon,
                .argv = argv,
                .rcfile = rcfile ? PyBytes_AS_STRING(rcfile) : NULL,
                .in_fd = 0,
                .out_fd = 1,
        };
        if (!daemon)
                berthpy_flush_stdio();
        struct berth_error err = { 0 };
        int r, status = 0;
        UNLOCKED(r = berth_container_start(c, &o, &status, &err));
        berthpy_strv_free(argv);
        Py_XDECREF(rcfile);
        if (r < 0)
                return berthpy_raise(&err);
        if (!daemon)
                return PyLong_FromLong(status);
        Py_RETURN_NONE;
}

static PyObject *container_stop(BerthContainer *self, PyObject *args, PyObject *kw)
{
        static char *kwlist[] = { "timeout", "kill", NULL };
        int timeout = 30, kill = 0;
        if (!PyArg_ParseTupleAndKeywords(args, kw, "|ip:stop", kwlist, &timeout, &kill))
                return NULL;
        HANDLE(self);
        struct berth_error err = { 0 };
        int r;
        UNLOCKED(r = berth_container_stop(c, timeout, kill, &err));
        if (r < 0)
                return berthpy_raise(&err);
        Py_RETURN_NONE;
}

static PyObject *container_freeze(BerthContainer *self, PyObject *unused)
{
        (void)unused;
        SIMPLE_CALL(berth_container_freeze);
}

static PyObject *container_unfreeze(BerthContainer *self, PyObject *unused)
{
        (void)unused;
        SIMPLE_CALL(berth_container_unfreeze);
}

static PyObject *container_wait(BerthContainer *self, PyObject *args, PyObject *kw)
{
        static char *kwlist[] = { "state", "timeout", NULL };
        const char *name;
        int timeout = -1;
        if (!PyArg_ParseTupleAndKeywords(args, kw, "s|i:wait", kwlist, &name, &timeout))
                return NULL;
        HANDLE(self);
        int s = berth_state_parse(name);
        if (s < 0)
                return PyErr_Format(PyExc_ValueError,
                                    "unknown state '%s': " BERTHPY_STATES, name);
        struct berth_error err = { 0 };
        int r;
        UNLOCKED(r = berth_container_wait(c, (enum berth_container_state)s, timeout, &err));
        if (r == -ETIMEDOUT)
                Py_RETURN_FALSE;
        if (r < 0)
                return berthpy_raise(&err);
        Py_RETURN_TRUE;
}

static PyObject *container_destroy(BerthContainer *self, PyObject *args, PyObject *kw)
{
        static char *kwlist[] = { "force", NULL };
        int force = 0;
        if (!PyArg_ParseTupleAndKeywords(args, kw, "|p:destroy", kwlist, &force))
                return NULL;
        HANDLE(self);
        struct berth_error err = { 0 };
        int r;
        UNLOCKED(r = berth_container_destroy(c, force, &err));
        if (r < 0)
                return berthpy_raise(&err);
        Py_RETURN_NONE;
}

/* ---- what it is */

/* The info document, parsed. */
static PyObject *info_doc(struct berth_container *c)
{
        struct berth_error err = { 0 };
        char *json = NULL;
        int r;
        UNLOCKED(r = berth_container_info(c, &json, &err));
        if (r < 0)
                return berthpy_raise(&err);
        PyObject *doc = berthpy_json(json);
        free(json);
        return doc;
}

static PyObject *container_info(BerthContainer *self, PyObject *unused)
{
        (void)unused;
        HANDLE(self);
        return info_doc(c);
}

static PyObject *container_get_ips(BerthContainer *self, PyObject *args, PyObject *kw)
{
        static char *kwlist[] = { "family", NULL };
        PyObject *family = Py_None;
        if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:get_ips", kwlist, &family))
                return NULL;
        bool v4 = true, v6 = true;
        if (family != Py_None) {
                const char *f = PyUnicode_Check(family) ? PyUnicode_AsUTF8(family) : NULL;
                long n = PyLong_Check(family) ? PyLong_AsLong(family) : -1;
                v4 = (f && (!strcmp(f, "inet") || !strcmp(f, "ipv4"))) || n == AF_INET;
                v6 = (f && (!strcmp(f, "inet6") || !strcmp(f, "ipv6"))) || n == AF_INET6;
                if (!v4 && !v6)
                        return PyErr_Format(PyExc_ValueError,
                                            "family: 'inet', 'inet6', socket.AF_INET or "
                                            "socket.AF_INET6, not %R",
                                            family);
        }
        HANDLE(self);
        PyObject *doc = info_doc(c);
        if (!doc)
                return NULL;
        PyObject *out = PyList_New(0);
        const char *keys[] = { v4 ? "ipv4" : NULL, v6 ? "ipv6" : NULL };
        for (size_t k = 0; out && k < 2; k++) {
                PyObject *list = keys[k] ? PyDict_GetItemString(doc, keys[k]) : NULL;
                for (Py_ssize_t i = 0; out && list && PyList_Check(list) &&
                                       i < PyList_GET_SIZE(list);
                     i++)
                        if (PyList_Append(out, PyList_GET_ITEM(list, i)) < 0)
                                Py_CLEAR(out);
        }
        Py_DECREF(doc);
        return out;
}

/* ---- config and cgroup items */

typedef int (*item_get_fn)(struct berth_container *, const char *, char **,
                           struct berth_error *);
typedef int (*item_set_fn)(struct berth_container *, const char *, const char *,
                           struct berth_error *);

/* get_config_item and get_cgroup_item: one key, its value as str. */
static PyObject *item_get(BerthContainer *self, PyObject *args, const char *format,
                          item_get_fn get)
{
        const char *key;
        if (!PyArg_ParseTuple(args, format, &key))
                return NULL;
        HANDLE(self);
        struct berth_error err = { 0 };
        char *value = NULL;
        int r;
        UNLOCKED(r = get(c, key, &value, &err));
        if (r < 0)
                return berthpy_raise(&err);
        PyObject *s = PyUnicode_DecodeFSDefault(value);
        free(value);
        return s;
}

static PyObject *container_get_config_item(BerthContainer *self, PyObject *args)
{
        return item_get(self, args, "s:get_config_item", berth_container_get_config_item);
}

/* A value given as str, or as an int (lxc.tty.max = 4). */
static const char *item_value(PyObject *v, PyObject **keep)
{
        if (PyLong_Check(v) && !PyBool_Check(v)) {
                *keep = PyObject_Str(v);
        } else if (PyUnicode_Check(v)) {
                *keep = Py_NewRef(v);
        } else {
                PyErr_Format(PyExc_TypeError, "value: expected str or int, not %.100s",
                             Py_TYPE(v)->tp_name);
                return NULL;
        }
        return *keep ? PyUnicode_AsUTF8(*keep) : NULL;
}

/* set_config_item and set_cgroup_item: key and value (str or int). */
static PyObject *item_set(BerthContainer *self, PyObject *args, const char *format,
                          item_set_fn set)
{
        const char *key;
        PyObject *v, *keep = NULL;
        if (!PyArg_ParseTuple(args, format, &key, &v))
                return NULL;
        HANDLE(self);
        const char *value = item_value(v, &keep);
        if (!value) {
                Py_XDECREF(keep);
                return NULL;
        }
        struct berth_error err = { 0 };
        int r;
        UNLOCKED(r = set(c, key, value, &err));
        Py_DECREF(keep);
        if (r < 0)
                return berthpy_raise(&err);
        Py_RETURN_NONE;
}

static PyObject *container_set_config_item(BerthContainer *self, PyObject *args)
{
        return item_set(self, args, "sO:set_config_item", berth_container_set_config_item);
}

static PyObject *container_save_config(BerthContainer *self, PyObject *unused)
{
        (void)unused;
        HANDLE(self);
        (void)c;
        Py_RETURN_TRUE;
}

static PyObject *container_get_cgroup_item(BerthContainer *self, PyObject *args)
{
        return item_get(self, args, "s:get_cgroup_item", berth_container_cgroup_get);
}

static PyObject *container_set_cgroup_item(BerthContainer *self, PyObject *args)
{
        return item_set(self, args, "sO:set_cgroup_item", berth_container_cgroup_set);
}

#include "container-doc.h"

static PyMethodDef container_methods[] = {
        { "create", (PyCFunction)(void (*)(void))container_create, METH_VARARGS | METH_KEYWORDS,
          DOC_CREATE },
        { "start", (PyCFunction)(void (*)(void))container_start, METH_VARARGS | METH_KEYWORDS,
          DOC_START },
        { "stop", (PyCFunction)(void (*)(void))container_stop, METH_VARARGS | METH_KEYWORDS,
          DOC_STOP },
        { "freeze", (PyCFunction)container_freeze, METH_NOARGS, DOC_FREEZE },
        { "unfreeze", (PyCFunction)container_unfreeze, METH_NOARGS, DOC_UNFREEZE },
        { "wait", (PyCFunction)(void (*)(void))container_wait, METH_VARARGS | METH_KEYWORDS,
          DOC_WAIT },
        { "destroy", (PyCFunction)(void (*)(void))container_destroy,
          METH_VARARGS | METH_KEYWORDS, DOC_DESTROY },
        { "attach_wait", (PyCFunction)(void (*)(void))berthpy_container_attach_wait,
          METH_VARARGS | METH_KEYWORDS, DOC_ATTACH_WAIT },
        { "attach", (PyCFunction)berthpy_container_attach, METH_VARARGS, DOC_ATTACH },
        { "get_ips", (PyCFunction)(void (*)(void))container_get_ips,
          METH_VARARGS | METH_KEYWORDS, DOC_GET_IPS },
        { "info", (PyCFunction)container_info, METH_NOARGS, DOC_INFO },
        { "get_config_item", (PyCFunction)container_get_config_item, METH_VARARGS,
          DOC_GET_CONFIG_ITEM },
        { "set_config_item", (PyCFunction)container_set_config_item, METH_VARARGS,
          DOC_SET_CONFIG_ITEM },
        { "save_config", (PyCFunction)container_save_config, METH_NOARGS, DOC_SAVE_CONFIG },
        { "get_cgroup_item", (PyCFunction)container_get_cgroup_item, METH_VARARGS,
          DOC_GET_CGROUP_ITEM },
        { "set_cgroup_item", (PyCFunction)container_set_cgroup_item, METH_VARARGS,
          DOC_SET_CGROUP_ITEM },
        { NULL, NULL, 0, NULL },
};

PyTypeObject berthpy_ContainerType = {
        PyVarObject_HEAD_INIT(NULL, 0)
        .tp_name = "berth.Container",
        .tp_basicsize = sizeof(BerthContainer),
        .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
        .tp_doc = DOC_CONTAINER,
        .tp_new = PyType_GenericNew,
        .tp_init = (initproc)container_init,
        .tp_dealloc = (destructor)container_dealloc,
        .tp_repr = (reprfunc)container_repr,
        .tp_methods = container_methods,
        .tp_getset = container_getset,
};

int berthpy_container_init(PyObject *module)
{
        if (PyType_Ready(&berthpy_ContainerType) < 0)
                return -1;
        Py_INCREF(&berthpy_ContainerType);
        if (PyModule_AddObject(module, "Container", (PyObject *)&berthpy_ContainerType) < 0) {
                Py_DECREF(&berthpy_ContainerType);
                return -1;
        }
        return 0;
}
