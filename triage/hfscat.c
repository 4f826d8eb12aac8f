/* hfscat.c - an HFS+ folder's entries read from the catalog B-tree (see
 * hfscat.h).  Layout from Apple's TN1150: a node descriptor of 14 bytes,
 * records addressed by 16-bit offsets stacked at the node's end; catalog
 * keys are (parent CNID, name) in UTF-16BE, ordered by parent first, so a
 * folder's records are contiguous, starting with its thread record (its
 * own CNID and an empty name). */
#include "hfscat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tsk/fs/tsk_hfs.h>

#include "bytes.h"

#define ROOT_CNID 2
#define REC_FOLDER 1
#define REC_FILE 2
#define FILE_REC_MIN 248 /* HFSPlusCatalogFile */
#define FOLDER_REC_MIN 88
#define MAX_DEPTH 16     /* B-trees of real volumes are 3 to 6 levels deep */

typedef struct cat {
    TSK_FS_FILE *file; /* $CatalogFile */
    uint8_t *node;
    uint32_t node_size, nodes, root, last_leaf;
    pt_err_t *err;
    size_t damaged;     /* records passed over */
    char damage[160];   /* the first of them */
} cat_t;

/* A catalog record seen while walking one folder's records. */
typedef struct rec {
    const uint8_t *name; /* UTF-16BE */
    uint16_t name_len;   /* in code units */
    const uint8_t *data;
    size_t data_len;
} rec_t;

typedef int (*rec_fn)(void *ctx, const rec_t *r); /* nonzero: stop */

static int read_node(cat_t *c, uint32_t n)
{
    ssize_t got;

    if (n >= c->nodes)
        return pt_err_set(c->err, PT_EFORMAT, "catalog node %u is past the tree's %u nodes", n, c->nodes);
    got = tsk_fs_file_read(c->file, (TSK_OFF_T)n * c->node_size, (char *)c->node, c->node_size,
                           TSK_FS_FILE_READ_FLAG_NONE);
    tsk_error_reset();
    if (got != (ssize_t)c->node_size)
        return pt_err_set(c->err, PT_EIO, "catalog node %u could not be read", n);
    return PT_OK;
}

/* Record i of the node in c->node: its offset and the bytes up to the next
 * one's, bounds-checked.  Returns 0, or -1 when the node is damaged. */
static int record(const cat_t *c, unsigned i, unsigned count, size_t *off, size_t *len)
{
    size_t table = c->node_size - 2 * ((size_t)count + 1);
    size_t start = be16(c->node + c->node_size - 2 * (i + 1));
    size_t end = be16(c->node + c->node_size - 2 * (i + 2));

    if (start < 14 || end > table || start + 2 > end)
        return -1;
    *off = start;
    *len = end - start;
    return 0;
}

static int open_cat(cat_t *c, TSK_FS_INFO *fs, pt_err_t *err)
{
    memset(c, 0, sizeof *c);
    c->err = err;
    if (!(c->file = tsk_fs_file_open_meta(fs, NULL, HFS_CATALOG_FILE_ID))) {
        tsk_error_reset();
        return pt_err_set(err, PT_EIO, "the catalog file could not be opened");
    }
    uint8_t hdr[14 + 36];
    ssize_t got = tsk_fs_file_read(c->file, 0, (char *)hdr, sizeof hdr, TSK_FS_FILE_READ_FLAG_NONE);
    tsk_error_reset();
    if (got != (ssize_t)sizeof hdr || (int8_t)hdr[8] != 1)
        return pt_err_set(err, PT_EFORMAT, "the catalog's header node could not be read");
    c->root = be32(hdr + 16);
    c->last_leaf = be32(hdr + 28);
    c->node_size = be16(hdr + 32);
    c->nodes = be32(hdr + 36);
    if (c->node_size < 512 || (c->node_size & (c->node_size - 1)) ||
        (uint64_t)c->nodes * c->node_size > (uint64_t)c->file->meta->size)
        return pt_err_set(err, PT_EFORMAT, "the catalog's header record is damaged (node size %u, %u nodes)",
                          c->node_size, c->nodes);
    if (!(c->node = malloc(c->node_size)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    return PT_OK;
}

static void close_cat(cat_t *c)
{
    free(c->node);
    if (c->file)
        tsk_fs_file_close(c->file);
}

/* Calls fn for each record whose key's parent is folder, in key order:
 * down the index to the leaf that holds (folder, ""), then along the leaf
 * chain until a larger parent. */
static int each_record(cat_t *c, uint32_t folder, rec_fn fn, void *ctx)
{
    uint32_t n = c->root, levels = 0, steps = 0;
    size_t off, len;
    int rc;

    /* down the index nodes, by their kind (as libtsk goes: a header whose
     * depth is wrong does not stop it) */
    while ((rc = read_node(c, n)) == PT_OK && (int8_t)c->node[8] == 0) {
        unsigned count = be16(c->node + 10);
        uint32_t child = 0;
        if (count == 0 || ++levels > MAX_DEPTH)
            return pt_err_set(c->err, PT_EFORMAT, "catalog index node %u is %s", n,
                              count ? "deeper than any catalog" : "empty");
        for (unsigned i = 0; i < count; i++) {
            if (record(c, i, count, &off, &len) != 0)
                return pt_err_set(c->err, PT_EFORMAT, "catalog index node %u: record %u is out of bounds", n, i);
            size_t klen = be16(c->node + off);
            if (klen < 6 || 2 + klen + 4 > len)
                return pt_err_set(c->err, PT_EFORMAT, "catalog index node %u: record %u is damaged", n, i);
            /* the last child whose first key is below (folder, ""), else the first */
            if (i == 0 || be32(c->node + off + 2) < folder)
                child = be32(c->node + off + 2 + klen);
        }
        n = child;
    }
    for (; rc == PT_OK; rc = read_node(c, n)) {
        unsigned count = be16(c->node + 10);
        if ((int8_t)c->node[8] != -1)
            return pt_err_set(c->err, PT_EFORMAT, "catalog node %u is not the leaf node the tree names", n);
        /* a damaged record is passed over, counted: the folder's other
         * records are still read (its parent, where readable, says whether
         * the folder's records have ended) */
        for (unsigned i = 0; i < count; i++) {
            const char *bad = NULL;
            if (record(c, i, count, &off, &len) != 0 || len < 6) {
                bad = "out of bounds";
            } else {
                uint32_t parent = be32(c->node + off + 2);
                size_t klen = be16(c->node + off);
                if (parent < folder)
                    continue;
                if (parent > folder)
                    return PT_OK;
                if (klen < 6 || 2 + klen > len || (size_t)be16(c->node + off + 6) * 2 > klen - 6) {
                    bad = "damaged (its key's length)";
                } else {
                    rec_t r = { c->node + off + 8, be16(c->node + off + 6), c->node + off + 2 + klen,
                                len - 2 - klen };
                    if (fn(ctx, &r))
                        return PT_OK;
                    continue;
                }
            }
            if (c->damaged++ == 0)
                snprintf(c->damage, sizeof c->damage, "leaf node %u, record %u: %s", n, i, bad);
        }
        uint32_t next = be32(c->node); /* the next leaf */
        if (next == 0) {
            /* the folder's records may go on in a leaf no link reaches */
            if (n != c->last_leaf && c->damaged++ == 0)
                snprintf(c->damage, sizeof c->damage, "leaf node %u ends the leaf chain, but the tree's last leaf "
                         "is node %u: records after it cannot be reached", n, c->last_leaf);
            return PT_OK;
        }
        n = next;
        if (++steps > c->nodes)
            return pt_err_set(c->err, PT_EFORMAT, "the catalog's leaf chain loops");
    }
    return rc;
}

/* The CNID of the entry of folder named by nuls U+0000 characters and
 * then the ASCII name (the private folders' names begin with four), or 0. */
typedef struct find {
    size_t nuls;
    const char *name;
    uint32_t cnid;
} find_t;

static int find_cb(void *ctx, const rec_t *r)
{
    find_t *f = ctx;
    size_t n = strlen(f->name);
    int16_t type = r->data_len >= 12 ? (int16_t)be16(r->data) : 0;

    if ((type != REC_FILE && type != REC_FOLDER) || r->name_len != f->nuls + n)
        return 0;
    for (size_t i = 0; i < f->nuls + n; i++)
        if (be16(r->name + 2 * i) != (i < f->nuls ? 0 : (uint8_t)f->name[i - f->nuls]))
            return 0;
    f->cnid = be32(r->data + 8);
    return 1;
}

static uint32_t find(cat_t *c, uint32_t folder, size_t nuls, const char *name)
{
    find_t f = { nuls, name, 0 };
    pt_err_t e = { 0, "" };
    pt_err_t *keep = c->err;
    size_t damaged = c->damaged;

    c->err = &e; /* not found is the answer, whatever the reason */
    each_record(c, folder, find_cb, &f);
    c->err = keep;
    c->damaged = damaged; /* the private folder's damage is not the listed folder's */
    return f.cnid;
}

typedef struct list {
    TSK_FS_INFO *fs;
    pt_hfscat_list_t *out;
    size_t cap;
    int oom;
} list_t;

static int list_cb(void *ctx, const rec_t *r)
{
    list_t *l = ctx;
    int16_t type = r->data_len >= 2 ? (int16_t)be16(r->data) : 0;
    pt_hfscat_entry_t e;
    char name[HFS_MAXNAMLEN * 3 + 1];

    if (!((type == REC_FOLDER && r->data_len >= FOLDER_REC_MIN) || (type == REC_FILE && r->data_len >= FILE_REC_MIN)))
        return 0; /* thread records, and records too short to be either */
    memset(&e, 0, sizeof e);
    e.cnid = e.target = be32(r->data + 8);
    e.is_dir = type == REC_FOLDER;
    if (type == REC_FILE) {
        uint32_t ftype = be32(r->data + 48), creator = be32(r->data + 52);
        if ((ftype == HFS_HARDLINK_FILE_TYPE && creator == HFS_HARDLINK_FILE_CREATOR) ||
            (ftype == HFS_LINKDIR_FILE_TYPE && creator == HFS_LINKDIR_FILE_CREATOR)) {
            e.link = be32(r->data + 44); /* bsdInfo.special: the link number */
            e.is_dir = ftype == HFS_LINKDIR_FILE_TYPE;
            e.target = 0; /* resolved once the folder is read */
        }
    }
    if (hfs_UTF16toUTF8(l->fs, (uint8_t *)r->name, r->name_len, name, sizeof name, HFS_U16U8_FLAG_REPLACE_SLASH)) {
        tsk_error_reset();
        snprintf(name, sizeof name, "(catalog record %u: name not convertible)", e.cnid);
    }
    if (l->out->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        pt_hfscat_entry_t *a = realloc(l->out->e, cap * sizeof *a);
        if (!a)
            return l->oom = 1;
        l->out->e = a;
        l->cap = cap;
    }
    if (!(e.name = strdup(name)))
        return l->oom = 1;
    l->out->e[l->out->n++] = e;
    return 0;
}

int pt_hfscat_folder(TSK_FS_INFO *fs, uint32_t folder, pt_hfscat_list_t *out, pt_err_t *err)
{
    cat_t c;
    list_t l = { fs, out, 0, 0 };
    uint32_t files = 0, dirs = 0;
    int rc;

    if ((rc = open_cat(&c, fs, err)) == PT_OK && (rc = each_record(&c, folder, list_cb, &l)) == PT_OK && l.oom)
        rc = pt_err_set(err, PT_ENOMEM, "out of memory");
    out->damaged = c.damaged;
    snprintf(out->damage, sizeof out->damage, "%s", c.damage);
    for (size_t i = 0; rc == PT_OK && i < out->n; i++) {
        pt_hfscat_entry_t *e = &out->e[i];
        char name[32];
        if (!e->link)
            continue;
        /* the private folders, named as TN1150 names them */
        if (!e->is_dir && !files)
            files = find(&c, ROOT_CNID, 4, "HFS+ Private Data");
        if (e->is_dir && !dirs)
            dirs = find(&c, ROOT_CNID, 0, ".HFS+ Private Directory Data\r");
        snprintf(name, sizeof name, e->is_dir ? "dir_%u" : "iNode%u", e->link);
        e->target = (e->is_dir ? dirs : files) ? find(&c, e->is_dir ? dirs : files, 0, name) : 0;
    }
    close_cat(&c);
    return rc;
}

void pt_hfscat_free(pt_hfscat_list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->e[i].name);
    free(l->e);
    l->e = NULL;
    l->n = 0;
}
