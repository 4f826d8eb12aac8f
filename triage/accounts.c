/* accounts.c - passwd parsing and the SID map.  Each owns its entry array. */
#include "accounts.h"

#include <stdlib.h>
#include <string.h>

size_t pt_accounts_parse(pt_accounts_t *a, const char *text, size_t len)
{
    size_t i = 0;

    memset(a, 0, sizeof *a);
    while (i < len) {
        const char *line = text + i, *end = memchr(line, '\n', len - i), *c1, *c2, *c3;
        size_t ll = end ? (size_t)(end - line) : len - i, nl;
        char uidbuf[16];
        char *stop;
        unsigned long uid;

        i += ll + 1;
        if (!(c1 = memchr(line, ':', ll)) || !(c2 = memchr(c1 + 1, ':', ll - (size_t)(c1 + 1 - line))) ||
            !(c3 = memchr(c2 + 1, ':', ll - (size_t)(c2 + 1 - line))))
            continue;
        nl = (size_t)(c1 - line);
        if (nl == 0 || nl >= sizeof a->e[0].name || (size_t)(c3 - c2 - 1) == 0 ||
            (size_t)(c3 - c2 - 1) >= sizeof uidbuf)
            continue;
        memcpy(uidbuf, c2 + 1, (size_t)(c3 - c2 - 1));
        uidbuf[c3 - c2 - 1] = '\0';
        uid = strtoul(uidbuf, &stop, 10);
        if (*stop || uid > UINT32_MAX)
            continue;
        {
            void *ne = realloc(a->e, (a->n + 1) * sizeof *a->e);
            if (!ne)
                break;
            a->e = ne;
        }
        a->e[a->n].uid = (uint32_t)uid;
        memcpy(a->e[a->n].name, line, nl);
        a->e[a->n].name[nl] = '\0';
        a->n++;
    }
    return a->n;
}

const char *pt_accounts_name(const pt_accounts_t *a, uint32_t uid)
{
    size_t i;
    for (i = 0; i < a->n; i++)
        if (a->e[i].uid == uid)
            return a->e[i].name;
    return NULL;
}

void pt_accounts_free(pt_accounts_t *a)
{
    free(a->e);
    memset(a, 0, sizeof *a);
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const pt_sid_entry_t *)a)->sid, ((const pt_sid_entry_t *)b)->sid);
}

static int cmp_key(const void *key, const void *e)
{
    return strcmp(key, ((const pt_sid_entry_t *)e)->sid);
}

size_t pt_sids_add(pt_sids_t *m, const char *text, size_t len)
{
    size_t i = 0, added = 0;

    while (i < len && m->n < PT_SIDS_MAX) {
        const char *line = text + i, *end = memchr(line, '\n', len - i), *tab;
        size_t ll = end ? (size_t)(end - line) : len - i, sl, nl;
        pt_sid_entry_t e, *ne;

        i += ll + 1;
        if (!(tab = memchr(line, '\t', ll)))
            continue;
        sl = (size_t)(tab - line);
        nl = ll - sl - 1;
        if (sl < 5 || sl >= sizeof e.sid || nl == 0 || nl >= sizeof e.name || memcmp(line, "S-1-", 4) != 0)
            continue;
        memcpy(e.sid, line, sl);
        e.sid[sl] = '\0';
        memcpy(e.name, tab + 1, nl);
        e.name[nl] = '\0';
        if ((m->n && bsearch(e.sid, m->e, m->n, sizeof *m->e, cmp_key)) || pt_sids_name(NULL, e.sid))
            continue; /* the first name found stays; Windows' own SIDs keep theirs */
        if (!(ne = realloc(m->e, (m->n + 1) * sizeof *m->e)))
            break;
        m->e = ne;
        m->e[m->n++] = e;
        qsort(m->e, m->n, sizeof *m->e, cmp_entry);
        added++;
    }
    return added;
}

const char *pt_sids_name(const pt_sids_t *m, const char *sid)
{
    /* the SIDs Windows gives the same name on every machine */
    static const char *const known[][2] = {
        { "S-1-1-0", "Everyone" },
        { "S-1-3-0", "CREATOR OWNER" },
        { "S-1-5-18", "SYSTEM" },
        { "S-1-5-19", "LOCAL SERVICE" },
        { "S-1-5-20", "NETWORK SERVICE" },
        { "S-1-5-32-544", "Administrators" },
        { "S-1-5-32-545", "Users" },
        { "S-1-5-32-551", "Backup Operators" },
        { "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464", "TrustedInstaller" },
    };
    size_t i;

    /* Windows' own accounts keep their names (ProfileList calls SYSTEM's
     * folder "systemprofile") */
    for (i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(sid, known[i][0]) == 0)
            return known[i][1];
    if (m && m->n) {
        const pt_sid_entry_t *hit = bsearch(sid, m->e, m->n, sizeof *m->e, cmp_key);
        if (hit)
            return hit->name;
    }
    return NULL;
}

void pt_sids_free(pt_sids_t *m)
{
    free(m->e);
    memset(m, 0, sizeof *m);
}
