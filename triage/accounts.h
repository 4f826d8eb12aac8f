/* accounts.h - uid to account name, from an /etc/passwd found on the
 * evidence itself (never the examiner's machine); Windows SIDs to account
 * names.  Used for the `owner`
 * external variable of scope rules and the manifest's owner reports. */
#ifndef PT_ACCOUNTS_H
#define PT_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

typedef struct pt_accounts {
    struct { uint32_t uid; char name[64]; } *e;
    size_t n;
} pt_accounts_t;

/* Parses passwd text (name:pw:uid:...); malformed lines are skipped.
 * Returns the number of accounts. */
size_t pt_accounts_parse(pt_accounts_t *a, const char *text, size_t len);
/* Name of uid, or NULL. */
const char *pt_accounts_name(const pt_accounts_t *a, uint32_t uid);
void pt_accounts_free(pt_accounts_t *a);

/* Windows owners: SID to account name.  The well-known SIDs every
 * Windows has keep their names (SYSTEM, Administrators, TrustedInstaller,
 * ...); others are named by "SID\tNAME" lines (the ProfileList of a
 * SOFTWARE hive found on the evidence, osinfo.h). */
typedef struct pt_sid_entry {
    char sid[96];
    char name[64];
} pt_sid_entry_t;
typedef struct pt_sids {
    pt_sid_entry_t *e;  /* sorted by sid */
    size_t n;
} pt_sids_t;
#define PT_SIDS_MAX 10000 /* a hostile hive's ProfileList is not followed further */

/* Adds the lines of text (a SID already known keeps its name); returns how
 * many were added.  Malformed lines are skipped. */
size_t pt_sids_add(pt_sids_t *m, const char *text, size_t len);
/* Name of sid, or NULL when neither the map nor the well-known SIDs name it. */
const char *pt_sids_name(const pt_sids_t *m, const char *sid);
void pt_sids_free(pt_sids_t *m);

#endif
