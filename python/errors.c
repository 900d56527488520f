/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth.Error: every failure of the library, with its errno and the
 * message the CLI prints. An OSError, so `except OSError` catches it and
 * .errno reads as usual; str() is the message alone (OSError's own
 * "[Errno N] ..." would not be what the CLI says). */
#include "berthmodule.h"

#include <errno.h>
#include <string.h>

PyObject *berthpy_Error;

/* Python is the clearest way to say what the class is. */
static const char error_source[] =
        "class Error(OSError):\n"
        "    \"\"\"A berth call failed.\n"
        "\n"
        "    errno    the positive errno value (errno.ENOENT, errno.EINVAL, ...)\n"
        "    message  what went wrong, as the berth command prints it after\n"
        "             'berth: ' (\"<what>: <why>\")\n"
        "\n"
        "    str(error) is the message. berth.Error is an OSError: .errno and\n"
        "    .strerror (the message too) work as for any OSError.\n"
        "    \"\"\"\n"
        "\n"
        "    def __init__(self, errno, message):\n"
        "        super().__init__(errno, message)\n"
        "        self.message = message\n"
        "\n"
        "    def __str__(self):\n"
        "        return self.message\n"
        "\n"
        "    def __repr__(self):\n"
        "        return f'berth.Error({self.errno!r}, {self.message!r})'\n";

int berthpy_errors_init(PyObject *module)
{
        PyObject *globals = PyDict_New();
        if (!globals)
                return -1;
        PyObject *ret = NULL, *name = PyModule_GetNameObject(module);
        if (name && PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) == 0 &&
            PyDict_SetItemString(globals, "__name__", name) == 0)
                ret = PyRun_String(error_source, Py_file_input, globals, globals);
        Py_XDECREF(name);
        if (ret) {
                berthpy_Error = PyDict_GetItemString(globals, "Error");
                Py_XINCREF(berthpy_Error);
        }
        Py_XDECREF(ret);
        Py_DECREF(globals);
        if (!berthpy_Error)
                return -1;
        Py_INCREF(berthpy_Error);
        if (PyModule_AddObject(module, "Error", berthpy_Error) < 0) {
                Py_DECREF(berthpy_Error);
                return -1;
        }
        return 0;
}

PyObject *berthpy_raise_msg(int code, const char *msg)
{
        /* paths in messages are bytes from the file system: decode them
         * the way os does (surrogateescape), never fail on them */
        PyObject *exc = PyObject_CallFunction(berthpy_Error, "iN", code,
                                              PyUnicode_DecodeFSDefault(msg));
        if (exc) {
                PyErr_SetObject(berthpy_Error, exc);
                Py_DECREF(exc);
        }
        return NULL;
}

PyObject *berthpy_raise(const struct berth_error *err)
{
        char msg[sizeof(err->msg)];
        memcpy(msg, err->msg, sizeof(msg));
        msg[sizeof(msg) - 1] = '\0';
        return berthpy_raise_msg(err->code ? err->code : EIO, msg[0] ? msg : "unknown error");
}
