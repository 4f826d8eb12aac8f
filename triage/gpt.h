/* gpt.h - the backup GPT at the end of a disk, for disks whose primary
 * header (LBA 1) is damaged or wiped: The Sleuth Kit 4.11 reads the primary
 * only, and then sees just the protective MBR's one 0xEE partition.  Both
 * CRC-32s (header and entry array) must hold; nothing else is trusted. */
#ifndef PT_GPT_H
#define PT_GPT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "reader.h"

#define PT_GPT_MAX_PARTS 256

typedef struct {
    uint64_t first_lba, last_lba;   /* inclusive, in sectors of sector_size */
    char type[40], name[160];       /* type GUID; the name as printable UTF-8 ('?' for the rest) */
    unsigned index;                 /* entry number in the array, from 1 */
} pt_gpt_part_t;

typedef struct {
    unsigned sector_size;
    uint64_t header_lba, entries_lba;
    uint64_t entries_bytes;         /* the array's size */
    char disk_guid[40];
    int n;                          /* partitions (entries with a type), sorted by first_lba */
    pt_gpt_part_t part[PT_GPT_MAX_PARTS];
} pt_gpt_t;

/* Reads the backup header in the last sector of the size-byte disk (512-
 * and 4096-byte sectors tried) and its entry array.  PT_OK with *g filled,
 * or PT_EFORMAT with the reason (no signature, a CRC that fails, fields out
 * of range). */
int pt_gpt_read_backup(pt_read_fn fn, void *src, uint64_t size, pt_gpt_t *g, pt_err_t *err);

/* The same for the primary header at LBA 1, with sector size ss. */
int pt_gpt_read_primary(pt_read_fn fn, void *src, uint64_t size, unsigned ss, pt_gpt_t *g, pt_err_t *err);

/* The registered name of a partition type GUID ("Linux LVM", "Windows
 * Storage Spaces"), or NULL. */
const char *pt_gpt_type_name(const char *guid);
/* "NAME (type name)", or the type name alone, or the GUID when unknown. */
void pt_gpt_describe(const pt_gpt_part_t *q, char *out, size_t n);

/* Why the primary header at LBA 1 was not used, in words ("no 'EFI PART'
 * signature at LBA 1", "header CRC-32 fails"), for sector size ss. */
void pt_gpt_primary_problem(pt_read_fn fn, void *src, unsigned ss, char *out, size_t n);

#endif
