/* main.c - command line: parses arguments, runs a command, prints messages
 * and maps results to exit codes (0 ok, 1 item-level errors, 2 usage or
 * fatal).  The only file that prints to the terminal. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "casedb.h"
#include "decide.h"
#include "err.h"
#include "hash.h"
#include "merge.h"
#include "report.h"
#include "resume.h"
#include "scan.h"
#include "export.h"
#include "scope.h"
#include "sign.h"
#include "sums.h"
#include "validate.h"
#include "verify.h"
#include "version.h"

static const char usage_text[] =
    "usage: ptriage scan EVIDENCE... -o OUTDIR [--rules FILE|DIR]... [--case CASE.conf]\n"
    "                    [--hash sha256,md5,sha1] [--jobs N] [--quiet]\n"
    "                    [--sign KEY.pem]\n"
    "       ptriage scan --resume OUTDIR\n"
    "       ptriage merge OUTDIR... -o OUTDIR [--sign KEY.pem]\n"
    "       ptriage report OUTDIR [--sign KEY.pem]\n"
    "       ptriage export OUTDIR --to DIR [--include ID,...] [--format dir|tar|zip]\n"
    "                      [--case CASE.conf]\n"
    "       ptriage verify OUTDIR [--key PUB.pem] [--export DIR] [--evidence [--case CASE.conf]]\n"
    "       ptriage rules check [--profile SAMPLE] FILE|DIR...\n"
    "       ptriage validate -o DIR\n"
    "       ptriage --help | --version\n";

static const char help_text[] =
    "ptriage - forensic privacy triage of seized evidence\n"
    "\n"
    "Commands:\n"
    "  scan EVIDENCE... -o OUTDIR   walk disk images (raw, split raw .001, E01, AFF, AFF4,\n"
    "                               VHD, VHDX, VDI, Parallels .hds, DMG and .sparseimage,\n"
    "                               Android sparse, qcow2 and VMDK with their backing\n"
    "                               files, checkpoints and snapshots) and directory\n"
    "                               trees, and inside them LVM2 volume groups (thin pools\n"
    "                               too), LUKS, BitLocker, VeraCrypt and TrueCrypt volumes\n"
    "                               (with a key from CASE.conf), APFS containers and\n"
    "                               FileVault volumes, md RAID (arrays assembled from\n"
    "                               their members), XFS, Btrfs, SquashFS, EROFS, F2FS,\n"
    "                               Windows compressed (WOF) files, archives, and VM\n"
    "                               disks, E01 sets, sparse bundles and Parallels .hdd\n"
    "                               directories found as files (raw, qcow2, VMDK, VHD,\n"
    "                               VHDX, VDI, Parallels, DMG, Apple and Android sparse);\n"
    "                               hash, measure, type and classify (encrypted /\n"
    "                               suspected / none) every\n"
    "                               file; write OUTDIR/case.db, manifest.csv, manifest.jsonl,\n"
    "                               court-manifest.csv, manifest.dfxml, report.html,\n"
    "                               scan.log, pseudonym.key, SHA256SUMS\n"
    "  scan --resume OUTDIR         finish a scan that was interrupted (killed, power\n"
    "                               cut): its own arguments again, copying every item\n"
    "                               it had committed (every 2 s) instead of reading it;\n"
    "                               the case equals an uninterrupted run's\n"
    "  merge OUT1 OUT2... -o OUT    combine finished cases (one image per machine) into\n"
    "                               one, as one scan of all their evidence in that order\n"
    "                               would be: same item ids, labels, reports\n"
    "  report OUTDIR                rewrite every report of OUTDIR from OUTDIR/case.db\n"
    "                               (byte-identical for the same database)\n"
    "  export OUTDIR --to DIR       copy out the relevant items (and --include ID,...\n"
    "                               needs-review ones), read again from the evidence and\n"
    "                               re-hashed; a mismatch is refused; DIR/receipt.csv,\n"
    "                               receipt.html, receipt.jsonl; --format tar|zip writes\n"
    "                               DIR/export.tar or DIR/export.zip instead of files/;\n"
    "                               --case CASE.conf gives the keys of LUKS volumes\n"
    "  verify OUTDIR                re-check SHA256SUMS, the signature (SHA256SUMS.sig;\n"
    "                               --key PUB.pem to name the expected signer), and every\n"
    "                               report against case.db; --export DIR checks an\n"
    "                               export against its receipt; --evidence re-reads the\n"
    "                               evidence and re-hashes every item (--case CASE.conf:\n"
    "                               the keys of LUKS volumes)\n"
    "  validate -o DIR              known-answer checks: files of known content in a\n"
    "                               directory and an ext4 image, scanned and compared\n"
    "                               with their SHA-256, sha256sum and fls; writes\n"
    "                               DIR/validation.txt to file with a report\n"
    "  rules check FILE|DIR...      compile YARA scope rules, report errors as file:line,\n"
    "                               list each rule with its disposition; --profile\n"
    "                               SAMPLE (directory or file) times each rule on it\n"
    "\n"
    "Scan options:\n"
    "  -o, --output OUTDIR   new or empty directory for the case (never inside evidence)\n"
    "      --rules FILE|DIR  YARA scope rules (repeatable; directories: every .yar/.yara)\n"
    "      --case CASE.conf  case header, disposition policy, hash sets, rule paths,\n"
    "                        [keys] for LUKS, BitLocker and VeraCrypt volumes\n"
    "                        (passphrase =, key_file =, veracrypt_cascades = yes,\n"
    "                        veracrypt_pim = N, veracrypt_keyfile = PATH;\n"
    "                        a BitLocker recovery password is a passphrase)\n"
    "      --yara-max BYTES  items up to this size are scanned whole by the rules\n"
    "                        (default 64 MiB; larger ones: the first 64 KiB, noted)\n"
    "      --yara-timeout S  seconds of rule scanning per item (default 60)\n"
    "      --max-item-size B read at most B bytes of one item (default: the size of its\n"
    "                        filesystem, so a damaged inode claiming terabytes cannot\n"
    "                        stall the scan; for a virtual disk's volume with no\n"
    "                        filesystem, 1024 times its file, at least 1 GiB; such\n"
    "                        items are listed with an error)\n"
    "      --max-depth N     directory levels walked (default 4096): deeper ones, a loop\n"
    "                        through damaged metadata, are listed as an error; this also\n"
    "                        bounds path length (N x 255 bytes per name at most)\n"
    "      --archive-depth N archive nesting expanded into member items (default 4;\n"
    "                        0: archives are listed, not expanded)\n"
    "      --archive-max-bytes B, --archive-max-ratio R, --archive-max-members N\n"
    "                        stop expanding one archive (all its levels) past B bytes\n"
    "                        (default 64 GiB), R expanded bytes per archive byte\n"
    "                        (default 1000), or N members (default 1000000);\n"
    "                        reported on the archive (0: no limit)\n"
    "      --hash-only       hashes and byte statistics only, as fast as the disks allow:\n"
    "                        no type, encryption verdict, archives, nested images or\n"
    "                        rules (hash sets and the policy of --case still decide)\n"
    "      --no-nested-images  do not walk disk images found as files or archive members\n"
    "                        (raw disks of virtual machines: by default their partitions\n"
    "                        and filesystems are walked, paths FILE!p1/...)\n"
    "      --shadow-copies changed|all|none\n"
    "                        NTFS Volume Shadow Copies: each snapshot is walked as a\n"
    "                        volume LABEL!vss:N listing each older version of a file\n"
    "                        once, in the newest snapshot that holds it (changed, the\n"
    "                        default), every file it holds (all), or none (a note)\n"
    "      --max-memory B    bytes the scan may allocate (default: half the machine's\n"
    "                        memory; 0: no limit): damaged metadata that makes a library\n"
    "                        allocate what it claims fails on that item, with an error,\n"
    "                        instead of exhausting the machine\n"
    "      --free-space-sample N  free blocks of each filesystem read to profile its free\n"
    "                        space (zero, text, random-looking, ...; default 16384,\n"
    "                        spread evenly; 0: none; a large N reads all of it)\n"
    "      --hash LIST       digests besides SHA-256: md5, sha1 (e.g. --hash sha256,md5)\n"
    "      --image-hash      also hash each whole image (MD5, SHA-256; a second read of\n"
    "                        it) and compare with the MD5 an E01 stores; the stored\n"
    "                        acquisition hashes are always recorded\n"
    "      --timezone ZONE   time zone of FAT/exFAT times, which are local time on disk:\n"
    "                        UTC (default), an offset (+02:00) or a tz name\n"
    "                        (Europe/Berlin); stated in the report\n"
    "      --sign KEY.pem    sign SHA256SUMS with this PEM private key (RSA, EC, Ed25519):\n"
    "                        SHA256SUMS.sig and SHA256SUMS.pub\n"
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

/* FAT and exFAT store local time; libtsk converts it with the process's time
 * zone, so the zone is set here, explicitly (UTC unless --timezone), never
 * inherited from the examiner's machine. */
static int set_timezone(const char *zone)
{
    char tz[64], path[PATH_MAX];
    int h, m = 0;
    char sign;

    if (strcmp(zone, "UTC") == 0) {
        snprintf(tz, sizeof tz, "UTC0");
    } else if ((sscanf(zone, "%c%2d:%2d", &sign, &h, &m) >= 2) && (sign == '+' || sign == '-') && h <= 14 &&
               m < 60) {
        /* POSIX TZ offsets are west-positive: +02:00 is "UTC-02:00" */
        snprintf(tz, sizeof tz, "UTC%c%02d:%02d", sign == '+' ? '-' : '+', h, m);
    } else {
        snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", zone);
        if (strstr(zone, "..") || access(path, R_OK) != 0)
            return -1;
        snprintf(tz, sizeof tz, ":%s", zone);
    }
    if (setenv("TZ", tz, 1) != 0)
        return -1;
    tzset();
    return 0;
}

static char *args_json(int argc, char **argv)
{
    json_t *a = json_array();
    char *s = NULL;
    int i;

    for (i = 0; a && i < argc; i++)
        if (json_array_append_new(a, json_string(argv[i])) != 0)
            break;
    if (a && i == argc)
        s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s;
}

/* Half the machine's memory: what the scan may allocate (--max-memory). */
static uint64_t default_memory_limit(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

    return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size / 2 : 0;
}

/* Damaged metadata can make a library allocate what it claims: an ext4
 * inode with inline data and a size field of gigabytes makes libtsk
 * allocate (and zero) that much, twice, before a byte is read.  Capped,
 * such an allocation fails inside the library, which reports an error on
 * that item, instead of the kernel's OOM killer ending the scan.  Not
 * under the sanitizers, whose shadow memory counts against the limit. */
static void limit_memory(uint64_t bytes)
{
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    struct rlimit r;

    if (bytes == 0 || getrlimit(RLIMIT_DATA, &r) != 0 || (r.rlim_cur != RLIM_INFINITY && r.rlim_cur <= bytes))
        return; /* a lower limit set by the examiner stays */
    r.rlim_cur = (rlim_t)bytes;
    setrlimit(RLIMIT_DATA, &r);
#else
    (void)bytes;
#endif
}

/* resume_from/resume_out: the interrupted case's moved database and its
 * directory (which wins over the recorded -o: a case may have been moved) */
static int cmd_scan(int argc, char **argv, const char *cmdline, const char *resume_from, const char *resume_out)
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
        { "sign", required_argument, NULL, 'S' },
        { "image-hash", no_argument, NULL, 'I' },
        { "timezone", required_argument, NULL, 'Z' },
        { "archive-depth", required_argument, NULL, 'D' },
        { "max-depth", required_argument, NULL, 'L' },
        { "archive-max-bytes", required_argument, NULL, 'B' },
        { "archive-max-ratio", required_argument, NULL, 'R' },
        { "archive-max-members", required_argument, NULL, 'N' },
        { "free-space-sample", required_argument, NULL, 'F' },
        { "no-nested-images", no_argument, NULL, 'X' },
        { "hash-only", no_argument, NULL, 'O' },
        { "max-memory", required_argument, NULL, 'W' },
        { "shadow-copies", required_argument, NULL, 'V' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    pt_scan_opts_t o;
    pt_err_t err = { 0, "" };
    pt_scan_counts_t n;
    pt_policy_t policy;
    char **rule_paths = calloc((size_t)argc + PT_POLICY_MAX_GLOBS, sizeof *rule_paths);
    const char *case_path = NULL, *sign_key = NULL;
    int c, code, n_rules = 0, i;
    uint64_t max_memory = default_memory_limit();

    pt_scan_opts_defaults(&o);
    pt_policy_defaults(&policy);
    if (!rule_paths) {
        fputs("ptriage: out of memory\n", stderr);
        return 2;
    }
    o.jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
    o.command_line = cmdline;
    o.resume_from = resume_from;
    if (!(o.argv_json = args_json(argc, argv))) {
        fputs("ptriage: out of memory\n", stderr);
        free(rule_paths);
        return 2;
    }
    set_timezone("UTC");
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
        case 'S': sign_key = optarg; break;
        case 'I': o.image_hash = 1; break;
        case 'X': o.no_nested_images = 1; break;
        case 'O': o.hash_only = 1; break;
        case 'V':
            if (strcmp(optarg, "changed") == 0)
                o.shadow_copies = PT_SHADOW_CHANGED;
            else if (strcmp(optarg, "all") == 0)
                o.shadow_copies = PT_SHADOW_ALL;
            else if (strcmp(optarg, "none") == 0)
                o.shadow_copies = PT_SHADOW_NONE;
            else {
                fprintf(stderr, "ptriage scan: --shadow-copies %s: changed, all or none\n", optarg);
                code = 2;
                goto done;
            }
            break;
        case 'W': {
            char *end;
            long long v = strtoll(optarg, &end, 10);
            if (*end || v < 0 || (v > 0 && v < (256LL << 20))) {
                fprintf(stderr, "ptriage scan: --max-memory takes a number of bytes, at least 268435456 (256 "
                        "MiB), or 0 for no limit\n");
                code = 2;
                goto done;
            }
            max_memory = (uint64_t)v;
            break;
        }
        case 'Z':
            if (set_timezone(optarg) != 0) {
                fprintf(stderr, "ptriage scan: --timezone %s: not UTC, an offset like +02:00, or a zone of "
                        "/usr/share/zoneinfo\n", optarg);
                code = 2;
                goto done;
            }
            o.timezone = optarg;
            break;
        case 'Y': case 'T': case 'M': case 'L': case 'D': case 'B': case 'R': case 'N': case 'F': {
            static const char *const names[] = { "yara-max", "yara-timeout", "max-item-size", "max-depth",
                                                 "archive-depth", "archive-max-bytes", "archive-max-ratio",
                                                 "archive-max-members", "free-space-sample" };
            int k = (int)(strchr("YTMLDBRNF", c) - "YTMLDBRNF");
            char *end;
            long long v = strtoll(optarg, &end, 10);
            /* the archive limits take 0 (no expansion / no limit) */
            if (*end || v < (k >= 4 ? 0 : 1) || (c == 'D' && v > 64) || (c == 'L' && v > 1000000)) {
                fprintf(stderr, "ptriage scan: --%s takes a %s number%s\n", names[k], k >= 4 ? "non-negative" : "positive",
                        c == 'D' ? " up to 64" : c == 'L' ? " up to 1000000" : "");
                code = 2;
                goto done;
            }
            switch (c) {
            case 'Y': o.yara_max = (size_t)v; break;
            case 'T': o.yara_timeout = (int)v; break;
            case 'M': o.max_item_size = (uint64_t)v; break;
            case 'D': o.archive_depth = (int)v; break;
            case 'L': o.max_depth = (int)v; break;
            case 'B': o.archive_max_bytes = (uint64_t)v; break;
            case 'R': o.archive_max_ratio = (uint64_t)v; break;
            case 'N': o.archive_max_members = (uint64_t)v; break;
            default: o.free_sample = (uint64_t)v; break;
            }
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
    if (resume_out)
        o.outdir = resume_out;
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
    if (o.hash_only && n_rules > 0) {
        fprintf(stderr, "ptriage scan: --hash-only reads no rules (scope rules need the content typed); "
                "drop --rules (or the case file's rules), or --hash-only; nothing was scanned\n");
        code = 2;
        goto done;
    }
    if (o.hash_only) { /* nothing is typed, so nothing is opened as an archive or a disk */
        o.archive_depth = 0;
        o.no_nested_images = 1;
    }
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
    if (sign_key && access(sign_key, R_OK) != 0) {
        fprintf(stderr, "ptriage scan: --sign %s: %s; nothing was scanned\n", sign_key, strerror(errno));
        code = 2;
        goto done;
    }
    limit_memory(max_memory);
    code = pt_scan_run(&o, &n, &err);
    if (code != 2 && sign_key && pt_sign_write(o.outdir, sign_key, &err) != PT_OK)
        code = 2;
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
    free((char *)o.argv_json);
    return code;
}

static int cmd_report(int argc, char **argv)
{
    pt_err_t err = { 0, "" };
    const char *key = NULL;

    if (argc == 4 && strcmp(argv[2], "--sign") == 0)
        key = argv[3];
    else if (argc != 2) {
        fputs(usage_text, stderr);
        return 2;
    }
    if (pt_report_case(argv[1], NULL, &err) != PT_OK || (key && pt_sign_write(argv[1], key, &err) != PT_OK)) {
        fprintf(stderr, "ptriage report: %s\n", err.msg);
        return 2;
    }
    return 0;
}

static int cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "to", required_argument, NULL, 't' },
        { "include", required_argument, NULL, 'i' },
        { "format", required_argument, NULL, 'f' },
        { "case", required_argument, NULL, 'c' },
        { NULL, 0, NULL, 0 },
    };
    pt_export_opts_t o;
    pt_policy_t policy;
    const char *case_path = NULL;
    pt_export_counts_t n;
    pt_err_t err = { 0, "" };
    int64_t *ids = NULL;
    size_t cap = 0;
    int c, rc;

    memset(&o, 0, sizeof o);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 't') {
            o.to = optarg;
        } else if (c == 'c') {
            case_path = optarg;
        } else if (c == 'f') {
            o.format = optarg;
        } else if (c == 'i') {
            char *p = optarg, *end;
            while (*p) {
                long long v = strtoll(p, &end, 10);
                if (end == p || v < 1 || (*end && *end != ',')) {
                    fprintf(stderr, "ptriage export: --include takes item ids: 12,40,41\n");
                    free(ids);
                    return 2;
                }
                if (o.n_ids == cap) {
                    int64_t *ni = realloc(ids, (cap = cap ? cap * 2 : 16) * sizeof *ids);
                    if (!ni) {
                        free(ids);
                        return 2;
                    }
                    ids = ni;
                }
                ids[o.n_ids++] = v;
                p = *end ? end + 1 : end;
            }
        } else {
            fputs(usage_text, stderr);
            free(ids);
            return 2;
        }
    }
    if (optind != argc - 1 || !o.to) {
        fprintf(stderr, "ptriage export: needs OUTDIR and --to DIR\n%s", usage_text);
        free(ids);
        return 2;
    }
    o.ids = ids;
    o.outdir = argv[optind];
    pt_policy_defaults(&policy);
    if (case_path && pt_policy_load(&policy, case_path, &err) != PT_OK) {
        fprintf(stderr, "ptriage export: %s\n", err.msg);
        pt_policy_free(&policy);
        free(ids);
        return 2;
    }
    o.keys = policy.keys;
    o.n_keys = policy.n_keys;
    rc = pt_export_run(&o, &n, &err);
    pt_policy_free(&policy);
    free(ids);
    if (rc != PT_OK) {
        fprintf(stderr, "ptriage export: %s\n", err.msg);
        return 2;
    }
    printf("exported %llu items (%llu bytes), refused %llu, not copied %llu (directories, links); "
           "receipt in %s/receipt.csv\n", (unsigned long long)n.exported, (unsigned long long)n.bytes,
           (unsigned long long)n.refused, (unsigned long long)n.not_copied, o.to);
    if (n.refused)
        fprintf(stderr, "ptriage export: %llu item(s) refused; the receipt says why\n",
                (unsigned long long)n.refused);
    return n.refused ? 1 : 0;
}

static void print_problem(const char *name, const char *problem, void *arg)
{
    (void)arg;
    printf("FAILED  %s: %s\n", name, problem);
}

static int cmd_verify(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "key", required_argument, NULL, 'k' },
        { "export", required_argument, NULL, 'x' },
        { "evidence", no_argument, NULL, 'e' },
        { "case", required_argument, NULL, 'c' },
        { NULL, 0, NULL, 0 },
    };
    pt_err_t err = { 0, "" };
    pt_policy_t policy;
    const char *key = NULL, *export_dir = NULL, *outdir, *case_path = NULL;
    int c, n, evidence = 0, failed = 0, fatal = 0, rc;
    uint64_t checked = 0;
    char fpr[65];

    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'k': key = optarg; break;
        case 'x': export_dir = optarg; break;
        case 'e': evidence = 1; break;
        case 'c': case_path = optarg; break;
        default: fputs(usage_text, stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        fputs(usage_text, stderr);
        return 2;
    }
    outdir = argv[optind];
    /* 1. every output against SHA256SUMS */
    n = pt_sums_verify(outdir, print_problem, NULL, &err);
    if (n < 0) {
        fprintf(stderr, "ptriage verify: %s\n", err.msg);
        return 2;
    }
    printf("%s  SHA256SUMS: %s\n", n ? "FAIL" : "PASS", n ? "see above" : "every output listed verifies");
    failed += n != 0;
    /* 2. the signature */
    rc = pt_sign_verify(outdir, key, fpr, &err);
    if (rc == PT_OK)
        printf("PASS  signature: SHA256SUMS.sig verifies with %s (SHA-256 of the key: %s)\n",
               key ? key : "SHA256SUMS.pub, the key in the case; compare its fingerprint", fpr);
    else if (rc == PT_ENOENT && !key)
        printf("NOTE  signature: the case is not signed\n");
    else
        printf("FAIL  signature: %s\n", err.msg), failed++;
    /* 3. the reports against the database */
    n = pt_verify_reports(outdir, print_problem, NULL, &checked, &err);
    if (n < 0)
        printf("FAIL  reports: %s\n", err.msg), fatal = 1;
    else
        printf("%s  reports: %llu of them are exactly what case.db gives\n", n ? "FAIL" : "PASS",
               (unsigned long long)checked);
    failed += n != 0;
    /* 4. an export against its receipt and the case */
    if (export_dir) {
        n = pt_export_verify(outdir, export_dir, print_problem, NULL, &checked, &err);
        if (n < 0)
            printf("FAIL  export: %s\n", err.msg), fatal = 1;
        else
            printf("%s  export %s: the receipt and %llu exported items verify\n", n ? "FAIL" : "PASS", export_dir,
                   (unsigned long long)checked);
        failed += n != 0;
    }
    /* 5. the evidence itself */
    if (evidence) {
        pt_policy_defaults(&policy);
        if (case_path && pt_policy_load(&policy, case_path, &err) != PT_OK)
            n = -1;
        else
            n = pt_verify_evidence(outdir, policy.keys, policy.n_keys, print_problem, NULL, &checked, &err);
        pt_policy_free(&policy);
        if (n < 0)
            printf("FAIL  evidence: %s\n", err.msg), fatal = 1;
        else
            printf("%s  evidence: %llu items (and images hashed at the scan) re-read and re-hashed\n",
                   n ? "FAIL" : "PASS",
                   (unsigned long long)checked);
        failed += n != 0;
    }
    if (failed || fatal)
        printf("FAILED: %d check%s failed\n", failed + fatal, failed + fatal == 1 ? "" : "s");
    else
        printf("OK  every check passed\n");
    return fatal ? 2 : failed ? 1 : 0;
}

static int cmd_validate(int argc, char **argv)
{
    pt_err_t err = { 0, "" };
    int n;

    if (argc != 3 || strcmp(argv[1], "-o") != 0) {
        fputs(usage_text, stderr);
        return 2;
    }
    set_timezone("UTC");
    n = pt_validate_run(argv[2], &err);
    if (n < 0) {
        fprintf(stderr, "ptriage validate: %s\n", err.msg);
        return 2;
    }
    printf("%s: %d check%s failed; record in %s/validation.txt\n", n ? "NOT VALIDATED" : "VALIDATED", n,
           n == 1 ? "" : "s", argv[2]);
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
    if (l.n)
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

static int cmd_merge(int argc, char **argv, const char *cmdline)
{
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'o' },
        { "sign", required_argument, NULL, 'S' },
        { NULL, 0, NULL, 0 },
    };
    const char *out = NULL, *sign_key = NULL;
    pt_err_t err = { 0, "" };
    int c, code;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
        if (c == 'o')
            out = optarg;
        else if (c == 'S')
            sign_key = optarg;
        else {
            fputs(usage_text, stderr);
            return 2;
        }
    }
    if (!out || optind >= argc) {
        fprintf(stderr, "ptriage merge: needs the cases to merge and -o OUTDIR\n%s", usage_text);
        return 2;
    }
    code = pt_merge_run((const char *const *)argv + optind, argc - optind, out, cmdline, &err);
    if (code != 2 && sign_key && pt_sign_write(out, sign_key, &err) != PT_OK)
        code = 2;
    if (code == 2)
        fprintf(stderr, "ptriage merge: %s\n", err.msg);
    else
        printf("merged %d cases into %s\n", argc - optind, out);
    return code;
}

/* ptriage scan --resume OUTDIR: the interrupted scan again, with its own
 * arguments from its own working directory, copying what it finished. */
static int cmd_resume(int argc, char **argv)
{
    char cwd[PATH_MAX], old[PATH_MAX], out[PATH_MAX], **args = NULL, *cmdline;
    pt_err_t err = { 0, "" };
    int nargs = 0, code;

    if (argc != 3) {
        fprintf(stderr, "ptriage scan --resume: needs the output directory of the interrupted scan, only\n");
        return 2;
    }
    if (!realpath(argv[2], out)) {
        fprintf(stderr, "ptriage scan --resume: %s: no case database to resume (%s)\n", argv[2], strerror(errno));
        return 2;
    }
    if (pt_resume_prepare(out, &nargs, &args, cwd, sizeof cwd, old, sizeof old, &err) != PT_OK) {
        fprintf(stderr, "ptriage scan --resume: %s\n", err.msg);
        return 2;
    }
    if (chdir(cwd) != 0) {
        fprintf(stderr, "ptriage scan --resume: the scan ran in %s: %s\n", cwd, strerror(errno));
        pt_resume_args_free(nargs, args);
        return 2;
    }
    if (!(cmdline = join_args(nargs, args))) {
        pt_resume_args_free(nargs, args);
        return 2;
    }
    code = cmd_scan(nargs, args, cmdline, old, out);
    free(cmdline);
    pt_resume_args_free(nargs, args);
    return code;
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
    for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { /* `ptriage export --help` */
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
    if (strcmp(argv[1], "scan") == 0 && argc >= 3 && strcmp(argv[2], "--resume") == 0)
        code = cmd_resume(argc - 1, argv + 1);
    else if (strcmp(argv[1], "scan") == 0)
        code = cmd_scan(argc - 1, argv + 1, cmdline, NULL, NULL);
    else if (strcmp(argv[1], "merge") == 0)
        code = cmd_merge(argc - 1, argv + 1, cmdline);
    else if (strcmp(argv[1], "report") == 0)
        code = cmd_report(argc - 1, argv + 1);
    else if (strcmp(argv[1], "rules") == 0)
        code = cmd_rules(argc - 1, argv + 1);
    else if (strcmp(argv[1], "verify") == 0)
        code = cmd_verify(argc - 1, argv + 1);
    else if (strcmp(argv[1], "export") == 0)
        code = cmd_export(argc - 1, argv + 1);
    else if (strcmp(argv[1], "validate") == 0)
        code = cmd_validate(argc - 1, argv + 1);
    else {
        fprintf(stderr, "ptriage: unknown command '%s'\n%s", argv[1], usage_text);
        code = 2;
    }
    free(cmdline);
    return code;
}
