/* Unit tests for filetype.c: libmagic on real format headers, taxonomy. */
#include "filetype.h"
#include "testlib.h"

#include <string.h>

static const char *mime_of(pt_filetype_t *ft, const void *buf, size_t n)
{
    static char mime[128];
    pt_err_t err = { 0, "" };

    if (pt_filetype_identify(ft, buf, n, mime, sizeof mime, &err) != PT_OK)
        return "(error)";
    return mime;
}

static void identifies_headers(void)
{
    static const unsigned char png[] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13,
                                         'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0 };
    static const unsigned char gz[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4 };
    static const unsigned char elf[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0, 1 };
    static const char pdf[] = "%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
    pt_err_t err = { 0, "" };
    pt_filetype_t *ft = pt_filetype_open(&err);

    T_CHECK(ft != NULL);
    if (!ft)
        return;
    T_STREQ(mime_of(ft, png, sizeof png), "image/png");
    T_STREQ(mime_of(ft, gz, sizeof gz), "application/gzip");
    T_STREQ(mime_of(ft, pdf, sizeof pdf - 1), "application/pdf");
    T_STREQ(mime_of(ft, "hello world\n", 12), "text/plain");
    T_STREQ(mime_of(ft, "", 0), "application/x-empty");
    T_STREQ(pt_filetype_category(mime_of(ft, elf, sizeof elf)), "executable");
    pt_filetype_close(ft);
}

static void taxonomy(void)
{
    T_STREQ(pt_filetype_category("application/pdf"), "document");
    T_STREQ(pt_filetype_category("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            "document");
    T_STREQ(pt_filetype_category("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            "spreadsheet");
    T_STREQ(pt_filetype_category("application/vnd.ms-powerpoint"), "presentation");
    T_STREQ(pt_filetype_category("message/rfc822"), "email");
    T_STREQ(pt_filetype_category("image/jpeg"), "image");
    T_STREQ(pt_filetype_category("video/mp4"), "video");
    T_STREQ(pt_filetype_category("audio/mpeg"), "audio");
    T_STREQ(pt_filetype_category("application/zip"), "archive");
    T_STREQ(pt_filetype_category("application/x-xz"), "compressed");
    T_STREQ(pt_filetype_category("application/x-sharedlib"), "executable");
    T_STREQ(pt_filetype_category("application/vnd.sqlite3"), "database");
    T_STREQ(pt_filetype_category("text/x-c"), "source");
    T_STREQ(pt_filetype_category("text/x-shellscript"), "source");
    T_STREQ(pt_filetype_category("text/plain"), "text");
    T_STREQ(pt_filetype_category("application/pgp-encrypted"), "encrypted");
    T_STREQ(pt_filetype_category("application/octet-stream"), "other");
    T_STREQ(pt_filetype_category(""), "other");
    T_STREQ(pt_filetype_category(NULL), "other");
}

static int listed(const char *name)
{
    static const char *const names[] = { PT_FILETYPE_SHORT_NAMES, NULL };
    int i;

    for (i = 0; names[i]; i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

/* LOKI/THOR-style names: what libmagic says of real headers maps to them,
 * and every name returned is in the list the rule linter checks against. */
static void short_names(void)
{
    static const unsigned char elf[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0, [16] = 3, [18] = 0x3e, [20] = 1 };
    static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                                         0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0 };
    static const char *const mimes[] = { "application/x-dosexec", "application/x-sharedlib", "application/zip",
                                         "application/pdf", "application/CDFV2", "image/jpeg", "text/plain",
                                         "application/x-ms-shortcut", "text/x-shellscript",
                                         "application/octet-stream", "", NULL };
    pt_err_t err = { 0, "" };
    pt_filetype_t *ft = pt_filetype_open(&err);
    char mime[128];
    int i;

    T_CHECK(ft != NULL);
    if (!ft)
        return;
    T_CHECK(pt_filetype_identify(ft, elf, sizeof elf, mime, sizeof mime, &err) == PT_OK);
    T_STREQ(pt_filetype_short(mime), "ELF");
    T_CHECK(pt_filetype_identify(ft, png, sizeof png, mime, sizeof mime, &err) == PT_OK);
    T_STREQ(pt_filetype_short(mime), "PNG");
    T_STREQ(pt_filetype_short("application/x-dosexec"), "EXE");
    T_STREQ(pt_filetype_short("application/octet-stream"), "UNKNOWN");
    T_STREQ(pt_filetype_short(NULL), "UNKNOWN");
    for (i = 0; mimes[i]; i++)
        T_CHECK(listed(pt_filetype_short(mimes[i])));
    pt_filetype_close(ft);
}

int main(void)
{
    T_RUN(identifies_headers);
    T_RUN(taxonomy);
    T_RUN(short_names);
    return t_done();
}
