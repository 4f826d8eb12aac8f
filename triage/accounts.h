/* accounts.h - uid to account name, from an /etc/passwd found on the
 * evidence itself (never the examiner's machine).  Used for the `owner`
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

#endif
