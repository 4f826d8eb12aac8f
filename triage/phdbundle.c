/* phdbundle.c - a Parallels disk directory (see phdbundle.h): the
 * descriptor read once, each storage's snapshot chain opened through the
 * namespace and kept open (the namespace owns the files); reads go down a
 * storage's chain, top first, under one lock. */
#include "phdbundle.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "phdmap.h"
#include "qcowmap.h"
#include "reader.h"
#include "source.h"

#define DESC_MAX (1u << 20)
#define MAX_STORAGES 4096
#define MAX_IMAGES 256          /* per storage: snapshots */
#define NULL_GUID "{00000000-0000-0000-0000-000000000000}"

typedef struct level {
    pt_read_fn fn;
    void *src;
    uint64_t size;
    pt_phdmap_t *map;           /* NULL: a Plain (raw) image */
} level_t;

typedef struct storage {
    uint64_t start, end;        /* bytes of the disk */
    level_t *lev;               /* the chain, the current snapshot first */
    int n;
} storage_t;

typedef struct phd {
    uint64_t size;
    storage_t *st;
    int n;
    pthread_mutex_t lock;
} phd_t;

/* ---- the descriptor: a few known elements, no attributes needed ------------------ */

/* The first <tag>...</tag> in [p, end): its content in [*b, *e), and
 * *after past its closing tag; 0 when there is none. */
static int elem(const char *p, const char *end, const char *tag, const char **b, const char **e, const char **after)
{
    char open[64], close[64];
    size_t ol = (size_t)snprintf(open, sizeof open, "<%s>", tag);
    size_t cl = (size_t)snprintf(close, sizeof close, "</%s>", tag);
    const char *s, *t;

    if (p >= end || !(s = memmem(p, (size_t)(end - p), open, ol)))
        return 0;
    s += ol;
    if (!(t = memmem(s, (size_t)(end - s), close, cl)))
        return 0;
    *b = s;
    *e = t;
    if (after)
        *after = t + cl;
    return 1;
}

/* The trimmed text of <tag> in [p, end) into out; 0 when absent. */
static int text(const char *p, const char *end, const char *tag, char *out, size_t size)
{
    const char *b, *e;
    size_t n;

    out[0] = '\0';
    if (!elem(p, end, tag, &b, &e, NULL))
        return 0;
    while (b < e && (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n'))
        b++;
    while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
        e--;
    n = (size_t)(e - b) < size - 1 ? (size_t)(e - b) : size - 1;
    memcpy(out, b, n);
    out[n] = '\0';
    return 1;
}

static int number(const char *p, const char *end, const char *tag, uint64_t *v)
{
    char t[32], *x;

    if (!text(p, end, tag, t, sizeof t) || !t[0])
        return 0;
    *v = strtoull(t, &x, 10);
    return *x == '\0';
}

/* ---- names ------------------------------------------------------------------------ */

int pt_phdbundle_named(const char *path)
{
    size_t n = strlen(path);

    return n > 4 && strcasecmp(path + n - 4, ".hdd") == 0 && path[n - 5] != '/';
}

int pt_phdbundle_is_part(const char *path)
{
    const char *slash = strrchr(path, '/'), *name;
    size_t n;

    if (!slash || slash - path < 5 || strncasecmp(slash - 4, ".hdd", 4) != 0)
        return 0;
    name = slash + 1;
    n = strlen(name);
    return (n > 4 && strcasecmp(name + n - 4, ".hds") == 0) || strcasestr(name, ".hds.{") != NULL;
}

/* ---- opening ------------------------------------------------------------------------ */

static void phd_free(void *p)
{
    phd_t *d = p;
    int i, k;

    if (!d)
        return;
    for (i = 0; i < d->n; i++) {
        for (k = 0; k < d->st[i].n; k++)
            pt_phdmap_free(d->st[i].lev[k].map);
        free(d->st[i].lev);
    }
    free(d->st);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

/* The snapshot chain, the current one first: guids[0..*n). */
typedef struct shot {
    char guid[48], parent[48];
} shot_t;

static int chain_of(const char *snaps, const char *snaps_end, char (*guids)[48], int *n, char *why, size_t wsize)
{
    shot_t *s = calloc(MAX_IMAGES, sizeof *s);
    const char *p = snaps, *b, *e;
    char top[48];
    int ns = 0, i, k, leaves = 0;

    *n = 0;
    if (!s)
        return PT_ENOMEM;
    while (ns < MAX_IMAGES && elem(p, snaps_end, "Shot", &b, &e, &p)) {
        text(b, e, "GUID", s[ns].guid, sizeof s[ns].guid);
        text(b, e, "ParentGUID", s[ns].parent, sizeof s[ns].parent);
        if (s[ns].guid[0])
            ns++;
    }
    if (!text(snaps, snaps_end, "TopGUID", top, sizeof top) || !top[0]) {
        /* the snapshot no other descends from; the last listed of several */
        for (i = 0; i < ns; i++) {
            for (k = 0; k < ns && strcasecmp(s[k].parent, s[i].guid) != 0; k++)
                ;
            if (k == ns) {
                snprintf(top, sizeof top, "%s", s[i].guid);
                leaves++;
            }
        }
        if (leaves > 1)
            snprintf(why, wsize, "; %d snapshot branches, the last listed read (%s)", leaves, top);
    }
    while (top[0] && strcmp(top, NULL_GUID) != 0) {
        for (i = 0; i < *n && strcasecmp(guids[i], top) != 0; i++)
            ;
        if (i < *n || *n == MAX_IMAGES) {
            free(s);
            snprintf(why, wsize, "the snapshots' parents loop at %s", top);
            return PT_EFORMAT;
        }
        snprintf(guids[(*n)++], 48, "%s", top);
        for (i = 0; i < ns && strcasecmp(s[i].guid, top) != 0; i++)
            ;
        top[0] = '\0';
        if (i < ns)
            snprintf(top, sizeof top, "%s", s[i].parent);
    }
    free(s);
    return PT_OK;
}

/* Opens storage [b, e)'s images along the chain. */
static int open_storage(pt_files_t *f, const char *descpath, const char *b, const char *e, char (*guids)[48],
                        int nguids, storage_t *st, int *plain, pt_err_t *err)
{
    int k, rc;

    if (!(st->lev = calloc((size_t)(nguids ? nguids : 1), sizeof *st->lev)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    for (k = 0; k < (nguids ? nguids : 1); k++) {
        const char *p = b, *ib, *ie;
        char guid[48] = "", type[32] = "", file[1024] = "";
        int found = 0;
        while (elem(p, e, "Image", &ib, &ie, &p)) {
            text(ib, ie, "GUID", guid, sizeof guid);
            /* without snapshots, a storage's one image */
            if (!nguids || strcasecmp(guid, guids[k]) == 0) {
                text(ib, ie, "Type", type, sizeof type);
                text(ib, ie, "File", file, sizeof file);
                found = 1;
                break;
            }
        }
        if (!found || !file[0])
            return pt_err_set(err, PT_EFORMAT, "DiskDescriptor.xml: no image file for snapshot %s in the storage of "
                              "sectors %" PRIu64 "-%" PRIu64, nguids ? guids[k] : "(the only one)",
                              st->start / 512, st->end / 512);
        {
            char *path = pt_files_join(f, descpath, file);
            level_t *l = &st->lev[st->n];
            char d2[32];
            if (!path)
                return pt_err_set(err, PT_ENOMEM, "out of memory");
            rc = pt_files_open(f, path, &l->fn, &l->src, &l->size, err);
            if (rc != PT_OK) {
                char m[sizeof err->msg];
                snprintf(m, sizeof m, "%s", err->msg);
                pt_err_set(err, rc == PT_ENOENT ? PT_EFORMAT : rc, "image %.300s of the disk: %.500s", path, m);
                free(path);
                return err->code;
            }
            if (strcasecmp(type, "Plain") == 0) {
                (*plain)++;
            } else if ((rc = pt_phdmap_open(l->fn, l->src, l->size, &l->map, d2, sizeof d2, err)) != PT_OK) {
                char m[sizeof err->msg];
                snprintf(m, sizeof m, "%s", err->msg);
                pt_err_set(err, rc, "image %.300s of the disk: %.500s", path, m);
                free(path);
                return rc;
            }
            free(path);
            st->n++;
        }
    }
    return PT_OK;
}

static ssize_t phd_read(void *p, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);

TSK_IMG_INFO *pt_phdbundle_img(pt_files_t *f, const char *dir, char *desc, size_t dsize, pt_err_t *err)
{
    char descpath[4096], engine[64] = "", why[160] = "", (*guids)[48] = NULL;
    const char *x, *end, *p, *b, *e, *sb, *se;
    uint8_t *xml = NULL;
    pt_read_fn fn;
    void *src;
    uint64_t xsize, sectors = 0;
    int nguids = 0, plain = 0, rc;
    phd_t *d = NULL;
    TSK_IMG_INFO *img;

    snprintf(descpath, sizeof descpath, "%s/DiskDescriptor.xml", dir);
    if ((rc = pt_files_open_one(f, descpath, &fn, &src, &xsize, err)) != PT_OK)
        return NULL;
    if (xsize > DESC_MAX || !(xml = malloc((size_t)xsize + 1))) {
        pt_files_close_one(f, src);
        pt_err_set(err, xsize > DESC_MAX ? PT_EFORMAT : PT_ENOMEM, "DiskDescriptor.xml of %" PRIu64 " bytes: %s",
                   xsize, xsize > DESC_MAX ? "larger than any Parallels writes" : "out of memory");
        return NULL;
    }
    rc = pt_read_exact(fn, src, 0, xml, (size_t)xsize, err);
    pt_files_close_one(f, src);
    if (rc != PT_OK)
        goto fail;
    xml[xsize] = '\0';
    x = (const char *)xml;
    end = x + xsize;
    if (!elem(x, end, "Disk_Parameters", &b, &e, NULL) || !memmem(x, (size_t)xsize, "<Parallels_disk_image", 21) ||
        !number(b, e, "Disk_size", &sectors) || sectors == 0 || sectors > (UINT64_MAX >> 10)) {
        rc = pt_err_set(err, PT_EFORMAT, "DiskDescriptor.xml is not a Parallels disk's (no Parallels_disk_image with "
                        "a Disk_size)");
        goto fail;
    }
    if (elem(b, e, "Encryption", &sb, &se, NULL) && text(sb, se, "Engine", engine, sizeof engine) && engine[0] &&
        strcmp(engine, NULL_GUID) != 0) {
        rc = pt_err_set(err, PT_EFORMAT, "encrypted Parallels disk (encryption engine %.60s): not readable without "
                        "its key; its image files are listed as files", engine);
        goto fail;
    }
    if (!(guids = calloc(MAX_IMAGES, sizeof *guids)) || !(d = calloc(1, sizeof *d)) ||
        !(d->st = calloc(MAX_STORAGES, sizeof *d->st))) {
        rc = pt_err_set(err, PT_ENOMEM, "out of memory");
        goto fail;
    }
    pthread_mutex_init(&d->lock, NULL);
    d->size = sectors * 512;
    if (elem(x, end, "Snapshots", &sb, &se, NULL) &&
        (rc = chain_of(sb, se, guids, &nguids, why, sizeof why)) != PT_OK) {
        if (rc == PT_EFORMAT)
            pt_err_set(err, rc, "DiskDescriptor.xml: %s", why);
        else
            pt_err_set(err, rc, "out of memory");
        goto fail;
    }
    if (!elem(x, end, "StorageData", &sb, &se, NULL)) {
        rc = pt_err_set(err, PT_EFORMAT, "DiskDescriptor.xml names no storage (StorageData)");
        goto fail;
    }
    for (p = sb; d->n < MAX_STORAGES && elem(p, se, "Storage", &b, &e, &p);) {
        storage_t *st = &d->st[d->n];
        uint64_t s0 = 0, s1 = 0;
        if (!number(b, e, "Start", &s0) || !number(b, e, "End", &s1) || s1 <= s0 || s1 > sectors ||
            (d->n && s0 * 512 < d->st[d->n - 1].end)) {
            rc = pt_err_set(err, PT_EFORMAT, "DiskDescriptor.xml: storage %d gives sectors %" PRIu64 "-%" PRIu64
                            " of a %" PRIu64 "-sector disk, not after the one before", d->n + 1, s0, s1, sectors);
            goto fail;
        }
        st->start = s0 * 512;
        st->end = s1 * 512;
        d->n++;
        if ((rc = open_storage(f, descpath, b, e, guids, nguids, st, &plain, err)) != PT_OK)
            goto fail;
    }
    if (d->n == 0) {
        rc = pt_err_set(err, PT_EFORMAT, "DiskDescriptor.xml names no storage");
        goto fail;
    }
    if (desc)
        snprintf(desc, dsize, "Parallels disk (DiskDescriptor.xml), %" PRIu64 " bytes in %d storage%s, %d snapshot "
                 "image%s deep%s%s%s", d->size, d->n, d->n == 1 ? "" : "s", d->st[0].n, d->st[0].n == 1 ? "" : "s",
                 plain ? ", plain (raw) images among them" : "", why,
                 d->st[d->n - 1].end < d->size ? "; sectors past the last storage read as zeros" : "");
    free(xml);
    free(guids);
    if (!(img = pt_source_img_owning(phd_read, d, d->size, 512, phd_free))) {
        phd_free(d);
        pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    return img;
fail:
    (void)rc;
    free(xml);
    free(guids);
    phd_free(d);
    return NULL;
}

/* ---- reading ------------------------------------------------------------------------ */

/* n bytes of storage st at in (n within one cluster of every image asked),
 * down its chain. */
static int read_storage(const storage_t *st, uint64_t in, uint8_t *buf, size_t *n, pt_err_t *err)
{
    int k;

    for (k = 0; k < st->n; k++) {
        const level_t *l = &st->lev[k];
        uint64_t run, host;
        int s;
        if (!l->map) {
            /* a raw image: past its end, zeros */
            size_t have = in < l->size ? (size_t)(l->size - in < *n ? l->size - in : *n) : 0;
            if (have && pt_read_exact(l->fn, l->src, in, buf, have, err) != PT_OK)
                return -1;
            memset(buf + have, 0, *n - have);
            return 0;
        }
        if ((s = pt_phdmap_state(l->map, in, &run, &host, err)) < 0)
            return -1;
        if (run < *n)
            *n = (size_t)run;
        if (s == PT_MAP_DATA)
            return pt_read_exact(l->fn, l->src, host, buf, *n, err) == PT_OK ? 0 : -1;
    }
    memset(buf, 0, *n); /* never written down to the base */
    return 0;
}

static ssize_t phd_read(void *p, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    phd_t *d = p;
    size_t done = 0;
    int i = 0;

    if (off >= d->size)
        return 0;
    if (len > d->size - off)
        len = (size_t)(d->size - off);
    pthread_mutex_lock(&d->lock);
    while (done < len) {
        uint64_t at = off + done;
        size_t n = len - done;
        while (i < d->n && d->st[i].end <= at)
            i++;
        if (i < d->n && d->st[i].start <= at) {
            if (d->st[i].end - at < n)
                n = (size_t)(d->st[i].end - at);
            if (read_storage(&d->st[i], at - d->st[i].start, buf + done, &n, err) < 0)
                break;
        } else {
            /* between storages or past the last: zeros */
            uint64_t next = i < d->n ? d->st[i].start : d->size;
            if (next - at < n)
                n = (size_t)(next - at);
            memset(buf + done, 0, n);
        }
        done += n;
    }
    pthread_mutex_unlock(&d->lock);
    return done == len ? (ssize_t)done : -1;
}
