/* decide.h - the disposition of every item (relevant, private, system,
 * needs-review) with the reason, from scope-rule matches, hash sets and the
 * policy of case.conf (an INI file read with inih).  See docs/rules.md. */
#ifndef PT_DECIDE_H
#define PT_DECIDE_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "hashset.h"
#include "item.h"
#include "layer.h"
#include "scope.h"

#define PT_POLICY_MAX_GLOBS 32
#define PT_POLICY_MAX_SETS 16
#define PT_POLICY_MAX_KEYS 16

typedef struct pt_policy {
    /* [case] */
    char case_number[128], court[128], examiner[128], warrant[256];
    /* [policy] */
    const char *precedence[4];          /* dispositions, strongest first */
    int has_from, has_to;
    int64_t date_from, date_to;         /* epoch seconds, inclusive day bounds */
    int date_field;                     /* 0 mtime, 1 crtime, 2 either */
    char *include[PT_POLICY_MAX_GLOBS]; /* paths the warrant covers (empty: all) */
    char *exclude[PT_POLICY_MAX_GLOBS];
    char *user_areas[PT_POLICY_MAX_GLOBS];
    int n_include, n_exclude, n_user_areas;
    const char *encrypted;              /* disposition of encrypted items no rule decided */
    const char *unmatched_user;         /* ... of items in user areas no rule decided */
    const char *unmatched_other;        /* ... of everything else */
    /* [hashsets] */
    pt_hashset_t *sets[PT_POLICY_MAX_SETS];
    const char *set_disposition[PT_POLICY_MAX_SETS];
    int n_sets;
    /* [rules] files and directories, relative to case.conf's directory */
    char *rules[PT_POLICY_MAX_GLOBS];
    int n_rules;
    /* [keys] the court provided for encrypted volumes: each passphrase and
     * key_file line adds one (tried in order); never written anywhere */
    pt_key_t keys[PT_POLICY_MAX_KEYS];
    size_t n_keys;
    int cascades;       /* [keys] veracrypt_cascades = yes: every passphrase is tried on cascades too */
    unsigned pim;       /* [keys] veracrypt_pim = N: VeraCrypt's iterations 15000 + 1000 N (0: default) */
    /* [keys] veracrypt_keyfile = PATH: the keyfiles mixed into pools of 64
     * and 128 bytes (TrueCrypt's and VeraCrypt's long-passphrase pool) */
    int n_keyfiles;
    uint8_t kf_pool64[64], kf_pool128[128];
} pt_policy_t;

/* Fills the documented defaults. */
void pt_policy_defaults(pt_policy_t *p);
/* Reads case.conf over the defaults; errors are "file:line: message". */
int pt_policy_load(pt_policy_t *p, const char *path, pt_err_t *err);
void pt_policy_free(pt_policy_t *p);
/* PT_HASH_* bits the hash sets need the scan to compute. */
unsigned pt_policy_hash_needs(const pt_policy_t *p);

/* Decides it->disposition and it->reason, and writes the matched rules into
 * it->rules ("ns:rule ..."). */
void pt_decide(const pt_policy_t *p, const pt_scope_result_t *res, pt_item_t *it);

#endif
