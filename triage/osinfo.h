/* osinfo.h - the operating system a filesystem holds, for the report's
 * evidence section: from /etc/os-release (or /usr/lib/os-release) on Unix
 * systems; on macOS from /System/Library/CoreServices/SystemVersion.plist; on Windows, ProductName and CurrentBuild of
 * Microsoft\Windows NT\CurrentVersion in the SOFTWARE registry hive, read
 * with libhivex. */
#ifndef PT_OSINFO_H
#define PT_OSINFO_H

#include <stddef.h>

/* The PRETTY_NAME of an os-release text (else NAME and VERSION), unquoted,
 * into out.  Returns 1 when found, else 0 (out is ""). */
int pt_osinfo_parse_release(const char *text, size_t len, char *out, size_t size);

/* The product of a macOS SystemVersion.plist (XML or binary): "macOS 14.4 (build
 * 23E214)" from ProductName, ProductVersion and ProductBuildVersion.
 * Returns 1 when ProductName is found, else 0 (out is ""). */
int pt_osinfo_parse_macos(const char *text, size_t len, char *out, size_t size);

/* Reads the product name from a SOFTWARE hive held in the file descriptor
 * fd (libhivex opens it by /proc/self/fd path, read-only).  Returns 1 with
 * "ProductName (build N)" in out, else 0. */
int pt_osinfo_windows(int fd, char *out, size_t size);

/* The user profiles of the same hive (Microsoft\Windows NT\CurrentVersion\
 * ProfileList: one key per SID, ProfileImagePath its folder): appended to
 * *text (malloc'd, grown) as "SID\tNAME\n" lines, NAME the folder's last
 * component ("C:\Users\alice": alice).  Returns how many. */
size_t pt_osinfo_windows_profiles(int fd, char **text, size_t *len);

/* The local accounts of a SAM hive in fd: the machine's SID (the end of
 * SAM\Domains\Account's V value) and each name under Account\Users\Names,
 * whose default value's type is its RID: appended as "SID\tNAME\n" lines
 * like pt_osinfo_windows_profiles.  Returns how many. */
size_t pt_osinfo_windows_sam(int fd, char **text, size_t *len);

#endif
