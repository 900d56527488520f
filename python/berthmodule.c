/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The module `berth`: libberth from Python (no ctypes). Container and the
 * manager's functions for system containers, berth.oci for the OCI
 * runtime, berth.Error for every failure. docs/python.md is the guide. */
#include "berthmodule.h"

PyDoc_STRVAR(module_doc,
"berth: system containers (LXC style) and the OCI runtime, from Python.\n"
"\n"
"    import berth\n"
"\n"
"    c = berth.Container('web', lxcpath='/var/lib/berth')\n"
"    c.create('busybox')\n"
"    c.start()\n"
"    c.attach_wait(['hostname'])                 # 0, having printed 'web'\n"
"    c.attach(lambda: print(open('/etc/hostname').read()))\n"
"    c.stop(); c.destroy()\n"
"\n"
"    berth.list_containers(active=True)          # ['web', ...]\n"
"    berth.oci.run('demo', '/srv/bundle')       # an OCI bundle, its exit status\n"
"\n"
"Container     one system container (help(berth.Container) is its manual)\n"
"oci           the OCI runtime's verbs over bundles\n"
"Error         raised by every failed call: an OSError with .errno and the\n"
"              message the berth command prints\n"
"list_containers, execute\n"
"version       the library's version\n"
"STOPPED, STARTING, RUNNING, STOPPING, FROZEN   the states, as .state gives them\n"
"\n"
"Everything needs root, as the berth command does. Calls release the GIL\n"
"while they work.");

static struct PyModuleDef berth_def = {
        PyModuleDef_HEAD_INIT,
        .m_name = "berth",
        .m_doc = module_doc,
        .m_size = -1,
        .m_methods = berthpy_manager_methods,
};

/* berth.oci, importable as `import berth.oci` and `from berth import oci`. */
static int add_oci(PyObject *m)
{
        PyObject *oci = berthpy_oci_module();
        if (!oci)
                return -1;
        PyObject *modules = PyImport_GetModuleDict(); /* borrowed */
        if (PyDict_SetItemString(modules, "berth.oci", oci) < 0 ||
            PyModule_AddObject(m, "oci", oci) < 0) {
                Py_DECREF(oci);
                return -1;
        }
        return 0;
}

PyMODINIT_FUNC PyInit_berth(void);
PyMODINIT_FUNC PyInit_berth(void)
{
        PyObject *m = PyModule_Create(&berth_def);
        if (!m)
                return NULL;
        static const enum berth_container_state states[] = {
                BERTH_STOPPED, BERTH_STARTING, BERTH_RUNNING, BERTH_STOPPING, BERTH_FROZEN,
        };
        int r = PyModule_AddStringConstant(m, "version", berth_version());
        if (r == 0)
                r = PyModule_AddStringConstant(m, "__version__", berth_version());
        for (size_t i = 0; r == 0 && i < sizeof(states) / sizeof(states[0]); i++)
                r = PyModule_AddStringConstant(m, berth_state_name(states[i]),
                                               berth_state_name(states[i]));
        if (r == 0)
                r = berthpy_errors_init(m);
        if (r == 0)
                r = berthpy_container_init(m);
        if (r == 0)
                r = add_oci(m);
        if (r < 0) {
                Py_DECREF(m);
                return NULL;
        }
        return m;
}
