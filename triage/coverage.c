/* coverage.c - the coverage ledger from case.db.  Reads only; owns the row
 * texts of one volume at a time. */
#include "coverage.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#define MAXROWS 6

typedef struct part {
    uint64_t bytes;
    int examined;
    char what[256], reason[1100];
} part_t;

typedef struct walk {
    sqlite3 *h;
    sqlite3_stmt *unread, *vitem, *inner;
    pt_coverage_fn fn;
    void *arg;
    pt_coverage_row_t row;
} walk_t;

static int emit(walk_t *w, const char *vol, uint64_t off, uint64_t bytes, int examined, const char *what,
                const char *reason)
{
    if (bytes == 0)
        return 0;
    w->row.volume = vol;
    w->row.offset = off;
    w->row.bytes = bytes;
    w->row.examined = examined;
    w->row.what = what;
    w->row.reason = reason;
    return w->fn(w->arg, &w->row);
}

static const char *col(sqlite3_stmt *st, int c)
{
    return (const char *)sqlite3_column_text(st, c);
}

/* Bytes of allocated files in volume vid that could not be read completely. */
static uint64_t unread_bytes(walk_t *w, sqlite3_int64 vid)
{
    uint64_t n = 0;

    sqlite3_reset(w->unread);
    sqlite3_bind_int64(w->unread, 1, vid);
    if (sqlite3_step(w->unread) == SQLITE_ROW)
        n = (uint64_t)sqlite3_column_int64(w->unread, 0);
    return n;
}

/* The free-space row's reason, with the profile of the sampled blocks. */
static void free_reason(sqlite3_stmt *v, uint64_t free_b, char *out, size_t size)
{
    uint64_t n = (uint64_t)sqlite3_column_int64(v, 10), c[6];
    int i, len;

    len = snprintf(out, size, "blocks the filesystem marks unallocated: deleted names are listed, free blocks "
                   "are not carved");
    if (!n || free_b == 0 || len < 0 || (size_t)len >= size)
        return;
    for (i = 0; i < 6; i++)
        c[i] = (uint64_t)sqlite3_column_int64(v, 11 + i);
    snprintf(out + len, size - (size_t)len, "; profile of %" PRIu64 " blocks sampled evenly: zero %.1f%%, text "
             "%.1f%%, random-looking (encrypted or compressed) %.1f%%, high entropy but not uniform %.1f%%, other "
             "%.1f%%%s", n, 100.0 * (double)c[0] / (double)n, 100.0 * (double)c[1] / (double)n,
             100.0 * (double)c[2] / (double)n, 100.0 * (double)c[3] / (double)n, 100.0 * (double)c[4] / (double)n,
             c[5] ? ", some unreadable" : "");
}

/* The rows of one partition-table entry (or a whole-image volume), whose
 * bytes add up to len. */
static int volume_parts(walk_t *w, sqlite3_stmt *v, uint64_t len, part_t *p)
{
    const char *flags = col(v, 3), *fs = col(v, 4), *verr = col(v, 5);
    sqlite3_int64 vid = sqlite3_column_int64(v, 0);
    int n = 0;

    memset(p, 0, sizeof(part_t) * MAXROWS);
    if (strcmp(flags, "meta") == 0) {
        p[n].examined = 1;
        snprintf(p[n].what, sizeof p[n].what, "partition table: %s", col(v, 9) ? col(v, 9) : "structure");
        snprintf(p[n].reason, sizeof p[n].reason, "read by The Sleuth Kit's volume layer");
        p[n++].bytes = len;
    } else if (col(v, 17)) {
        /* an opened container: its volumes are walked (rows of their own
         * in the volumes table); the rest is its own structure */
        const char *holds = col(v, 17);
        int lvm = strcmp(holds, "lvm2") == 0, apfs = strcmp(holds, "apfs") == 0, md = strcmp(holds, "md-raid") == 0,
            bsd = strcmp(holds, "bsd") == 0, mda = strcmp(holds, "md-array") == 0;
        uint64_t inner = 0, locked = 0;
        sqlite3_reset(w->inner);
        sqlite3_bind_int64(w->inner, 1, vid);
        if (sqlite3_step(w->inner) == SQLITE_ROW) {
            inner = (uint64_t)sqlite3_column_int64(w->inner, 0);
            locked = apfs ? (uint64_t)sqlite3_column_int64(w->inner, 1) : 0;
        }
        if (mda) /* a member of a striped array: its share of the array walked, wherever the array's row is */
            inner = len;
        if (locked > len)
            locked = len;
        inner = inner - locked > len - locked ? len - locked : inner - locked;
        p[n].examined = 1;
        snprintf(p[n].what, sizeof p[n].what, "%s", lvm ? "LVM2 logical volumes" : apfs ? "APFS volumes: the "
                 "blocks they use" : md ? "RAID 1 member: the array's data (a mirror holds it whole)"
                 : mda ? "md array member: its share of the striped array's data, and its superblock"
                 : bsd ? "BSD disklabel partitions" : holds);
        if (!lvm && !apfs && !md && !bsd && !mda)
            snprintf(p[n].what + strlen(p[n].what), sizeof p[n].what - strlen(p[n].what), " volume, decrypted");
        if (mda)
            snprintf(p[n].reason, sizeof p[n].reason, "assembled with the other members found in the evidence and "
                     "walked once as the array (a volume LABEL!md-raid; see the volumes table and the notes)");
        else
            snprintf(p[n].reason, sizeof p[n].reason, "opened; walked as the volumes %s!%s (see the volumes table)",
                     col(v, 8), lvm ? "lvm:VG/LV" : apfs ? "apfs:NAME" : bsd ? "bsd:a, bsd:d, ..." : holds);
        p[n++].bytes = inner;
        if (apfs) {
            snprintf(p[n].what, sizeof p[n].what, "APFS volumes that could not be opened");
            snprintf(p[n].reason, sizeof p[n].reason, "encrypted with no key, or damaged; each is listed in the "
                     "volumes table with its reason");
            p[n++].bytes = locked;
        }
        snprintf(p[n].what, sizeof p[n].what, "%s", lvm ? "LVM2 metadata and unassigned extents"
                                                        : apfs ? "APFS container structure and free space"
                                                        : md ? "md superblock, bitmap and reserved space"
                                                        : bsd ? "BSD disklabel, boot blocks and space no partition uses"
                                                        : strcmp(holds, "luks") == 0 ? "LUKS header and key slots"
                                                        : "BitLocker metadata");
        snprintf(p[n].reason, sizeof p[n].reason, "%s", lvm ? "volume-group structure and space no logical volume "
                 "uses: not carved" : apfs ? "container metadata and blocks no volume uses: not carved"
                 : md ? "array metadata: not carved"
                 : bsd ? "label and boot code, and slice space outside the partitions: not carved"
                 : "key material, not content");
        p[n++].bytes = len - inner - locked;
    } else if (fs) {
        int known = sqlite3_column_type(v, 6) != SQLITE_NULL;
        uint64_t fsb = known ? (uint64_t)sqlite3_column_int64(v, 6) : len, free_b, unread;
        if (fsb > len)
            fsb = len;
        free_b = known ? (uint64_t)sqlite3_column_int64(v, 7) : 0;
        if (free_b > fsb)
            free_b = fsb;
        unread = unread_bytes(w, vid);
        if (unread > fsb - free_b)
            unread = fsb - free_b;
        p[n].examined = 1;
        snprintf(p[n].what, sizeof p[n].what, "%s filesystem: allocated space", fs);
        snprintf(p[n].reason, sizeof p[n].reason, "%s",
                 known ? "files, directories and metadata, read through the filesystem"
                       : "the whole filesystem (its free space could not be measured)");
        p[n++].bytes = fsb - free_b - unread;
        snprintf(p[n].what, sizeof p[n].what, "%s filesystem: file content not read completely", fs);
        snprintf(p[n].reason, sizeof p[n].reason, "read errors or limits; each item is listed with its reason");
        p[n++].bytes = unread;
        snprintf(p[n].what, sizeof p[n].what, "%s filesystem: free space", fs);
        free_reason(v, free_b, p[n].reason, sizeof p[n].reason);
        p[n++].bytes = free_b;
        snprintf(p[n].what, sizeof p[n].what, "volume slack after the filesystem");
        snprintf(p[n].reason, sizeof p[n].reason, "inside the partition but outside the filesystem: not carved");
        p[n++].bytes = len - fsb;
    } else {
        /* a partition without a filesystem: one volume item */
        const char *sha = NULL, *enc = NULL, *fmt = NULL, *ierr = NULL;
        sqlite3_reset(w->vitem);
        sqlite3_bind_int64(w->vitem, 1, vid);
        if (sqlite3_step(w->vitem) == SQLITE_ROW) {
            sha = col(w->vitem, 0);
            enc = col(w->vitem, 1);
            fmt = col(w->vitem, 2);
            ierr = col(w->vitem, 3);
        }
        /* hashed and classified whole; its content is examined only when it
         * is not ciphertext (an encrypted volume needs a key) */
        p[n].examined = sha && enc && strcmp(enc, "none") == 0;
        snprintf(p[n].what, sizeof p[n].what, "partition without a filesystem The Sleuth Kit reads");
        if (sha && p[n].examined)
            snprintf(p[n].reason, sizeof p[n].reason, "hashed and classified as one item");
        else if (sha)
            snprintf(p[n].reason, sizeof p[n].reason, "%s%s%s: hashed and identified as one item, its content "
                     "cannot be examined without a key", enc ? enc : "not judged", fmt ? " " : "", fmt ? fmt : "");
        else
            snprintf(p[n].reason, sizeof p[n].reason, "could not be read: %.1000s",
                     ierr ? ierr : verr ? verr : "unknown");
        p[n++].bytes = len;
    }
    return n;
}

static int image_rows(walk_t *w, sqlite3_int64 eid, uint64_t size, pt_err_t *err)
{
    sqlite3_stmt *v;
    uint64_t cursor = 0;
    int rc = 0, any = 0;

    /* the table's own "unallocated" entries overlap its metadata entries
     * (GPT); the space no partition or table structure covers is found as
     * the gaps between the others instead */
    if (sqlite3_prepare_v2(w->h, "SELECT id, offset, length, flags, filesystem, error, fs_bytes,"
                                 " fs_unalloc_bytes, label, description, free_sampled, free_zero, free_text, free_random,"
                                 " free_high, free_other, free_unreadable, holds FROM volumes WHERE evidence_id = ?"
                                 " AND flags != 'unalloc' AND parent_item_id IS NULL AND parent_volume_id IS NULL"
                                 " ORDER BY offset, id", -1, &v, NULL) != SQLITE_OK)
        return pt_err_set(err, PT_EDB, "coverage: %s", sqlite3_errmsg(w->h));
    sqlite3_bind_int64(v, 1, eid);
    while (rc == 0 && sqlite3_step(v) == SQLITE_ROW) {
        uint64_t start = (uint64_t)sqlite3_column_int64(v, 1), len = (uint64_t)sqlite3_column_int64(v, 2);
        uint64_t end = start + len > size ? size : start + len, skip;
        part_t p[MAXROWS];
        int n, i;
        any = 1;
        if (start >= size || end <= cursor)
            continue; /* absent from the image, or inside an earlier entry: counted there */
        if (start > cursor)
            rc = emit(w, "", cursor, start - cursor, 0, "unpartitioned space",
                      "in no partition and no partition-table structure: not walked, not carved");
        n = volume_parts(w, v, end - start, p);
        skip = cursor > start ? cursor - start : 0; /* shared with an earlier entry */
        for (i = 0; i < n && rc == 0; i++) {
            uint64_t b = p[i].bytes;
            uint64_t cut = skip < b ? skip : b;
            skip -= cut;
            rc = emit(w, col(v, 8), start, b - cut, p[i].examined, p[i].what, p[i].reason);
        }
        cursor = end;
    }
    sqlite3_finalize(v);
    if (rc == 0 && cursor < size)
        rc = emit(w, "", cursor, size - cursor, 0, any ? "unpartitioned space after the last partition"
                                                       : "the image (nothing was recognised in it)",
                  "in no partition: not walked, not carved");
    return rc ? pt_err_set(err, PT_EIO, "coverage: writing failed") : PT_OK;
}

static int directory_rows(walk_t *w, sqlite3_int64 eid, pt_err_t *err)
{
    sqlite3_stmt *st;
    uint64_t done = 0, rest = 0;
    int rc;

    if (sqlite3_prepare_v2(w->h, "SELECT CAST(total(CASE WHEN sha256 IS NOT NULL THEN size END) AS INTEGER),"
                                 " CAST(total(CASE WHEN sha256 IS NULL THEN size END) AS INTEGER)"
                                 " FROM items WHERE evidence_id = ? AND parent_id IS NULL AND volume_id IS NULL"
                                 " AND kind IN ('file', 'stream')", -1, &st,
                           NULL) != SQLITE_OK)
        return pt_err_set(err, PT_EDB, "coverage: %s", sqlite3_errmsg(w->h));
    sqlite3_bind_int64(st, 1, eid);
    if (sqlite3_step(st) == SQLITE_ROW) {
        done = (uint64_t)sqlite3_column_int64(st, 0);
        rest = (uint64_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    w->row.evidence_size = done + rest;
    rc = emit(w, "", 0, done, 1, "file content", "read completely and hashed");
    if (rc == 0)
        rc = emit(w, "", 0, rest, 0, "file content not read completely",
                  "read errors or limits; each item is listed with its reason");
    return rc ? pt_err_set(err, PT_EIO, "coverage: writing failed") : PT_OK;
}

int pt_coverage_walk(pt_casedb_t *db, pt_coverage_fn fn, void *arg, pt_err_t *err)
{
    walk_t w;
    sqlite3_stmt *ev = NULL;
    int rc = PT_OK;

    memset(&w, 0, sizeof w);
    w.h = pt_casedb_handle(db);
    w.fn = fn;
    w.arg = arg;
    if (sqlite3_prepare_v2(w.h, "SELECT id, label, kind, coalesce(size, 0) FROM evidence ORDER BY id", -1, &ev,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(w.h, "SELECT CAST(total(max(size - coalesce(bytes_read, 0), 0)) AS INTEGER) FROM items"
                                " WHERE volume_id = ? AND parent_id IS NULL AND allocated = 1 AND sha256 IS NULL"
                                " AND kind IN ('file', 'stream', 'virtual') AND error_severity = 'error'",
                           -1, &w.unread, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(w.h, "SELECT sha256, encryption, encryption_format, error FROM items"
                                " WHERE volume_id = ? AND kind = 'volume' ORDER BY id LIMIT 1", -1, &w.vitem,
                           NULL) != SQLITE_OK ||
        /* an LVM snapshot's volume is the origin's size; of the group it
         * uses only its copy-on-write store, whose size ends its description;
         * a thin volume uses its pool's extents, which the pool's row counts;
         * a RAID 1 LV all its images' and metadata LVs' (its description's end) */
        sqlite3_prepare_v2(w.h, "SELECT CAST(total(CASE WHEN description LIKE 'LVM2 snapshot %' THEN CAST(substr("
                                "description, instr(description, 'copy-on-write store of ') + 23) AS INTEGER) WHEN "
                                "description LIKE 'LVM2 thin volume %' THEN 0 WHEN description LIKE 'LVM2 RAID 1 %' THEN CAST(substr("
                                "description, instr(description, 'images and metadata LVs: ') + 25) AS INTEGER) ELSE "
                                "length END) AS INTEGER), CAST(total(CASE WHEN filesystem IS NULL THEN length END) AS INTEGER)"
                                " FROM volumes WHERE parent_volume_id = ?", -1,
                           &w.inner, NULL) != SQLITE_OK) {
        rc = pt_err_set(err, PT_EDB, "coverage: %s", sqlite3_errmsg(w.h));
        goto out;
    }
    while (rc == PT_OK && sqlite3_step(ev) == SQLITE_ROW) {
        w.row.evidence = col(ev, 1);
        w.row.evidence_size = (uint64_t)sqlite3_column_int64(ev, 3);
        if (strcmp(col(ev, 2), "directory") == 0)
            rc = directory_rows(&w, sqlite3_column_int64(ev, 0), err);
        else
            rc = image_rows(&w, sqlite3_column_int64(ev, 0), w.row.evidence_size, err);
    }
out:
    sqlite3_finalize(w.inner);
    sqlite3_finalize(w.vitem);
    sqlite3_finalize(w.unread);
    sqlite3_finalize(ev);
    return rc;
}
