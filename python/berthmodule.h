/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Python module `berth`: what its files share. The module is a thin
 * layer over libberth (include/berth.h): each method converts its
 * arguments, releases the GIL, makes one library call and turns a
 * struct berth_error into berth.Error. */
#pragma once
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "berth.h"

/* errors.c: berth.Error, an OSError whose str() is the library's message
 * (what the CLI prints after "berth: "). */
extern PyObject *berthpy_Error;
int berthpy_errors_init(PyObject *module);
/* Raise berth.Error from err; returns NULL for `return berthpy_raise(&e);`. */
PyObject *berthpy_raise(const struct berth_error *err);
/* The same from a code and message of our own. */
PyObject *berthpy_raise_msg(int code, const char *msg);

/* convert.c: arguments and results. */
/* A NULL-terminated copy of a sequence of str/bytes/os.PathLike (a lone
 * str is a one-element list); free with berthpy_strv_free. -1 with an
 * exception set on error. */
int berthpy_strv(PyObject *seq, const char *what, char ***out);
void berthpy_strv_free(char **v);
/* "K=V" strings from a mapping or a sequence of "K=V"; None gives NULL. */
int berthpy_env(PyObject *obj, char ***out);
/* An O& converter: None -> NULL, else a path (str, bytes, os.PathLike);
 * *out is a bytes object (or NULL) the caller releases with Py_XDECREF. */
int berthpy_opt_path(PyObject *obj, void *out);
/* json.loads(text). */
PyObject *berthpy_json(const char *text);
/* sys.stdout and sys.stderr flushed: the library writes to fds 1 and 2,
 * and a forked child must not repeat what Python buffered. */
void berthpy_flush_stdio(void);
/* A signal as an int or a name ("TERM", "SIGTERM", "15"); -1 with
 * ValueError/TypeError set. */
int berthpy_signal(PyObject *obj);
/* A wait status as the library reports one: the exit code, or 128+N for
 * signal N. */
int berthpy_wait_status(int ws);

/* container.c, container-attach.c: berth.Container. */
typedef struct {
        PyObject_HEAD
        struct berth_container *c;
} BerthContainer;
extern PyTypeObject berthpy_ContainerType;
int berthpy_container_init(PyObject *module);
PyObject *berthpy_container_attach(BerthContainer *self, PyObject *args);
PyObject *berthpy_container_attach_wait(BerthContainer *self, PyObject *args, PyObject *kw);
/* The handle of a live Container, or NULL with an exception. */
struct berth_container *berthpy_handle(BerthContainer *self);

/* manager.c: module-level functions of the manager (list_containers, ...). */
extern PyMethodDef berthpy_manager_methods[];

/* oci.c: the berth.oci submodule. */
PyObject *berthpy_oci_module(void);

/* Docstrings shared by the .c files and kept next to the code. */
#define BERTHPY_STATES "STOPPED, STARTING, RUNNING, STOPPING or FROZEN"
