/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container.attach_wait (a program, through the library's attach) and
 * Container.attach (a Python callable, in a forked child that enters the
 * container itself, as python3-lxc's attach does).
 *
 * attach(func) has three processes:
 *   this one    forks the joiner and waits for it, without the GIL;
 *   the joiner  a fork of this process that runs no Python: it enters
 *               the container's cgroup and namespaces (mgr_enter) and
 *               forks the runner, whose status it passes on as its own;
 *               its error, if it cannot enter, comes back on a pipe;
 *   the runner  in the container's pid namespace (only children of a
 *               setns caller are), calls func(*args) and _exits with the
 *               status, never returning into the caller's Python code. */
#include "berthmodule.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "manager.h"

PyObject *berthpy_container_attach_wait(BerthContainer *self, PyObject *args, PyObject *kw)
{
        static char *kwlist[] = { "argv", "env", "uid", "gid", "cwd", "keep_env", NULL };
        PyObject *argv_obj = Py_None, *env_obj = Py_None, *uid_obj = Py_None, *gid_obj = Py_None;
        PyObject *cwd = NULL;
        int keep_env = 0;
        if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOOO&p:attach_wait", kwlist, &argv_obj,
                                         &env_obj, &uid_obj, &gid_obj, berthpy_opt_path, &cwd,
                                         &keep_env))
                return NULL;
        struct berth_container *c = berthpy_handle(self);
        char **argv = NULL, **env = NULL;
        long uid = 0, gid = -1;
        bool ok = c && (argv_obj == Py_None || berthpy_strv(argv_obj, "argv", &argv) == 0) &&
                  berthpy_env(env_obj, &env) == 0;
        if (ok && uid_obj != Py_None && (uid = PyLong_AsLong(uid_obj)) == -1 && PyErr_Occurred())
                ok = false;
        if (ok && gid_obj != Py_None && (gid = PyLong_AsLong(gid_obj)) == -1 && PyErr_Occurred())
                ok = false;
        if (ok && (uid < 0 || uid >= UINT32_MAX || gid < -1 || gid >= UINT32_MAX)) {
                PyErr_SetString(PyExc_ValueError, "uid and gid must be ids (0 .. 2^32-2)");
                ok = false;
        }
        char user[64];
        if (gid >= 0)
                snprintf(user, sizeof(user), "%ld:%ld", uid, gid);
        else
                snprintf(user, sizeof(user), "%ld", uid);
        PyObject *ret = NULL;
        if (ok) {
                struct berth_attach_opts o = {
                        .argv = argv,
                        .keep_env = keep_env,
                        .env = env,
                        .user = uid_obj != Py_None || gid_obj != Py_None ? user : NULL,
                        .cwd = cwd ? PyBytes_AS_STRING(cwd) : NULL,
                };
                struct berth_error err = { 0 };
                int r, status = 0;
                berthpy_flush_stdio();
                Py_BEGIN_ALLOW_THREADS;
                r = berth_container_attach(c, &o, &status, &err);
                Py_END_ALLOW_THREADS;
                ret = r < 0 ? berthpy_raise(&err) : PyLong_FromLong(status);
        }
        berthpy_strv_free(argv);
        berthpy_strv_free(env);
        Py_XDECREF(cwd);
        return ret;
}

/* ---- attach(func): the runner */

/* The exit status for what func did; the exception (if any) is handled. */
static int runner_status(PyObject *result)
{
        if (result) {
                int st = 0;
                if (PyLong_Check(result)) {
                        long v = PyLong_AsLong(result);
                        st = v == -1 && PyErr_Occurred() ? 1 : (int)(v & 0xff);
                        PyErr_Clear();
                } else if (result != Py_None) {
                        st = 1;
                }
                Py_DECREF(result);
                return st;
        }
        if (PyErr_ExceptionMatches(PyExc_SystemExit)) {
                /* sys.exit(n) in func: the status it asks for. The
                 * exception's code, as the interpreter reads it. */
                PyObject *type, *value, *tb;
                PyErr_Fetch(&type, &value, &tb);
                PyErr_NormalizeException(&type, &value, &tb);
                PyObject *code = value ? PyObject_GetAttrString(value, "code") : NULL;
                int st = 1;
                if (code == Py_None) {
                        st = 0;
                } else if (code && PyLong_Check(code)) {
                        long v = PyLong_AsLong(code);
                        st = v == -1 && PyErr_Occurred() ? 1 : (int)(v & 0xff);
                } else if (code) {
                        PyObject_Print(code, stderr, Py_PRINT_RAW);
                        fputc('\n', stderr);
                }
                PyErr_Clear();
                Py_XDECREF(code);
                Py_XDECREF(type);
                Py_XDECREF(value);
                Py_XDECREF(tb);
                return st;
        }
        PyErr_Print();
        return 1;
}

static _Noreturn void runner(PyObject *func, PyObject *fargs)
{
        PyOS_AfterFork_Child();
        int st = runner_status(PyObject_Call(func, fargs, NULL));
        /* _exit skips the interpreter's finalisation, and its flushing */
        berthpy_flush_stdio();
        fflush(stdout);
        fflush(stderr);
        _exit(st);
}

/* ---- the joiner: no Python, only system calls and the library */

static _Noreturn void joiner(struct berth_container *c, int report, PyObject *func,
                             PyObject *fargs)
{
        struct berth_error err = { 0 };
        /* the caller may kill us (KeyboardInterrupt): the runner goes too */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (mgr_enter(c, &err) < 0) {
                (void)!write(report, &err, sizeof(err));
                _exit(127);
        }
        pid_t pid = fork();
        if (pid < 0) {
                berth_error_set(&err, errno, "fork into the container");
                (void)!write(report, &err, sizeof(err));
                _exit(127);
        }
        if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                close(report);
                runner(func, fargs);
        }
        close(report);
        int ws;
        while (waitpid(pid, &ws, 0) < 0)
                if (errno != EINTR)
                        _exit(127);
        _exit(berthpy_wait_status(ws));
}

/* Wait for the joiner without the GIL; a signal's Python handler runs in
 * between, and its exception ends the wait (and the joiner). */
static int wait_joiner(pid_t pid, int *ws)
{
        for (;;) {
                pid_t w;
                int e;
                Py_BEGIN_ALLOW_THREADS;
                w = waitpid(pid, ws, 0);
                e = errno;
                Py_END_ALLOW_THREADS;
                if (w == pid)
                        return 0;
                if (e != EINTR) {
                        errno = e;
                        PyErr_SetFromErrno(PyExc_OSError);
                        return -1;
                }
                if (PyErr_CheckSignals() < 0) {
                        kill(pid, SIGKILL);
                        while (waitpid(pid, ws, 0) < 0 && errno == EINTR)
                                ;
                        return -1;
                }
        }
}

PyObject *berthpy_container_attach(BerthContainer *self, PyObject *args)
{
        Py_ssize_t n = PyTuple_GET_SIZE(args);
        if (n < 1)
                return PyErr_Format(PyExc_TypeError,
                                    "attach() missing required argument 'func' (pos 1)");
        PyObject *func = PyTuple_GET_ITEM(args, 0);
        if (!PyCallable_Check(func))
                return PyErr_Format(PyExc_TypeError, "attach(): func must be callable, not %.100s",
                                    Py_TYPE(func)->tp_name);
        struct berth_container *c = berthpy_handle(self);
        if (!c)
                return NULL;
        PyObject *fargs = PyTuple_GetSlice(args, 1, n);
        if (!fargs)
                return NULL;
        int pipefd[2];
        /* non-blocking: the joiner writes one small error or nothing, and
         * the read must never wait */
        if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0) {
                Py_DECREF(fargs);
                return PyErr_SetFromErrno(PyExc_OSError);
        }
        /* what Python buffered must not be written twice, by the runner too */
        berthpy_flush_stdio();
        PyOS_BeforeFork();
        pid_t pid = fork();
        if (pid == 0) {
                close(pipefd[0]);
                joiner(c, pipefd[1], func, fargs);
        }
        int e = errno;
        PyOS_AfterFork_Parent();
        close(pipefd[1]);
        Py_DECREF(fargs);
        if (pid < 0) {
                close(pipefd[0]);
                errno = e;
                return PyErr_SetFromErrno(PyExc_OSError);
        }
        int ws = 0;
        int r = wait_joiner(pid, &ws);
        /* the joiner's error, if it could not enter; everything that held
         * the pipe's write end is gone by now */
        struct berth_error err = { 0 };
        ssize_t got = r < 0 ? 0 : read(pipefd[0], &err, sizeof(err));
        close(pipefd[0]);
        if (r < 0)
                return NULL;
        if (got == (ssize_t)sizeof(err)) {
                berth_error_prefix(&err, "attach %s", berth_container_name(c));
                return berthpy_raise(&err);
        }
        return PyLong_FromLong(berthpy_wait_status(ws));
}
