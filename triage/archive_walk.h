/* archive_walk.h - members of archives and compressed files become items
 * (libarchive): zip, tar (plain, gz, bz2, xz, zstd), 7z, rar, cpio, ar,
 * iso9660, cab, and single compressed files (gz, bz2, xz, zstd, lz4).
 *
 * A member's path is the archive's path, "!", and the member's name
 * ("/srv/backup.tar.gz!/home/a/notes.txt"); its parent_id is the archive's
 * item.  Members are read, hashed, typed, classified and matched like any
 * file, and expanded in turn up to a depth.  Members that are encrypted are
 * listed with that verdict and not read.  Limits against bombs (depth,
 * bytes expanded, expansion ratio, member count) stop the expansion of one
 * top-level archive and are reported on it.  Documents that are zip
 * containers (OOXML, ODF, EPUB, JAR) are not expanded: they are documents.
 * Member names are never used as file-system paths. */
#ifndef PT_ARCHIVE_WALK_H
#define PT_ARCHIVE_WALK_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "hash.h"
#include "reader.h"

struct pt_scan;
struct pt_item;

/* 1 when head (the first bytes of an item) starts like an archive or a
 * compressed stream libarchive reads. */
int pt_archive_looks_like(const uint8_t *head, size_t len);

/* Expands the archive item it (already emitted, with database id it->id),
 * whose content fn/src read again from the start, into member items.
 * depth is the archive's own nesting (0 for a file of the evidence).
 * Problems are recorded against the archive; returns PT_OK or a fatal
 * error (case database, memory). */
int pt_archive_expand(struct pt_scan *s, const struct pt_item *it, pt_read_fn fn, void *src, int depth,
                      pt_err_t *err);

/* Reads one member again (export, verify --evidence): the archive's
 * content through fn/src (size bytes), then at each of the n levels
 * paths[i] (the archive's path, for naming a single compressed file's
 * member) and names[i] (the member's name as the scan recorded it).  The
 * member's bytes go through h (begun and ended here) and, when out_fd >= 0,
 * to out_fd.  PT_OK with *got, PT_ENOENT when the member is not there any
 * more, PT_EIO when it cannot be read. */
int pt_archive_extract(pt_read_fn fn, void *src, uint64_t size, const char *const *paths, const char *const *names,
                       size_t n, pt_hash_t *h, int out_fd, pt_hash_result_t *got, pt_err_t *err);

#endif
