/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "util.h"

static const char *const status_names[] = {
        [STATUS_CREATING] = "creating", [STATUS_CREATED] = "created",
        [STATUS_RUNNING] = "running",   [STATUS_PAUSED] = "paused",
        [STATUS_STOPPED] = "stopped",
};

const char *status_name(enum container_status s)
{
        return s < ARRAY_SIZE(status_names) ? status_names[s] : "unknown";
}

static int open_root(const char *root, bool create, struct berth_error *err)
{
        if (create) {
                int r = mkdir_p(root, 0700);
                if (r < 0)
                        return berth_error_set(err, -r, "create state root %s", root);
        }
        int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return berth_error_set(err, errno, "open state root %s", root);
        return fd;
}

static int lock_dir(int fd, const char *id, struct berth_error *err)
{
        while (flock(fd, LOCK_EX) < 0) {
                if (errno != EINTR)
                        return berth_error_set(err, errno, "lock container %s", id);
        }
        return 0;
}

int state_claim(const char *root, const char *id, int *dirfd, struct berth_error *err)
{
        if (!id)
                return berth_error_setx(err, EINVAL, "no container id given");
        if (!id_is_valid(id))
                return berth_error_setx(err, EINVAL,
                                        "invalid container id '%s': it must be non-empty, "
                                        "printable, without '/' or spaces, and not '.' or '..'",
                                        id);
        _cleanup_close_ int rootfd = open_root(root, true, err);
        if (rootfd < 0)
                return rootfd;
        if (mkdirat(rootfd, id, 0700) < 0) {
                if (errno == EEXIST)
                        return berth_error_setx(err, EEXIST, "container %s already exists", id);
                return berth_error_set(err, errno, "create state directory %s/%s", root, id);
        }
        int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                int r = berth_error_set(err, errno, "open state directory %s/%s", root, id);
                unlinkat(rootfd, id, AT_REMOVEDIR);
                return r;
        }
        /* nobody else can hold the lock of a directory we just made */
        flock(fd, LOCK_EX);
        *dirfd = fd;
        return 0;
}

int state_open(const char *root, const char *id, bool lock, int *dirfd,
               struct berth_error *err)
{
        if (!id)
                return berth_error_setx(err, EINVAL, "no container id given");
        if (!id_is_valid(id))
                return berth_error_setx(err, EINVAL, "invalid container id '%s'", id);
        _cleanup_close_ int rootfd = open_root(root, false, err);
        if (rootfd < 0) {
                if (err && err->code == ENOENT)
                        return berth_error_setx(err, ENOENT, "container %s does not exist", id);
                return rootfd;
        }
        _cleanup_close_ int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                if (errno == ENOENT)
                        return berth_error_setx(err, ENOENT, "container %s does not exist", id);
                return berth_error_set(err, errno, "open state directory of %s", id);
        }
        if (lock) {
                int r = lock_dir(fd, id, err);
                if (r < 0)
                        return r;
                /* a delete may have removed the directory while we waited */
                struct stat st;
                if (fstat(fd, &st) < 0 || st.st_nlink == 0)
                        return berth_error_setx(err, ENOENT, "container %s does not exist", id);
        }
        *dirfd = TAKE_FD(fd);
        return 0;
}

static json_t *str_or_null(const char *s)
{
        return s ? json_string(s) : json_null();
}

int state_save(int dirfd, const struct state *st, struct berth_error *err)
{
        json_t *berth = json_pack("{s:I, s:o, s:o, s:o}", "pidStartTime",
                                  (json_int_t)st->start_time, "cgroupPath",
                                  str_or_null(st->cgroup_path), "created", str_or_null(st->created),
                                  "owner", str_or_null(st->owner));
        json_t *ann = st->annotations ? json_incref(st->annotations) : json_object();
        json_t *hooks = st->hooks ? json_incref(st->hooks) : json_null();
        json_t *root = json_pack("{s:s, s:s, s:i, s:s, s:o, s:o, s:o}", "ociVersion",
                                 st->oci_version ? st->oci_version : "1.2.0", "id", st->id, "pid",
                                 (int)st->pid, "bundle", st->bundle ? st->bundle : "",
                                 "annotations", ann, "hooks", hooks, "berth", berth);
        if (!root)
                return berth_error_setx(err, ENOMEM, "encode state of %s", st->id);
        _cleanup_free_ char *text = json_dumps(root, JSON_COMPACT);
        json_decref(root);
        if (!text)
                return berth_error_setx(err, ENOMEM, "encode state of %s", st->id);
        int r = write_file_atomic(dirfd, "state.json", text, strlen(text));
        if (r < 0)
                return berth_error_set(err, -r, "write state of %s", st->id);
        return 0;
}

static char *dup_str(json_t *o, const char *key)
{
        const char *s = json_string_value(json_object_get(o, key));
        return s ? strdup(s) : NULL;
}

int state_load(int dirfd, const char *id, struct state *st, struct berth_error *err)
{
        memset(st, 0, sizeof(*st));
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = read_file_at(dirfd, "state.json", &text, &len);
        if (r == -ENOENT) {
                /* create has claimed the id and not finished yet */
                st->id = strdup(id);
                return 0;
        }
        if (r < 0)
                return berth_error_set(err, -r, "read state of %s", id);
        json_error_t jerr;
        json_t *root = json_loadb(text, len, 0, &jerr);
        if (!root)
                return berth_error_setx(err, EINVAL, "state of %s is corrupt: %s", id, jerr.text);
        json_t *b = json_object_get(root, "berth");
        st->id = dup_str(root, "id");
        st->oci_version = dup_str(root, "ociVersion");
        st->bundle = dup_str(root, "bundle");
        st->pid = (pid_t)json_integer_value(json_object_get(root, "pid"));
        st->cgroup_path = dup_str(b, "cgroupPath");
        st->created = dup_str(b, "created");
        st->owner = dup_str(b, "owner");
        st->start_time = (uint64_t)json_integer_value(json_object_get(b, "pidStartTime"));
        json_t *a = json_object_get(root, "annotations");
        st->annotations = json_is_object(a) ? json_incref(a) : NULL;
        json_t *h = json_object_get(root, "hooks");
        st->hooks = json_is_object(h) ? json_incref(h) : NULL;
        json_decref(root);
        if (!st->id)
                return berth_error_setx(err, EINVAL, "state of %s is corrupt: no id", id);
        return 0;
}

void state_clear(struct state *st)
{
        free(st->id);
        free(st->oci_version);
        free(st->bundle);
        free(st->cgroup_path);
        free(st->created);
        free(st->owner);
        json_decref(st->annotations);
        json_decref(st->hooks);
        memset(st, 0, sizeof(*st));
}

int state_remove(const char *root, const char *id, struct berth_error *err)
{
        _cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return errno == ENOENT ? 0 : berth_error_set(err, errno, "open %s", root);
        int r = remove_tree_at(rootfd, id);
        if (r < 0)
                return berth_error_set(err, -r, "remove state directory %s/%s", root, id);
        return 0;
}

enum container_status state_status(int dirfd, const struct state *st)
{
        if (st->pid <= 0)
                return STATUS_CREATING;
        if (!proc_alive(st->pid) || proc_start_time(st->pid) != st->start_time)
                return STATUS_STOPPED;
        if (faccessat(dirfd, STATE_START_SOCKET, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                return STATUS_CREATED;
        struct berth_cgroup *cg = NULL;
        bool frozen = false;
        if (st->cgroup_path && cgroup_open(st->cgroup_path, &cg, NULL) == 0) {
                if (cgroup_is_frozen(cg, &frozen, NULL) < 0)
                        frozen = false;
                cgroup_free(cg);
        }
        return frozen ? STATUS_PAUSED : STATUS_RUNNING;
}

char *state_to_oci_json(const struct state *st, enum container_status status)
{
        json_t *root = json_pack("{s:s, s:s, s:s, s:s, s:o}", "ociVersion",
                                 st->oci_version ? st->oci_version : "1.2.0", "id", st->id,
                                 "status", status_name(status), "bundle",
                                 st->bundle ? st->bundle : "", "annotations",
                                 st->annotations ? json_incref(st->annotations) : json_object());
        if (!root)
                return NULL;
        if (status != STATUS_STOPPED && st->pid > 0)
                json_object_set_new(root, "pid", json_integer(st->pid));
        char *text = json_dumps(root, JSON_INDENT(2));
        json_decref(root);
        return text;
}
