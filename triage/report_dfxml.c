/* report_dfxml.c - manifest.dfxml writer.  Reads case.db only; report.c
 * owns the file.  Every text node goes through pt_text_put_markup (names
 * from the evidence may hold <, &, control bytes or invalid UTF-8). */
#include "report_dfxml.h"

#include <errno.h>
#include <sqlite3.h>
#include <string.h>

#include "text.h"
#include "version.h"

static const char item_query[] =
    "SELECT i.id, i.path, i.kind, i.allocated, i.size, i.inode, i.mode, i.uid, i.gid,"
    " i.mtime, i.ctime, i.atime, i.crtime, i.md5, i.sha1, i.sha256, i.owner, i.mime, i.category,"
    " i.entropy, i.encryption, i.encryption_format, i.rules, i.disposition, i.reason, i.error,"
    " i.link_target, i.bytes_read, coalesce(v.ordinal, 0)"
    " FROM items i LEFT JOIN volumes v ON v.id = i.volume_id"
    " WHERE i.evidence_id = ?1 AND i.volume_id IS ?2 ORDER BY i.id";

enum { I_ID, I_PATH, I_KIND, I_ALLOC, I_SIZE, I_INODE, I_MODE, I_UID, I_GID, I_MTIME, I_CTIME, I_ATIME,
       I_CRTIME, I_MD5, I_SHA1, I_SHA256, I_OWNER, I_MIME, I_CAT, I_ENTROPY, I_ENC, I_ENCFMT, I_RULES,
       I_DISP, I_REASON, I_ERROR, I_LINK, I_READ, I_PART };

static void elem(FILE *f, int indent, const char *name, const char *text)
{
    if (!text)
        return;
    fprintf(f, "%*s<%s>", indent, "", name);
    pt_text_put_markup(f, text);
    fprintf(f, "</%s>\n", name);
}

static void elem_int(FILE *f, int indent, const char *name, sqlite3_stmt *st, int c)
{
    if (sqlite3_column_type(st, c) != SQLITE_NULL)
        fprintf(f, "%*s<%s>%lld</%s>\n", indent, "", name, (long long)sqlite3_column_int64(st, c), name);
}

static void elem_time(FILE *f, int indent, const char *name, sqlite3_stmt *st, int c)
{
    char iso[40];

    if (sqlite3_column_type(st, c) != SQLITE_NULL)
        elem(f, indent, name, pt_text_iso8601(sqlite3_column_int64(st, c), iso, sizeof iso));
}

static const char *txt(sqlite3_stmt *st, int c)
{
    return (const char *)sqlite3_column_text(st, c);
}

/* fiwalk's name_type letters (TSK's "r/r" notation). */
static const char *name_type(const char *kind)
{
    static const char *const map[][2] = {
        { "file", "r" }, { "dir", "d" }, { "symlink", "l" }, { "fifo", "p" }, { "device", "b" },
        { "socket", "s" }, { "virtual", "v" }, { "virtual-dir", "V" }, { "stream", "r" }, { "index", "r" },
    };
    size_t i;

    for (i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(kind, map[i][0]) == 0)
            return map[i][1];
    return "-";
}

static void hashdigest(FILE *f, const char *type, const char *v)
{
    if (v && *v)
        fprintf(f, "      <hashdigest type='%s'>%s</hashdigest>\n", type, v);
}

static void fileobject(FILE *f, sqlite3_stmt *st)
{
    const char *path = txt(st, I_PATH);

    fputs("    <fileobject>\n", f);
    /* fiwalk writes names relative to the filesystem root */
    elem(f, 6, "filename", path[0] == '/' && path[1] ? path + 1 : path);
    if (sqlite3_column_int(st, I_PART) > 0)
        elem_int(f, 6, "partition", st, I_PART);
    elem_int(f, 6, "id", st, I_ID);
    elem(f, 6, "name_type", name_type(txt(st, I_KIND)));
    elem_int(f, 6, "filesize", st, I_SIZE);
    fprintf(f, "      <alloc>%d</alloc>\n", sqlite3_column_int(st, I_ALLOC) ? 1 : 0);
    elem_int(f, 6, "inode", st, I_INODE);
    elem_int(f, 6, "mode", st, I_MODE);
    elem_int(f, 6, "uid", st, I_UID);
    elem_int(f, 6, "gid", st, I_GID);
    elem_time(f, 6, "mtime", st, I_MTIME);
    elem_time(f, 6, "ctime", st, I_CTIME);
    elem_time(f, 6, "atime", st, I_ATIME);
    elem_time(f, 6, "crtime", st, I_CRTIME);
    elem(f, 6, "link_target", txt(st, I_LINK));
    hashdigest(f, "md5", txt(st, I_MD5));
    hashdigest(f, "sha1", txt(st, I_SHA1));
    hashdigest(f, "sha256", txt(st, I_SHA256));
    elem(f, 6, "pt:path", path);
    elem(f, 6, "pt:kind", txt(st, I_KIND));
    elem(f, 6, "pt:owner", txt(st, I_OWNER));
    elem_int(f, 6, "pt:bytes_read", st, I_READ);
    elem(f, 6, "pt:mime", txt(st, I_MIME));
    elem(f, 6, "pt:category", txt(st, I_CAT));
    if (sqlite3_column_type(st, I_ENTROPY) != SQLITE_NULL)
        fprintf(f, "      <pt:entropy>%.4f</pt:entropy>\n", sqlite3_column_double(st, I_ENTROPY));
    elem(f, 6, "pt:encryption", txt(st, I_ENC));
    elem(f, 6, "pt:encryption_format", txt(st, I_ENCFMT));
    elem(f, 6, "pt:rules", txt(st, I_RULES));
    elem(f, 6, "pt:disposition", txt(st, I_DISP));
    elem(f, 6, "pt:reason", txt(st, I_REASON));
    elem(f, 6, "pt:error", txt(st, I_ERROR));
    fputs("    </fileobject>\n", f);
}

static int items_of(FILE *f, sqlite3_stmt *st, sqlite3_int64 ev, sqlite3_int64 vol)
{
    int step;

    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, ev);
    if (vol)
        sqlite3_bind_int64(st, 2, vol);
    else
        sqlite3_bind_null(st, 2);
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        fileobject(f, st);
    return step == SQLITE_DONE ? 0 : -1;
}

static void creator(FILE *f, sqlite3 *h)
{
    sqlite3_stmt *st;

    fputs("  <creator version='1.0'>\n    <program>ptriage</program>\n", f);
    elem(f, 4, "version", PT_VERSION);
    if (sqlite3_prepare_v2(h, "SELECT build, libraries FROM run LIMIT 1",
                           -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        const char *libs = txt(st, 1);
        fputs("    <build_environment>\n", f);
        elem(f, 6, "pt:build", txt(st, 0));
        /* run.libraries is "name version; name version; ..." */
        while (libs && *libs) {
            size_t n = strcspn(libs, ";");
            char one[256], *sp;
            snprintf(one, sizeof one, "%.*s", (int)(n < 255 ? n : 255), libs);
            if ((sp = strchr(one, ' ')) != NULL) {
                *sp = '\0';
                fputs("      <library name='", f);
                pt_text_put_markup(f, one);
                fputs("' version='", f);
                pt_text_put_markup(f, sp + 1);
                fputs("'/>\n", f);
            }
            libs += n;
            while (*libs == ';' || *libs == ' ')
                libs++;
        }
        /* no run times, host or command line (it names the output): two
         * runs over the same evidence give the same bytes; the run itself
         * is in case.db and report.html */
        fputs("    </build_environment>\n", f);
    }
    sqlite3_finalize(st);
    fputs("  </creator>\n", f);
}

int pt_report_dfxml_write(pt_report_ctx_t *ctx, FILE *f, pt_err_t *err)
{
    sqlite3 *h = pt_casedb_handle(ctx->db);
    sqlite3_stmt *ev = NULL, *vol = NULL, *it = NULL;
    int rc = PT_OK;

    (void)ctx;
    if (sqlite3_prepare_v2(h, "SELECT id, label, path, format, size FROM evidence ORDER BY id", -1, &ev, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(h, "SELECT id, offset, fs_block_size, filesystem, label, description FROM volumes"
                              " WHERE evidence_id = ? ORDER BY id", -1, &vol, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h, item_query, -1, &it, NULL) != SQLITE_OK) {
        rc = pt_err_set(err, PT_EDB, "manifest.dfxml: %s", sqlite3_errmsg(h));
        goto out;
    }
    fputs("<?xml version='1.0' encoding='UTF-8'?>\n"
          "<dfxml xmlns='http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML'\n"
          "  xmlns:dc='http://purl.org/dc/elements/1.1/'\n"
          "  xmlns:pt='" PT_DFXML_NS "'\n"
          "  version='1.0'>\n"
          "  <metadata>\n    <dc:type>Disk Image</dc:type>\n  </metadata>\n", f);
    creator(f, h);
    while (sqlite3_step(ev) == SQLITE_ROW) {
        sqlite3_int64 eid = sqlite3_column_int64(ev, 0);
        fputs("  <source>\n", f);
        elem(f, 4, "image_filename", txt(ev, 2));
        elem_int(f, 4, "image_size", ev, 4);
        elem(f, 4, "pt:label", txt(ev, 1));
        elem(f, 4, "pt:format", txt(ev, 3));
        fputs("  </source>\n", f);
        if (items_of(f, it, eid, 0) < 0)
            goto dberr;
        sqlite3_reset(vol);
        sqlite3_bind_int64(vol, 1, eid);
        while (sqlite3_step(vol) == SQLITE_ROW) {
            fprintf(f, "  <volume offset='%lld'>\n", (long long)sqlite3_column_int64(vol, 1));
            elem_int(f, 4, "partition_offset", vol, 1);
            elem_int(f, 4, "block_size", vol, 2);
            elem(f, 4, "ftype_str", txt(vol, 3));
            elem(f, 4, "pt:label", txt(vol, 4));
            elem(f, 4, "pt:description", txt(vol, 5));
            if (items_of(f, it, eid, sqlite3_column_int64(vol, 0)) < 0)
                goto dberr;
            fputs("  </volume>\n", f);
        }
    }
    fputs("</dfxml>\n", f);
    if (ferror(f))
        rc = pt_err_set(err, PT_EIO, "manifest.dfxml: %s", strerror(errno));
    goto out;
dberr:
    rc = pt_err_set(err, PT_EDB, "manifest.dfxml: %s", sqlite3_errmsg(h));
out:
    sqlite3_finalize(it);
    sqlite3_finalize(vol);
    sqlite3_finalize(ev);
    return rc;
}
