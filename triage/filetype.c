/* filetype.c - libmagic adapter and the MIME-to-category table.
 * Owns the magic_t.  Must not read evidence itself: it sees only buffers. */
#include "filetype.h"

#include <magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pt_filetype {
    magic_t magic;
};

pt_filetype_t *pt_filetype_open(pt_err_t *err)
{
    pt_filetype_t *ft = calloc(1, sizeof *ft);

    if (!ft) {
        pt_err_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    /* MAGIC_NO_CHECK_COMPRESS: never decompress evidence inside libmagic;
     * archives are opened by the archive stage with its own limits. */
    ft->magic = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR);
    if (!ft->magic || magic_load(ft->magic, NULL) != 0) {
        pt_err_set(err, PT_ELIB, "libmagic: cannot load the magic database: %s",
                   ft->magic ? magic_error(ft->magic) : "magic_open failed");
        pt_filetype_close(ft);
        return NULL;
    }
    return ft;
}

void pt_filetype_close(pt_filetype_t *ft)
{
    if (!ft)
        return;
    if (ft->magic)
        magic_close(ft->magic);
    free(ft);
}

int pt_filetype_identify(pt_filetype_t *ft, const void *buf, size_t len,
                         char *mime, size_t mime_size, pt_err_t *err)
{
    const char *m = magic_buffer(ft->magic, buf, len);

    if (!m) {
        mime[0] = '\0';
        return pt_err_set(err, PT_ELIB, "libmagic: %s", magic_error(ft->magic));
    }
    snprintf(mime, mime_size, "%s", m);
    return PT_OK;
}

const char *pt_filetype_version(char *buf, size_t size)
{
    int v = magic_version();
    snprintf(buf, size, "%d.%02d", v / 100, v % 100);
    return buf;
}

/* Exact MIME types first, then prefixes; first match wins.  Order matters:
 * specific office types before the generic zip/ole containers. */
static const struct { const char *mime; int prefix; const char *category; } cats[] = {
    /* encrypted containers that libmagic names */
    { "application/pgp-encrypted", 0, "encrypted" },
    { "application/x-luks", 0, "encrypted" },
    { "application/pgp", 0, "encrypted" },
    /* office documents */
    { "application/vnd.openxmlformats-officedocument.wordprocessingml", 1, "document" },
    { "application/vnd.openxmlformats-officedocument.spreadsheetml", 1, "spreadsheet" },
    { "application/vnd.openxmlformats-officedocument.presentationml", 1, "presentation" },
    { "application/vnd.oasis.opendocument.text", 1, "document" },
    { "application/vnd.oasis.opendocument.spreadsheet", 1, "spreadsheet" },
    { "application/vnd.oasis.opendocument.presentation", 1, "presentation" },
    { "application/vnd.ms-excel", 1, "spreadsheet" },
    { "application/vnd.ms-powerpoint", 1, "presentation" },
    { "application/vnd.ms-outlook", 0, "email" },
    { "application/msword", 0, "document" },
    { "application/vnd.ms-word", 1, "document" },
    { "application/pdf", 0, "document" },
    { "application/rtf", 0, "document" },
    { "text/rtf", 0, "document" },
    { "application/postscript", 0, "document" },
    { "application/epub+zip", 0, "document" },
    { "application/x-mobipocket-ebook", 0, "document" },
    { "text/html", 0, "document" },
    { "text/csv", 0, "spreadsheet" },
    { "application/csv", 0, "spreadsheet" },
    /* e-mail */
    { "message/", 1, "email" },
    { "application/mbox", 0, "email" },
    { "application/vnd.ms-tnef", 0, "email" },
    /* media */
    { "image/", 1, "image" },
    { "video/", 1, "video" },
    { "audio/", 1, "audio" },
    { "application/ogg", 0, "audio" },
    /* archives (containers of files) */
    { "application/zip", 0, "archive" },
    { "application/x-tar", 0, "archive" },
    { "application/x-7z-compressed", 0, "archive" },
    { "application/x-rar", 0, "archive" },
    { "application/vnd.rar", 0, "archive" },
    { "application/x-cpio", 0, "archive" },
    { "application/x-archive", 0, "archive" },
    { "application/x-iso9660-image", 0, "archive" },
    { "application/vnd.debian.binary-package", 0, "archive" },
    { "application/x-rpm", 0, "archive" },
    { "application/java-archive", 0, "archive" },
    { "application/x-ms-wim", 0, "archive" },
    { "application/vnd.ms-cab-compressed", 0, "archive" },
    /* single-stream compression */
    { "application/gzip", 0, "compressed" },
    { "application/x-gzip", 0, "compressed" },
    { "application/x-bzip2", 0, "compressed" },
    { "application/x-xz", 0, "compressed" },
    { "application/x-lzma", 0, "compressed" },
    { "application/zstd", 0, "compressed" },
    { "application/x-lz4", 0, "compressed" },
    { "application/x-lzip", 0, "compressed" },
    { "application/x-compress", 0, "compressed" },
    { "application/x-lzop", 0, "compressed" },
    /* programs */
    { "application/x-executable", 0, "executable" },
    { "application/x-pie-executable", 0, "executable" },
    { "application/x-sharedlib", 0, "executable" },
    { "application/x-object", 0, "executable" },
    { "application/x-dosexec", 0, "executable" },
    { "application/x-mach-binary", 0, "executable" },
    { "application/vnd.microsoft.portable-executable", 0, "executable" },
    { "application/x-msi", 0, "executable" },
    { "application/java-vm", 0, "executable" },
    { "application/x-java-applet", 0, "executable" },
    { "application/x-coredump", 0, "executable" },
    /* databases */
    { "application/vnd.sqlite3", 0, "database" },
    { "application/x-sqlite3", 0, "database" },
    { "application/x-dbf", 0, "database" },
    { "application/x-berkeley-db", 1, "database" },
    { "application/x-ms-access", 0, "database" },
    { "application/x-msaccess", 0, "database" },
    { "application/x-gdbm", 0, "database" },
    /* source code and scripts */
    { "text/x-c", 1, "source" },
    { "text/x-java", 0, "source" },
    { "text/x-python", 1, "source" },
    { "text/x-script.python", 0, "source" },
    { "text/x-shellscript", 0, "source" },
    { "text/x-perl", 0, "source" },
    { "text/x-php", 0, "source" },
    { "text/x-ruby", 0, "source" },
    { "text/x-asm", 0, "source" },
    { "text/x-makefile", 0, "source" },
    { "text/x-tex", 0, "source" },
    { "text/x-lisp", 0, "source" },
    { "text/x-lua", 0, "source" },
    { "text/x-tcl", 0, "source" },
    { "text/x-awk", 0, "source" },
    { "text/x-m4", 0, "source" },
    { "text/x-diff", 0, "source" },
    { "application/javascript", 0, "source" },
    { "text/javascript", 0, "source" },
    { "application/x-php", 0, "source" },
    { "application/x-shellscript", 0, "source" },
    /* everything else textual */
    { "text/", 1, "text" },
    { "application/json", 0, "text" },
    { "application/xml", 0, "text" },
    { "application/x-ndjson", 0, "text" },
};

const char *pt_filetype_category(const char *mime)
{
    size_t i;

    if (!mime || !*mime)
        return "other";
    for (i = 0; i < sizeof cats / sizeof cats[0]; i++) {
        size_t n = strlen(cats[i].mime);
        if (cats[i].prefix ? strncmp(mime, cats[i].mime, n) == 0 : strcmp(mime, cats[i].mime) == 0)
            return cats[i].category;
    }
    return "other";
}

/* Exact MIME types; the names follow LOKI's and THOR's file type names where
 * they have one, so their public rules (signature-base) read as meant. */
static const struct { const char *mime, *name; } shorts[] = {
    { "application/x-dosexec", "EXE" },
    { "application/vnd.microsoft.portable-executable", "EXE" },
    { "application/x-executable", "ELF" },
    { "application/x-pie-executable", "ELF" },
    { "application/x-sharedlib", "ELF" },
    { "application/x-object", "ELF" },
    { "application/x-coredump", "ELF" },
    { "application/x-mach-binary", "MACHO" },
    { "application/x-java-applet", "CLASS" },
    { "application/zip", "ZIP" },
    { "application/java-archive", "JAR" },
    { "application/vnd.android.package-archive", "APK" },
    { "application/x-rar", "RAR" },
    { "application/vnd.rar", "RAR" },
    { "application/x-7z-compressed", "7Z" },
    { "application/gzip", "GZIP" },
    { "application/x-gzip", "GZIP" },
    { "application/x-bzip2", "BZIP2" },
    { "application/x-xz", "XZ" },
    { "application/x-tar", "TAR" },
    { "application/vnd.ms-cab-compressed", "CAB" },
    { "application/x-msi", "MSI" },
    { "application/pdf", "PDF" },
    { "text/rtf", "RTF" },
    { "application/rtf", "RTF" },
    { "application/msword", "DOC" },
    { "application/vnd.ms-excel", "XLS" },
    { "application/vnd.ms-powerpoint", "PPT" },
    { "application/CDFV2", "OLE" },
    { "application/x-ole-storage", "OLE" },
    { "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX" },
    { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX" },
    { "application/vnd.openxmlformats-officedocument.presentationml.presentation", "PPTX" },
    { "image/jpeg", "JPG" },
    { "image/png", "PNG" },
    { "image/gif", "GIF" },
    { "image/bmp", "BMP" },
    { "image/x-ms-bmp", "BMP" },
    { "image/tiff", "TIF" },
    { "image/vnd.microsoft.icon", "ICO" },
    { "application/x-ms-shortcut", "LNK" },
    { "application/x-dmp", "MDMP" },
    { "application/vnd.ms-htmlhelp", "CHM" },
    { "application/x-shockwave-flash", "SWF" },
    { "application/vnd.sqlite3", "SQLITE" },
    { "application/x-sqlite3", "SQLITE" },
    { "text/html", "HTML" },
    { "text/xml", "XML" },
    { "application/xml", "XML" },
    { "text/x-shellscript", "SCRIPT" },
    { "text/x-python", "SCRIPT" },
    { "text/x-perl", "SCRIPT" },
    { "text/x-php", "SCRIPT" },
    { "text/x-ruby", "SCRIPT" },
    { "text/x-msdos-batch", "SCRIPT" },
    { "application/javascript", "SCRIPT" },
    { "text/javascript", "SCRIPT" },
    { "text/plain", "TEXT" },
};

const char *pt_filetype_short(const char *mime)
{
    size_t i;

    if (mime)
        for (i = 0; i < sizeof shorts / sizeof shorts[0]; i++)
            if (strcmp(mime, shorts[i].mime) == 0)
                return shorts[i].name;
    return "UNKNOWN";
}
