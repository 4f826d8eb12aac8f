/* scope.h - YARA scope rules: compiled once from files and directories, then
 * run on each item with its metadata as external variables.
 *
 * pt_rules_t is the compiled set (read-only, shared by threads); pt_scope_t
 * is one scanner (one per thread).  Compilation errors and warnings are
 * reported as "file:line: message". */
#ifndef PT_SCOPE_H
#define PT_SCOPE_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "item.h"

typedef struct pt_rules pt_rules_t;
typedef struct pt_scope pt_scope_t;

typedef struct pt_rule_match {
    char rule[128];
    char ns[64];
    char tags[160];        /* space-separated */
    char disposition[16];  /* from meta "disposition" or a tag of that name; "" when none */
    char reason[200];      /* meta "reason" */
    unsigned hits;         /* string matches (the matched bytes are never kept) */
} pt_rule_match_t;

typedef struct pt_scope_result {
    pt_rule_match_t *m;
    size_t n, cap;
    char error[200];       /* scan error (timeout, too many matches), "" when none */
    char note[200];        /* what the rules saw was capped (a string's matches), "" when none */
} pt_scope_result_t;

/* Per-item values of the external variables (see docs/rules.md). */
typedef struct pt_scope_vars {
    const char *evidence, *volume, *owner;
    const char *container; /* "mailbox" (its messages are items of their own) or NULL */
} pt_scope_vars_t;

/* Compiles every .yar/.yara file under the given files and directories (one
 * namespace per file, named after it).  Diagnostics ("file:line: error:
 * message", warnings too) are appended to *diag (malloc'd, caller frees).
 * Returns PT_OK, or PT_EFORMAT when any file has an error. */
int pt_rules_compile(char *const *paths, int n, pt_rules_t **out, char **diag, pt_err_t *err);
void pt_rules_free(pt_rules_t *r);

/* Calls fn for each rule: name, namespace, disposition ("" when none). */
void pt_rules_foreach(pt_rules_t *r, void (*fn)(const char *rule, const char *ns, const char *disposition,
                                                void *arg), void *arg);
/* Times each rule alone over the sample buffers (every other rule
 * disabled), after a baseline with all rules disabled; calls fn per rule
 * with the seconds above the baseline.  Returns PT_OK or PT_ELIB. */
int pt_rules_profile(pt_rules_t *r, const uint8_t *const *bufs, const size_t *lens, size_t n,
                     void (*fn)(const char *rule, const char *ns, double seconds, void *arg), void *arg,
                     double *baseline, pt_err_t *err);

/* SHA-256 of every rule file compiled, one "hash  path" line each (owned by r). */
const char *pt_rules_files(const pt_rules_t *r);

pt_scope_t *pt_scope_new(pt_rules_t *r, int timeout_s, pt_err_t *err);
void pt_scope_free(pt_scope_t *s);

/* Scans data[0..len) of the item with its externals set; fills res (reset
 * first).  Returns PT_OK; a scan error (timeout...) is in res->error. */
int pt_scope_scan(pt_scope_t *s, const pt_item_t *it, const pt_scope_vars_t *vars, const uint8_t *data,
                  size_t len, pt_scope_result_t *res);
void pt_scope_result_free(pt_scope_result_t *res);

/* Streams an item too large to hold in memory through YARA's memory-block
 * iterator: blocks of PT_SCOPE_BLOCK bytes that overlap by PT_SCOPE_OVERLAP,
 * so a string of up to PT_SCOPE_OVERLAP bytes that straddles a block edge is
 * still found.  pull returns the item's bytes in order (1 data, 0 end, -1
 * error).  Memory: one block buffer, owned by s. */
#define PT_SCOPE_BLOCK (16u << 20)
#define PT_SCOPE_OVERLAP (64u << 10)
int pt_scope_scan_stream(pt_scope_t *s, const pt_item_t *it, const pt_scope_vars_t *vars,
                         int (*pull)(void *, const uint8_t **, size_t *), void *pull_ctx, pt_scope_result_t *res);

/* Dispositions ptriage knows, NULL-terminated. */
extern const char *const pt_dispositions[];

#endif
