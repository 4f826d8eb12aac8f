/* filetype.h - content type by libmagic, and ptriage's category taxonomy.
 *
 * One pt_filetype_t wraps one magic_t (not thread-safe: one per worker).
 * Identification looks only at the head buffer the reader collected. */
#ifndef PT_FILETYPE_H
#define PT_FILETYPE_H

#include <stddef.h>
#include "err.h"

typedef struct pt_filetype pt_filetype_t;

/* Opens libmagic with its default database.  NULL with err set on failure. */
pt_filetype_t *pt_filetype_open(pt_err_t *err);
void pt_filetype_close(pt_filetype_t *ft);

/* Writes the MIME type of buf[0..len) into mime (always NUL-terminated).
 * Returns PT_OK, or PT_ELIB with err set (mime is then ""). */
int pt_filetype_identify(pt_filetype_t *ft, const void *buf, size_t len,
                         char *mime, size_t mime_size, pt_err_t *err);

/* Maps a MIME type to a category of the documented taxonomy (docs/manifest.md):
 * document, spreadsheet, presentation, email, image, video, audio, archive,
 * compressed, executable, database, source, text, encrypted, other.
 * Returns a static string; never NULL. */
const char *pt_filetype_category(const char *mime);

/* A short upper-case name of the type, as rules written for LOKI and THOR
 * compare their `filetype` external with: "EXE", "ELF", "ZIP", "PDF", ...,
 * and "UNKNOWN" for everything else.  Returns a static string. */
const char *pt_filetype_short(const char *mime);

/* Every name pt_filetype_short() can return, for rule linting. */
#define PT_FILETYPE_SHORT_NAMES                                                                              \
    "EXE", "ELF", "MACHO", "CLASS", "ZIP", "JAR", "APK", "RAR", "7Z", "GZIP", "BZIP2", "XZ", "TAR", "CAB", "MSI", \
        "PDF", "RTF", "DOC", "XLS", "PPT", "OLE", "DOCX", "XLSX", "PPTX", "JPG", "PNG", "GIF", "BMP", "TIF",     \
        "ICO", "LNK", "MDMP", "CHM", "SWF", "SQLITE", "HTML", "XML", "SCRIPT", "TEXT", "UNKNOWN"

/* libmagic's version as "5.44". */
const char *pt_filetype_version(char *buf, size_t size);

#endif
