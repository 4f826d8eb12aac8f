/* main.c - command line: parses arguments, runs a command, prints messages
 * and maps results to exit codes (0 ok, 1 item-level errors, 2 usage or
 * fatal).  The only file that prints to the terminal. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "casedb.h"
#include "decide.h"
#include "err.h"
#include "hash.h"
#include "report_csv.h"
#include "report_jsonl.h"
#include "scan.h"
#include "scope.h"
#include "sums.h"
#include "version.h"

static const char usage_text[] =
    "usage: ptriage scan EVIDENCE... -o OUTDIR [--rules FILE|DIR]... [--case CASE.conf]\n"
    "                    [--hash sha256,md5,sha1] [--jobs N] [--quiet]\n"
    "       ptriage report OUTDIR\n"
    "       ptriage rules check [--profile SAMPLE] FILE|DIR...\n"
    "       ptriage verify OUTDIR\n"
    "       ptriage --help | --version\n";

static const char help_text[] =
    "ptriage - forensic privacy triage of seized evidence\n"
    "\n"
    "Commands:\n"
    "  scan EVIDENCE... -o OUTDIR   walk disk images (raw, split raw .001, E01, VMDK, VHD)\n"
    "                               and directory trees; hash, measure, type and classify\n"
    "                               (encrypted / suspected / none) every file; write\n"
    "                               OUTDIR/case.db, manifest.csv, scan.log\n"
    "  report OUTDIR                rewrite the reports of OUTDIR from OUTDIR/case.db\n"
    "  verify OUTDIR                re-check every output against OUTDIR/SHA256SUMS\n"
    "  rules check FILE|DIR...      compile YARA scope rules, report errors as file:line,\n"
    "                               list each rule with its disposition; --profile\n"
    "                               SAMPLE (directory or file) times each rule on it\n"
    "\n"
    "Scan options:\n"
    "  -o, --output OUTDIR   new or empty directory for the case (never inside evidence)\n"
    "      --rules FILE|DIR  YARA scope rules (repeatable; directories: every .yar/.yara)\n"
    "      --case CASE.conf  case header, disposition policy, hash sets, rule paths\n"
    "      --yara-max BYTES  items up to this size are scanned whole by the rules\n"
    "                        (default 64 MiB; larger ones: the first 64 KiB, noted)\n"
    "      --yara-timeout S  seconds of rule scanning per item (default 60)\n"
    "      --max-item-size B read at most B bytes of one item (default: the size of its\n"
    "                        filesystem, so a damaged inode claiming terabytes cannot\n"
    "                        stall the scan; such items are listed with an error)\n"
    "      --hash LIST       digests besides SHA-256: md5, sha1 (e.g. --hash sha256,md5)\n"
    "  -j, --jobs N          threads for file typing and classification (default: the\n"
    "                        number of cores; results are identical for any N)\n"
    "  -q, --quiet           no progress line on stderr\n"
    "\n"
    "Exit status:\n"
    "  0  every item was read completely\n"
    "  1  the scan completed, but some items or volumes could not be read; each is\n"
    "     listed in manifest.csv (error column) and in scan.log\n"
    "  2  usage error, or a fatal one: evidence that could not be opened at all, an\n"
    "     output directory that is not new, a case database that cannot be written\n"
    "\n"
    "Evidence is opened read-only and never written.  See docs/ptriage.1 and\n"
    "docs/manifest.md for every column of the manifest.\n";

static char *join_args(int argc, char **argv)
{
    size_t n = 1;
    int i;
    char *s, *p;

    for (i = 0; i < argc; i++)
        n += strlen(argv[i]) * 4 + 3;
    if (!(s = malloc(n)))
        return NULL;
    p = s;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        int quote = a[0] == '\0' || strpbrk(a, " \t\n'\"\\$`*?") != NULL;
        if (i)
            *p++ = ' ';
        if (quote)
            *p++ = '\'';
        for (; *a; a++) {
            if (*a == '\'' && quote) {
                memcpy(p, "'\\''", 4);
                p += 4;
            } else {
                *p++ = *a;
            }
        }
        if (quote)
            *p++ = '\'';
    }
    *p = '\0';
    return s;
}

static int cmd_scan(int argc, char **argv, const char *cmdline)
{
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'o' },
        { "hash", required_argument, NULL, 'H' },
        { "quiet", no_argument, NULL, 'q' },
        { "jobs", required_argument, NULL, 'j' },
        { "rules", required_argument, NULL, 'r' },
        { "case", required_argument, NULL, 'c' },
        { "yara-max", required_argument, NULL, 'Y' },
        { "yara-timeout", required_argument, NULL, 'T' },
        { "max-item-size", required_argument, NULL, 'M' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    pt_scan_opts_t o;
    pt_err_t err = { 0, "" };
    pt_scan_counts_t n;
    pt_policy_t policy;
    char **rule_paths = calloc((size_t)argc + PT_POLICY_MAX_GLOBS, sizeof *rule_paths);
    const char *case_path = NULL;
    int c, code, n_rules = 0, i;

    memset(&o, 0, sizeof o);
    pt_policy_defaults(&policy);
    o.yara_max = (size_t)64 << 20;
    o.yara_timeout = 60;
    if (!rule_paths) {
        fputs("ptriage: out of memory\n", stderr);
        return 2;
    }
    o.hash_mask = PT_HASH_SHA256;
    o.jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
    o.command_line = cmdline;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qhj:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o.outdir = optarg; break;
        case 'j': {
            char *end;
            long j = strtol(optarg, &end, 10);
            if (*end || j < 1 || j > 256) {
                fprintf(stderr, "ptriage scan: --jobs takes a number from 1 to 256\n");
                code = 2;
                goto done;
            }
            o.jobs = (int)j;
            break;
        }
        case 'q': o.quiet = 1; break;
        case 'r': rule_paths[n_rules++] = optarg; break;
        case 'c': case_path = optarg; break;
        case 'Y': case 'T': case 'M': {
            char *end;
            long long v = strtoll(optarg, &end, 10);
            if (*end || v < 1) {
                fprintf(stderr, "ptriage scan: --%s takes a positive number\n",
                        c == 'Y' ? "yara-max" : c == 'T' ? "yara-timeout" : "max-item-size");
                code = 2;
                goto done;
            }
            if (c == 'Y')
                o.yara_max = (size_t)v;
            else if (c == 'T')
                o.yara_timeout = (int)v;
            else
                o.max_item_size = (uint64_t)v;
            break;
        }
        case 'H':
            if (pt_hash_parse_list(optarg, &o.hash_mask, &err) != PT_OK) {
                fprintf(stderr, "ptriage scan: %s\n", err.msg);
                code = 2;
                goto done;
            }
            break;
        case 'h': fputs(help_text, stdout); code = 0; goto done;
        default: fputs(usage_text, stderr); code = 2; goto done;
        }
    }
    o.evidence = argv + optind;
    o.n_evidence = argc - optind;
    if (!o.outdir || o.n_evidence < 1) {
        fprintf(stderr, "ptriage scan: %s\n%s", !o.outdir ? "missing -o OUTDIR" : "no evidence given",
                usage_text);
        code = 2;
        goto done;
    }
    /* the policy and the rules are checked before any evidence is read */
    if (case_path && pt_policy_load(&policy, case_path, &err) != PT_OK) {
        fprintf(stderr, "ptriage scan: %s\n", err.msg);
        code = 2;
        goto done;
    }
    for (i = 0; i < policy.n_rules; i++)
        rule_paths[n_rules++] = policy.rules[i];
    if (n_rules > 0) {
        char *diag = NULL;
        int rc = pt_rules_compile(rule_paths, n_rules, &o.rules, &diag, &err);
        if (diag && *diag)
            fputs(diag, stderr);
        free(diag);
        if (rc != PT_OK) {
            fprintf(stderr, "ptriage scan: %s; nothing was scanned\n", err.msg);
            code = 2;
            goto done;
        }
    }
    if (n_rules > 0 || case_path)
        o.policy = &policy;
    code = pt_scan_run(&o, &n, &err);
    if (code == 2) {
        fprintf(stderr, "ptriage scan: %s\n", err.msg[0] ? err.msg : "fatal error");
    } else if (!o.quiet) {
        fprintf(stderr, "ptriage: %llu items, %llu with errors, %llu notes; case in %s\n",
                (unsigned long long)n.items, (unsigned long long)n.item_errors,
                (unsigned long long)n.notes, o.outdir);
    }
done:
    pt_rules_free(o.rules);
    pt_policy_free(&policy);
    free(rule_paths);
    return code;
}

static int cmd_report(int argc, char **argv)
{
    char path[PATH_MAX];
    pt_err_t err = { 0, "" };
    pt_casedb_t *db;
    int rc;

    if (argc != 2) {
        fputs(usage_text, stderr);
        return 2;
    }
    snprintf(path, sizeof path, "%s/case.db", argv[1]);
    if (!(db = pt_casedb_open_ro(path, &err))) {
        fprintf(stderr, "ptriage report: %s\n", err.msg);
        return 2;
    }
    snprintf(path, sizeof path, "%s/manifest.csv", argv[1]);
    if (remove(path) != 0 && errno != ENOENT) {
        fprintf(stderr, "ptriage report: %s: %s\n", path, strerror(errno));
        pt_casedb_close(db, NULL);
        return 2;
    }
    rc = pt_report_csv_write(db, path, NULL, &err);
    if (rc == PT_OK) {
        snprintf(path, sizeof path, "%s/manifest.jsonl", argv[1]);
        if (remove(path) != 0 && errno != ENOENT)
            rc = pt_err_set(&err, PT_EIO, "%s: %s", path, strerror(errno));
        else
            rc = pt_report_jsonl_write(db, path, &err);
    }
    pt_casedb_close(db, NULL);
    if (rc == PT_OK)
        rc = pt_sums_write(argv[1], &err);
    if (rc != PT_OK) {
        fprintf(stderr, "ptriage report: %s\n", err.msg);
        return 2;
    }
    return 0;
}

static void print_problem(const char *name, const char *problem, void *arg)
{
    (void)arg;
    printf("FAILED  %s: %s\n", name, problem);
}

static int cmd_verify(int argc, char **argv)
{
    pt_err_t err = { 0, "" };
    int n;

    if (argc != 2) {
        fputs(usage_text, stderr);
        return 2;
    }
    n = pt_sums_verify(argv[1], print_problem, NULL, &err);
    if (n < 0) {
        fprintf(stderr, "ptriage verify: %s\n", err.msg);
        return 2;
    }
    if (n == 0)
        printf("OK  every file listed in %s/SHA256SUMS verifies\n", argv[1]);
    return n ? 1 : 0;
}

typedef struct rule_list {
    int n, without;
} rule_list_t;

static void print_rule(const char *rule, const char *ns, const char *disp, void *arg)
{
    rule_list_t *l = arg;
    int i, known = 0;

    l->n++;
    if (!disp[0])
        l->without++;
    for (i = 0; disp[0] && pt_dispositions[i]; i++)
        known |= strcmp(disp, pt_dispositions[i]) == 0;
    if (disp[0] && !known)
        fprintf(stderr, "warning: %s:%s: unknown disposition \"%s\" (relevant, private, system, needs-review): "
                "the rule will decide nothing\n", ns, rule, disp);
    printf("%-14s %s:%s\n", disp[0] ? disp : "(none)", ns, rule);
}

/* ---- rules check --profile ---------------------------------------------- */

#define PROFILE_MAX ((size_t)256 << 20) /* sample bytes held in memory */

typedef struct sample {
    uint8_t **bufs;
    size_t *lens, n, cap, total;
} sample_t;

static void sample_add_file(sample_t *s, const char *path)
{
    FILE *f;
    uint8_t *b;
    size_t want = PROFILE_MAX - s->total, got;

    if (want == 0 || !(f = fopen(path, "rb")))
        return;
    if (want > ((size_t)64 << 20))
        want = (size_t)64 << 20;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        uint8_t **nb = realloc(s->bufs, cap * sizeof *nb);
        size_t *nl = nb ? realloc(s->lens, cap * sizeof *nl) : NULL;
        if (nb)
            s->bufs = nb;
        if (!nl) {
            fclose(f);
            return;
        }
        s->lens = nl;
        s->cap = cap;
    }
    if ((b = malloc(want ? want : 1)) != NULL) {
        got = fread(b, 1, want, f);
        s->bufs[s->n] = b;
        s->lens[s->n++] = got;
        s->total += got;
    }
    fclose(f);
}

static void sample_add(sample_t *s, const char *path, int depth)
{
    struct stat st;
    DIR *d;
    struct dirent *de;

    if (lstat(path, &st) != 0 || depth > 64 || s->total >= PROFILE_MAX)
        return;
    if (S_ISREG(st.st_mode)) {
        sample_add_file(s, path);
        return;
    }
    if (!S_ISDIR(st.st_mode) || !(d = opendir(path)))
        return;
    while ((de = readdir(d)) != NULL) {
        char child[4096];
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (snprintf(child, sizeof child, "%s/%s", path, de->d_name) < (int)sizeof child)
            sample_add(s, child, depth + 1);
    }
    closedir(d);
}

typedef struct prof {
    char name[200];
    double sec;
} prof_t;

typedef struct prof_list {
    prof_t *p;
    size_t n, cap;
} prof_list_t;

static void prof_cb(const char *rule, const char *ns, double sec, void *arg)
{
    prof_list_t *l = arg;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        prof_t *np = realloc(l->p, cap * sizeof *np);
        if (!np)
            return;
        l->p = np;
        l->cap = cap;
    }
    snprintf(l->p[l->n].name, sizeof l->p[l->n].name, "%s:%s", ns, rule);
    l->p[l->n++].sec = sec;
}

static int cmp_prof(const void *a, const void *b)
{
    double x = ((const prof_t *)a)->sec, y = ((const prof_t *)b)->sec;
    return x < y ? 1 : x > y ? -1 : 0;
}

static int profile_rules(pt_rules_t *rules, const char *sample_path)
{
    sample_t s;
    prof_list_t l = { NULL, 0, 0 };
    pt_err_t err = { 0, "" };
    double base = 0, mb;
    size_t i;

    memset(&s, 0, sizeof s);
    sample_add(&s, sample_path, 0);
    if (s.n == 0) {
        fprintf(stderr, "ptriage rules check: --profile %s: nothing readable\n", sample_path);
        return 2;
    }
    mb = (double)s.total / 1048576.0;
    if (pt_rules_profile(rules, (const uint8_t *const *)s.bufs, s.lens, s.n, prof_cb, &l, &base, &err) != PT_OK) {
        fprintf(stderr, "ptriage rules check: %s\n", err.msg);
        return 2;
    }
    qsort(l.p, l.n, sizeof *l.p, cmp_prof);
    printf("profile over %.1f MiB in %zu files: baseline (string search, no rule enabled) %.3f s = %.0f MiB/s\n",
           mb, s.n, base, base > 0 ? mb / base : 0.0);
    printf("slowest rules (time added over the baseline, and the rate with that rule alone):\n");
    for (i = 0; i < l.n && i < 15; i++)
        printf("  %8.3f s  %8.0f MiB/s  %s\n", l.p[i].sec, mb / (base + l.p[i].sec), l.p[i].name);
    for (i = 0; i < s.n; i++)
        free(s.bufs[i]);
    free(s.bufs);
    free(s.lens);
    free(l.p);
    return 0;
}

static int cmd_rules(int argc, char **argv)
{
    pt_rules_t *rules = NULL;
    pt_err_t err = { 0, "" };
    char *diag = NULL;
    const char *profile = NULL;
    rule_list_t l = { 0, 0 };
    int rc;

    if (argc < 3 || strcmp(argv[1], "check") != 0) {
        fputs(usage_text, stderr);
        return 2;
    }
    if (argc >= 5 && strcmp(argv[2], "--profile") == 0) {
        profile = argv[3];
        argv += 2;
        argc -= 2;
    }
    rc = pt_rules_compile(argv + 2, argc - 2, &rules, &diag, &err);
    if (diag && *diag)
        fputs(diag, stderr);
    free(diag);
    if (rc != PT_OK) {
        fprintf(stderr, "ptriage rules check: %s\n", err.msg);
        return 2;
    }
    pt_rules_foreach(rules, print_rule, &l);
    printf("%d rule%s, %d without a disposition (they can only add to the rules column)\n", l.n,
           l.n == 1 ? "" : "s", l.without);
    if (l.without)
        fprintf(stderr, "warning: %d rule%s without a disposition (meta disposition = \"...\" or a tag)\n",
                l.without, l.without == 1 ? "" : "s");
    fputs(pt_rules_files(rules), stdout);
    rc = profile ? profile_rules(rules, profile) : 0;
    pt_rules_free(rules);
    return rc;
}

int main(int argc, char **argv)
{
    char *cmdline;
    int code;

    if (argc < 2) {
        fputs(usage_text, stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(help_text, stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("ptriage %s (%s)\n", PT_VERSION, PT_BUILD_ID);
        return 0;
    }
    if (!(cmdline = join_args(argc, argv))) {
        fputs("ptriage: out of memory\n", stderr);
        return 2;
    }
    if (strcmp(argv[1], "scan") == 0)
        code = cmd_scan(argc - 1, argv + 1, cmdline);
    else if (strcmp(argv[1], "report") == 0)
        code = cmd_report(argc - 1, argv + 1);
    else if (strcmp(argv[1], "rules") == 0)
        code = cmd_rules(argc - 1, argv + 1);
    else if (strcmp(argv[1], "verify") == 0)
        code = cmd_verify(argc - 1, argv + 1);
    else {
        fprintf(stderr, "ptriage: unknown command '%s'\n%s", argv[1], usage_text);
        code = 2;
    }
    free(cmdline);
    return code;
}
