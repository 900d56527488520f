/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What `berth --version` says. Seccomp, capabilities, AppArmor, SELinux,
 * idmapped mounts and rootless are always built (the LSMs need no library:
 * berth writes their /proc attr files); the libraries of dl.h are loaded
 * on use, so whether they load is a property of this machine, asked here
 * with dl_need. */
#include "version.h"

#include <fcntl.h>
#include <stdbool.h>
#include <unistd.h>

#include "berth.h"
#include "cleanup.h"
#include "commit.h"
#include "dl.h"
#include "util.h"

static const char *yes_no(bool b)
{
        return b ? "yes" : "no";
}

static bool loads(enum dl_lib lib)
{
        struct berth_error err = { 0 };
        return dl_need(lib, &err) == 0;
}

static bool apparmor_enabled(void)
{
        _cleanup_free_ char *enabled = NULL;
        if (read_file_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", &enabled, NULL) < 0)
                return false;
        return enabled[0] == 'Y' && access("/sys/kernel/security/apparmor", F_OK) == 0;
}

static bool selinux_enabled(void)
{
        return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

void version_print(FILE *f)
{
        /* a static berth cannot tell which libraries load: its twin can */
        struct berth_error err = { 0 };
        (void)dl_require(~0u >> (32 - DL__COUNT), &err);
        fprintf(f, "berth version %s\n", berth_version());
        fprintf(f, "commit: %s\n", BERTH_COMMIT);
        fprintf(f, "spec: 1.2.0\n");
        fprintf(f, "features: +seccomp +caps +apparmor(enabled:%s) +selinux(enabled:%s) +idmap"
                   " +rootless",
                yes_no(apparmor_enabled()), yes_no(selinux_enabled()));
        /* the commands each load-on-use library serves */
        fprintf(f, " +oci-images(libarchive:%s,libcrypto:%s)", yes_no(loads(DL_ARCHIVE)),
                yes_no(loads(DL_CRYPTO)));
        fprintf(f, " +nat(libnftables:%s)", yes_no(loads(DL_NFTABLES)));
        fprintf(f, " +netlink(libmnl:%s)", yes_no(loads(DL_MNL)));
        fprintf(f, " +passwords(libcrypt:%s)", yes_no(loads(DL_CRYPT)));
        fprintf(f, " +config-gz(zlib:%s)\n", yes_no(loads(DL_Z)));
        /* still here when static: its twin could not run */
        if (dl_static())
                fprintf(f, "note: %s\n", err.msg);
}
