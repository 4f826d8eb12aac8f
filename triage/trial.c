/* trial.c - the trial walk: a forked child walks the filesystem and
 * reports each directory it enters through a pipe; the parent watches the
 * pipe and the child's end.  The child touches nothing but libtsk and the
 * pipe (never the case database, which it shares) and leaves by _exit. */
#include "trial.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LAST_MAX 512

int pt_trial_needed(const TSK_FS_INFO *fs)
{
    return TSK_FS_TYPE_ISAPFS(fs->ftype);
}

typedef struct child {
    int fd;
    char last[LAST_MAX];
} child_t;

static void say(int fd, const char *parent)
{
    char line[LAST_MAX + 2];
    size_t n = strnlen(parent, LAST_MAX);

    if (n > 0 && parent[n - 1] == '/')
        n--; /* libtsk's "dir/" */

    line[0] = '/';
    memcpy(line + 1, parent, n);
    line[n + 1] = '\n';
    if (write(fd, line, n + 2) < 0)
        _exit(3); /* the parent is gone */
}

static TSK_WALK_RET_ENUM child_cb(TSK_FS_FILE *f, const char *parent, void *ptr)
{
    child_t *c = ptr;

    (void)f;
    if (strncmp(c->last, parent, sizeof c->last - 1) != 0) {
        snprintf(c->last, sizeof c->last, "%s", parent);
        say(c->fd, parent);
    }
    return TSK_WALK_CONT;
}

/* Writes all of len bytes (the pipe may take them in parts). */
static void write_all(int fd, const void *p, size_t len)
{
    const char *c = p;

    while (len > 0) {
        ssize_t w = write(fd, c, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            _exit(3);
        c += w;
        len -= (size_t)w;
    }
}

/* The pre-walk reads go to the parent as one record: "\001LEN\n", then
 * the OS string, a NUL, and the accounts text (directory lines start with
 * '/', so the record cannot be mistaken for one). */
static void child(TSK_FS_INFO *fs, int fd)
{
    child_t c;
    pt_walk_pre_t pre;
    char head[32];
    size_t oslen;

    memset(&c, 0, sizeof c);
    c.fd = fd;
    /* a fault ends the child by its signal, which the parent reads (and no
     * sanitizer's handler reports it as ptriage's own) */
    signal(SIGSEGV, SIG_DFL);
    signal(SIGBUS, SIG_DFL);
    signal(SIGFPE, SIG_DFL);
    signal(SIGILL, SIG_DFL);
    signal(SIGABRT, SIG_DFL);
    pt_walk_pre_read(fs, &pre);
    oslen = strlen(pre.os);
    snprintf(head, sizeof head, "\001%zu\n", oslen + 1 + pre.accounts_len);
    write_all(fd, head, strlen(head));
    write_all(fd, pre.os, oslen + 1);
    write_all(fd, pre.accounts ? pre.accounts : "", pre.accounts_len);
    tsk_fs_dir_walk(fs, fs->root_inum, TSK_FS_DIR_WALK_FLAG_RECURSE | TSK_FS_DIR_WALK_FLAG_ALLOC |
                                           TSK_FS_DIR_WALK_FLAG_UNALLOC, child_cb, &c);
    _exit(0); /* a walk libtsk stopped on damage is the real walk's to report */
}

int pt_trial_walk(TSK_FS_INFO *fs, unsigned idle_seconds, pt_walk_pre_t *pre, char *why, size_t n)
{
    char last[LAST_MAX + 1] = "/", buf[4096], line[LAST_MAX + 1];
    size_t ll = 0, want = 0, got_rec = 0;
    char *rec = NULL;
    int p[2], status = 0, killed = 0, in_rec = 0, have_rec = 0;
    pid_t pid;
    time_t heard = time(NULL);

    memset(pre, 0, sizeof *pre);
    if (pipe(p) != 0) {
        snprintf(why, n, "trial walk not started: pipe: %s", strerror(errno));
        return -1;
    }
    fflush(NULL); /* nothing buffered may be written twice */
    if ((pid = fork()) < 0) {
        snprintf(why, n, "trial walk not started: fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        child(fs, p[1]);
    }
    close(p[1]);
    for (;;) {
        struct pollfd pfd = { p[0], POLLIN, 0 };
        int r = poll(&pfd, 1, 1000);
        if (r < 0 && errno == EINTR)
            continue;
        if (r > 0) {
            ssize_t got = read(p[0], buf, sizeof buf);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                break; /* the child has ended */
            heard = time(NULL);
            for (ssize_t i = 0; i < got; i++) {
                if (in_rec == 2) { /* the record's bytes */
                    if (rec && got_rec < want)
                        rec[got_rec] = buf[i];
                    if (++got_rec == want) {
                        in_rec = 0;
                        have_rec = rec != NULL;
                    }
                } else if (buf[i] == '\001' && ll == 0 && !have_rec) {
                    in_rec = 1; /* its length follows, to the newline */
                } else if (in_rec == 1 && buf[i] == '\n') {
                    line[ll] = '\0';
                    want = (size_t)strtoull(line, NULL, 10);
                    ll = 0;
                    in_rec = want ? 2 : 0;
                    if (want && want <= (64u << 20))
                        rec = malloc(want + 1);
                } else if (in_rec == 0 && buf[i] == '\n') {
                    line[ll] = '\0';
                    memcpy(last, line, ll + 1);
                    ll = 0;
                } else if (ll < LAST_MAX) {
                    line[ll++] = buf[i];
                }
            }
        } else if (r == 0 && time(NULL) - heard > (time_t)idle_seconds) {
            kill(pid, SIGKILL);
            killed = 1;
            break;
        }
    }
    close(p[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!killed && WIFEXITED(status) && WEXITSTATUS(status) == 0 && have_rec) {
        size_t oslen = strnlen(rec, want);
        rec[want] = '\0';
        snprintf(pre->os, sizeof pre->os, "%s", rec);
        if (oslen + 1 < want) {
            pre->accounts_len = want - oslen - 1;
            memmove(rec, rec + oslen + 1, pre->accounts_len);
            pre->accounts = rec; /* ownership moves */
            rec = NULL;
        }
        free(rec);
        return 0;
    }
    free(rec);
    if (killed) {
        snprintf(why, n, "libtsk made no progress for %u s walking directory %.400s (a loop in damaged "
                 "metadata?); the trial walk was stopped", idle_seconds, last);
    } else if (WIFSIGNALED(status)) {
        snprintf(why, n, "libtsk crashed (signal %d, %s) %s %.400s", WTERMSIG(status),
                 strsignal(WTERMSIG(status)), have_rec ? "walking directory" : "reading the accounts and OS files, "
                 "before walking from", last);
    } else {
        snprintf(why, n, "the trial walk ended with status %d in directory %.400s",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1, last);
    }
    return -1;
}
