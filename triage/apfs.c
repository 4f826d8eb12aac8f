/* apfs.c - APFS containers through libtsk's pool API.  Owns the libtsk
 * image over the container, the pool, one pool image per volume (libtsk's
 * APFS reader accepts nothing else) and the volume table; the caller owns
 * the filesystems it opens. */
#include "apfs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"
#include "volume.h"

#define NAME_MAX_APFS 256 /* APFS volume names are at most 256 bytes of UTF-8 */

struct pt_apfs {
    TSK_IMG_INFO *img;              /* over fn/src */
    const TSK_POOL_INFO *pool;
    int n;
    pt_apfs_volume_t *vols;
    char (*names)[NAME_MAX_APFS + 1];
    TSK_IMG_INFO **pimg;            /* per volume, opened on first use */
    char desc[160];
};

void pt_apfs_close(pt_apfs_t *a)
{
    int i;

    if (!a)
        return;
    for (i = 0; a->pimg && i < a->n; i++)
        if (a->pimg[i])
            tsk_img_close(a->pimg[i]);
    if (a->pool)
        tsk_pool_close(a->pool);
    if (a->img)
        tsk_img_close(a->img);
    free(a->pimg);
    free(a->names);
    free(a->vols);
    free(a);
}

int pt_apfs_open(pt_read_fn fn, void *src, uint64_t size, pt_apfs_t **out, pt_err_t *err)
{
    pt_apfs_t *a = calloc(1, sizeof *a);
    const TSK_POOL_VOLUME_INFO *v;
    int i;

    *out = NULL;
    if (!a)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    if (!(a->img = pt_source_img_over(fn, src, size))) {
        pt_apfs_close(a);
        return pt_source_tsk_err(err, PT_EFORMAT, "APFS container: libtsk cannot read it");
    }
    tsk_error_reset();
    if (!(a->pool = tsk_pool_open_img_sing(a->img, 0, TSK_POOL_TYPE_APFS))) {
        pt_apfs_close(a);
        return pt_source_tsk_err(err, PT_EFORMAT, "APFS container, not opened by libtsk");
    }
    for (v = a->pool->vol_list; v && a->n < 100; v = v->next)
        a->n++; /* APFS allows at most 100 volumes in a container */
    if (a->n > 0 && (!(a->vols = calloc((size_t)a->n, sizeof *a->vols)) ||
                     !(a->names = calloc((size_t)a->n, sizeof *a->names)) ||
                     !(a->pimg = calloc((size_t)a->n, sizeof *a->pimg)))) {
        pt_apfs_close(a);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    for (i = 0, v = a->pool->vol_list; v && i < a->n; v = v->next, i++) {
        snprintf(a->names[i], sizeof a->names[i], "%s", v->desc ? v->desc : "");
        a->vols[i].name = a->names[i];
        a->vols[i].block = v->block;
        a->vols[i].bytes = v->num_blocks * a->pool->block_size;
        a->vols[i].encrypted = (v->flags & TSK_POOL_VOLUME_FLAG_ENCRYPTED) != 0;
        a->vols[i].case_sensitive = (v->flags & TSK_POOL_VOLUME_FLAG_CASE_SENSITIVE) != 0;
        a->vols[i].has_hint = v->password_hint && v->password_hint[0];
    }
    snprintf(a->desc, sizeof a->desc, "APFS container, %u-byte blocks, %llu blocks, %d volume%s",
             a->pool->block_size, (unsigned long long)a->pool->num_blocks, a->n, a->n == 1 ? "" : "s");
    *out = a;
    return PT_OK;
}

const char *pt_apfs_describe(const pt_apfs_t *a)
{
    return a->desc;
}

int pt_apfs_count(const pt_apfs_t *a)
{
    return a->n;
}

const pt_apfs_volume_t *pt_apfs_volume(const pt_apfs_t *a, int i)
{
    return i >= 0 && i < a->n ? &a->vols[i] : NULL;
}

int pt_apfs_find(const pt_apfs_t *a, uint64_t block)
{
    int i;

    for (i = 0; i < a->n; i++)
        if (a->vols[i].block == block)
            return i;
    return -1;
}

/* One passphrase as libtsk wants it: a C string; a key file's final
 * newline is not part of the passphrase. */
static char *passphrase(const pt_key_t *k)
{
    size_t n = k->len;
    char *p;

    while (k->path && n > 0 && (k->data[n - 1] == '\n' || k->data[n - 1] == '\r'))
        n--;
    if (memchr(k->data, 0, n) || !(p = malloc(n + 1)))
        return NULL;
    memcpy(p, k->data, n);
    p[n] = 0;
    return p;
}

int pt_apfs_open_fs(pt_apfs_t *a, int i, const pt_key_t *keys, size_t nkeys, TSK_FS_INFO **fs, const char **used,
                    pt_err_t *err)
{
    size_t k;

    *fs = NULL;
    *used = NULL;
    if (i < 0 || i >= a->n)
        return pt_err_set(err, PT_EINVAL, "APFS volume %d: no such volume", i);
    tsk_error_reset();
    if (!a->pimg[i] && !(a->pimg[i] = a->pool->get_img_info(a->pool, (TSK_DADDR_T)a->vols[i].block)))
        return pt_source_tsk_err(err, PT_EFORMAT, "APFS volume at block %llu", (unsigned long long)a->vols[i].block);
    if (!a->vols[i].encrypted) {
        if (!(*fs = tsk_fs_open_img(a->pimg[i], 0, TSK_FS_TYPE_APFS)))
            return pt_source_tsk_err(err, PT_EFORMAT, "APFS volume at block %llu not opened by libtsk",
                                     (unsigned long long)a->vols[i].block);
        return PT_OK;
    }
    /* flagged encrypted, but its blocks may read as plain data: hardware-
     * assisted encryption (T2, Apple silicon) acquired through the Mac,
     * or a volume decrypted when imaged.  libtsk then opens it with no
     * key; a software-encrypted volume's tree does not parse. */
    if ((*fs = tsk_fs_open_img(a->pimg[i], 0, TSK_FS_TYPE_APFS)) != NULL) {
        TSK_FS_DIR *root = tsk_fs_dir_open_meta(*fs, (*fs)->root_inum);
        if (root) {
            tsk_fs_dir_close(root);
            *used = "no key: its blocks read as plain data (hardware-assisted encryption, or decrypted when imaged)";
            return PT_OK;
        }
        tsk_fs_close(*fs);
        *fs = NULL;
    }
    for (k = 0; k < nkeys; k++) {
        char *p = passphrase(&keys[k]);
        if (!p)
            continue;
        tsk_error_reset();
        *fs = tsk_fs_open_img_decrypt(a->pimg[i], 0, TSK_FS_TYPE_APFS, p);
        memset(p, 0, strlen(p));
        free(p);
        if (*fs) {
            *used = keys[k].name;
            return PT_OK;
        }
    }
    tsk_error_reset();
    return pt_err_set(err, PT_ENOKEY, nkeys ? "encrypted (FileVault); none of the %zu keys of case.conf [keys] "
                      "opens it" : "encrypted (FileVault); case.conf [keys] gives no passphrase", nkeys);
}
