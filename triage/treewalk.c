/* treewalk.c - the walk shared by ptriage's own filesystem readers (see
 * treewalk.h).  Owns the path buffer, the set of directories walked and
 * the account names, until pt_tw_end. */
#include "treewalk.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int pt_tw_start(pt_tw_t *w, pt_scan_t *s, void *fs, pt_tw_list_fn list, pt_tw_entry_fn visit,
                pt_small_read_fn read_small, uint64_t root, pt_err_t *err)
{
    long len;
    int rc;

    memset(w, 0, sizeof *w);
    w->s = s;
    w->fs = fs;
    w->list = list;
    w->visit = visit;
    w->err = err;
    if ((rc = pt_scan_volume_identity(s, read_small, fs, &w->accounts, err)) != PT_OK)
        return rc;
    if ((len = pt_scan_path_start(s, &w->path, &w->cap)) < 0 || pt_u64set_add(&w->dirs, root) < 0)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    w->base = w->at = (size_t)len;
    return PT_OK;
}

void pt_tw_end(pt_tw_t *w)
{
    pt_accounts_free(&w->accounts);
    pt_u64set_free(&w->dirs);
    free(w->path);
    w->path = NULL;
}

int pt_tw_item(pt_tw_t *w, pt_item_t *it, const char *name, uint64_t number)
{
    int rc;

    if ((rc = pt_item_path_set(&w->path, &w->cap, w->at, name, w->err)) != PT_OK)
        return rc;
    pt_scan_item_at(w->s, it, w->path);
    it->has_inode = 1;
    it->inode = number;
    if (strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        pt_item_add_error(it, "error", "the directory entry's name contains '/' or is '.' or '..' (damage, a "
                          "crafted image, or an encrypted name): kept as it is");
    return PT_OK;
}

void pt_tw_owner(pt_tw_t *w, pt_item_t *it, uint32_t uid, uint32_t gid)
{
    const char *owner = pt_accounts_name(&w->accounts, uid);

    it->has_owner = 1;
    it->uid = uid;
    it->gid = gid;
    it->owner = owner ? pt_scan_intern(w->s, owner) : NULL;
}

int pt_tw_content(pt_tw_t *w, pt_item_t *it, pt_read_fn fn, void *src, const pt_err_t *why)
{
    pt_err_t rerr = { 0, "" };
    int rc;

    if (!src) {
        pt_item_add_error(it, "error", "content not read: %s", why->msg);
    } else if ((rc = pt_scan_read(w->s, it, fn, src, &rerr)) != PT_OK) {
        *w->err = rerr;
        return rc;
    }
    return pt_scan_emit(w->s, it, w->err);
}

int pt_tw_enter(pt_tw_t *w, const void *dir, uint64_t ref, const char *which)
{
    size_t at = w->at;
    int added = pt_u64set_add(&w->dirs, ref), rc;

    if (added < 0)
        return pt_err_set(w->err, PT_ENOMEM, "out of memory");
    if (!added)
        return pt_scan_dir_again(w->s, w->path, which, w->err);
    rc = pt_tw_dir(w, dir, strlen(w->path), w->depth + 1);
    w->at = at;
    return rc;
}

int pt_tw_dir(pt_tw_t *w, const void *dir, size_t at, int depth)
{
    pt_err_t e = { 0, "" };
    int saved = w->depth, r;

    if (depth > w->s->opts->max_depth) {
        w->path[at] = '\0';
        return pt_scan_too_deep(w->s, w->path, w->err);
    }
    w->at = at;
    w->depth = depth;
    r = w->list(w->fs, dir, w->visit, w, &e);
    w->depth = saved;
    if (r == PT_TW_DAMAGED) {
        w->path[at] = '\0';
        return pt_scan_dir_incomplete(w->s, w->path + w->base, e.msg, w->err);
    }
    return r;
}

int pt_tw_find_entry(void *ctx, uint64_t ref, uint64_t number, unsigned type, const char *name, size_t nlen)
{
    pt_tw_find_t *f = ctx;

    (void)number;
    (void)type;
    if (nlen != f->nlen || memcmp(name, f->name, nlen) != 0)
        return 0;
    f->ref = ref;
    return 1;
}

unsigned pt_tw_dtype(unsigned mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return 1;
    case S_IFDIR: return 2;
    case S_IFCHR: return 3;
    case S_IFBLK: return 4;
    case S_IFIFO: return 5;
    case S_IFSOCK: return 6;
    case S_IFLNK: return 7;
    default: return 0;
    }
}
