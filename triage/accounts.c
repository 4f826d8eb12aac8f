/* accounts.c - passwd parsing.  Owns the entry array. */
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
