/* chain.c - virtual disks with the files they are made of, and the
 * namespaces those files are found in.  A namespace owns every file opened
 * through it (once per path); a chain owns its layers, children before
 * parents. */
#include "chain.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ewf.h"
#include "ewfmap.h"
#include "rawimg.h"
#include "source.h"
#include "vdimap.h"
#include "walk.h"

#define CHAIN_MAX 16

typedef enum { NS_HOST, NS_TSK, NS_DIR } ns_t;

typedef struct opened {
    char *path;
    pt_read_fn fn;
    void *src;
    uint64_t size;
} opened_t;

struct pt_files {
    ns_t ns;
    TSK_FS_INFO *fs;
    char *root;
    opened_t *o;
    int n;
};

struct pt_chain {
    int n;
    pt_layer_t *layer[CHAIN_MAX];
    char note[1536];
};

static pt_files_t *files_new(ns_t ns)
{
    pt_files_t *f = calloc(1, sizeof *f);

    if (f)
        f->ns = ns;
    return f;
}

pt_files_t *pt_files_host(void)
{
    return files_new(NS_HOST);
}

pt_files_t *pt_files_tsk(TSK_FS_INFO *fs)
{
    pt_files_t *f = files_new(NS_TSK);

    if (f)
        f->fs = fs;
    return f;
}

pt_files_t *pt_files_dir(const char *root)
{
    pt_files_t *f = files_new(NS_DIR);

    if (f && !(f->root = strdup(root))) {
        free(f);
        return NULL;
    }
    return f;
}

static void close_one(const pt_files_t *f, opened_t *o)
{
    if (f->ns == NS_HOST) {
        tsk_img_close(o->src);
    } else if (f->ns == NS_TSK) {
        tsk_fs_file_close(((pt_walk_tsk_src_t *)o->src)->file);
        free(o->src);
    } else {
        close(*(int *)o->src);
        free(o->src);
    }
    free(o->path);
}

void pt_files_free(pt_files_t *f)
{
    int i;

    if (!f)
        return;
    for (i = 0; i < f->n; i++)
        close_one(f, &f->o[i]);
    free(f->o);
    free(f->root);
    free(f);
}

int pt_files_count(const pt_files_t *f)
{
    return f->n;
}

uint64_t pt_files_bytes(const pt_files_t *f)
{
    uint64_t n = 0;

    for (int i = 0; i < f->n; i++)
        n += f->o[i].size;
    return n;
}

/* Opens path in the namespace into o (o->path not set). */
static int open_new(pt_files_t *f, const char *path, opened_t *o, pt_err_t *err)
{
    if (f->ns == NS_HOST) {
        struct stat st;
        const char *names[1] = { path };
        TSK_IMG_INFO *img;
        if (stat(path, &st) != 0)
            return pt_err_set(err, errno == ENOENT || errno == ENOTDIR ? PT_ENOENT : PT_EIO, "%s: %s", path,
                              strerror(errno));
        /* the evidence itself may be a device; a file an image names may
         * not, so that an image cannot pull in this machine's own disks */
        if (!S_ISREG(st.st_mode) && !(S_ISBLK(st.st_mode) && f->n == 0))
            return pt_err_set(err, PT_EFORMAT, "%s: not a regular file", path);
        if (!(img = pt_rawimg_open(names, 1, 512, err)))
            return err && err->code ? err->code : PT_EIO;
        o->fn = pt_rawimg_read;
        o->src = img;
        o->size = (uint64_t)img->size;
    } else if (f->ns == NS_TSK) {
        TSK_FS_FILE *file = tsk_fs_file_open(f->fs, NULL, path);
        pt_walk_tsk_src_t *ts;
        if (!file) {
            tsk_error_reset();
            return pt_err_set(err, PT_ENOENT, "%s: no such file in the filesystem", path);
        }
        if (!file->meta || file->meta->type != TSK_FS_META_TYPE_REG) {
            tsk_fs_file_close(file);
            return pt_err_set(err, PT_EFORMAT, "%s: not a regular file", path);
        }
        if (!(ts = calloc(1, sizeof *ts))) {
            tsk_fs_file_close(file);
            return pt_err_set(err, PT_ENOMEM, "out of memory");
        }
        ts->file = file;
        o->fn = pt_walk_read_tsk;
        o->src = ts;
        o->size = (uint64_t)file->meta->size;
    } else {
        struct stat st;
        int fd = pt_source_open_under(f->root, path, err), *box;
        if (fd < 0)
            return err && err->code ? err->code : PT_EIO;
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !(box = malloc(sizeof *box))) {
            close(fd);
            return pt_err_set(err, PT_EFORMAT, "%s: not a regular file", path);
        }
        *box = fd;
        o->fn = pt_source_read_fd;
        o->src = box;
        o->size = (uint64_t)st.st_size;
    }
    return PT_OK;
}

int pt_files_open(pt_files_t *f, const char *path, pt_read_fn *fn, void **src, uint64_t *size, pt_err_t *err)
{
    opened_t o, *grown;
    int i, rc;

    for (i = 0; i < f->n; i++)
        if (strcmp(f->o[i].path, path) == 0)
            break;
    if (i == f->n) {
        memset(&o, 0, sizeof o);
        if (!(grown = realloc(f->o, (size_t)(f->n + 1) * sizeof *grown)))
            return pt_err_set(err, PT_ENOMEM, "out of memory");
        f->o = grown;
        if ((rc = open_new(f, path, &o, err)) != PT_OK)
            return rc;
        if (!(o.path = strdup(path))) {
            close_one(f, &o);
            return pt_err_set(err, PT_ENOMEM, "out of memory");
        }
        f->o[f->n++] = o;
    }
    *fn = f->o[i].fn;
    *src = f->o[i].src;
    *size = f->o[i].size;
    return PT_OK;
}

int pt_files_open_one(pt_files_t *f, const char *path, pt_read_fn *fn, void **src, uint64_t *size, pt_err_t *err)
{
    opened_t o;
    int rc;

    memset(&o, 0, sizeof o);
    if ((rc = open_new(f, path, &o, err)) != PT_OK)
        return rc;
    *fn = o.fn;
    *src = o.src;
    *size = o.size;
    return PT_OK;
}

void pt_files_close_one(pt_files_t *f, void *src)
{
    opened_t o;

    if (!src)
        return;
    memset(&o, 0, sizeof o);
    o.src = src;
    close_one(f, &o); /* o.path is NULL: free(NULL) */
}

/* ---- names ---- */

/* The name of segment k (1-based) of the set whose first file is path
 * (x.E01): x.E02 ... x.E99, x.EAA ... x.EZZ, x.FAA ..., in the first
 * file's case.  0 past the last name EWF has. */
static int segment_name(const char *path, unsigned k, char *out, size_t size)
{
    size_t n = strlen(path);
    char first = path[n - 3];
    int lower = first >= 'a' && first <= 'z';

    if (k <= 99) {
        snprintf(out, size, "%.*s%c%02u", (int)(n - 3), path, first, k);
        return 1;
    }
    k -= 100;
    if ((unsigned)(first - (lower ? 'a' : 'A')) + k / 676 > 25)
        return 0;
    snprintf(out, size, "%.*s%c%c%c", (int)(n - 3), path, first + (char)(k / 676), (lower ? 'a' : 'A') + (char)(k / 26 % 26),
             (lower ? 'a' : 'A') + (char)(k % 26));
    return 1;
}

static void free_ewfmap(void *m)
{
    pt_ewfmap_free(m);
}

/* An E01 set inside a filesystem of the evidence, through libtsk. */
static TSK_IMG_INFO *ewf_in_fs(pt_files_t *f, const char *path, int *segments, char *desc, size_t dsize,
                               pt_err_t *err)
{
    pt_ewfmap_seg_t *segs = NULL;
    pt_ewfmap_t *m = NULL;
    unsigned n = 0, cap = 0;
    size_t len = strlen(path);
    char name[4096];
    TSK_IMG_INFO *img = NULL;
    int rc = PT_OK;

    /* named otherwise (x.Ex01, x.img): that file alone, whose header then
     * says what it is, or that the rest of its set is missing */
    int named = len >= 4 && path[len - 4] == '.' && strspn(path + len - 2, "0123456789") == 2;
    for (unsigned k = 1; k <= (named ? 10000u : 1u) && (named ? segment_name(path, k, name, sizeof name)
                                                        : snprintf(name, sizeof name, "%s", path) > 0); k++) {
        pt_ewfmap_seg_t s;
        if (n == cap) {
            pt_ewfmap_seg_t *a = realloc(segs, (cap = cap ? cap * 2 : 16) * sizeof *a);
            if (!a) {
                rc = pt_err_set(err, PT_ENOMEM, "out of memory");
                break;
            }
            segs = a;
        }
        if ((rc = pt_files_open(f, name, &s.fn, &s.src, &s.size, err)) == PT_ENOENT) {
            rc = PT_OK;
            break;
        }
        if (rc != PT_OK)
            break;
        segs[n++] = s;
    }
    if (rc == PT_OK && (rc = pt_ewfmap_open(segs, n, &m, desc, dsize, err)) == PT_OK &&
        !(img = pt_source_img_owning(pt_ewfmap_read, m, pt_ewfmap_size(m), pt_ewfmap_sector_size(m), free_ewfmap))) {
        pt_ewfmap_free(m);
        pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    free(segs);
    *segments = (int)n;
    return img;
}

TSK_IMG_INFO *pt_files_open_image_set(pt_files_t *f, const char *path, pt_layer_kind_t kind, int *segments,
                                      char *desc, size_t dsize, pt_err_t *err)
{
    char host[4096];

    if (desc && dsize)
        desc[0] = '\0';
    if (f->ns == NS_TSK && kind == PT_LAYER_EWF)
        return ewf_in_fs(f, path, segments, desc, dsize, err);
    if (!pt_files_host_path(f, path, host, sizeof host)) {
        pt_err_set(err, PT_EINVAL, "%s: a multi-file image is opened only from a directory given as evidence", path);
        return NULL;
    }
    return kind == PT_LAYER_EWF ? pt_ewf_open_in_tree(host, segments, err)
                                : pt_source_open_raw_set(host, 1, segments, err);
}

int pt_files_host_path(const pt_files_t *f, const char *path, char *out, size_t size)
{
    int n;

    if (f->ns == NS_TSK)
        return 0;
    n = f->ns == NS_DIR ? snprintf(out, size, "%s%s%s", f->root, path[0] == '/' ? "" : "/", path)
                        : snprintf(out, size, "%s", path);
    return n > 0 && (size_t)n < size;
}

char *pt_files_join(const pt_files_t *f, const char *from, const char *name)
{
    const char *slash = strrchr(from, '/');
    size_t dl = slash ? (size_t)(slash - from + 1) : 0, size = dl + strlen(name) + 3;
    char *p = malloc(size), *r, *w, *seg;

    if (!p)
        return NULL;
    if (f->ns == NS_HOST) {
        snprintf(p, size, "%.*s%s", (int)dl, from, name);
        return p;
    }
    /* normalise in place: components kept on a stack in the same buffer.
     * The leading '/' keeps the writer behind the reader (each component
     * written takes a '/' it read), also when from has no directory. */
    snprintf(p, size, "/%.*s%s", (int)dl, from, name);
    r = p;
    w = p;
    while (*r) {
        while (*r == '/')
            r++;
        seg = r;
        while (*r && *r != '/')
            r++;
        size_t n = (size_t)(r - seg);
        if (n == 0 || (n == 1 && seg[0] == '.'))
            continue;
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            while (w > p && w[-1] != '/')
                w--;
            if (w > p)
                w--;
            continue;
        }
        *w++ = '/';
        memmove(w, seg, n);
        w += n;
    }
    if (w == p)
        *w++ = '/';
    *w = '\0';
    return p;
}

/* Finds the file the image at `from` names `stored`; *found gets the path
 * opened (malloc'd). */
static int resolve(pt_files_t *f, const char *from, const char *stored, char **found, pt_read_fn *fn, void **src,
                   uint64_t *size, pt_err_t *err)
{
    char *name = strdup(stored), *p, *cand = NULL;
    int windows = 0, rc = PT_ENOENT, strip;

    *found = NULL;
    if (!name)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    /* a Windows path (a VMDK written on Windows): C:\VMs\a.vmdk */
    for (p = name; *p; p++)
        if (*p == '\\') {
            *p = '/';
            windows = 1;
        }
    if (((name[0] | 0x20) >= 'a' && (name[0] | 0x20) <= 'z') && name[1] == ':') {
        memmove(name, name + 2, strlen(name + 2) + 1);
        windows = 1;
    }
    /* the examiner's copies of a chain usually lie together: an absolute
     * name is first looked for beside the image (the evidence handed over),
     * and only then where it points on this machine */
    if (name[0] == '/' && f->ns == NS_HOST) {
        const char *base = strrchr(name, '/') + 1;
        if ((cand = pt_files_join(f, from, base)) && (rc = pt_files_open(f, cand, fn, src, size, err)) == PT_OK) {
            *found = cand;
            cand = NULL;
        }
        free(cand);
        cand = NULL;
    }
    for (strip = 0; rc == PT_ENOENT; strip++) {
        const char *tail = name;
        int k;
        if (name[0] == '/') {
            /* inside the evidence, /a/b/c is also tried as /b/c and /c */
            if (strip > 0 && f->ns == NS_HOST)
                break;
            for (k = 0; k < strip && tail; k++)
                tail = strchr(tail + 1, '/');
            if (!tail)
                break;
            cand = f->ns == NS_HOST ? strdup(tail) : pt_files_join(f, "/", tail + 1);
        } else {
            if (strip > 0)
                break;
            cand = pt_files_join(f, from, name);
        }
        if (!cand) {
            rc = pt_err_set(err, PT_ENOMEM, "out of memory");
            break;
        }
        rc = pt_files_open(f, cand, fn, src, size, err);
        if (rc == PT_OK) {
            *found = cand;
            cand = NULL;
        }
        free(cand);
        cand = NULL;
    }
    if (rc == PT_ENOENT && windows) {
        /* as a last resort, the file of that name beside the image */
        const char *base = strrchr(name, '/');
        if ((cand = pt_files_join(f, from, base ? base + 1 : name)) &&
            (rc = pt_files_open(f, cand, fn, src, size, err)) == PT_OK) {
            *found = cand;
            cand = NULL;
        }
        free(cand);
    }
    if (rc == PT_ENOENT)
        pt_err_set(err, PT_ENOENT, "'%.500s' not found", stored);
    free(name);
    return rc;
}

/* Calls cb with the name of every regular file in directory dir of the
 * namespace (at most 4,096); 0, or -1 when dir cannot be listed. */
static int list_files(pt_files_t *f, const char *dir, void (*cb)(void *ctx, const char *name), void *ctx)
{
    int count = 0;

    if (f->ns == NS_TSK) {
        TSK_FS_DIR *d = tsk_fs_dir_open(f->fs, dir);
        size_t i;
        if (!d) {
            tsk_error_reset();
            return -1;
        }
        for (i = 0; i < tsk_fs_dir_getsize(d) && count < 4096; i++) {
            const TSK_FS_NAME *n = tsk_fs_dir_get_name(d, i);
            if (n && n->type == TSK_FS_NAME_TYPE_REG && (n->flags & TSK_FS_NAME_FLAG_ALLOC) && n->name) {
                cb(ctx, n->name);
                count++;
            }
        }
        tsk_fs_dir_close(d);
        tsk_error_reset();
        return 0;
    }
    {
        pt_err_t e = { 0, "" };
        int fd = f->ns == NS_HOST ? pt_source_open_ro(AT_FDCWD, dir, O_DIRECTORY, NULL)
                 : strcmp(dir, "/") == 0 ? pt_source_open_ro(AT_FDCWD, f->root, O_DIRECTORY, NULL)
                                         : pt_source_open_under(f->root, dir, &e);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;
        if (!d) {
            if (fd >= 0)
                close(fd);
            return -1;
        }
        while ((de = readdir(d)) != NULL && count < 4096) {
            struct stat st;
            if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
                cb(ctx, de->d_name);
                count++;
            }
        }
        closedir(d);
        return 0;
    }
}

typedef struct vdi_names {
    char **v;
    int n;
} vdi_names_t;

static void add_vdi(void *ctx, const char *name)
{
    vdi_names_t *l = ctx;
    size_t n = strlen(name);
    char **g;

    if (n < 5 || strcasecmp(name + n - 4, ".vdi") != 0 || l->n >= 256 || !(g = realloc(l->v, (size_t)(l->n + 1) *
                                                                                         sizeof *g)))
        return;
    l->v = g;
    if ((l->v[l->n] = strdup(name)) != NULL)
        l->n++;
}

/* A VDI snapshot names its parent by UUID: VirtualBox keeps a VM's disks in
 * its folder and the snapshots in the Snapshots folder under it, so the .vdi
 * files beside the image and in the folder above are opened until one was
 * created with that UUID. */
static int resolve_uuid(pt_files_t *f, const char *from, const char *uuid, char **found, pt_read_fn *fn, void **src,
                        uint64_t *size, pt_err_t *err)
{
    char *dirs[2] = { pt_files_join(f, from, "."), pt_files_join(f, from, "..") };
    int d, i, rc = PT_ENOENT;

    *found = NULL;
    for (d = 0; d < 2 && rc == PT_ENOENT; d++) {
        vdi_names_t names = { NULL, 0 };
        if (!dirs[d] || (d == 1 && dirs[0] && strcmp(dirs[0], dirs[1]) == 0))
            continue;
        list_files(f, dirs[d], add_vdi, &names);
        for (i = 0; i < names.n && rc == PT_ENOENT; i++) {
            char *cand = malloc(strlen(dirs[d]) + strlen(names.v[i]) + 2), id[40];
            pt_err_t oerr = { 0, "" };
            if (!cand)
                break;
            sprintf(cand, "%s%s%s", dirs[d], dirs[d][strlen(dirs[d]) - 1] == '/' ? "" : "/", names.v[i]);
            if (strcmp(cand, from) != 0 && pt_files_open(f, cand, fn, src, size, &oerr) == PT_OK &&
                pt_vdimap_read_uuid(*fn, *src, *size, id) && strcmp(id, uuid) == 0) {
                *found = cand;
                cand = NULL;
                rc = PT_OK;
            }
            free(cand);
        }
        for (i = 0; i < names.n; i++)
            free(names.v[i]);
        free(names.v);
    }
    free(dirs[0]);
    free(dirs[1]);
    if (rc == PT_ENOENT)
        pt_err_set(err, PT_ENOENT, "no .vdi created with UUID %s beside it or in the folder above (VirtualBox "
                   "keeps a VM's disks in its folder and the snapshots in its Snapshots folder)", uuid);
    return rc;
}

typedef struct extent_ctx {
    pt_files_t *files;
    const char *from;
} extent_ctx_t;

static int open_extent(void *ctx, const char *name, pt_read_fn *fn, void **src, uint64_t *size, pt_err_t *err)
{
    extent_ctx_t *x = ctx;
    char *found = NULL;
    int rc = resolve(x->files, x->from, name, &found, fn, src, size, err);

    if (rc != PT_OK)
        pt_err_set(err, rc, "VMDK extent file %.500s of %.400s: not opened", name, x->from);
    free(found);
    return rc;
}

/* ---- chains ---- */

int pt_chain_open(pt_layer_kind_t kind, pt_read_fn fn, void *src, uint64_t size, const char *path, pt_files_t *files,
                  const pt_key_t *keys, size_t nkeys, pt_chain_t **out, pt_err_t *err)
{
    pt_chain_t *c = calloc(1, sizeof *c);
    char *cur = strdup(path), *found = NULL;
    size_t used = 0;
    int rc = PT_OK;

    *out = NULL;
    if (!c || !cur) {
        free(c);
        free(cur);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    for (;;) {
        pt_layer_t *layer = NULL;
        extent_ctx_t x = { files, cur };
        pt_vmdk_opener_t ext = { open_extent, &x };
        uint8_t magic[4] = { 0 };
        pt_err_t lerr = { 0, "" };
        const char *backing;

        if (c->n == CHAIN_MAX) {
            rc = pt_err_set(err, PT_EFORMAT, "backing files nested more than %d deep (a loop?)", CHAIN_MAX);
            break;
        }
        (void)pt_read_exact(fn, src, 0, magic, sizeof magic, &lerr);
        if (kind == PT_LAYER_VMDK)
            rc = pt_layer_open_vmdk(fn, src, size, &ext, &layer, &lerr);
        else if (kind == PT_LAYER_QCOW && c->n > 0 && memcmp(magic, "QFI\xfb", 4) != 0)
            rc = pt_layer_open_raw(fn, src, size, &layer, &lerr); /* a raw base image */
        else
            rc = pt_layer_open(kind, fn, src, size, keys, nkeys, &layer, &lerr); /* an encrypted qcow2 */
        if (rc != PT_OK) {
            pt_err_set(err, rc, "%s%.600s%s%.700s", c->n ? "backing file " : "", c->n ? cur : "", c->n ? ": " : "",
                       lerr.msg);
            break;
        }
        c->layer[c->n++] = layer;
        if (c->n > 1 && (rc = pt_layer_set_parent(c->layer[c->n - 2], layer, &lerr)) != PT_OK) {
            pt_err_set(err, rc, "backing file %.600s: %.600s", cur, lerr.msg);
            break;
        }
        if (used < sizeof c->note)
            used += (size_t)snprintf(c->note + used, sizeof c->note - used, "%s%s%s%s%s%s", c->n > 1 ?
                                     "; backing file " : "", c->n > 1 ? cur : "", c->n > 1 ? ": " : "",
                                     pt_layer_describe(layer), c->n > 1 && *pt_layer_parent_note(c->layer[c->n - 2])
                                     ? "; " : "", c->n > 1 ? pt_layer_parent_note(c->layer[c->n - 2]) : "");
        backing = pt_layer_backing(layer);
        if (!*backing)
            break;
        if ((rc = backing[0] == '{' ? resolve_uuid(files, cur, backing, &found, &fn, &src, &size, &lerr)
                                    : resolve(files, cur, backing, &found, &fn, &src, &size, &lerr)) != PT_OK) {
            pt_err_set(err, rc, "backing file %.700s (named by %.400s): %.400s", backing, cur, lerr.msg);
            break;
        }
        free(cur);
        cur = found;
        found = NULL;
    }
    free(cur);
    if (rc != PT_OK) {
        pt_chain_close(c);
        return rc;
    }
    *out = c;
    return PT_OK;
}

pt_layer_t *pt_chain_top(const pt_chain_t *c)
{
    return c->layer[0];
}

int pt_chain_depth(const pt_chain_t *c)
{
    return c->n;
}

const char *pt_chain_describe(const pt_chain_t *c)
{
    return c->note;
}

void pt_chain_close(pt_chain_t *c)
{
    int i;

    if (!c)
        return;
    for (i = 0; i < c->n; i++) /* children before their parents */
        pt_layer_close(c->layer[i]);
    free(c);
}
