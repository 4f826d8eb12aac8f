/* dirwalk.c - logical (directory) evidence.  Owns the directory handles and
 * path buffers of the walk; closes every descriptor it opens. */
#include "dirwalk.h"

#include "chain.h"
#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "text.h"


static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void set_ts(pt_time_t *t, const struct statx_timestamp *ts)
{
    t->known = 1;
    t->sec = ts->tv_sec;
    t->nsec = ts->tv_nsec;
}

static int open_ro(int dirfd, const char *name, int extra)
{
    return pt_source_open_ro(dirfd, name, O_NOFOLLOW | extra, NULL);
}

typedef struct dw {
    pt_scan_t *s;
    pt_err_t *err;
} dw_t;

static int walk_dir(dw_t *w, int dirfd, const char *dpath, int depth);

/* Records one entry of directory dirfd; recurses into directories. */
static int visit(dw_t *w, int dirfd, const char *dpath, const char *name, int depth)
{
    size_t plen = strlen(dpath) + strlen(name) + 2;
    char *path = malloc(plen), *target = NULL;
    struct statx sx;
    pt_item_t it;
    int src = -1;
    int rc = PT_OK, fd = -1;

    if (!path)
        return pt_err_set(w->err, PT_ENOMEM, "out of memory");
    snprintf(path, plen, "%s/%s", strcmp(dpath, "/") == 0 ? "" : dpath, name);
    pt_item_init(&it);
    it.evidence_id = w->s->evidence_id;
    it.path = path;
    it.allocated = 1;
    if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT,
              STATX_BASIC_STATS | STATX_BTIME, &sx) != 0) {
        pt_item_add_error(&it, "error", "cannot stat: %s", strerror(errno));
        rc = pt_scan_emit(w->s, &it, w->err);
        free(path);
        return rc;
    }
    it.kind = pt_item_kind_of_mode(sx.stx_mode);
    it.has_inode = 1;
    it.inode = sx.stx_ino;
    it.size = sx.stx_size;
    it.has_owner = 1;
    it.uid = sx.stx_uid;
    it.gid = sx.stx_gid;
    it.mode = sx.stx_mode & 07777;
    set_ts(&it.mtime, &sx.stx_mtime);
    set_ts(&it.atime, &sx.stx_atime);
    set_ts(&it.ctime, &sx.stx_ctime);
    if (sx.stx_mask & STATX_BTIME)
        set_ts(&it.crtime, &sx.stx_btime);
    if (!pt_text_utf8_valid(path, strlen(path)))
        pt_item_add_error(&it, "note", "name is not valid UTF-8: invalid bytes are shown as \\xNN");
    if (pt_text_has_control(name))
        pt_item_add_error(&it, "note", "name contains control characters (kept as on disk)");

    if (S_ISLNK(sx.stx_mode)) {
        size_t cap = sx.stx_size + 1 > 4096 ? sx.stx_size + 1 : 4096;
        if ((target = malloc(cap)) != NULL) {
            ssize_t n = readlinkat(dirfd, name, target, cap - 1);
            if (n >= 0) {
                target[n] = '\0';
                it.link_target = target;
            } else {
                pt_item_add_error(&it, "error", "cannot read link: %s", strerror(errno));
            }
        }
    } else if (S_ISREG(sx.stx_mode)) {
        struct stat st;
        /* O_NONBLOCK: a name that became a FIFO since statx must not hang the scan */
        fd = open_ro(dirfd, name, O_NONBLOCK);
        if (fd < 0) {
            pt_item_add_error(&it, "error", "cannot open: %s", strerror(errno));
        } else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_ino != sx.stx_ino) {
            pt_item_add_error(&it, "error", "not read: the name no longer leads to the regular file listed "
                              "(replaced while the scan ran)");
            close(fd);
            fd = -1;
        } else {
            pt_err_t rerr = { 0, "" };
            src = fd; /* kept open until emitted: an archive is read again from it */
            rc = pt_scan_read(w->s, &it, pt_source_read_fd, &src, &rerr);
            if (rc != PT_OK) {
                *w->err = rerr;
                goto out;
            }
            /* a live tree: the file written to since it was listed */
            if (fstat(fd, &st) == 0) {
                if ((uint64_t)st.st_size != sx.stx_size)
                    pt_item_add_error(&it, "note", "changed while the scan read it (%llu bytes when listed, %llu "
                                      "after): what was hashed is what was read then",
                                      (unsigned long long)sx.stx_size, (unsigned long long)st.st_size);
                else if (st.st_mtim.tv_sec != sx.stx_mtime.tv_sec ||
                         (uint64_t)st.st_mtim.tv_nsec != sx.stx_mtime.tv_nsec)
                    pt_item_add_error(&it, "note", "modified while the scan read it (its modification time "
                                      "moved): what was hashed is what was read then");
            }
        }
    }
    if (S_ISDIR(sx.stx_mode)) {
        int deep = depth >= w->s->opts->max_depth; /* deeper trees are reported, not followed */
        int sub = !deep ? open_ro(dirfd, name, O_DIRECTORY) : -1;
        if (sub < 0 && deep)
            pt_item_add_error(&it, "error", "directory not walked: nesting deeper than %d levels (--max-depth)",
                              w->s->opts->max_depth);
        else if (sub < 0)
            pt_item_add_error(&it, "error", "directory not walked: %s", strerror(errno));
        rc = pt_scan_emit(w->s, &it, w->err);
        if (rc == PT_OK && sub >= 0)
            rc = walk_dir(w, sub, path, depth + 1); /* takes ownership of sub */
        else if (sub >= 0)
            close(sub);
    } else {
        rc = pt_scan_emit(w->s, &it, w->err);
    }
out:
    if (fd >= 0)
        close(fd);
    free(target);
    free(path);
    return rc;
}

/* Lists dirfd (which it closes), sorted by name, and visits each entry. */
static int walk_dir(dw_t *w, int dirfd, const char *dpath, int depth)
{
    DIR *d = fdopendir(dirfd);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    int rc = PT_OK;

    if (!d) {
        close(dirfd);
        return pt_scan_problem(w->s, "error", dpath, strerror(errno), w->err);
    }
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
            if (!nn) {
                rc = pt_err_set(w->err, PT_ENOMEM, "out of memory");
                goto out;
            }
            names = nn;
        }
        if (!(names[n] = strdup(de->d_name))) {
            rc = pt_err_set(w->err, PT_ENOMEM, "out of memory");
            goto out;
        }
        n++;
    }
    if (errno != 0)
        rc = pt_scan_problem(w->s, "error", dpath, "directory listing incomplete", w->err);
    if (n > 1) /* an empty directory has no array at all */
        qsort(names, n, sizeof *names, cmp_names);
    for (i = 0; i < n && rc == PT_OK; i++)
        rc = visit(w, dirfd, dpath, names[i], depth);
out:
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

int pt_dirwalk(pt_scan_t *s, const char *root, pt_err_t *err)
{
    dw_t w = { s, err };
    /* The root itself may be a link the examiner chose to name; below it,
     * nothing is followed. */
    int fd = pt_source_open_ro(AT_FDCWD, root, O_DIRECTORY, NULL);

    struct pt_files *outer = s->files;
    int rc;

    if (fd < 0)
        return pt_scan_problem(s, "fatal", root, strerror(errno), err);
    s->files = pt_files_dir(root); /* where disks found here find their backing files */
    rc = walk_dir(&w, fd, "/", 0);
    pt_files_free(s->files);
    s->files = outer;
    return rc;
}
