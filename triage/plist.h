/* plist.h - one string of an Apple property list, XML or binary
 * ("bplist00"), for the few files ptriage reads on Mac volumes
 * (SystemVersion.plist, the local directory's user records).  Every offset
 * and count is checked against the buffer: the files come from evidence. */
#ifndef PT_PLIST_H
#define PT_PLIST_H

#include <stddef.h>
#include <stdint.h>

/* The string value of key in the top-level dictionary, or the first
 * element of an array value (user records keep every value in an array).
 * Printable ASCII and UTF-8 kept, control bytes dropped, bounded by size.
 * Returns 1 when found (non-empty), else 0 with out = "". */
int pt_plist_string(const uint8_t *buf, size_t len, const char *key, char *out, size_t size);

/* The non-negative integer value of key in the top-level dictionary (or
 * the first element of an array value): 1, or 0 when there is none. */
int pt_plist_integer(const uint8_t *buf, size_t len, const char *key, uint64_t *value);

/* The boolean value of key in the top-level dictionary: 1 and *value, or 0
 * when there is no such boolean. */
int pt_plist_bool(const uint8_t *buf, size_t len, const char *key, int *value);

#endif
