/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host side of the debian template: which mirror this machine's apt
 * uses, and the helpers it runs (debootstrap, cp). debootstrap's
 * --debian-installer mode writes machine-readable records on fd 3
 * ("P: now end STAGE", "I: NAME" + "IA: arg" lines + "IF: format", the
 * same for E: and W:); that is what the progress bar reads, while its
 * full log goes to a file. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "template-debian.h"
#include "util.h"

#define DEFAULT_MIRROR "http://deb.debian.org/debian"
#define SOURCES_LIST   "/etc/apt/sources.list"
#define SOURCES_DIR    "/etc/apt/sources.list.d"

extern char **environ;

/* ---- apt sources ---- */

/* Suites a Debian main archive carries; "-updates"/"-backports" and the
 * like are other archives of the same mirror, so the base name is enough. */
static const char *const debian_suites[] = {
        "buster", "bullseye", "bookworm",  "trixie",       "forky",   "duke",
        "sid",    "stable",   "oldstable", "oldoldstable", "testing", "unstable",
};

static bool suite_is_debian(const char *suite, size_t n, const char *release)
{
        if (n == strlen(release) && !strncmp(suite, release, n))
                return true;
        for (size_t i = 0; i < ARRAY_SIZE(debian_suites); i++)
                if (n == strlen(debian_suites[i]) && !strncmp(suite, debian_suites[i], n))
                        return true;
        return false;
}

/* Whitespace-separated word i of s (length into *n), or NULL. */
static const char *word(const char *s, size_t *n)
{
        s += strspn(s, " \t");
        *n = strcspn(s, " \t\n");
        return *n ? s : NULL;
}

static bool has_word(const char *list, const char *w)
{
        size_t n, wl = strlen(w);
        for (const char *p = word(list, &n); p; p = word(p + n, &n))
                if (n == wl && !strncmp(p, w, n))
                        return true;
        return false;
}

static bool uri_ok(const char *uri, size_t n)
{
        static const char *const schemes[] = { "http://", "https://", "ftp://", "file:" };
        bool scheme = false;
        for (size_t i = 0; i < ARRAY_SIZE(schemes); i++)
                if (!strncmp(uri, schemes[i], strlen(schemes[i])))
                        scheme = true;
        if (!scheme)
                return false;
        /* the security archive carries only the security updates */
        for (size_t i = 0; i + 8 <= n; i++)
                if (!strncmp(uri + i, "security", 8))
                        return false;
        return true;
}

/* Any suite in the list a Debian one (suites ending in -security are not). */
static bool suites_ok(const char *suites, const char *release)
{
        size_t n;
        for (const char *p = word(suites, &n); p; p = word(p + n, &n)) {
                size_t base = strcspn(p, "-/ \t\n");
                if (base > n)
                        base = n;
                bool security = n >= 9 && !strncmp(p + n - 9, "-security", 9);
                if (!security && suite_is_debian(p, base, release))
                        return true;
        }
        return false;
}

/* One "deb [opts] URI SUITE COMPONENT..." line. */
static char *parse_list_line(const char *line, const char *release)
{
        size_t n;
        const char *p = word(line, &n);
        if (!p || n != 3 || strncmp(p, "deb", 3))
                return NULL;
        p = word(p + n, &n);
        if (p && *p == '[') { /* [ arch=amd64 signed-by=... ] */
                const char *close = strchr(p, ']');
                if (!close)
                        return NULL;
                p = word(close + 1, &n);
        }
        if (!p || !uri_ok(p, n))
                return NULL;
        const char *uri = p;
        size_t uri_n = n;
        const char *suite = word(p + n, &n);
        if (!suite)
                return NULL;
        _cleanup_free_ char *s = strndup(suite, n);
        if (!s || !suites_ok(s, release) || !has_word(suite + n, "main"))
                return NULL;
        return strndup(uri, uri_n);
}

struct d822 {
        char *types, *uris, *suites, *components, *enabled;
};

static void d822_clear(struct d822 *d)
{
        free(d->types), free(d->uris), free(d->suites), free(d->components), free(d->enabled);
        memset(d, 0, sizeof(*d));
}

/* The first usable URI of a finished deb822 paragraph. */
static char *d822_pick(const struct d822 *d, const char *release)
{
        if (!d->types || !d->uris || !d->suites || !d->components)
                return NULL;
        if (d->enabled && !strncasecmp(d->enabled + strspn(d->enabled, " \t"), "no", 2))
                return NULL;
        if (!has_word(d->types, "deb") || !has_word(d->components, "main") ||
            !suites_ok(d->suites, release))
                return NULL;
        size_t n;
        for (const char *p = word(d->uris, &n); p; p = word(p + n, &n))
                if (uri_ok(p, n))
                        return strndup(p, n);
        return NULL;
}

static char **d822_field(struct d822 *d, const char *name, size_t n)
{
        static const struct {
                const char *name;
                size_t off;
        } f[] = {
                { "Types", offsetof(struct d822, types) },
                { "URIs", offsetof(struct d822, uris) },
                { "Suites", offsetof(struct d822, suites) },
                { "Components", offsetof(struct d822, components) },
                { "Enabled", offsetof(struct d822, enabled) },
        };
        for (size_t i = 0; i < ARRAY_SIZE(f); i++)
                if (n == strlen(f[i].name) && !strncasecmp(name, f[i].name, n))
                        return (char **)((char *)d + f[i].off);
        return NULL;
}

int debian_mirror_parse(const char *text, bool deb822, const char *release, char **out)
{
        *out = NULL;
        struct d822 d = { 0 };
        char **last = NULL; /* the field a continuation line extends */
        for (const char *line = text; line && *line;) {
                const char *end = strchrnul(line, '\n');
                _cleanup_free_ char *l = strndup(line, (size_t)(end - line));
                line = *end ? end + 1 : end;
                if (!l)
                        goto oom;
                char *hash = strchr(l, '#');
                if (hash && !deb822)
                        *hash = '\0';
                if (!deb822) {
                        if ((*out = parse_list_line(l, release)))
                                return 0;
                        continue;
                }
                if (l[0] == '#')
                        continue;
                bool blank = l[strspn(l, " \t\r")] == '\0';
                if (blank) {
                        *out = d822_pick(&d, release);
                        d822_clear(&d);
                        last = NULL;
                        if (*out)
                                return 0;
                        continue;
                }
                if ((l[0] == ' ' || l[0] == '\t') && last) {
                        char *joined;
                        if (asprintf(&joined, "%s %s", *last ? *last : "", l) < 0)
                                goto oom;
                        free(*last);
                        *last = joined;
                        continue;
                }
                char *colon = strchr(l, ':');
                last = colon ? d822_field(&d, l, (size_t)(colon - l)) : NULL;
                if (last) {
                        free(*last);
                        if (!(*last = strdup(colon + 1)))
                                goto oom;
                }
        }
        *out = deb822 ? d822_pick(&d, release) : NULL;
        d822_clear(&d);
        return 0;
oom:
        d822_clear(&d);
        return -ENOMEM;
}

static bool ends_with(const char *s, const char *suffix)
{
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && !strcmp(s + a - b, suffix);
}

static int mirror_from_file(const char *path, bool deb822, const char *release, char **out,
                            struct berth_error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = read_file_at(AT_FDCWD, path, &text, &len);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return berth_error_set(err, -r, "read %s", path);
        r = debian_mirror_parse(text, deb822, release, out);
        return r < 0 ? berth_error_set(err, -r, "parse %s", path) : 0;
}

int debian_host_mirror(const char *release, char **out, struct berth_error *err)
{
        *out = NULL;
        int r = mirror_from_file(SOURCES_LIST, false, release, out, err);
        if (r < 0 || *out)
                return r;
        struct dirent **names = NULL;
        int n = scandir(SOURCES_DIR, &names, NULL, alphasort);
        for (int i = 0; i < n; i++) {
                const char *f = names[i]->d_name;
                bool list = ends_with(f, ".list"), d822 = ends_with(f, ".sources");
                if (r == 0 && !*out && (list || d822)) {
                        _cleanup_free_ char *path = NULL;
                        if (asprintf(&path, "%s/%s", SOURCES_DIR, f) < 0)
                                r = berth_error_set(err, ENOMEM, "%s", SOURCES_DIR);
                        else
                                r = mirror_from_file(path, d822, release, out, err);
                }
                free(names[i]);
        }
        free(names);
        if (r < 0 || *out)
                return r;
        if (!(*out = strdup(DEFAULT_MIRROR)))
                return berth_error_set(err, ENOMEM, "mirror");
        return 0;
}

/* ---- a debootstrap target that did not finish ---- */

static int by_length_desc(const void *a, const void *b)
{
        size_t x = strlen(*(char *const *)a), y = strlen(*(char *const *)b);
        return x < y ? 1 : x > y ? -1 : 0;
}

void debian_remove_target(const char *path)
{
        /* a debootstrap that was killed leaves its proc, sys and devpts
         * mounts: detach them (deepest first) so the removal below never
         * walks into a kernel file system */
        size_t plen = strlen(path);
        char **mounts = NULL;
        size_t n = 0;
        FILE *f = fopen("/proc/self/mountinfo", "re");
        char *line = NULL;
        size_t cap = 0;
        while (f && getline(&line, &cap, f) > 0) {
                char mnt[4096];
                if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 || strncmp(mnt, path, plen) ||
                    (mnt[plen] != '/' && mnt[plen] != '\0'))
                        continue;
                char **grown = realloc(mounts, (n + 1) * sizeof(char *));
                if (!grown)
                        break;
                mounts = grown;
                if ((mounts[n] = strdup(mnt)))
                        n++;
        }
        free(line);
        if (f)
                fclose(f);
        if (n)
                qsort(mounts, n, sizeof(char *), by_length_desc);
        for (size_t i = 0; i < n; i++) {
                (void)umount2(mounts[i], MNT_DETACH);
                free(mounts[i]);
        }
        free(mounts);
        (void)remove_tree_at(AT_FDCWD, path);
}

/* ---- running helpers ---- */

/* An environment with an sbin PATH (debootstrap runs chroot, mount...)
 * and no questions from debconf. */
static char **helper_env(void)
{
        size_t n = strv_len(environ);
        char **env = calloc(n + 4, sizeof(char *));
        if (!env)
                return NULL;
        size_t j = 0;
        for (size_t i = 0; i < n; i++)
                if (strncmp(environ[i], "PATH=", 5) &&
                    strncmp(environ[i], "DEBIAN_FRONTEND=", 16) &&
                    strncmp(environ[i], "LC_ALL=", 7))
                        env[j++] = environ[i];
        env[j++] = (char *)"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        env[j++] = (char *)"DEBIAN_FRONTEND=noninteractive";
        env[j++] = (char *)"LC_ALL=C";
        return env;
}

/* Spawn argv with stdin /dev/null, stdout+stderr on out_fd, and fd3 (if
 * >= 0) as its fd 3. */
static int spawn(char *const argv[], int out_fd, int fd3, pid_t *pid, struct berth_error *err)
{
        _cleanup_free_ char **env = helper_env();
        if (!env)
                return berth_error_set(err, ENOMEM, "run %s", argv[0]);
        posix_spawn_file_actions_t fa;
        int r = posix_spawn_file_actions_init(&fa);
        if (r != 0)
                return berth_error_set(err, r, "run %s", argv[0]);
        r = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        if (r == 0)
                r = posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
        if (r == 0)
                r = posix_spawn_file_actions_adddup2(&fa, out_fd, STDERR_FILENO);
        if (r == 0 && fd3 >= 0)
                r = posix_spawn_file_actions_adddup2(&fa, fd3, 3);
        if (r == 0)
                r = posix_spawn(pid, argv[0], &fa, NULL, argv, env);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0)
                return berth_error_set(err, r, "run %s", argv[0]);
        return 0;
}

static int wait_status(pid_t pid)
{
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -1;
        return status;
}

/* A record from fd 3 being assembled. */
struct record {
        char kind;     /* 'I', 'W', 'E', 'P' or 0 */
        char *args[8]; /* IA:/WA:/... arguments */
        size_t n_args;
};

struct progress {
        const struct template_args *a;
        struct record rec;
        int percent, stage_lo, stage_hi; /* overall bar and the current stage's share */
        char text[200];                  /* what the bar says */
        char last_error[256];            /* debootstrap's last E: */
        char shown[256];                 /* last line handed to a->progress */
};

/* Each stage reports its own 0..end; these are their shares of the bar,
 * roughly as long as they take. */
static const struct {
        const char *name;
        int lo, hi;
} stages[] = {
        { "DOWNREL", 0, 1 },      { "DOWNRELSIG", 1, 2 },  { "DOWNPKGS", 2, 8 },
        { "SIZEDEBS", 8, 10 },    { "DOWNDEBS", 10, 40 },  { "EXTRACTPKGS", 40, 50 },
        { "INSTCORE", 50, 55 },   { "UNPACKREQ", 55, 65 }, { "CONFREQ", 65, 75 },
        { "UNPACKBASE", 75, 85 }, { "CONFBASE", 85, 99 },
};

static void record_clear(struct record *r)
{
        for (size_t i = 0; i < r->n_args; i++)
                free(r->args[i]);
        memset(r, 0, sizeof(*r));
}

/* printf-style "%s" substitution with the record's arguments. */
static void format_record(const struct record *r, const char *fmt, char *buf, size_t len)
{
        size_t o = 0, argi = 0;
        for (const char *c = fmt; *c && o + 1 < len; c++) {
                if (c[0] == '%' && c[1] == 's') {
                        const char *s = argi < r->n_args ? r->args[argi++] : "";
                        o += (size_t)snprintf(buf + o, len - o, "%s", s);
                        if (o >= len)
                                o = len - 1;
                        c++;
                } else {
                        buf[o++] = *c;
                }
        }
        buf[o] = '\0';
        /* "Retrieving %s %s" with an empty second argument */
        while (o > 0 && buf[o - 1] == ' ')
                buf[--o] = '\0';
}

static void show(struct progress *p, const char *line)
{
        if (!p->a->progress || !strcmp(line, p->shown))
                return;
        snprintf(p->shown, sizeof(p->shown), "%s", line);
        p->a->progress(p->a->progress_data, line);
}

static void show_bar(struct progress *p)
{
        char bar[21], line[256];
        int fill = p->percent / 5;
        for (int i = 0; i < 20; i++)
                bar[i] = i < fill ? '#' : ' ';
        bar[20] = '\0';
        snprintf(line, sizeof(line), "[%s] %3d%% %s", bar, p->percent, p->text);
        show(p, line);
}

static void on_line(struct progress *p, char *l)
{
        size_t n = strlen(l);
        while (n && (l[n - 1] == '\n' || l[n - 1] == '\r'))
                l[--n] = '\0';
        char k = l[0];
        if (!strchr("PIWE", k) || !k)
                return;
        if (l[1] == ':') { /* a new record: "P: now end [STAGE]" or "I: NAME" */
                record_clear(&p->rec);
                p->rec.kind = k;
                if (k != 'P')
                        return;
                long now = 0, end = 0;
                char stage[32] = "";
                if (sscanf(l + 2, "%ld %ld %31s", &now, &end, stage) < 2 || end <= 0)
                        return;
                for (size_t i = 0; stage[0] && i < ARRAY_SIZE(stages); i++)
                        if (!strcmp(stage, stages[i].name))
                                p->stage_lo = stages[i].lo, p->stage_hi = stages[i].hi;
                int pc = p->stage_lo + (int)((p->stage_hi - p->stage_lo) * now / end);
                if (pc > p->percent)
                        p->percent = pc;
                if (p->a->tty)
                        show_bar(p);
                return;
        }
        if (l[1] == 'A' && l[2] == ':' && p->rec.kind == k) {
                const char *arg = l[3] == ' ' ? l + 4 : l + 3;
                if (p->rec.n_args < ARRAY_SIZE(p->rec.args))
                        p->rec.args[p->rec.n_args++] = strdup(arg);
                return;
        }
        if (l[1] != 'F' || l[2] != ':' || p->rec.kind != k)
                return;
        char msg[200];
        format_record(&p->rec, l[3] == ' ' ? l + 4 : l + 3, msg, sizeof(msg));
        record_clear(&p->rec);
        if (k == 'E')
                snprintf(p->last_error, sizeof(p->last_error), "%s", msg);
        if (k == 'P')
                return; /* "Downloading Packages files": the I: lines say more */
        if (p->a->tty) {
                snprintf(p->text, sizeof(p->text), "%s", msg);
                show_bar(p);
        } else {
                char line[256];
                snprintf(line, sizeof(line), "%c: %s", k, msg);
                show(p, line);
        }
}

int debian_run_debootstrap(char *const argv[], int log_fd, const struct template_args *a,
                           struct berth_error *err)
{
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return berth_error_set(err, errno, "pipe");
        _cleanup_close_ int rd = pfd[0];
        _cleanup_close_ int wr = pfd[1];
        _cleanup_pid_ pid_t pid = 0;
        int r = spawn(argv, log_fd, wr, &pid, err);
        if (r < 0) {
                pid = 0;
                return r;
        }
        close(TAKE_FD(wr));

        struct progress p = { .a = a };
        FILE *f = fdopen(rd, "r");
        if (!f)
                return berth_error_set(err, errno, "read debootstrap's progress");
        rd = -1;
        char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) >= 0)
                on_line(&p, line);
        free(line);
        fclose(f);
        record_clear(&p.rec);

        int status = wait_status(pid);
        pid = 0;
        if (status == 0) {
                if (a->tty) {
                        p.percent = 100;
                        snprintf(p.text, sizeof(p.text), "Base system installed");
                        show_bar(&p);
                }
                return 0;
        }
        if (p.last_error[0])
                return berth_error_setx(err, EIO, "%s", p.last_error);
        if (WIFSIGNALED(status))
                return berth_error_setx(err, EIO, "killed by signal %d", WTERMSIG(status));
        return berth_error_setx(err, EIO, "exit status %d",
                                WIFEXITED(status) ? WEXITSTATUS(status) : status);
}

int debian_copy_tree(const char *src, const char *dst, struct berth_error *err)
{
        _cleanup_free_ char *from = NULL, *to = NULL;
        if (asprintf(&from, "%s/.", src) < 0 || asprintf(&to, "%s/", dst) < 0)
                return berth_error_set(err, ENOMEM, "copy %s", src);
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return berth_error_set(err, errno, "pipe");
        _cleanup_close_ int rd = pfd[0];
        _cleanup_close_ int wr = pfd[1];
        char *argv[] = {
                (char *)"/bin/cp", (char *)"-a", (char *)"--reflink=auto", from, to, NULL
        };
        _cleanup_pid_ pid_t pid = 0;
        int r = spawn(argv, wr, -1, &pid, err);
        if (r < 0) {
                pid = 0;
                return r;
        }
        close(TAKE_FD(wr));
        /* keep the first line cp says; drain the rest so it never blocks */
        char first[256] = "", buf[4096];
        size_t have = 0;
        ssize_t n;
        while ((n = read(rd, buf, sizeof(buf))) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        break;
                size_t take =
                        (size_t)n < sizeof(first) - 1 - have ? (size_t)n : sizeof(first) - 1 - have;
                memcpy(first + have, buf, take);
                have += take;
                first[have] = '\0';
        }
        first[strcspn(first, "\n")] = '\0';
        int status = wait_status(pid);
        pid = 0;
        if (status != 0)
                return berth_error_setx(err, EIO, "copy %s to %s failed: %s", src, dst,
                                        first[0] ? first : "cp failed");
        return 0;
}
