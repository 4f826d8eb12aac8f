/* decide.c - policy parsing (inih adapter) and the disposition decision.
 * Owns the policy's strings and hash sets.  The decision is a pure function
 * of the item, its matches and the policy. */
#include "decide.h"

#include <fnmatch.h>
#include <ini.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "file.h"
#include "tcrypt.h"

static const char *const dispo[] = { "relevant", "needs-review", "private", "system" };

static const char *dispo_of(const char *s)
{
    size_t i;
    for (i = 0; i < 4; i++)
        if (strcmp(s, dispo[i]) == 0)
            return dispo[i];
    return NULL;
}

void pt_policy_defaults(pt_policy_t *p)
{
    /* users' homes and mail; Windows' recycle bins (what a user deleted)
     * and the profiles an upgrade keeps in Windows.old */
    static const char *const users[] = { "/home/*", "/root/*", "/Users/*", "/Documents and Settings/*",
                                         "/var/mail/*", "/var/spool/mail/*", "/$Recycle.Bin/*", "/$RECYCLE.BIN/*",
                                         "/RECYCLER/*", "/RECYCLED/*", "/Windows.old/Users/*",
                                         "/Windows.old/Documents and Settings/*" };
    size_t i;

    memset(p, 0, sizeof *p);
    for (i = 0; i < 4; i++)
        p->precedence[i] = dispo[i];
    p->encrypted = "needs-review";
    p->unmatched_user = "private";
    p->unmatched_other = "needs-review";
    for (i = 0; i < sizeof users / sizeof users[0]; i++)
        p->user_areas[p->n_user_areas++] = strdup(users[i]);
}

void pt_policy_free(pt_policy_t *p)
{
    int i;
    for (i = 0; i < p->n_include; i++) free(p->include[i]);
    for (i = 0; i < p->n_exclude; i++) free(p->exclude[i]);
    for (i = 0; i < p->n_user_areas; i++) free(p->user_areas[i]);
    for (i = 0; i < p->n_rules; i++) free(p->rules[i]);
    for (i = 0; i < p->n_sets; i++) pt_hashset_free(p->sets[i]);
    for (i = 0; i < (int)p->n_keys; i++) {
        free((void *)p->keys[i].data);
        free((void *)p->keys[i].name);
        free((void *)p->keys[i].path);
    }
    OPENSSL_cleanse(p->kf_pool64, sizeof p->kf_pool64);
    OPENSSL_cleanse(p->kf_pool128, sizeof p->kf_pool128);
    memset(p, 0, sizeof *p);
}

unsigned pt_policy_hash_needs(const pt_policy_t *p)
{
    unsigned m = 0;
    int i;
    for (i = 0; i < p->n_sets; i++)
        m |= pt_hashset_needs(p->sets[i]);
    return m;
}

typedef struct load_ctx {
    pt_policy_t *p;
    const char *dir;     /* case.conf's directory, for relative paths */
    char msg[512];
} load_ctx_t;

static char *trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        *--e = '\0';
    return s;
}

/* Splits a comma list into owned strings; 0 when one is too many.  A key
 * given twice replaces the earlier list (found by fuzzing: it leaked). */
static int list(char **out, int *n, const char *value, const char *dir)
{
    char *copy = strdup(value), *save = NULL, *tok;
    int ok = copy != NULL;

    while (*n > 0)
        free(out[--*n]);
    for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && ok; tok = strtok_r(NULL, ",", &save)) {
        char *t = trim(tok);
        if (!*t)
            continue;
        if (*n >= PT_POLICY_MAX_GLOBS) {
            ok = 0;
            break;
        }
        if (dir && t[0] != '/') {
            out[*n] = malloc(strlen(dir) + strlen(t) + 2);
            if (out[*n])
                sprintf(out[*n], "%s/%s", dir, t);
        } else {
            out[*n] = strdup(t);
        }
        if (!out[*n])
            ok = 0;
        else
            (*n)++;
    }
    free(copy);
    return ok;
}

static int parse_date(const char *s, int end_of_day, int64_t *out)
{
    struct tm tm;
    char *rest;

    memset(&tm, 0, sizeof tm);
    rest = strptime(s, "%Y-%m-%d", &tm);
    if (!rest || *trim(rest))
        return 0;
    *out = (int64_t)timegm(&tm) + (end_of_day ? 86399 : 0);
    return 1;
}

/* Reads the file a setting names (relative to case.conf) whole; 0 with
 * c->msg set when it cannot. */
static int read_beside(load_ctx_t *c, const char *setting, const char *value, char *path, size_t psize, char **buf,
                       size_t *len)
{
    pt_err_t e = { 0, "" };

    snprintf(path, psize, "%s%s%s", value[0] == '/' ? "" : c->dir, value[0] == '/' ? "" : "/", value);
    if (pt_file_read_all(path, buf, len, &e) != PT_OK) {
        snprintf(c->msg, sizeof c->msg, "%s: %.400s", setting, e.msg);
        return 0;
    }
    return 1;
}

/* [keys] passphrase = ... / key_file = PATH (relative to case.conf) */
static int add_key(load_ctx_t *c, const char *name, const char *value)
{
    pt_policy_t *p = c->p;
    pt_key_t *k = &p->keys[p->n_keys];
    char label[4200];
    int file = strcmp(name, "key_file") == 0;

    if (strcmp(name, "veracrypt_cascades") == 0) {
        /* cascades need three times the key derivation per passphrase
         * and PRF: tried only when asked */
        if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0) {
            snprintf(c->msg, sizeof c->msg, "[keys] veracrypt_cascades is yes or no, not %.200s", value);
            return 0;
        }
        p->cascades = value[0] == 'y';
        return 1;
    }
    if (strcmp(name, "veracrypt_keyfile") == 0) {
        char path[4200], *buf = NULL;
        size_t len = 0;
        if (!read_beside(c, name, value, path, sizeof path, &buf, &len))
            return 0;
        pt_tcrypt_pool_keyfile((const uint8_t *)buf, len, p->kf_pool64, sizeof p->kf_pool64);
        pt_tcrypt_pool_keyfile((const uint8_t *)buf, len, p->kf_pool128, sizeof p->kf_pool128);
        OPENSSL_cleanse(buf, len);
        free(buf);
        p->n_keyfiles++;
        return 1;
    }
    if (strcmp(name, "veracrypt_pim") == 0) {
        /* a volume made with a PIM opens only with it (VeraCrypt's own
         * limit keeps the iteration count in 32 bits) */
        char *end = NULL;
        unsigned long v = strtoul(value, &end, 10);
        if (!*value || *end || v < 1 || v > 2147468) {
            snprintf(c->msg, sizeof c->msg, "[keys] veracrypt_pim is a number from 1 to 2147468, not %.200s", value);
            return 0;
        }
        p->pim = (unsigned)v;
        return 1;
    }
    if (!file && strcmp(name, "passphrase") != 0) {
        snprintf(c->msg, sizeof c->msg, "unknown setting [keys] %s (passphrase, key_file, veracrypt_cascades, "
                 "veracrypt_pim or veracrypt_keyfile)", name);
        return 0;
    }
    if (p->n_keys >= PT_POLICY_MAX_KEYS) {
        snprintf(c->msg, sizeof c->msg, "more than %d keys", PT_POLICY_MAX_KEYS);
        return 0;
    }
    if (file) {
        char path[4200], *buf = NULL;
        size_t len = 0;
        if (!read_beside(c, name, value, path, sizeof path, &buf, &len))
            return 0;
        if (len > 8u << 20) { /* cryptsetup's own limit for a key file */
            free(buf);
            snprintf(c->msg, sizeof c->msg, "key_file %.300s: larger than 8 MiB", value);
            return 0;
        }
        k->data = (const uint8_t *)buf;
        k->len = len;
        k->path = strdup(path);
        snprintf(label, sizeof label, "key file %s", value);
    } else {
        k->len = strlen(value);
        k->data = (const uint8_t *)strdup(value);
        snprintf(label, sizeof label, "passphrase %zu of case.conf", p->n_keys + 1);
    }
    k->name = strdup(label);
    if (!k->data || !k->name || (file && !k->path)) {
        free((void *)k->data);
        free((void *)k->name);
        free((void *)k->path);
        snprintf(c->msg, sizeof c->msg, "out of memory");
        return 0;
    }
    p->n_keys++;
    return 1;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
    load_ctx_t *c = user;
    pt_policy_t *p = c->p;

    if (strcmp(section, "case") == 0) {
        char *dst = strcmp(name, "number") == 0 ? p->case_number : strcmp(name, "court") == 0 ? p->court
                    : strcmp(name, "examiner") == 0 ? p->examiner : strcmp(name, "warrant") == 0 ? p->warrant : NULL;
        size_t size = dst == p->warrant ? sizeof p->warrant : sizeof p->case_number;
        if (!dst)
            goto unknown;
        snprintf(dst, size, "%s", value);
        return 1;
    }
    if (strcmp(section, "policy") == 0) {
        if (strcmp(name, "precedence") == 0) {
            char *v[PT_POLICY_MAX_GLOBS];
            int n = 0, i, ok = list(v, &n, value, NULL) && n == 4;
            for (i = 0; i < n; i++) {
                const char *d = dispo_of(v[i]);
                if (!d)
                    ok = 0;
                else if (i < 4)
                    p->precedence[i] = d;
                free(v[i]);
            }
            if (!ok)
                snprintf(c->msg, sizeof c->msg, "precedence must list relevant, needs-review, private, system once each");
            return ok;
        }
        if (strcmp(name, "date_from") == 0 || strcmp(name, "date_to") == 0) {
            int to = name[5] == 't';
            if (!parse_date(value, to, to ? &p->date_to : &p->date_from)) {
                snprintf(c->msg, sizeof c->msg, "%s: expected YYYY-MM-DD", name);
                return 0;
            }
            *(to ? &p->has_to : &p->has_from) = 1;
            return 1;
        }
        if (strcmp(name, "date_field") == 0) {
            p->date_field = strcmp(value, "mtime") == 0 ? 0 : strcmp(value, "crtime") == 0 ? 1
                            : strcmp(value, "either") == 0 ? 2 : -1;
            if (p->date_field < 0)
                snprintf(c->msg, sizeof c->msg, "date_field: mtime, crtime or either");
            return p->date_field >= 0;
        }
        if (strcmp(name, "include") == 0)
            return list(p->include, &p->n_include, value, NULL);
        if (strcmp(name, "exclude") == 0)
            return list(p->exclude, &p->n_exclude, value, NULL);
        if (strcmp(name, "user_areas") == 0) /* replaces the defaults */
            return list(p->user_areas, &p->n_user_areas, value, NULL);
        if (strcmp(name, "encrypted") == 0 || strcmp(name, "unmatched_user") == 0 ||
            strcmp(name, "unmatched_other") == 0) {
            const char *d = dispo_of(value);
            if (!d) {
                snprintf(c->msg, sizeof c->msg, "%s: one of relevant, needs-review, private, system", name);
                return 0;
            }
            if (name[0] == 'e')
                p->encrypted = d;
            else if (strcmp(name, "unmatched_user") == 0)
                p->unmatched_user = d;
            else
                p->unmatched_other = d;
            return 1;
        }
        goto unknown;
    }
    if (strcmp(section, "hashsets") == 0) {
        const char *d = strcmp(name, "system") == 0 ? "system" : strcmp(name, "relevant") == 0 ? "relevant" : NULL;
        char *paths[PT_POLICY_MAX_GLOBS];
        int n = 0, i, ok;
        if (!d)
            goto unknown;
        ok = list(paths, &n, value, c->dir);
        for (i = 0; i < n; i++) {
            pt_err_t e = { 0, "" };
            const char *base = strrchr(paths[i], '/');
            if (ok && p->n_sets < PT_POLICY_MAX_SETS &&
                pt_hashset_load(paths[i], base ? base + 1 : paths[i], &p->sets[p->n_sets], &e) == PT_OK) {
                p->set_disposition[p->n_sets++] = d;
            } else if (ok) {
                snprintf(c->msg, sizeof c->msg, "%.500s", e.msg[0] ? e.msg : "too many hash sets");
                ok = 0;
            }
            free(paths[i]);
        }
        return ok;
    }
    if (strcmp(section, "rules") == 0 && strcmp(name, "paths") == 0)
        return list(p->rules, &p->n_rules, value, c->dir);
    if (strcmp(section, "keys") == 0)
        return add_key(c, name, value);
unknown:
    snprintf(c->msg, sizeof c->msg, "unknown setting [%s] %s", section, name);
    return 0;
}

int pt_policy_load(pt_policy_t *p, const char *path, pt_err_t *err)
{
    load_ctx_t c;
    char dir[4096];
    const char *slash = strrchr(path, '/');
    int line;

    memset(&c, 0, sizeof c);
    c.p = p;
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else
        snprintf(dir, sizeof dir, ".");
    c.dir = dir;
    line = ini_parse(path, on_entry, &c);
    if (line == -1)
        return pt_err_set(err, PT_ENOENT, "%s: cannot open", path);
    if (line != 0)
        return pt_err_set(err, PT_EFORMAT, "%s:%d: %s", path, line, c.msg[0] ? c.msg : "syntax error");
    if (p->has_from && p->has_to && p->date_from > p->date_to)
        return pt_err_set(err, PT_EFORMAT, "%s: date_from is after date_to", path);
    if (p->n_keyfiles && p->n_keys < PT_POLICY_MAX_KEYS) {
        /* VeraCrypt opens a volume with keyfiles and no password too */
        pt_key_t *k = &p->keys[p->n_keys];
        k->data = (const uint8_t *)strdup("");
        k->name = strdup("the keyfiles of case.conf");
        if (!k->data || !k->name) {
            free((void *)k->data);
            free((void *)k->name);
            return pt_err_set(err, PT_ENOMEM, "out of memory");
        }
        p->n_keys++;
    }
    for (size_t i = 0; i < p->n_keys; i++) {
        p->keys[i].cascades = p->cascades, p->keys[i].pim = p->pim;
        if (p->n_keyfiles)
            p->keys[i].kf64 = p->kf_pool64, p->keys[i].kf128 = p->kf_pool128;
    }
    return PT_OK;
}

static int glob_any(char *const *globs, int n, const char *path)
{
    int i;
    for (i = 0; i < n; i++)
        if (fnmatch(globs[i], path, 0) == 0)
            return 1;
    return 0;
}

static int in_window(const pt_policy_t *p, const pt_item_t *it)
{
    const pt_time_t *t[2] = { &it->mtime, &it->crtime };
    int i, any = 0;

    if (!p->has_from && !p->has_to)
        return 1;
    for (i = 0; i < 2; i++) {
        if ((p->date_field == 0 && i == 1) || (p->date_field == 1 && i == 0) || !t[i]->known)
            continue;
        any = 1;
        if ((!p->has_from || t[i]->sec >= p->date_from) && (!p->has_to || t[i]->sec <= p->date_to))
            return 1;
    }
    return !any ? 0 : 0;
}

static int rank(const pt_policy_t *p, const char *d)
{
    int i;
    for (i = 0; i < 4; i++)
        if (strcmp(p->precedence[i], d) == 0)
            return i;
    return 4;
}

void pt_decide(const pt_policy_t *p, const pt_scope_result_t *res, pt_item_t *it)
{
    const char *best = NULL;
    char why[sizeof it->reason] = "", dropped[320] = "";
    size_t i, used = 0;
    int s, path_ok = (p->n_include == 0 || glob_any(p->include, p->n_include, it->path)) &&
                     !glob_any(p->exclude, p->n_exclude, it->path);
    int date_ok = in_window(p, it);

    it->rules[0] = '\0';
    for (i = 0; res && i < res->n; i++) {
        int w = snprintf(it->rules + used, sizeof it->rules - used, "%s%s:%s", used ? " " : "", res->m[i].ns,
                         res->m[i].rule);
        if (w > 0 && (size_t)w < sizeof it->rules - used)
            used += (size_t)w;
    }
    /* candidates: hash sets, then rules; the strongest by precedence wins */
    for (s = 0; s < p->n_sets; s++) {
        const char *d = p->set_disposition[s];
        if (!pt_hashset_contains(p->sets[s], &it->hash))
            continue;
        if (strcmp(d, "relevant") == 0 && !(path_ok && date_ok)) {
            snprintf(dropped, sizeof dropped, "; hash set %s matched but the item is outside the %s",
                     pt_hashset_name(p->sets[s]), path_ok ? "date window" : "warrant's paths");
            continue;
        }
        if (!best || rank(p, d) < rank(p, best)) {
            best = d;
            snprintf(why, sizeof why, "hash set %s (known %s file)", pt_hashset_name(p->sets[s]),
                     strcmp(d, "system") == 0 ? "system" : "relevant");
        }
    }
    for (i = 0; res && i < res->n; i++) {
        const pt_rule_match_t *m = &res->m[i];
        const char *d = m->disposition[0] ? dispo_of(m->disposition) : NULL;
        if (!d)
            continue;
        if (strcmp(d, "relevant") == 0 && !(path_ok && date_ok)) {
            snprintf(dropped, sizeof dropped, "; rule %s:%s matched but the item is outside the %s", m->ns,
                     m->rule, path_ok ? "date window" : "warrant's paths");
            continue;
        }
        if (!best || rank(p, d) < rank(p, best)) {
            best = d;
            snprintf(why, sizeof why, "rule %.60s:%.120s%s%.200s", m->ns, m->rule, m->reason[0] ? ": " : "", m->reason);
        }
    }
    if (!best) {
        int enc = it->encryption && (strcmp(it->encryption, "encrypted") == 0 ||
                                     strcmp(it->encryption, "suspected") == 0);
        if (enc) {
            best = p->encrypted;
            snprintf(why, sizeof why, "policy: %s content (%s) that no rule decided", it->encryption,
                     it->encryption_format ? it->encryption_format : "unknown format");
        } else if (glob_any(p->user_areas, p->n_user_areas, it->path)) {
            best = p->unmatched_user;
            snprintf(why, sizeof why, "policy: in a user area, no rule matched");
        } else {
            best = p->unmatched_other;
            snprintf(why, sizeof why, "policy: no rule matched");
        }
    }
    it->disposition = best;
    snprintf(it->reason, sizeof it->reason, "%.250s%.250s", why, dropped);
    if (res && res->error[0])
        pt_item_add_error(it, "error", "%s", res->error);
    if (res && res->note[0])
        pt_item_add_error(it, "note", "%s", res->note);
}
