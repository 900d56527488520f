/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* From Python objects to what libberth takes, and back. Strings that
 * reach the kernel (argv, env, paths) are encoded as os does it
 * (os.fsencode), so any byte string round-trips. */
#include "berthmodule.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

void berthpy_strv_free(char **v)
{
        for (char **p = v; p && *p; p++)
                free(*p);
        free(v);
}

/* One element: str, bytes or os.PathLike, encoded; malloc'd. */
static char *fs_string(PyObject *o, const char *what)
{
        PyObject *bytes = NULL;
        if (!PyUnicode_FSConverter(o, &bytes)) {
                if (PyErr_ExceptionMatches(PyExc_TypeError)) {
                        PyErr_Clear();
                        PyErr_Format(PyExc_TypeError, "%s: expected str, bytes or os.PathLike, "
                                                      "not %.100s",
                                     what, Py_TYPE(o)->tp_name);
                }
                return NULL;
        }
        char *s = strdup(PyBytes_AS_STRING(bytes));
        Py_DECREF(bytes);
        if (!s)
                PyErr_NoMemory();
        return s;
}

int berthpy_strv(PyObject *seq, const char *what, char ***out)
{
        *out = NULL;
        if (PyUnicode_Check(seq) || PyBytes_Check(seq)) {
                char **v = calloc(2, sizeof(char *));
                if (!v || !(v[0] = fs_string(seq, what))) {
                        free(v);
                        if (!PyErr_Occurred())
                                PyErr_NoMemory();
                        return -1;
                }
                *out = v;
                return 0;
        }
        PyObject *fast = PySequence_Fast(seq, what);
        if (!fast)
                return -1;
        Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
        char **v = calloc((size_t)n + 1, sizeof(char *));
        if (!v) {
                Py_DECREF(fast);
                PyErr_NoMemory();
                return -1;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
                v[i] = fs_string(PySequence_Fast_GET_ITEM(fast, i), what);
                if (!v[i]) {
                        Py_DECREF(fast);
                        berthpy_strv_free(v);
                        return -1;
                }
        }
        Py_DECREF(fast);
        *out = v;
        return 0;
}

/* "K=V" from a mapping's key and value. */
static char *env_pair(PyObject *k, PyObject *val)
{
        PyObject *s = PyUnicode_FromFormat("%S=%S", k, val);
        if (!s)
                return NULL;
        char *r = fs_string(s, "env");
        Py_DECREF(s);
        return r;
}

int berthpy_env(PyObject *obj, char ***out)
{
        *out = NULL;
        if (!obj || obj == Py_None)
                return 0;
        if (!PyMapping_Check(obj) || PyUnicode_Check(obj) || PySequence_Check(obj))
                return berthpy_strv(obj, "env", out);
        PyObject *items = PyMapping_Items(obj);
        if (!items)
                return -1;
        Py_ssize_t n = PyList_GET_SIZE(items);
        char **v = calloc((size_t)n + 1, sizeof(char *));
        if (!v) {
                Py_DECREF(items);
                PyErr_NoMemory();
                return -1;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
                PyObject *kv = PyList_GET_ITEM(items, i);
                v[i] = PyTuple_Check(kv) && PyTuple_GET_SIZE(kv) == 2
                               ? env_pair(PyTuple_GET_ITEM(kv, 0), PyTuple_GET_ITEM(kv, 1))
                               : NULL;
                if (!v[i]) {
                        if (!PyErr_Occurred())
                                PyErr_SetString(PyExc_TypeError, "env: bad mapping item");
                        Py_DECREF(items);
                        berthpy_strv_free(v);
                        return -1;
                }
        }
        Py_DECREF(items);
        *out = v;
        return 0;
}

int berthpy_opt_path(PyObject *obj, void *out)
{
        PyObject **bytes = out;
        if (obj == NULL) { /* the cleanup call of a failed parse */
                Py_CLEAR(*bytes);
                return 1;
        }
        if (obj == Py_None) {
                *bytes = NULL;
                return 1;
        }
        /* the converter's own cleanup protocol */
        return PyUnicode_FSConverter(obj, bytes) ? Py_CLEANUP_SUPPORTED : 0;
}

PyObject *berthpy_json(const char *text)
{
        static PyObject *loads;
        if (!loads) {
                PyObject *json = PyImport_ImportModule("json");
                if (!json)
                        return NULL;
                loads = PyObject_GetAttrString(json, "loads");
                Py_DECREF(json);
                if (!loads)
                        return NULL;
        }
        PyObject *s = PyUnicode_DecodeUTF8(text, (Py_ssize_t)strlen(text), "surrogateescape");
        if (!s)
                return NULL;
        PyObject *r = PyObject_CallOneArg(loads, s);
        Py_DECREF(s);
        return r;
}

static void flush(const char *name)
{
        PyObject *f = PySys_GetObject(name); /* borrowed */
        if (!f || f == Py_None)
                return;
        PyObject *r = PyObject_CallMethod(f, "flush", NULL);
        if (!r)
                PyErr_Clear(); /* a closed stream: nothing to repeat */
        Py_XDECREF(r);
}

void berthpy_flush_stdio(void)
{
        flush("stdout");
        flush("stderr");
}

int berthpy_signal(PyObject *obj)
{
        if (PyLong_Check(obj)) {
                long v = PyLong_AsLong(obj);
                if (v == -1 && PyErr_Occurred())
                        return -1;
                if (v < 1 || v > 64) {
                        PyErr_Format(PyExc_ValueError, "no signal %ld", v);
                        return -1;
                }
                return (int)v;
        }
        if (!PyUnicode_Check(obj)) {
                PyErr_Format(PyExc_TypeError, "signal: expected int or str, not %.100s",
                             Py_TYPE(obj)->tp_name);
                return -1;
        }
        const char *name = PyUnicode_AsUTF8(obj);
        if (!name)
                return -1;
        int sig = berth_signal_parse(name);
        if (sig < 0) {
                PyErr_Format(PyExc_ValueError, "unknown signal '%s'", name);
                return -1;
        }
        return sig;
}

int berthpy_wait_status(int ws)
{
        if (WIFEXITED(ws))
                return WEXITSTATUS(ws);
        return WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : 255;
}
