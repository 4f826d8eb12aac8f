/* osinfo.h - the operating system a filesystem holds, for the report's
 * evidence section: from /etc/os-release (or /usr/lib/os-release) on Unix
 * systems; a Windows system is recognised by its registry hive path (the
 * product name inside the hive is not read: no registry parser is linked). */
#ifndef PT_OSINFO_H
#define PT_OSINFO_H

#include <stddef.h>

/* The PRETTY_NAME of an os-release text (else NAME and VERSION), unquoted,
 * into out.  Returns 1 when found, else 0 (out is ""). */
int pt_osinfo_parse_release(const char *text, size_t len, char *out, size_t size);

#endif
