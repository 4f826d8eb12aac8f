/* scan.c - the `ptriage scan` driver: checks the output directory, opens the
 * case database, walks every evidence item, writes manifest.csv, and decides
 * the exit code.  Owns the scan context; the only writer of OUTDIR. */
#include "scan.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <tsk/libtsk.h>
#include <unistd.h>

#include "archive_walk.h"
#include "chain.h"
#include "coverage.h"
#include "bundle.h"
#include "phdbundle.h"
#include "ewf.h"
#include "dmgmap.h"
#include "walk.h"
#include "crypto.h"
#include "dirwalk.h"
#include "filetype.h"
#include "osinfo.h"
#include "pseudo.h"
#include "report.h"
#include "resume.h"
#include "tcrypt.h"
#include "source.h"
#include "text.h"
#include "version.h"
#include "file.h"
#include "layer.h"
#include "mbox.h"
#include "volume.h"

/* ---- progress --------------------------------------------------------- */

static double secs_between(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void progress(pt_scan_t *s, int final)
{
    struct timespec now;
    double el, rate;
    char eta[32] = "";

    if (s->opts->quiet)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    /* a terminal gets a live line; a log gets a line every 10 s */
    if (!final && secs_between(&s->last_progress, &now) < (s->tty ? 0.5 : 10.0))
        return;
    s->last_progress = now;
    el = secs_between(&s->started, &now);
    rate = el > 0 ? (double)s->n.bytes_read / el : 0;
    if (rate > 0 && s->total_bytes > s->n.bytes_read && !final) {
        uint64_t left = (uint64_t)((double)(s->total_bytes - s->n.bytes_read) / rate);
        snprintf(eta, sizeof eta, "  ETA %" PRIu64 ":%02" PRIu64 ":%02" PRIu64, left / 3600,
                 left / 60 % 60, left % 60);
    }
    fprintf(stderr, "%s%" PRIu64 " items, %.1f MiB read, %.1f MiB/s, %" PRIu64 " errors%s%s",
            s->tty ? "\r\033[K" : "", s->n.items, (double)s->n.bytes_read / 1048576.0,
            rate / 1048576.0, s->n.item_errors, eta, (s->tty && !final) ? "" : "\n");
}

/* ---- recording -------------------------------------------------------- */

/* Writes one finished item (and its rule matches) to the case database and
 * the log. */
static int record(pt_scan_t *s, const pt_item_t *it, const pt_scope_result_t *m, pt_err_t *err)
{
    int64_t rowid = it->id;
    size_t i;
    int rc;

    if (it->resumed) {
        if ((rc = pt_casedb_batch(s->db, err)) != PT_OK || (rc = pt_resume_copy(s->resume, it->id, err)) != PT_OK)
            return rc;
        m = NULL;
    } else if ((rc = pt_casedb_add_item(s->db, it, &rowid, err)) != PT_OK) {
        return rc;
    }
    for (i = 0; m && i < m->n; i++)
        if ((rc = pt_casedb_add_match(s->db, rowid, &m->m[i], err)) != PT_OK)
            return rc;
    s->n.items++;
    s->n.bytes_read += it->bytes_read;
    if (it->error[0]) {
        int is_err = strcmp(it->error_severity, "error") == 0;
        if (is_err)
            s->n.item_errors++;
        else
            s->n.notes++;
        if (s->log) {
            fprintf(s->log, "%s item %" PRId64 " %s: ", is_err ? "ERROR" : "note", rowid,
                    it->evidence_label ? it->evidence_label : "");
            pt_text_put_line_escaped(s->log, it->path);
            fprintf(s->log, ": %s\n", it->error);
        }
    }
    progress(s, 0);
    return PT_OK;
}

/* Records finished items in order; with wait, every queued item. */
static int collect(pt_scan_t *s, int wait, pt_err_t *err)
{
    const pt_item_t *done;
    const pt_scope_result_t *m = NULL;
    int rc;

    while ((done = pt_typer_next(s->typer, wait, &m)) != NULL)
        if ((rc = record(s, done, m, err)) != PT_OK)
            return rc;
    return PT_OK;
}

/* Driver for items too large to keep: externals from the head (type by
 * libmagic, format by structure; the full verdict comes later from the
 * typer), then the rules pull the bytes block by block. */
static void stream_driver(void *arg, pt_item_t *it, const uint8_t *head, size_t head_len, pt_pull_fn pull,
                          void *pull_ctx)
{
    pt_scan_t *s = arg;
    pt_item_t probe = *it;
    pt_err_t ferr = { 0, "" };
    pt_crypto_view_t v = { head, head_len, NULL, 0, it->size };
    pt_crypto_match_t m;
    pt_scope_vars_t vars = { s->evidence_label, s->volume_label ? s->volume_label : "", it->owner,
                             pt_mbox_looks_like(head, head_len) ? "mailbox" : NULL };

    if (pt_filetype_identify(s->ft_main, head, head_len, probe.mime, sizeof probe.mime, &ferr) == PT_OK)
        probe.category = pt_filetype_category(probe.mime);
    probe.encryption = "";
    if (pt_crypto_detect(&v, &m)) {
        probe.encryption = m.encrypted ? "encrypted" : "none";
        probe.encryption_format = m.encrypted ? m.format : NULL;
    }
    probe.has_entropy = 0;
    pt_scope_scan_stream(s->scope_main, &probe, &vars, pull, pull_ctx, &s->pre);
    s->pre_ready = 1;
    pt_item_add_error(it, "note", "scope rules streamed in %u MiB blocks (larger than --yara-max); mime, "
                      "category and encryption as rules saw them come from the first %zu bytes",
                      PT_SCOPE_BLOCK >> 20, head_len);
}

void pt_scan_opts_defaults(pt_scan_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->hash_mask = PT_HASH_SHA256;
    o->jobs = 1;
    o->yara_max = (size_t)64 << 20;
    o->yara_timeout = 60;
    o->archive_depth = 4;
    o->max_depth = 4096;
    o->archive_max_bytes = (uint64_t)64 << 30;
    o->archive_max_ratio = 1000;
    o->archive_max_members = 1000000;
    o->free_sample = 16384;
}

/* Items up to this size are hashed by the typer workers (their contents
 * count against INFLIGHT_MAX while queued); larger ones by the walker,
 * whose hasher splits MD5 off to a helper thread. */
#define DEFER_MAX ((size_t)16 << 20)

int pt_scan_read(pt_scan_t *s, pt_item_t *it, pt_read_fn fn, void *src, pt_err_t *err)
{
    uint64_t damaged;
    char last[160];
    int rc;

    s->pre_ready = 0;
    s->cur_fn = fn;
    s->cur_src = src;
    /* the item emitted next gets id emitted + 1: finished before an
     * interruption, it is copied rather than read */
    if (s->resume && pt_resume_match(s->resume, s->emitted + 1, it)) {
        it->resumed = 1;
        return PT_OK;
    }
    damaged = pt_ewf_damaged_reads(s->img, NULL, 0);
    if (s->scope_main && it->size > s->opts->yara_max)
        rc = pt_reader_read_item_driven(s->reader, it, fn, src, stream_driver, s, err);
    else
        rc = pt_reader_read_item(s->reader, it, fn, src, err);
    /* A read of a damaged EWF chunk was refused while this item was read.
     * libtsk reads ahead in 64 KiB blocks and carries on past a refused
     * read, so whether the item's own blocks are hit is asked of its
     * block list where there is one.  If so, what came back is not the
     * file's content: no hash, as for a failed read. */
    if (rc == PT_OK && pt_ewf_damaged_reads(s->img, last, sizeof last) != damaged &&
        (fn != pt_walk_read_tsk || pt_walk_tsk_damaged(src, s->img, last, sizeof last) != 0)) {
        pt_item_add_error(it, "error", "%s, and this item's content lies there: not hashed", last);
        it->content_read = 0;
        it->has_stats = 0;
        it->hash_deferred = 0;
        memset(&it->hash, 0, sizeof it->hash);
    }
    return rc;
}

int pt_scan_volume_identity(pt_scan_t *s, pt_small_read_fn read_small, void *ctx, pt_accounts_t *accounts,
                            pt_err_t *err)
{
    static const char *const release[] = { "/etc/os-release", "/usr/lib/os-release" };
    char os[256] = "", *buf;
    size_t len = 0, i;

    if ((buf = read_small(ctx, "/etc/passwd", &len)) != NULL)
        pt_accounts_parse(accounts, buf, len);
    free(buf);
    for (i = 0; i < 2 && !os[0]; i++) {
        if ((buf = read_small(ctx, release[i], &len)) != NULL)
            pt_osinfo_parse_release(buf, len, os, sizeof os);
        free(buf);
    }
    if (os[0] && s->volume_id)
        return pt_casedb_set_volume_os(s->db, s->volume_id, os, err);
    return PT_OK;
}

long pt_scan_path_start(const pt_scan_t *s, char **path, size_t *cap)
{
    /* names are prefixed like libtsk walks': the volume label inside a disk
     * image found as a file, nothing otherwise */
    size_t len = s->nest_prefix ? strlen(s->volume_label) : 0;

    *cap = len + 256;
    if (!(*path = malloc(*cap)))
        return -1;
    memcpy(*path, s->nest_prefix ? s->volume_label : "", len + 1);
    return (long)len;
}

void pt_scan_item_at(const pt_scan_t *s, pt_item_t *it, const char *path)
{
    pt_item_init(it);
    it->evidence_id = s->evidence_id;
    it->volume_id = s->volume_id;
    it->path = path;
    it->allocated = 1;
    if (!pt_text_utf8_valid(path, strlen(path)))
        pt_item_add_error(it, "note", "name is not valid UTF-8: invalid bytes are shown as \\xNN");
}

int pt_scan_too_deep(pt_scan_t *s, const char *path, pt_err_t *err)
{
    char where[1200];

    snprintf(where, sizeof where, "directories nested deeper than %d under %.1000s: not walked further "
             "(a loop or damage; --max-depth)", s->opts->max_depth, path);
    return pt_scan_problem(s, "error", "filesystem", where, err);
}

int pt_scan_dir_incomplete(pt_scan_t *s, const char *dir, const char *why, pt_err_t *err)
{
    char msg[1400];

    snprintf(msg, sizeof msg, "directory %.700s not read completely: %.600s", dir[0] ? dir : "/", why);
    return pt_scan_problem(s, "error", "filesystem", msg, err);
}

int pt_scan_dir_again(pt_scan_t *s, const char *path, const char *which, pt_err_t *err)
{
    char msg[1300];

    snprintf(msg, sizeof msg, "directory %.1000s names a directory already walked (%.100s): a loop or damage, not "
             "walked again", path, which);
    return pt_scan_problem(s, "error", "filesystem", msg, err);
}

int pt_path_next(const char **p, const char **name, size_t *len)
{
    while (**p == '/')
        (*p)++;
    if (!**p)
        return 0;
    *name = *p;
    *len = strcspn(*p, "/");
    *p += *len;
    return 1;
}

const char *pt_scan_intern(pt_scan_t *s, const char *str)
{
    size_t i;

    for (i = 0; i < s->n_interned; i++)
        if (strcmp(s->interned[i], str) == 0)
            return s->interned[i];
    if (s->n_interned == s->cap_interned) {
        size_t cap = s->cap_interned ? s->cap_interned * 2 : 16;
        char **n = realloc(s->interned, cap * sizeof *n);
        if (!n)
            return NULL;
        s->interned = n;
        s->cap_interned = cap;
    }
    if (!(s->interned[s->n_interned] = strdup(str)))
        return NULL;
    return s->interned[s->n_interned++];
}

#define INFLIGHT_MAX ((size_t)256 << 20) /* whole contents queued for the rules */

/* An image file of a Parallels disk directory that has a descriptor: its
 * disk is walked through the directory (phdbundle.h), never alone (a
 * snapshot's image holds only what changed, a split disk's a range). */
static int phd_part(const pt_scan_t *s, const char *path)
{
    const char *slash = strrchr(path, '/');
    char d[4096];
    pt_read_fn fn;
    void *src;
    uint64_t n;
    pt_err_t e = { 0, "" };

    if (!s->files || !slash || !pt_phdbundle_is_part(path))
        return 0;
    snprintf(d, sizeof d, "%.*s/DiskDescriptor.xml", (int)(slash - path), path);
    if (pt_files_open_one(s->files, d, &fn, &src, &n, &e) != PT_OK)
        return 0;
    pt_files_close_one(s->files, src);
    return 1;
}

static int split_first(const pt_scan_t *s, const char *path)
{
    const char *base = strrchr(path, '/');
    size_t n;
    char host[4096];

    base = base ? base + 1 : path;
    n = strlen(base);
    if (!s->files || !pt_files_host_path(s->files, "", host, sizeof host))
        return 0; /* not a tree of this machine's files */
    return (n > 4 && (strcmp(base + n - 4, ".001") == 0 || strcmp(base + n - 4, ".000") == 0)) ||
           (n > 3 && strcmp(base + n - 3, ".aa") == 0);
}

/* A file that could be a VeraCrypt or TrueCrypt container: whole 512-byte
 * sectors, at least VeraCrypt's smallest volume (292 KiB), a first sector
 * that looks random, and passphrases in case.conf to try. */
static int tc_candidate(const pt_scan_t *s, const pt_item_t *it, const uint8_t *head, size_t head_len)
{
    const pt_policy_t *pol = s->opts->policy;

    return pol && pt_tcrypt_usable_keys(pol->keys, pol->n_keys) > 0 && it->size >= 292 * 1024 &&
           it->size % 512 == 0 && head && head_len >= 512 && pt_tcrypt_candidate(head, head_len);
}

/* 1 when a file that no disk-image test took is still a volume to walk: a
 * whole-disk Btrfs (its superblock at 64 KiB, past the head: looked for only
 * behind a zeroed first sector), or a LUKS or BitLocker volume in a file
 * (cryptsetup on a file, a container kept in a home directory) when the case
 * gives keys to open it (without keys the item's verdict says what it is). */
static int volume_file(const pt_scan_t *s, const pt_item_t *it, pt_layer_kind_t kind, const uint8_t *head,
                       size_t head_len, const uint8_t *content, size_t content_len, pt_read_fn fn, void *src)
{
    const pt_policy_t *pol = s->opts->policy;
    uint8_t m[8];
    pt_err_t e = { 0, "" };
    size_t i;

    if ((kind == PT_LAYER_LUKS || kind == PT_LAYER_BITLOCKER) && pol && pol->n_keys > 0)
        return it->size >= 1024 * 1024;
    if (it->size < 1024 * 1024 || head_len < 512)
        return 0;
    for (i = 0; i < 512; i++)
        if (head[i])
            return 0;
    if (content && content_len >= 65536 + 72) /* read whole already: not read again */
        return memcmp(content + 65536 + 64, "_BHRfS_M", 8) == 0;
    return pt_read_exact(fn, src, 65536 + 64, m, sizeof m, &e) == PT_OK && memcmp(m, "_BHRfS_M", 8) == 0;
}

#define TC_TRIES_MAX 16

/* Opens item it as a VeraCrypt container with the case's passphrases and,
 * when one opens, walks it as a disk found as a file (FILE!veracrypt:...),
 * handing the opened layer over rather than deriving the keys again. */
static int try_container(pt_scan_t *s, const pt_item_t *it, pt_read_fn fn, void *src, pt_err_t *err)
{
    const pt_policy_t *pol = s->opts->policy;
    pt_err_t lerr = { 0, "" };
    pt_layer_t *layer = NULL;
    char msg[1200];
    int rc;

    if (++s->tc_tried > TC_TRIES_MAX) {
        if (s->tc_tried == TC_TRIES_MAX + 1)
            return pt_scan_item_problem(s, it->id, "note", it->path, "more than 16 files of this evidence could "
                                        "be VeraCrypt containers: this one and the next are not tried with the "
                                        "passphrases of case.conf (each try costs a key derivation per PRF)", err);
        return PT_OK;
    }
    rc = pt_layer_open(PT_LAYER_VERACRYPT, fn, src, it->size, pol->keys, pol->n_keys, &layer, &lerr);
    if (rc == PT_ENOMEM)
        return pt_err_set(err, rc, "%s", lerr.msg);
    if (!layer) {
        snprintf(msg, sizeof msg, "looks random, in whole sectors: tried as a VeraCrypt or TrueCrypt container; "
                 "%.1000s", lerr.msg);
        return pt_scan_item_problem(s, it->id, rc == PT_ENOKEY ? "note" : "error", it->path, msg, err);
    }
    s->tc_layer = layer;
    rc = pt_volume_scan_nested(s, it, fn, src, PT_LAYER_NONE, err);
    pt_layer_close(s->tc_layer); /* not taken: its walk found something else first */
    s->tc_layer = NULL;
    return rc;
}

int pt_scan_emit(pt_scan_t *s, pt_item_t *it, pt_err_t *err)
{
    const uint8_t *head = NULL, *tail = NULL;
    uint8_t *content = NULL;
    size_t head_len = 0, tail_len = 0, content_len = 0;
    pt_read_fn fn = s->cur_fn;
    void *src = s->cur_src;
    int rc, expand, disk, phd = 0;
    unsigned segment = 0;
    pt_layer_kind_t disk_kind = PT_LAYER_NONE;

    it->evidence_label = s->evidence_label;
    it->volume_label = s->volume_label ? s->volume_label : "";
    if (it->sampled) {
        pt_reader_sample(s->reader, &head, &head_len, &tail, &tail_len);
        content = pt_reader_take_content(s->reader, &content_len);
    }
    /* bounded queue, and bounded memory for contents awaiting the rules */
    while (pt_typer_pending(s->typer) >= PT_TYPER_QUEUE ||
           (pt_typer_pending(s->typer) > 0 && pt_typer_inflight(s->typer) + content_len > INFLIGHT_MAX)) {
        const pt_scope_result_t *m = NULL;
        const pt_item_t *done = pt_typer_next(s->typer, 1, &m);
        if (done && (rc = record(s, done, m, err)) != PT_OK) {
            free(content);
            return rc;
        }
    }
    /* an archive of the evidence is read again, through libarchive, once
     * it is handed on (its members are items of their own; archive.c
     * expands nested archives itself) */
    expand = !s->in_archive && s->opts->archive_depth > 0 && fn && it->content_read &&
             (strcmp(it->kind, PT_KIND_FILE) == 0 || strcmp(it->kind, PT_KIND_STREAM) == 0) &&
             pt_archive_looks_like(head, head_len) && pt_layer_detect_head(head, head_len) != PT_LAYER_AFF4;
    /* so is a disk image found as a file (a VM's raw disk), once: not one
     * inside another, nor inside an archive */
    disk = !expand && !s->in_archive && !s->nest_prefix && !s->opts->no_nested_images && fn && it->content_read &&
           strcmp(it->kind, PT_KIND_FILE) == 0 && !pt_bundle_is_band(it->path);
    if (disk && phd_part(s, it->path)) {
        disk = 0;
        phd = 1;
    }
    if (disk) {
        /* a virtual-disk file (qcow2, VMDK, VHD, VHDX) or a raw disk */
        disk_kind = pt_layer_detect_head(head, head_len);
        if (disk_kind == PT_LAYER_NONE && it->size >= 1024 && tail_len >= 512 && pt_dmgmap_is_dmg(tail, tail_len))
            disk_kind = PT_LAYER_DMG; /* an Apple disk image, known by its trailer */
        disk = pt_layer_is_disk_image(disk_kind) || disk_kind == PT_LAYER_EWF ||
               pt_volume_looks_like_disk(head, head_len, it->size) ||
               volume_file(s, it, disk_kind, head, head_len, content, content_len, fn, src);
        /* a volume rather than a disk image format: read as a raw disk */
        if (disk && !pt_layer_is_disk_image(disk_kind) && disk_kind != PT_LAYER_EWF)
            disk_kind = PT_LAYER_NONE;
        /* the first file of a split raw image in a directory given as
         * evidence (x.001, x.000, x.aa): the disk is the whole set */
        if (disk && disk_kind == PT_LAYER_NONE && split_first(s, it->path))
            disk_kind = PT_LAYER_SPLIT;
    }
    s->cur_fn = NULL;
    it->id = ++s->emitted;
    rc = pt_typer_submit(s->typer, it, head, head_len, tail, tail_len, content, content_len,
                         s->pre_ready ? &s->pre : NULL, err);
    s->pre_ready = 0;
    if (rc == PT_OK && expand) {
        s->in_archive = 1;
        rc = pt_archive_expand(s, it, fn, src, 0, err);
        s->in_archive = 0;
    }
    if (rc == PT_OK && phd)
        rc = pt_scan_item_problem(s, it->id, "note", it->path, "an image file of a Parallels disk: the disk is walked "
                                  "through its directory's DiskDescriptor.xml (with its snapshots and other parts)", err);
    if (rc == PT_OK && !disk && !s->in_archive && !s->nest_prefix && pt_layer_is_vmdk_extent(head, head_len))
        rc = pt_scan_item_problem(s, it->id, "note", it->path, "a VMDK extent file: its disk is walked through the "
                                  "descriptor that names it, where the evidence holds one", err);
    if (rc == PT_OK && disk && disk_kind == PT_LAYER_EWF && pt_ewf_segment_number(head, head_len, &segment) &&
        segment != 1) {
        char msg[160];
        snprintf(msg, sizeof msg, "segment %u of an EWF image: read through the set's first segment", segment);
        rc = pt_scan_item_problem(s, it->id, "note", it->path, msg, err);
    } else if (rc == PT_OK && disk)
        rc = pt_volume_scan_nested(s, it, fn, src, disk_kind, err);
    if (rc == PT_OK && !disk && !expand && !s->in_archive && !s->nest_prefix && !s->opts->no_nested_images && fn &&
        it->content_read && strcmp(it->kind, PT_KIND_FILE) == 0 && tc_candidate(s, it, head, head_len))
        rc = try_container(s, it, fn, src, err);
    /* a sparse bundle (a Mac's Time Machine disk on a NAS) and a Parallels
     * disk (a Mac's VM, a Virtuozzo container's ploop) are directories */
    if (rc == PT_OK && !s->in_archive && !s->nest_prefix && !s->opts->no_nested_images &&
        strcmp(it->kind, PT_KIND_DIR) == 0 && it->allocated != 0 &&
        (pt_bundle_named(it->path) || pt_phdbundle_named(it->path)))
        rc = pt_volume_scan_bundle(s, it, pt_bundle_named(it->path) ? PT_LAYER_BUNDLE : PT_LAYER_PHDBUNDLE, err);
    if (rc != PT_OK)
        return rc;
    return collect(s, 0, err);
}

int pt_scan_problem(pt_scan_t *s, const char *severity, const char *location, const char *msg,
                    pt_err_t *err)
{
    return pt_scan_item_problem(s, 0, severity, location, msg, err);
}

int pt_scan_item_problem(pt_scan_t *s, int64_t item_id, const char *severity, const char *location,
                         const char *msg, pt_err_t *err)
{
    if (strcmp(severity, "note") != 0)
        s->n.item_errors++;
    else
        s->n.notes++;
    if (s->log) {
        fprintf(s->log, "%s %s ", severity, s->evidence_label);
        pt_text_put_line_escaped(s->log, location ? location : "");
        fputs(": ", s->log);
        pt_text_put_line_escaped(s->log, msg);
        fputc('\n', s->log);
    }
    return pt_casedb_add_error(s->db, s->evidence_id, s->volume_id, item_id, severity, location, msg, err);
}

/* ---- output directory --------------------------------------------------- */

/* Canonical absolute form of a path that may not exist yet: realpath of the
 * deepest existing ancestor plus the remaining components. */
static int canonical(const char *path, char *out, size_t size)
{
    char buf[PATH_MAX], rest[PATH_MAX] = "", *slash;

    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return -1;
    for (;;) {
        char real[PATH_MAX];
        if (realpath(buf, real)) {
            return snprintf(out, size, "%s%s", real, rest) >= (int)size ? -1 : 0;
        }
        slash = strrchr(buf, '/');
        if (!slash || slash == buf) {
            char cwd[PATH_MAX];
            if (slash == buf)
                return snprintf(out, size, "%s%s", buf, rest) >= (int)size ? -1 : 0;
            if (!getcwd(cwd, sizeof cwd))
                return -1;
            return snprintf(out, size, "%s/%s%s", cwd, buf, rest) >= (int)size ? -1 : 0;
        }
        {
            char tmp[PATH_MAX];
            snprintf(tmp, sizeof tmp, "%s%s", slash, rest);
            snprintf(rest, sizeof rest, "%s", tmp);
        }
        *slash = '\0';
    }
}

/* Refuses an output directory that would write into evidence or over an
 * earlier case, before anything is created. */
static int check_outdir(const pt_scan_opts_t *o, pt_err_t *err)
{
    char out[PATH_MAX], ev[PATH_MAX];
    struct stat st;
    int i;

    if (canonical(o->outdir, out, sizeof out) != 0)
        return pt_err_set(err, PT_EINVAL, "output directory '%s': path too long or unresolvable", o->outdir);
    for (i = 0; i < o->n_evidence; i++) {
        size_t n;
        if (stat(o->evidence[i], &st) != 0)
            return pt_err_set(err, errno == ENOENT ? PT_ENOENT : PT_EIO, "evidence '%s': %s",
                              o->evidence[i], strerror(errno));
        if (!realpath(o->evidence[i], ev))
            return pt_err_set(err, PT_EIO, "evidence '%s': %s", o->evidence[i], strerror(errno));
        n = strlen(ev);
        if (strcmp(out, ev) == 0 ||
            (S_ISDIR(st.st_mode) && strncmp(out, ev, n) == 0 && (out[n] == '/' || n == 1)))
            return pt_err_set(err, PT_EINVAL,
                              "output directory '%s' lies inside evidence '%s': evidence must "
                              "never be written to; choose an output directory elsewhere",
                              o->outdir, o->evidence[i]);
    }
    if (stat(o->outdir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return pt_err_set(err, PT_EEXIST, "output '%s' exists and is not a directory", o->outdir);
        if (!o->resume_from && !pt_file_dir_is_empty(o->outdir))
            return pt_err_set(err, PT_EEXIST, "output directory '%s' is not empty: ptriage "
                              "never overwrites a case; choose a new directory", o->outdir);
    }
    return PT_OK;
}

/* ---- run metadata ------------------------------------------------------- */

static void now_iso(char *buf, size_t size)
{
    pt_text_iso8601((long long)time(NULL), buf, size);
}

void pt_scan_libraries(char *buf, size_t size)
{
    char mv[32];
    snprintf(buf, size, "libtsk %s; libmagic %s; %s; SQLite %s", tsk_version_get_str(),
             pt_filetype_version(mv, sizeof mv), OpenSSL_version(OPENSSL_VERSION), sqlite3_libversion());
}

static void options_text(const pt_scan_opts_t *o, char *buf, size_t size)
{
    snprintf(buf, size, "jobs=%d; yara_max=%zu; yara_timeout=%d; policy=%s; timezone=%s; image_hash=%s; "
             "archive_depth=%d; archive_max_bytes=%" PRIu64 "; archive_max_ratio=%" PRIu64
             "; archive_max_members=%" PRIu64 "; free_space_sample=%" PRIu64 "; nested_images=%s; max_depth=%d%s%s",
             o->jobs > 1 ? o->jobs : 1, o->yara_max, o->yara_timeout, o->policy ? "yes" : "no",
             o->timezone ? o->timezone : "UTC", o->image_hash ? "yes" : "no", o->archive_depth,
             o->archive_max_bytes, o->archive_max_ratio, o->archive_max_members, o->free_sample,
             o->no_nested_images ? "no" : "yes", o->max_depth, o->hash_only ? "; hash_only=yes" : "",
             o->shadow_copies == PT_SHADOW_ALL ? "; shadow_copies=all"
             : o->shadow_copies == PT_SHADOW_NONE ? "; shadow_copies=none" : "");
}

static void hash_names(unsigned mask, char *buf, size_t size)
{
    snprintf(buf, size, "sha256%s%s", mask & PT_HASH_MD5 ? ",md5" : "", mask & PT_HASH_SHA1 ? ",sha1" : "");
}

/* ---- one evidence item ------------------------------------------------------ */

static const char *label_of(const char *path)
{
    const char *p = path + strlen(path);
    while (p > path && p[-1] == '/')
        p--;
    while (p > path && p[-1] != '/')
        p--;
    return *p ? p : path;
}

/* The acquisition's stored hashes, and with --image-hash the image's own,
 * read sequentially (a second pass over the image, so it is asked for). */
static int image_hashes(pt_scan_t *s, const pt_source_t *src, pt_err_t *err)
{
    char md5[33], sha1[41], msg[256];
    pt_hash_result_t got;
    pt_err_t herr = { 0, "" };
    int rc = PT_OK;

    pt_source_stored_hashes(src, md5, sha1);
    if ((md5[0] && (rc = pt_casedb_set_evidence(s->db, s->evidence_id, PT_EV_ACQ_MD5, md5, err)) != PT_OK) ||
        (sha1[0] && (rc = pt_casedb_set_evidence(s->db, s->evidence_id, PT_EV_ACQ_SHA1, sha1, err)) != PT_OK) ||
        !s->opts->image_hash)
        return rc;
    if (pt_source_hash(src, &got, &herr) != PT_OK)
        return herr.code == PT_EIO ? pt_scan_problem(s, "error", "image", herr.msg, err) : pt_err_set(err, herr.code, "%s", herr.msg);
    if ((rc = pt_casedb_set_evidence(s->db, s->evidence_id, PT_EV_IMG_MD5, got.md5, err)) == PT_OK)
        rc = pt_casedb_set_evidence(s->db, s->evidence_id, PT_EV_IMG_SHA256, got.sha256, err);
    if (rc == PT_OK && md5[0] && strcasecmp(md5, got.md5) != 0) {
        snprintf(msg, sizeof msg, "MD5 of the image data %s differs from the acquisition's %s", got.md5, md5);
        rc = pt_scan_problem(s, "error", "image", msg, err);
    }
    return rc;
}

static int scan_evidence(pt_scan_t *s, const char *path, const char *label, pt_err_t *err)
{
    pt_source_t *src = NULL;
    pt_evidence_info_t ev;
    pt_err_t oerr = { 0, "" };
    const pt_policy_t *pol = s->opts->policy;
    int orc = pt_source_open_keys(path, pol ? pol->keys : NULL, pol ? pol->n_keys : 0, &src, &oerr), rc;

    memset(&ev, 0, sizeof ev);
    ev.label = label;
    ev.path = path;
    ev.kind = src && src->is_dir ? "directory" : "image";
    ev.format = src ? src->format : NULL;
    ev.size = src ? src->size : 0;
    ev.sector_size = src ? src->sector_size : 0;
    ev.segments = src ? (unsigned)src->segments : 0;
    if ((rc = pt_casedb_add_evidence(s->db, &ev, &s->evidence_id, err)) != PT_OK)
        goto out;
    s->evidence_label = label;
    s->evidence_path = path;
    s->tc_tried = 0;
    s->volume_id = 0;
    if (orc != PT_OK) {
        /* cannot be examined at all: recorded, reported, and the run goes on */
        s->n.evidence_failed++;
        if ((rc = pt_casedb_set_evidence(s->db, s->evidence_id, PT_EV_ERROR, oerr.msg, err)) == PT_OK)
            rc = pt_scan_problem(s, "fatal", "evidence", oerr.msg, err);
        if (rc == PT_OK && !s->opts->quiet)
            fprintf(stderr, "ptriage: %s\n", oerr.msg);
        goto out;
    }
    if (src->problem[0] && (rc = pt_scan_problem(s, "error", "image", src->problem, err)) != PT_OK)
        goto out;
    if (src->note[0] && (rc = pt_scan_problem(s, "note", "image", src->note, err)) != PT_OK)
        goto out;
    s->img = src->img;
    s->disk_file_bytes = 0;
    if (src->chain && src->files) /* a virtual disk: its volume items are bounded by what its files can store */
        s->disk_file_bytes = pt_files_bytes(src->files);
    if (!src->is_dir && (rc = image_hashes(s, src, err)) != PT_OK)
        goto out;
    rc = src->is_dir ? pt_dirwalk(s, path, err) : pt_volume_scan(s, src, err);
    if (rc == PT_OK && !src->is_dir) {
        char msg[1024];
        /* damage in metadata or unallocated space is listed as well */
        if (pt_ewf_damage_summary(src->img, msg, sizeof msg) > 0)
            rc = pt_scan_problem(s, "error", "image", msg, err);
    }
out:
    s->img = NULL;
    pt_sids_free(&s->sids); /* one machine's accounts do not name another's */
    pt_source_close(src);
    return rc;
}

/* ---- driver --------------------------------------------------------------- */

static int store_coverage(void *arg, const pt_coverage_row_t *r)
{
    pt_scan_t *s = arg;
    pt_err_t e = { 0, "" };

    return pt_casedb_add_coverage(s->db, r, &e) == PT_OK ? 0 : -1;
}

int pt_scan_run(const pt_scan_opts_t *o, pt_scan_counts_t *counts, pt_err_t *err)
{
    pt_scan_t s;
    char path[PATH_MAX], started[32], finished[32], host[256] = "", cwd[PATH_MAX] = "", libs[512];
    char hashes[64], summary[256], options[512];
    char **labels = NULL;
    struct passwd *pw = getpwuid(geteuid());
    pt_run_info_t run;
    int i, rc, code;

    memset(&s, 0, sizeof s);
    s.opts = o;
    if ((rc = check_outdir(o, err)) != PT_OK)
        return 2;
    if (pt_file_mkdir_p(o->outdir) != 0) {
        pt_err_set(err, PT_EIO, "cannot create output directory '%s': %s", o->outdir, strerror(errno));
        return 2;
    }
    snprintf(path, sizeof path, "%s/case.db", o->outdir);
    if (!(s.db = pt_casedb_create(path, err)))
        return 2;
    /* resuming keeps the case's pseudonym key, so that its pseudonyms stay */
    if ((o->resume_from ? pt_resume_open(s.db, o->resume_from, &s.resume, err)
                        : pt_pseudo_key_create(o->outdir, err)) != PT_OK) {
        code = 2;
        goto out;
    }
    snprintf(path, sizeof path, "%s/scan.log", o->outdir);
    s.log = fopen(path, "wx");
    if (!(s.reader = pt_reader_new(o->hash_mask | (o->policy ? pt_policy_hash_needs(o->policy) : 0), err)) ||
        !(s.typer = pt_typer_new(o->jobs, o->rules, o->policy, o->yara_timeout, err))) {
        code = 2;
        goto out;
    }
    if (o->hash_only) {
        pt_typer_hash_only(s.typer);
        pt_reader_hist_only(s.reader);
    }
    /* with worker threads, the hashing of whole small and middle-sized
     * items moves to them: the walker then only reads */
    if (o->jobs > 1) {
        if (pt_typer_hash_in_workers(s.typer, o->hash_mask | (o->policy ? pt_policy_hash_needs(o->policy) : 0),
                                     err) != PT_OK) {
            code = 2;
            goto out;
        }
        pt_reader_defer(s.reader, DEFER_MAX);
    }
    if (o->rules) {
        pt_reader_collect(s.reader, o->yara_max);
        if (!(s.scope_main = pt_scope_new(o->rules, o->yara_timeout, err)) || !(s.ft_main = pt_filetype_open(err))) {
            code = 2;
            goto out;
        }
    }
    now_iso(started, sizeof started);
    gethostname(host, sizeof host - 1);
    if (!getcwd(cwd, sizeof cwd))
        cwd[0] = '\0';
    pt_scan_libraries(libs, sizeof libs);
    hash_names(o->hash_mask | (o->policy ? pt_policy_hash_needs(o->policy) : 0), hashes, sizeof hashes);
    memset(&run, 0, sizeof run);
    run.version = PT_VERSION;
    run.build = PT_BUILD_ID;
    run.command_line = o->command_line;
    run.started = started;
    run.host = host;
    run.user = pw ? pw->pw_name : "";
    run.cwd = cwd;
    run.libraries = libs;
    run.hash_algorithms = hashes;
    options_text(o, options, sizeof options);
    run.options = options;
    if (pt_casedb_run_begin(s.db, &run, err) != PT_OK) {
        code = 2;
        goto out;
    }
    if ((o->argv_json && pt_casedb_set_run_text(s.db, "argv", o->argv_json, err) != PT_OK) ||
        (o->resume_from && pt_casedb_set_run_text(s.db, "resumed", o->resume_from, err) != PT_OK) ||
        (o->rules && pt_casedb_set_run_text(s.db, "rule_files", pt_rules_files(o->rules), err) != PT_OK) ||
        (o->policy && (pt_casedb_set_run_text(s.db, "case_number", o->policy->case_number, err) != PT_OK ||
                       pt_casedb_set_run_text(s.db, "court", o->policy->court, err) != PT_OK ||
                       pt_casedb_set_run_text(s.db, "examiner", o->policy->examiner, err) != PT_OK ||
                       pt_casedb_set_run_text(s.db, "warrant", o->policy->warrant, err) != PT_OK))) {
        code = 2;
        goto out;
    }
    if (s.log)
        fprintf(s.log, "ptriage %s (%s) started %s\ncommand: %s\nlibraries: %s\n", PT_VERSION,
                PT_BUILD_ID, started, o->command_line, libs);
    s.tty = isatty(STDERR_FILENO);
    clock_gettime(CLOCK_MONOTONIC, &s.started);
    s.last_progress = s.started;
    for (i = 0; i < o->n_evidence; i++) {
        struct stat st;
        if (stat(o->evidence[i], &st) == 0 && S_ISREG(st.st_mode))
            s.total_bytes += (uint64_t)st.st_size;
    }
    /* labels: the file name, made unique with "#N" when two evidence items share one */
    if (!(labels = calloc((size_t)o->n_evidence, sizeof *labels))) {
        pt_err_set(err, PT_ENOMEM, "out of memory");
        code = 2;
        goto out;
    }
    for (i = 0; i < o->n_evidence; i++) {
        const char *base = label_of(o->evidence[i]);
        int j, dup = 0;
        for (j = 0; j < i; j++)
            if (strcmp(label_of(o->evidence[j]), base) == 0)
                dup++;
        labels[i] = malloc(strlen(base) + 16);
        if (!labels[i]) {
            pt_err_set(err, PT_ENOMEM, "out of memory");
            code = 2;
            goto out;
        }
        if (dup)
            sprintf(labels[i], "%s#%d", base, dup + 1);
        else
            strcpy(labels[i], base);
    }
    s.evidence_labels = labels;
    for (i = 0; i < o->n_evidence; i++) {
        if ((rc = scan_evidence(&s, o->evidence[i], labels[i], err)) != PT_OK) {
            code = 2;
            goto out;
        }
    }
    if ((rc = collect(&s, 1, err)) != PT_OK) {
        code = 2;
        goto out;
    }
    progress(&s, 1);
    if (s.resume) {
        uint64_t copied = 0, unused = 0;
        if ((rc = pt_casedb_flush(s.db, err)) != PT_OK) {
            code = 2;
            goto out;
        }
        pt_resume_close(s.resume, &copied, &unused);
        s.resume = NULL;
        pt_resume_done(o->resume_from); /* everything it held is in case.db now */
        if (s.log)
            fprintf(s.log, "resumed: %" PRIu64 " items finished before the interruption were copied from %s, "
                    "not read again\n", copied, o->resume_from);
    }
    if ((rc = pt_coverage_walk(s.db, store_coverage, &s, err)) != PT_OK) {
        code = 2;
        goto out;
    }
    code = s.n.evidence_failed ? 2 : s.n.item_errors ? 1 : 0;
    now_iso(finished, sizeof finished);
    snprintf(summary, sizeof summary, "%" PRIu64 " items, %" PRIu64 " bytes read, %" PRIu64
             " errors, %" PRIu64 " notes, %" PRIu64 " evidence not opened",
             s.n.items, s.n.bytes_read, s.n.item_errors, s.n.notes, s.n.evidence_failed);
    if (pt_casedb_run_end(s.db, finished, code, summary, err) != PT_OK) {
        code = 2;
        goto out;
    }
    if (s.log) {
        unsigned long long reused, asked;
        pt_typer_type_counts(s.typer, &reused, &asked);
        fprintf(s.log, "types: %llu asked of libmagic, %llu reused for content identical to an item already "
                "typed (same SHA-256 and head)\n", asked, reused);
        fprintf(s.log, "finished %s: %s; exit %d\n", finished, summary, code);
    }
    if (code == 2 && s.n.evidence_failed)
        pt_err_set(err, PT_EFORMAT, "%" PRIu64 " evidence item(s) could not be opened (see scan.log)",
                   s.n.evidence_failed);
out:
    if (s.resume) {
        pt_casedb_flush(s.db, NULL);
        pt_resume_close(s.resume, NULL, NULL);
    }
    if (labels)
        for (i = 0; i < o->n_evidence; i++)
            free(labels[i]);
    free(labels);
    pt_typer_free(s.typer);
    pt_reader_free(s.reader);
    pt_scope_free(s.scope_main);
    pt_filetype_close(s.ft_main);
    pt_scope_result_free(&s.pre);
    for (i = 0; i < (int)s.n_interned; i++)
        free(s.interned[i]);
    free(s.interned);
    free(s.md_walked);
    if (s.log)
        fclose(s.log);
    if (pt_casedb_close(s.db, code == 2 ? NULL : err) != PT_OK)
        code = 2;
    /* last, from the closed database exactly as `ptriage report` does:
     * the reports, then SHA256SUMS over every output */
    if (code != 2 && pt_report_case(o->outdir, NULL, err) != PT_OK)
        code = 2;
    if (counts)
        *counts = s.n;
    return code;
}
