/* wof.c - Windows system-compressed (WOF) files: the reparse point, the
 * chunk table of WofCompressedData, chunks decoded by wimlib.
 * Owns nothing past a call: each read allocates and frees its buffers. */
#include "wof.h"

#include "reparse.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wimlib.h>

#include "bytes.h"

#define WOF_STREAM "WofCompressedData"
/* Compressed bytes decoded per call at most; a caller asking for more gets
 * a short count and asks again, so memory stays bounded by this. */
#define WOF_CALL_MAX (1u << 20)

int pt_wof_parse_reparse(const uint8_t *rp, size_t len, pt_wof_info_t *info)
{
    static const struct { const char *name; unsigned order; } algs[] = {
        { "XPRESS4K", 12 }, { "LZX", 15 }, { "XPRESS8K", 13 }, { "XPRESS16K", 14 },
    };
    uint32_t version, provider;

    memset(info, 0, sizeof *info);
    if (len < 8 || le32(rp) != PT_WOF_TAG)
        return PT_WOF_NONE;
    if (len < 16) {
        snprintf(info->why, sizeof info->why, "WOF reparse point of %zu bytes, too short to name its provider: "
                 "content not read", len);
        return PT_WOF_UNREADABLE;
    }
    version = le32(rp + 8);
    provider = le32(rp + 12);
    if (provider == 1) {
        /* WIMBoot: the file points into a WIM image elsewhere */
        if (len >= 32)
            snprintf(info->why, sizeof info->why, "WIMBoot file (WOF provider 1): its content is in WIM data "
                     "source %" PRIu64 " outside this volume, not on it: content not read", le64(rp + 24));
        else
            snprintf(info->why, sizeof info->why, "WIMBoot file (WOF provider 1): its content is in a WIM image "
                     "outside this volume, not on it: content not read");
        return PT_WOF_UNREADABLE;
    }
    if (version != 1 || provider != 2 || len < 24 || le32(rp + 16) != 1 || le32(rp + 20) > 3) {
        snprintf(info->why, sizeof info->why, "WOF reparse point not understood (version %" PRIu32 ", provider %"
                 PRIu32 "%s%" PRIu32 "): content not read", version, provider,
                 len >= 24 ? ", algorithm " : "", len >= 24 ? le32(rp + 20) : 0);
        return PT_WOF_UNREADABLE;
    }
    info->algorithm = le32(rp + 20);
    info->order = algs[info->algorithm].order;
    info->name = algs[info->algorithm].name;
    return PT_WOF_FILE;
}

static int read_all(pt_wof_read_fn read, void *ctx, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = read(ctx, off + done, buf + done, len - done, err);
        if (n < 0)
            return -1;
        if (n == 0) {
            pt_err_set(err, PT_EIO, "WofCompressedData ends at byte %" PRIu64, off + done);
            return -1;
        }
        done += (size_t)n;
    }
    return 0;
}

ssize_t pt_wof_decode(const pt_wof_info_t *info, uint64_t usize, uint64_t csize, pt_wof_read_fn read, void *ctx,
                      uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    const uint64_t cs = (uint64_t)1 << info->order;
    const uint64_t n = (usize + cs - 1) >> info->order;
    const unsigned esz = usize <= UINT32_MAX ? 4 : 8;
    uint64_t table, c0, c1, m, i, lo, hi, *start = NULL;
    uint8_t *ent = NULL, *cbuf = NULL, *tmp = NULL;
    struct wimlib_decompressor *dec = NULL;
    ssize_t ret = -1;
    size_t done = 0;

    if (off >= usize || len == 0)
        return 0;
    if (len > usize - off)
        len = (size_t)(usize - off);
    table = (n - 1) * esz;
    if (table > csize)
        return pt_err_set(err, PT_EFORMAT, "WOF %s: WofCompressedData (%" PRIu64 " bytes) is shorter than the "
                          "chunk table of a %" PRIu64 "-byte file", info->name, csize, usize), -1;
    c0 = off >> info->order;
    c1 = (off + len - 1) >> info->order;
    if (c1 - c0 + 1 > WOF_CALL_MAX >> info->order) /* bounded memory: the rest on the next call */
        c1 = c0 + (WOF_CALL_MAX >> info->order) - 1;
    m = c1 - c0 + 1;
    /* start[i]: chunk c0+i's offset past the table; start[m]: c1's end */
    start = malloc((size_t)(m + 1) * sizeof *start);
    lo = c0 ? c0 - 1 : 0;
    hi = c1 + 1 < n - 1 ? c1 + 1 : n - 1; /* entries lo..hi-1: chunk c starts at entry c-1 */
    ent = malloc(hi > lo ? (size_t)(hi - lo) * esz : 1);
    tmp = malloc((size_t)cs);
    if (!start || !ent || !tmp) {
        pt_err_set(err, PT_ENOMEM, "out of memory");
        goto out;
    }
    if (hi > lo && read_all(read, ctx, lo * esz, ent, (size_t)(hi - lo) * esz, err) != 0)
        goto out;
    for (i = 0; i <= m; i++) {
        uint64_t c = c0 + i; /* start of chunk c = entry c-1 */
        if (c == 0)
            start[i] = 0;
        else if (c == n)
            start[i] = csize - table;
        else {
            const uint8_t *e = ent + (c - 1 - lo) * esz;
            start[i] = esz == 4 ? le32(e) : le64(e);
        }
    }
    for (i = 0; i < m; i++) {
        uint64_t ulen = c0 + i == n - 1 ? usize - (c0 + i) * cs : cs;
        if (start[i + 1] < start[i] || start[i + 1] > csize - table || start[i + 1] - start[i] > ulen ||
            start[i + 1] == start[i]) {
            if (i > 0) { /* decode the good ones; the next call names this chunk */
                m = i;
                break;
            }
            pt_err_set(err, PT_EFORMAT, "WOF %s: the chunk table is damaged at chunk %" PRIu64 " of %" PRIu64
                       " (offsets %" PRIu64 "..%" PRIu64 " in %" PRIu64 " bytes of chunks)", info->name, c0 + i, n,
                       start[i], start[i + 1], csize - table);
            goto out;
        }
    }
    if (!(cbuf = malloc((size_t)(start[m] - start[0])))) {
        pt_err_set(err, PT_ENOMEM, "out of memory");
        goto out;
    }
    if (read_all(read, ctx, table + start[0], cbuf, (size_t)(start[m] - start[0]), err) != 0)
        goto out;
    if (wimlib_create_decompressor(info->algorithm == 1 ? WIMLIB_COMPRESSION_TYPE_LZX
                                   : WIMLIB_COMPRESSION_TYPE_XPRESS, (size_t)cs, &dec) != 0) {
        pt_err_set(err, PT_ELIB, "wimlib: cannot make a %s decompressor", info->name);
        goto out;
    }
    for (i = 0; i < m; i++) {
        uint64_t c = c0 + i, cstart = c * cs;
        size_t ulen = (size_t)(c == n - 1 ? usize - cstart : cs);
        size_t stored = (size_t)(start[i + 1] - start[i]);
        const uint8_t *src = cbuf + (start[i] - start[0]);
        /* the part of this chunk the caller asked for */
        uint64_t from = off + done;
        size_t skip = (size_t)(from - cstart), take = ulen - skip;
        if (take > len - done)
            take = len - done;
        if (stored == ulen)
            memcpy(buf + done, src + skip, take); /* did not shrink: stored as is */
        else if (wimlib_decompress(src, stored, tmp, ulen, dec) != 0) {
            pt_err_set(err, PT_EFORMAT, "WOF %s: chunk %" PRIu64 " of %" PRIu64 " (content bytes %" PRIu64
                       "..%" PRIu64 ", %zu bytes at WofCompressedData offset %" PRIu64 ") does not decompress: damaged",
                       info->name, c, n, cstart, cstart + ulen, stored, table + start[i]);
            if (done)
                break; /* return what was decoded; the next call names the chunk */
            goto out;
        } else
            memcpy(buf + done, tmp + skip, take);
        done += take;
        if (done == len)
            break;
    }
    ret = (ssize_t)done;
out:
    wimlib_free_decompressor(dec);
    free(start);
    free(ent);
    free(cbuf);
    free(tmp);
    return ret;
}

/* libtsk glue */

static const TSK_FS_ATTR *find_attr(TSK_FS_FILE *f, TSK_FS_ATTR_TYPE_ENUM type, const char *name)
{
    int i, cnt = tsk_fs_file_attr_getsize(f);

    for (i = 0; i < cnt; i++) {
        const TSK_FS_ATTR *a = tsk_fs_file_attr_get_idx(f, i);
        if (a && a->type == type && (name ? a->name && strcmp(a->name, name) == 0 : 1))
            return a;
    }
    return NULL;
}

static int reparse_of(TSK_FS_FILE *f, pt_wof_info_t *info)
{
    uint8_t buf[64];
    size_t n = pt_reparse_read(f, buf, sizeof buf);

    memset(info, 0, sizeof *info);
    return n ? pt_wof_parse_reparse(buf, n, info) : PT_WOF_NONE;
}

int pt_wof_probe(TSK_FS_FILE *f, pt_wof_t *w)
{
    int kind = reparse_of(f, &w->info);

    w->data = NULL;
    if (kind != PT_WOF_FILE)
        return kind;
    w->data = find_attr(f, TSK_FS_ATTR_TYPE_NTFS_DATA, WOF_STREAM);
    tsk_error_reset();
    if (!w->data) {
        snprintf(w->info.why, sizeof w->info.why, "WOF-compressed file (%s) without its WofCompressedData "
                 "stream (damaged record?): content not read", w->info.name);
        return PT_WOF_UNREADABLE;
    }
    return PT_WOF_FILE;
}

int pt_wof_is_stream(TSK_FS_FILE *f, const TSK_FS_ATTR *attr)
{
    pt_wof_info_t info;

    return attr && attr->type == TSK_FS_ATTR_TYPE_NTFS_DATA && attr->name && strcmp(attr->name, WOF_STREAM) == 0 &&
           reparse_of(f, &info) == PT_WOF_FILE;
}

static ssize_t attr_read(void *ctx, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    const TSK_FS_ATTR *a = ctx;
    ssize_t got = tsk_fs_attr_read(a, (TSK_OFF_T)off, (char *)buf, len, TSK_FS_FILE_READ_FLAG_NONE);

    if (got < 0) {
        const char *why = tsk_error_get();
        pt_err_set(err, PT_EIO, "WofCompressedData: read failed at offset %" PRIu64 "%s%s", off,
                   why ? ": " : "", why ? why : "");
        tsk_error_reset();
    }
    return got;
}

ssize_t pt_wof_read(const pt_wof_t *w, uint64_t usize, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    return pt_wof_decode(&w->info, usize, (uint64_t)w->data->size, attr_read, (void *)w->data, off, buf, len, err);
}
