/* archive_walk.c - archive members as items, through libarchive (the one adapter
 * for its calls: ARCHIVE_OK/WARN/FATAL and negative counts).  Owns, for
 * one expansion, the libarchive handle, one read block and the buffer of
 * the member being read; reads the archive only through the caller's read
 * function; writes nothing but items and errors through the scan. */
#include "archive_walk.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "hash.h"
#include "item.h"
#include "layer.h"
#include "mbox.h"
#include "mime.h"
#include "scan.h"
#include "source.h"
#include "volume.h"

#define BLOCK (1024 * 1024)
#define MEMBER_BUF_MAX ((size_t)64 << 20) /* members up to this are read into memory (and can nest) */
#define HEAD_MAX ((size_t)64 << 10)       /* what tells a larger member that is a disk image */

/* What one top-level archive may expand to, across all its levels. */
struct budget {
    const pt_item_t *top;
    uint64_t bytes, members;
    uint64_t *consumed;         /* bytes of the top-level archive read so far */
    int stopped;
    char why[512];              /* the limit that stopped it */
};

typedef struct src_rd {        /* libarchive's view of a pt_read_fn */
    pt_read_fn fn;
    void *src;
    uint64_t off, size;
    uint8_t *buf;
} src_rd_t;

static la_ssize_t cb_read(struct archive *a, void *p, const void **out)
{
    src_rd_t *r = p;
    pt_err_t e = { 0, "" };
    size_t want = r->size - r->off < BLOCK ? (size_t)(r->size - r->off) : BLOCK;
    ssize_t n;

    if (r->off >= r->size)
        return 0;
    n = r->fn(r->src, r->off, r->buf, want, &e);
    if (n < 0) {
        archive_set_error(a, EIO, "reading the archive at byte %" PRIu64 ": %s", r->off, e.msg);
        return -1;
    }
    r->off += (uint64_t)n;
    *out = r->buf;
    return n;
}

static la_int64_t cb_seek(struct archive *a, void *p, la_int64_t off, int whence)
{
    src_rd_t *r = p;
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)r->off : (int64_t)r->size;

    (void)a;
    if (base + off < 0 || (uint64_t)(base + off) > r->size)
        return ARCHIVE_FATAL;
    r->off = (uint64_t)(base + off);
    return (la_int64_t)r->off;
}

static la_int64_t cb_skip(struct archive *a, void *p, la_int64_t n)
{
    src_rd_t *r = p;

    (void)a;
    if (n < 0)
        return 0;
    if ((uint64_t)n > r->size - r->off)
        n = (la_int64_t)(r->size - r->off);
    r->off += (uint64_t)n;
    return n;
}


typedef struct budget budget_t;
static int over_budget(pt_scan_t *s, budget_t *b, uint64_t pending, char *why, size_t size);
static int stop(pt_scan_t *s, budget_t *b, const char *why, pt_err_t *err);

typedef struct stream {
    struct archive *a;
    uint64_t pos;
    pt_scan_t *s;
    budget_t *b;
    int limited;                /* a limit stopped the read: reported on the top archive */
    const uint8_t *pre;         /* bytes already taken from libarchive, served first */
    size_t pre_len;
    int spool;                  /* a copy of the member is written here (a disk image), or -1 */
    int spool_errno;            /* why the copy failed, 0 while it holds every byte read */
} stream_t;

/* Keeps the copy of a disk image member, as its bytes go by once. */
static void tee(stream_t *st, uint64_t off, const uint8_t *buf, size_t len)
{
    while (st->spool >= 0 && !st->spool_errno && len > 0) {
        ssize_t w = pwrite(st->spool, buf, len, (off_t)off);
        if (w <= 0) {
            st->spool_errno = w < 0 ? errno : ENOSPC;
            break;
        }
        buf += w;
        off += (uint64_t)w;
        len -= (size_t)w;
    }
}

/* A member too large to keep: read once, in order, straight from libarchive
 * (after the bytes already buffered, if any). */
static ssize_t read_stream(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    stream_t *st = src;
    la_ssize_t n;

    if (off != st->pos)
        return pt_err_set(err, PT_EIO, "archive member read out of order"), -1;
    if (off < st->pre_len) {
        size_t n0 = st->pre_len - (size_t)off < len ? st->pre_len - (size_t)off : len;
        memcpy(buf, st->pre + off, n0);
        tee(st, off, buf, n0);
        st->pos += n0;
        return (ssize_t)n0;
    }
    if (over_budget(st->s, st->b, st->pos, st->b->why, sizeof st->b->why)) {
        st->limited = 1;
        pt_err_set(err, PT_EIO, "archive limit: %s", st->b->why);
        return -1;
    }
    n = archive_read_data(st->a, buf, len);
    if (n < 0) {
        pt_err_set(err, PT_EIO, "libarchive: %s", archive_error_string(st->a));
        return -1;
    }
    tee(st, off, buf, (size_t)n);
    st->pos += (uint64_t)n;
    return n;
}

int pt_archive_looks_like(const uint8_t *h, size_t n)
{
    static const struct { size_t off; const char *sig; size_t len; } sigs[] = {
        { 0, "PK\003\004", 4 }, { 0, "PK\005\006", 4 }, { 0, "\037\213", 2 }, { 0, "BZh", 3 },
        { 0, "\375" "7zXZ\000", 6 }, { 0, "\050\265\057\375", 4 }, { 0, "7z\274\257\047\034", 6 },
        { 0, "Rar!\032\007", 6 }, { 0, "!<arch>\n", 8 }, { 0, "070701", 6 }, { 0, "070702", 6 },
        { 0, "070707", 6 }, { 0, "MSCF\000\000\000\000", 8 }, { 0, "\004\042\115\030", 4 },
        { 257, "ustar", 5 }, { 32769, "CD001", 5 },
    };
    size_t i;

    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (n >= sigs[i].off + sigs[i].len && memcmp(h + sigs[i].off, sigs[i].sig, sigs[i].len) == 0)
            return 1;
    return pt_mbox_looks_like(h, n) || pt_mime_looks_like(h, n);
}

static const char *kind_of(struct archive_entry *e)
{
    switch (archive_entry_filetype(e)) {
    case AE_IFREG: return PT_KIND_FILE;
    case AE_IFDIR: return PT_KIND_DIR;
    case AE_IFLNK: return PT_KIND_SYMLINK;
    case AE_IFIFO: return PT_KIND_FIFO;
    case AE_IFCHR: case AE_IFBLK: return PT_KIND_DEVICE;
    case AE_IFSOCK: return PT_KIND_SOCKET;
    case 0: /* no type recorded (ar members, deterministic mode 0): content is data */
        return archive_entry_size_is_set(e) ? PT_KIND_FILE : PT_KIND_OTHER;
    default: return PT_KIND_OTHER;
    }
}

/* Zip containers that are documents, told by their first member. */
static int is_document_container(const char *first)
{
    static const char *const names[] = { "[Content_Types].xml", "mimetype", "META-INF/MANIFEST.MF",
                                         "AndroidManifest.xml" };
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(first, names[i]) == 0)
            return 1;
    return 0;
}

/* The index members of a Unix ar archive (every static library has one):
 * GNU's symbol table "/", its 64-bit "/SYM64/" and long-name table "//".
 * Their names are the format's, not an absolute path. */
static int is_ar_index(struct archive *a, const char *raw)
{
    return (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_AR &&
           (strcmp(raw, "/") == 0 || strcmp(raw, "//") == 0 || strcmp(raw, "/SYM64/") == 0);
}

/* The member's name for its path: the name in the archive without a
 * leading "/" or "./"; for a single compressed file, the archive's name
 * without its compression suffix.  Whole however long (a pax name has no
 * limit); malloc'd, NULL when out of memory. */
static char *member_name(struct archive *a, struct archive_entry *e, const char *parent)
{
    const char *n = archive_entry_pathname_utf8(e) ? archive_entry_pathname_utf8(e) : archive_entry_pathname(e);
    char *out = NULL;

    if (archive_format(a) == ARCHIVE_FORMAT_RAW || !n) {
        static const char *const sfx[] = { ".gz", ".tgz", ".bz2", ".xz", ".zst", ".lz4", ".Z", ".z" };
        const char *base = strrchr(parent, '/') ? strrchr(parent, '/') + 1 : parent;
        size_t bl = strlen(base), i;
        for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
            size_t sl = strlen(sfx[i]);
            if (bl > sl && strcmp(base + bl - sl, sfx[i]) == 0)
                return asprintf(&out, "%.*s%s", (int)(bl - sl), base, strcmp(sfx[i], ".tgz") == 0 ? ".tar" : "")
                       < 0 ? NULL : out;
        }
        return strdup("data");
    }
    if (is_ar_index(a, n))
        return strdup(strcmp(n, "//") == 0 ? "[ar name table]" : "[ar symbol table]");
    while (n[0] == '/' || (n[0] == '.' && n[1] == '/'))
        n += n[0] == '/' ? 1 : 2;
    if (!(out = strdup(n)))
        return NULL;
    for (size_t l = strlen(out); l > 1 && out[l - 1] == '/'; l--) /* "dir/" as a directory's name */
        out[l - 1] = '\0';
    return out;
}

/* A failure to list members: an archive whose member list is itself
 * encrypted (7z -mhe, RAR5 headers) is a fact, not damage.  libarchive may
 * only be asked about encrypted entries once a format was chosen: after a
 * failed open (opened == 0) it reads past its format table (libarchive
 * 3.6, seen on an empty gzip stream). */
static int list_failed(pt_scan_t *s, struct archive *a, int opened, const pt_item_t *parent, uint64_t n,
                       pt_err_t *err)
{
    const char *msg = archive_error_string(a) ? archive_error_string(a) : "no reason given";
    char why[512];

    if ((opened && archive_read_has_encrypted_entries(a) > 0) || strstr(msg, "encrypt")) {
        snprintf(why, sizeof why, "archive with an encrypted member list: %" PRIu64 " members listed, the rest "
                 "cannot be listed without a key (libarchive: %s)", n, msg);
        return pt_scan_item_problem(s, parent->id, "note", parent->path, why, err);
    }
    if (n == 0) /* its signature and nothing more, or a compressed stream holding no bytes */
        snprintf(why, sizeof why, "not expanded: libarchive cannot open it as an archive or compressed file: %s", msg);
    else
        snprintf(why, sizeof why, "archive damaged after %" PRIu64 " members: libarchive: %s", n, msg);
    return pt_scan_item_problem(s, parent->id, n ? "error" : "note", parent->path, why, err);
}

static const char *encrypted_format(struct archive *a)
{
    switch (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) {
    case ARCHIVE_FORMAT_ZIP: return "zip-member-encrypted";
    case ARCHIVE_FORMAT_7ZIP: return "7z-member-encrypted";
    case ARCHIVE_FORMAT_RAR: return "rar-member-encrypted";
    case ARCHIVE_FORMAT_RAR_V5: return "rar5-member-encrypted";
    default: return "archive-member-encrypted";
    }
}

static void set_time(pt_time_t *t, int set, time_t sec, long nsec)
{
    if (!set || sec == 0) /* 0: not recorded (deterministic archives), as on filesystems */
        return;
    t->known = 1;
    t->sec = sec;
    t->nsec = (uint32_t)(nsec < 0 ? 0 : nsec);
}

/* pending: bytes of the member being read, not yet in b->bytes */
static int over_budget(pt_scan_t *s, budget_t *b, uint64_t pending, char *why, size_t size)
{
    const pt_scan_opts_t *o = s->opts;
    uint64_t bytes = b->bytes + pending;

    if (o->archive_max_members && b->members > o->archive_max_members)
        snprintf(why, size, "more than %" PRIu64 " members (--archive-max-members)", o->archive_max_members);
    else if (o->archive_max_bytes && bytes > o->archive_max_bytes)
        snprintf(why, size, "more than %" PRIu64 " bytes expanded (--archive-max-bytes)", o->archive_max_bytes);
    else if (o->archive_max_ratio && bytes > BLOCK && *b->consumed && bytes / *b->consumed > o->archive_max_ratio)
        snprintf(why, size, "expanded %" PRIu64 " bytes from %" PRIu64 ", a ratio over %" PRIu64
                 " (--archive-max-ratio): a decompression bomb?", bytes, *b->consumed, o->archive_max_ratio);
    else
        return 0;
    return 1;
}

/* Stops the expansion of the top-level archive, once, saying why on it. */
static int stop(pt_scan_t *s, budget_t *b, const char *why, pt_err_t *err)
{
    if (b->stopped)
        return PT_OK;
    b->stopped = 1;
    return pt_scan_item_problem(s, b->top->id, "error", b->top->path, why, err);
}

static int expand(pt_scan_t *s, const pt_item_t *parent, pt_read_fn fn, void *src, uint64_t size, int depth,
                  budget_t *b, pt_err_t *err);

/* A member that is a disk image (a raw disk, a VM's disk) is walked as one
 * found as a file is (volume.h), but not inside another disk image, and
 * without the files beside it: an archive has no place to look up an
 * overlay's backing file or the other segments of a set. */
static int disk_member(pt_scan_t *s, const uint8_t *head, size_t len, uint64_t size, pt_layer_kind_t *kind)
{
    if (s->nest_prefix || s->opts->no_nested_images)
        return 0;
    *kind = pt_layer_detect_head(head, len);
    if (pt_layer_is_disk_image(*kind) || *kind == PT_LAYER_EWF)
        return 1;
    *kind = PT_LAYER_NONE;
    return pt_volume_looks_like_disk(head, len, size);
}

static int walk_disk(pt_scan_t *s, const pt_item_t *m, pt_read_fn fn, void *src, pt_layer_kind_t kind,
                     pt_err_t *err)
{
    struct pt_files *files = s->files;
    int in = s->in_archive, rc;

    s->files = NULL;
    s->in_archive = 0; /* the disk's own archives are expanded, each with its own limits */
    rc = pt_volume_scan_nested(s, m, fn, src, kind, err);
    s->files = files;
    s->in_archive = in;
    return rc;
}

/* A member too large to keep in memory, read once in order after the pre_len
 * bytes already taken (it is not expanded further).  A disk image is copied
 * to a file of the output directory as it is read (libtsk seeks; an archive
 * reads only forward) and walked from there; the copy has no name and is
 * gone when walked. */
static int stream_member(pt_scan_t *s, struct archive *a, pt_item_t *m, budget_t *b, const uint8_t *pre,
                         size_t pre_len, pt_err_t *err)
{
    stream_t st = { a, 0, s, b, 0, pre, pre_len, -1, 0 };
    pt_layer_kind_t kind = PT_LAYER_NONE;
    pt_err_t serr = { 0, "" };
    int rc, disk = disk_member(s, pre, pre_len, m->size, &kind);

    if (disk && kind != PT_LAYER_EWF && (st.spool = pt_file_spool(s->opts->outdir, &serr)) < 0)
        pt_item_add_error(m, "error", "a disk image, not walked: %s", serr.msg);
    if ((rc = pt_scan_read(s, m, read_stream, &st, err)) == PT_OK) {
        if (m->size_unknown) /* stopped before the end: the size is what was read */
            m->size = m->bytes_read;
        if (st.spool >= 0 && st.spool_errno)
            pt_item_add_error(m, "error", "a disk image, not walked: copying it to the output directory failed "
                              "after %" PRIu64 " bytes: %s", st.pos, strerror(st.spool_errno));
        rc = pt_scan_emit(s, m, err);
    }
    b->bytes += st.pos;
    if (rc == PT_OK && st.limited)
        rc = stop(s, b, b->why, err);
    /* walked only from a whole copy; a resumed item was not read again
     * (it holds no volume, or it would have been) */
    if (rc == PT_OK && disk && !m->resumed && !st.limited && !st.spool_errno && m->content_read &&
        (st.spool >= 0 || kind == PT_LAYER_EWF))
        rc = walk_disk(s, m, pt_source_read_fd, &st.spool, kind, err);
    if (st.spool >= 0)
        close(st.spool);
    return rc;
}

/* A member read into memory, emitted: expanded when it is an archive, a
 * mailbox or a message with attachments, walked when it is a disk image. */
static int nested(pt_scan_t *s, const pt_item_t *m, pt_mem_t *mm, int depth, budget_t *b, pt_err_t *err)
{
    pt_layer_kind_t kind;

    if (pt_archive_looks_like(mm->p, mm->n)) {
        if (!b->stopped && depth + 1 < s->opts->archive_depth)
            return expand(s, m, pt_read_mem, mm, mm->n, depth + 1, b, err);
        return PT_OK;
    }
    if (disk_member(s, mm->p, mm->n, mm->n, &kind))
        return walk_disk(s, m, pt_read_mem, mm, kind, err);
    return PT_OK;
}

/* The limits before one more member; 1 when they stop the expansion (said
 * on the top archive through *rc). */
static int at_limit(pt_scan_t *s, budget_t *b, int *rc, pt_err_t *err)
{
    char why[512];
    int full = s->opts->archive_max_members && b->members >= s->opts->archive_max_members;

    if (full)
        snprintf(why, sizeof why, "more than %" PRIu64 " members (--archive-max-members)",
                 s->opts->archive_max_members);
    if (!full && !over_budget(s, b, 0, why, sizeof why))
        return 0;
    *rc = stop(s, b, why, err);
    return 1;
}

/* A member item of parent named name, size bytes, with the parent's owner
 * (a mailbox's messages, a message's attachments); path malloc'd into
 * *path (caller frees), NULL when out of memory. */
static int child(pt_scan_t *s, const pt_item_t *parent, const char *name, uint64_t size, pt_item_t *m, char **path,
                 pt_err_t *err)
{
    if (!(*path = malloc(strlen(parent->path) + strlen(name) + 3)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    sprintf(*path, "%s!/%s", parent->path, name);
    pt_item_init(m);
    m->evidence_id = parent->evidence_id;
    m->volume_id = parent->volume_id;
    m->parent_id = parent->id;
    m->path = *path;
    m->kind = PT_KIND_FILE;
    m->allocated = parent->allocated;
    m->size = size;
    if (parent->has_owner) {
        m->has_owner = 1;
        m->uid = parent->uid;
        m->gid = parent->gid;
        m->owner = parent->owner ? pt_scan_intern(s, parent->owner) : NULL;
    }
    return PT_OK;
}

/* Reads, records and (when it nests) expands one member. */
static int member(pt_scan_t *s, struct archive *a, struct archive_entry *e, const pt_item_t *parent, int depth,
                  budget_t *b, pt_err_t *err)
{
    pt_item_t m;
    char *name, *path;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = PT_OK, sized = archive_entry_size_is_set(e), read_failed = 0, limited = 0;
    uint64_t esize = sized && archive_entry_size(e) > 0 ? (uint64_t)archive_entry_size(e) : 0;
    const char *raw = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";

    /* the evidence itself is a compressed file: named after the file given */
    if (!(name = member_name(a, e, parent->path[0] ? parent->path : s->evidence_path)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    path = malloc(strlen(parent->path) + strlen(name) + 3);
    if (path)
        sprintf(path, "%s!/%s", parent->path, name);
    free(name);
    if (!path)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    pt_item_init(&m);
    m.evidence_id = parent->evidence_id;
    m.volume_id = parent->volume_id;
    m.parent_id = parent->id;
    m.path = path;
    m.kind = kind_of(e);
    m.allocated = parent->allocated;
    m.size = esize;
    set_time(&m.mtime, archive_entry_mtime_is_set(e), archive_entry_mtime(e), archive_entry_mtime_nsec(e));
    set_time(&m.atime, archive_entry_atime_is_set(e), archive_entry_atime(e), archive_entry_atime_nsec(e));
    set_time(&m.ctime, archive_entry_ctime_is_set(e), archive_entry_ctime(e), archive_entry_ctime_nsec(e));
    set_time(&m.crtime, archive_entry_birthtime_is_set(e), archive_entry_birthtime(e),
             archive_entry_birthtime_nsec(e));
    m.mode = (uint32_t)archive_entry_perm(e);
    if (archive_entry_uname(e) && *archive_entry_uname(e)) {
        m.has_owner = 1;
        m.uid = (uint32_t)archive_entry_uid(e);
        m.gid = (uint32_t)archive_entry_gid(e);
        m.owner = pt_scan_intern(s, archive_entry_uname(e));
    }
    if (archive_entry_symlink(e))
        m.link_target = archive_entry_symlink(e);
    if ((raw[0] == '/' && !is_ar_index(a, raw)) || strstr(raw, "../") || strcmp(raw, "..") == 0)
        pt_item_add_error(&m, "note", "member name is absolute or climbs with '..': recorded as a name only");
    b->members++;
    if (strcmp(m.kind, PT_KIND_FILE) != 0) {
        rc = pt_scan_emit(s, &m, err);
        goto out;
    }
    if (archive_entry_is_data_encrypted(e)) {
        m.encryption = "encrypted";
        m.encryption_format = encrypted_format(a);
        snprintf(m.encryption_reason, sizeof m.encryption_reason,
                 "libarchive reports the member's data as encrypted (%s); not decrypted", archive_format_name(a));
        m.category = "encrypted";
        pt_item_add_error(&m, "note", "encrypted member: content not read (no key)");
        rc = pt_scan_emit(s, &m, err);
        goto out;
    }
    if (sized && esize > MEMBER_BUF_MAX) {
        /* too large to keep: its head tells a disk image */
        la_ssize_t n = 0;
        if (!(buf = malloc(HEAD_MAX))) {
            rc = pt_err_set(err, PT_ENOMEM, "out of memory");
            goto out;
        }
        while (len < HEAD_MAX && (n = archive_read_data(a, buf + len, HEAD_MAX - len)) > 0)
            len += (size_t)n;
        if (n < 0) {
            pt_item_add_error(&m, "error", "archive member could not be read: libarchive: %s",
                              archive_error_string(a));
            b->bytes += len;
            rc = pt_scan_emit(s, &m, err);
            goto out;
        }
        rc = stream_member(s, a, &m, b, buf, len, err);
        goto out;
    }
    for (;;) {
        la_ssize_t n;
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : (sized && esize ? (size_t)esize + 1 : 65536);
            uint8_t *nb;
            if (ncap > MEMBER_BUF_MAX + 1)
                ncap = MEMBER_BUF_MAX + 1;
            if (ncap <= cap)
                break; /* full: larger than a member kept in memory */
            if (!(nb = realloc(buf, ncap))) {
                rc = pt_err_set(err, PT_ENOMEM, "out of memory");
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        if (over_budget(s, b, len, b->why, sizeof b->why)) {
            pt_item_add_error(&m, "error", "archive limit: %s: read stopped, no hash", b->why);
            read_failed = limited = 1;
            break;
        }
        n = archive_read_data(a, buf + len, cap - len > BLOCK ? BLOCK : cap - len);
        if (n < 0) {
            pt_item_add_error(&m, "error", "archive member could not be read: libarchive: %s",
                              archive_error_string(a));
            read_failed = 1;
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > MEMBER_BUF_MAX) {
        /* larger than a member kept in memory, its size not recorded: the
         * rest streams after what was buffered, and the size is learnt at
         * the end (not expanded further) */
        m.size_unknown = 1;
        m.size = UINT64_MAX;
        rc = stream_member(s, a, &m, b, buf, len, err);
        goto out;
    }
    b->bytes += len;
    if (!sized || read_failed || len < esize)
        m.size = read_failed ? (esize > len ? esize : len) : len;
    {
        pt_mem_t mm = { buf, len };
        if ((rc = pt_scan_read(s, &m, pt_read_mem, &mm, err)) != PT_OK)
            goto out;
        if (read_failed) { /* the bytes before a failure or a limit: never a hash */
            m.content_read = 0;
            m.has_stats = 0;
            memset(&m.hash, 0, sizeof m.hash);
        }
        if ((rc = pt_scan_emit(s, &m, err)) != PT_OK)
            goto out;
        if (limited && (rc = stop(s, b, b->why, err)) != PT_OK)
            goto out;
        if (read_failed)
            goto out;
        rc = nested(s, &m, &mm, depth, b, err);
    }
out:
    free(buf);
    free(path);
    return rc;
}

/* The formats and the callbacks over rd, the same for expanding and for
 * extracting one member again. */
static void configure(struct archive *a, src_rd_t *rd, int raw_only)
{
    archive_read_support_filter_all(a);
    if (!raw_only) {
        /* the container formats; not mtree, which takes any text for a list
         * of files, nor warc */
        archive_read_support_format_7zip(a);
        archive_read_support_format_ar(a);
        archive_read_support_format_cab(a);
        archive_read_support_format_cpio(a);
        archive_read_support_format_iso9660(a);
        archive_read_support_format_lha(a);
        archive_read_support_format_rar(a);
        archive_read_support_format_rar5(a);
        archive_read_support_format_tar(a);
        archive_read_support_format_xar(a);
        archive_read_support_format_zip(a);
    }
    archive_read_support_format_raw(a); /* a single compressed file */
    archive_read_set_read_callback(a, cb_read);
    archive_read_set_seek_callback(a, cb_seek);
    archive_read_set_skip_callback(a, cb_skip);
    archive_read_set_callback_data(a, rd);
}

/* One attempt; *empty says a compressed stream held "no members" (libarchive
 * takes a stream that starts with zeros for an empty tar). */
static int expand_as(pt_scan_t *s, const pt_item_t *parent, pt_read_fn fn, void *src, uint64_t size, int depth,
                     budget_t *b, int raw_only, int *empty, pt_err_t *err)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    src_rd_t rd = { fn, src, 0, size, NULL };
    char why[512];
    uint64_t n = 0;
    int rc = PT_OK, r = ARCHIVE_OK, first = 1;

    if (!a || !(rd.buf = malloc(BLOCK))) {
        if (a)
            archive_read_free(a);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    if (depth == 0)
        b->consumed = &rd.off;
    configure(a, &rd, raw_only);
    if (archive_read_open1(a) != ARCHIVE_OK) {
        rc = list_failed(s, a, 0, parent, 0, err);
        goto out;
    }
    while (rc == PT_OK && (r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
        if (r == ARCHIVE_FATAL || r == ARCHIVE_RETRY) {
            rc = list_failed(s, a, 1, parent, n, err);
            break;
        }
        if (first && archive_format(a) != ARCHIVE_FORMAT_RAW && archive_entry_pathname(e) &&
            is_document_container(archive_entry_pathname(e)))
            break; /* a document (OOXML, ODF, EPUB, JAR): classified as one, not expanded */
        if (archive_format(a) == ARCHIVE_FORMAT_RAW && archive_filter_code(a, 0) == ARCHIVE_FILTER_NONE) {
            /* no decompressor took it (a damaged gzip header): the "member"
             * would be the file itself again, level after level */
            rc = pt_scan_item_problem(s, parent->id, "note", parent->path, "not expanded: it starts like a "
                                      "compressed file, but no decompressor of libarchive reads it", err);
            break;
        }
        first = 0;
        if (b->stopped)
            break;
        if (s->opts->archive_max_members && b->members >= s->opts->archive_max_members)
            snprintf(why, sizeof why, "more than %" PRIu64 " members (--archive-max-members)",
                     s->opts->archive_max_members);
        if ((s->opts->archive_max_members && b->members >= s->opts->archive_max_members) ||
            over_budget(s, b, 0, why, sizeof why)) {
            rc = stop(s, b, why, err);
            break;
        }
        rc = member(s, a, e, parent, depth, b, err);
        n++;
    }
    *empty = rc == PT_OK && r == ARCHIVE_EOF && n == 0 && archive_filter_code(a, 0) != ARCHIVE_FILTER_NONE;
out:
    archive_read_free(a);
    free(rd.buf);
    return rc;
}

/* ---- a mailbox: its messages as members ---- */

typedef struct mbox_ctx {
    pt_scan_t *s;
    const pt_item_t *parent;
    pt_read_fn fn;
    void *src;
    budget_t *b;
    int depth;
} mbox_ctx_t;

/* One message: an item named by its number, its time the Date: field;
 * read into memory when it can be (its attachments are expanded from
 * there), else streamed. */
static int message(void *arg, const pt_mbox_msg_t *msg, pt_err_t *err)
{
    mbox_ctx_t *c = arg;
    pt_scan_t *s = c->s;
    pt_range_t r = { c->fn, c->src, msg->off, msg->len };
    uint8_t *buf = NULL;
    pt_err_t rerr = { 0, "" };
    char name[32], *path = NULL;
    int64_t date;
    pt_item_t m;
    int rc = PT_OK;

    if (c->b->stopped || at_limit(s, c->b, &rc, err))
        return rc;
    pt_mbox_name(msg->index, name, sizeof name);
    if ((rc = child(s, c->parent, name, msg->len, &m, &path, err)) != PT_OK)
        return rc;
    c->b->members++;
    if (msg->len <= MEMBER_BUF_MAX && (buf = malloc(msg->len ? (size_t)msg->len : 1)) != NULL &&
        pt_read_exact(pt_read_range, &r, 0, buf, (size_t)msg->len, &rerr) == PT_OK) {
        pt_mem_t mm = { buf, (size_t)msg->len };
        if (pt_mbox_date(buf, mm.n < 65536 ? mm.n : 65536, &date)) {
            m.mtime.known = 1;
            m.mtime.sec = date;
        }
        if ((rc = pt_scan_read(s, &m, pt_read_mem, &mm, err)) == PT_OK && (rc = pt_scan_emit(s, &m, err)) == PT_OK)
            rc = nested(s, &m, &mm, c->depth, c->b, err);
    } else { /* too large to keep, or unreadable: read where it lies (a failure is recorded on it) */
        uint8_t head[16384];
        ssize_t hn = pt_read_range(&r, 0, head, sizeof head, &rerr);
        if (hn > 0 && pt_mbox_date(head, (size_t)hn, &date)) {
            m.mtime.known = 1;
            m.mtime.sec = date;
        }
        if (hn > 0 && msg->len > MEMBER_BUF_MAX && pt_mime_looks_like(head, (size_t)hn))
            pt_item_add_error(&m, "note", "attachments not expanded: a message over %zu MiB", MEMBER_BUF_MAX >> 20);
        if ((rc = pt_scan_read(s, &m, pt_read_range, &r, err)) == PT_OK)
            rc = pt_scan_emit(s, &m, err);
    }
    c->b->bytes += msg->len;
    free(buf);
    free(path);
    return rc;
}

static int mbox_expand(pt_scan_t *s, const pt_item_t *parent, pt_read_fn fn, void *src, uint64_t size, int depth,
                       budget_t *b, pt_err_t *err)
{
    mbox_ctx_t c = { s, parent, fn, src, b, depth };
    uint64_t consumed = 0, *was = b->consumed;
    pt_err_t merr = { 0, "" };
    int rc;

    if (depth == 0)
        b->consumed = &consumed;
    rc = pt_mbox_split(fn, src, size, message, &c, &consumed, &merr);
    b->consumed = was;
    if (rc == PT_EIO || rc == PT_EFORMAT) { /* the mailbox could not be read to its end: said on it */
        char why[600];
        snprintf(why, sizeof why, "mailbox not read to its end: %.500s", merr.msg);
        return pt_scan_item_problem(s, parent->id, "error", parent->path, why, err);
    }
    if (rc != PT_OK)
        *err = merr;
    return rc;
}

/* ---- a message: its attachments as members ---- */

typedef struct mime_ctx {
    pt_scan_t *s;
    const pt_item_t *parent;
    budget_t *b;
    int depth;
} mime_ctx_t;

/* One attachment, decoded: an item named by its number and file name, with
 * its message's time and owner. */
static int attachment(void *arg, const pt_mime_part_t *p, pt_err_t *err)
{
    mime_ctx_t *c = arg;
    uint8_t *buf;
    size_t len;
    char *path;
    pt_item_t m;
    int rc = PT_OK;

    if (c->b->stopped || at_limit(c->s, c->b, &rc, err))
        return rc;
    if ((rc = pt_mime_decode(p, &buf, &len, err)) != PT_OK)
        return rc;
    if ((rc = child(c->s, c->parent, p->name, len, &m, &path, err)) == PT_OK) {
        pt_mem_t mm = { buf, len };
        m.mtime = c->parent->mtime;
        c->b->members++;
        if ((rc = pt_scan_read(c->s, &m, pt_read_mem, &mm, err)) == PT_OK &&
            (rc = pt_scan_emit(c->s, &m, err)) == PT_OK)
            rc = nested(c->s, &m, &mm, c->depth, c->b, err);
        c->b->bytes += len;
        free(path);
    }
    free(buf);
    return rc;
}

/* The whole message in a new buffer (it is at most MEMBER_BUF_MAX bytes);
 * NULL with err set. */
static uint8_t *whole(pt_read_fn fn, void *src, uint64_t size, pt_err_t *err)
{
    uint8_t *buf;

    if (size > MEMBER_BUF_MAX) {
        pt_err_set(err, PT_EINVAL, "a message over %zu MiB: attachments not expanded", MEMBER_BUF_MAX >> 20);
        return NULL;
    }
    if (!(buf = malloc(size ? (size_t)size : 1))) {
        pt_err_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    if (pt_read_exact(fn, src, 0, buf, (size_t)size, err) != PT_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int mime_expand(pt_scan_t *s, const pt_item_t *parent, pt_read_fn fn, void *src, uint64_t size, int depth,
                       budget_t *b, pt_err_t *err)
{
    mime_ctx_t c = { s, parent, b, depth };
    uint64_t consumed = size, *was = b->consumed;
    pt_err_t merr = { 0, "" };
    uint8_t *buf = whole(fn, src, size, &merr);
    int rc;

    if (!buf) {
        if (merr.code == PT_ENOMEM) {
            *err = merr;
            return PT_ENOMEM;
        }
        return pt_scan_item_problem(s, parent->id, merr.code == PT_EINVAL ? "note" : "error", parent->path,
                                    merr.msg, err);
    }
    if (depth == 0)
        b->consumed = &consumed;
    rc = pt_mime_parts(buf, (size_t)size, attachment, &c, err);
    b->consumed = was;
    free(buf);
    return rc;
}

static int expand(pt_scan_t *s, const pt_item_t *parent, pt_read_fn fn, void *src, uint64_t size, int depth,
                  budget_t *b, pt_err_t *err)
{
    uint8_t *head = malloc(HEAD_MAX);
    pt_err_t herr = { 0, "" };
    ssize_t hn = head ? fn(src, 0, head, size < HEAD_MAX ? (size_t)size : HEAD_MAX, &herr) : -1;
    int empty = 0, rc, mbox = hn > 0 && pt_mbox_looks_like(head, (size_t)hn),
        mime = hn > 0 && !mbox && pt_mime_looks_like(head, (size_t)hn);

    free(head);
    if (mbox)
        return mbox_expand(s, parent, fn, src, size, depth, b, err);
    if (mime)
        return mime_expand(s, parent, fn, src, size, depth, b, err);
    rc = expand_as(s, parent, fn, src, size, depth, b, 0, &empty, err);

    if (rc == PT_OK && empty) /* then it is one compressed file (a zeroed disk image.gz, a bomb) */
        rc = expand_as(s, parent, fn, src, size, depth, b, 1, &empty, err);
    return rc;
}

int pt_archive_expand(pt_scan_t *s, const pt_item_t *it, pt_read_fn fn, void *src, int depth, pt_err_t *err)
{
    budget_t b;
    uint64_t none = 0;

    memset(&b, 0, sizeof b);
    b.top = it;
    b.consumed = &none;
    return expand(s, it, fn, src, it->size, depth, &b, err);
}

/* ---- one member again (export, verify) ---- */

/* Finds names[0] in the archive read by fn/src; at the last level streams
 * it through h (and to out_fd), else keeps it in memory and goes down. */
static int extract_as(pt_read_fn fn, void *src, uint64_t size, const char *const *paths, const char *const *names,
                      size_t n, pt_hash_t *h, int out_fd, pt_hash_result_t *got, int raw_only, int *found,
                      pt_err_t *err)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    src_rd_t rd = { fn, src, 0, size, NULL };
    char *name;
    int rc = PT_OK, r;

    *found = 0;
    if (!a || !(rd.buf = malloc(BLOCK))) {
        if (a)
            archive_read_free(a);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    configure(a, &rd, raw_only);
    if (archive_read_open1(a) != ARCHIVE_OK) {
        rc = pt_err_set(err, PT_EIO, "%s: libarchive: %s", paths[0], archive_error_string(a));
        goto out;
    }
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        uint8_t *buf = NULL;
        size_t len = 0, cap = 0;
        la_ssize_t k;
        int other;
        if (!(name = member_name(a, e, paths[0]))) {
            rc = pt_err_set(err, PT_ENOMEM, "out of memory");
            goto out;
        }
        other = strcmp(name, names[0]);
        free(name);
        if (other != 0)
            continue;
        *found = 1;
        if (n == 1) {
            /* not rd.buf: libarchive still reads the archive's bytes from it */
            if (!(buf = malloc(BLOCK))) {
                rc = pt_err_set(err, PT_ENOMEM, "out of memory");
                goto out;
            }
            if ((rc = pt_hash_begin(h, err)) != PT_OK) {
                free(buf);
                goto out;
            }
            while ((k = archive_read_data(a, buf, BLOCK)) > 0) {
                pt_hash_update(h, buf, (size_t)k);
                if (out_fd >= 0 && write(out_fd, buf, (size_t)k) != k) {
                    free(buf);
                    rc = pt_err_set(err, PT_EIO, "writing the copy: %s", strerror(errno));
                    goto out;
                }
            }
            free(buf);
            rc = k < 0 ? pt_err_set(err, PT_EIO, "%s!/%s: libarchive: %s", paths[0], names[0],
                                    archive_error_string(a))
                       : pt_hash_end(h, got, err);
            goto out;
        }
        for (;;) { /* an archive inside: kept in memory, as the scan kept it */
            if (len == cap) {
                uint8_t *nb;
                if (cap >= MEMBER_BUF_MAX || !(nb = realloc(buf, cap = cap ? cap * 2 : 65536))) {
                    free(buf);
                    rc = pt_err_set(err, PT_EIO, "%s!/%s: a nested archive over %zu MiB is not opened",
                                    paths[0], names[0], MEMBER_BUF_MAX >> 20);
                    goto out;
                }
                buf = nb;
            }
            if ((k = archive_read_data(a, buf + len, cap - len)) <= 0)
                break;
            len += (size_t)k;
        }
        if (k < 0) {
            free(buf);
            rc = pt_err_set(err, PT_EIO, "%s!/%s: libarchive: %s", paths[0], names[0], archive_error_string(a));
            goto out;
        }
        {
            pt_mem_t mm = { buf, len };
            rc = pt_archive_extract(pt_read_mem, &mm, len, paths + 1, names + 1, n - 1, h, out_fd, got, err);
        }
        free(buf);
        goto out;
    }
    if (r != ARCHIVE_EOF)
        rc = pt_err_set(err, PT_EIO, "%s: libarchive: %s", paths[0], archive_error_string(a));
out:
    archive_read_free(a);
    free(rd.buf);
    return rc;
}

/* A member found again, in memory: at the last level its bytes go through
 * h (and to out_fd), else the next level is looked for inside it. */
static int extract_mem(const uint8_t *buf, size_t len, const char *const *paths, const char *const *names, size_t n,
                       pt_hash_t *h, int out_fd, pt_hash_result_t *got, pt_err_t *err)
{
    pt_mem_t mm = { buf, len };
    int rc;

    if (n > 1)
        return pt_archive_extract(pt_read_mem, &mm, len, paths + 1, names + 1, n - 1, h, out_fd, got, err);
    if ((rc = pt_hash_begin(h, err)) != PT_OK)
        return rc;
    pt_hash_update(h, buf, len);
    if (out_fd >= 0 && len > 0 && write(out_fd, buf, len) != (ssize_t)len)
        return pt_err_set(err, PT_EIO, "writing the copy: %s", strerror(errno));
    return pt_hash_end(h, got, err);
}

/* One message of a mailbox again: found by its number, streamed through h
 * (or, when a level below is asked for, read into memory). */
typedef struct find_msg {
    uint64_t want;
    pt_mbox_msg_t at;
} find_msg_t;

static int find_message(void *arg, const pt_mbox_msg_t *m, pt_err_t *err)
{
    find_msg_t *f = arg;

    (void)err;
    if (m->index != f->want)
        return PT_OK;
    f->at = *m;
    return PT_EEXIST; /* found: stop the split */
}

static int mbox_extract(pt_read_fn fn, void *src, uint64_t size, const char *const *paths, const char *const *names,
                        size_t n, pt_hash_t *h, int out_fd, pt_hash_result_t *got, pt_err_t *err)
{
    find_msg_t f = { 0, { 0, 0, 0 } };
    pt_range_t r;
    uint8_t *buf;
    uint64_t off = 0;
    int rc;

    if (!pt_mbox_index(names[0], &f.want))
        return pt_err_set(err, PT_ENOENT, "%s: no message named %s in the mailbox", paths[0], names[0]);
    rc = pt_mbox_split(fn, src, size, find_message, &f, NULL, err);
    if (rc == PT_OK)
        return pt_err_set(err, PT_ENOENT, "%s: the mailbox has no message %s any more", paths[0], names[0]);
    if (rc != PT_EEXIST)
        return rc;
    r = (pt_range_t){ fn, src, f.at.off, f.at.len };
    if (n > 1) {
        if (!(buf = whole(pt_read_range, &r, r.len, err)))
            return err->code ? err->code : PT_EIO;
        rc = extract_mem(buf, (size_t)r.len, paths, names, n, h, out_fd, got, err);
        free(buf);
        return rc;
    }
    if (!(buf = malloc(BLOCK)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    if ((rc = pt_hash_begin(h, err)) == PT_OK) {
        while (off < r.len) {
            ssize_t k = pt_read_range(&r, off, buf, BLOCK, err);
            if (k <= 0) {
                rc = k < 0 ? PT_EIO
                           : pt_err_set(err, PT_EIO, "%s!/%s: ends at byte %" PRIu64, paths[0], names[0], off);
                break;
            }
            pt_hash_update(h, buf, (size_t)k);
            if (out_fd >= 0 && write(out_fd, buf, (size_t)k) != k) {
                rc = pt_err_set(err, PT_EIO, "writing the copy: %s", strerror(errno));
                break;
            }
            off += (uint64_t)k;
        }
        if (rc == PT_OK)
            rc = pt_hash_end(h, got, err);
    }
    free(buf);
    return rc;
}

/* One attachment of a message again: found by its member name, decoded. */
typedef struct find_part {
    const char *want;
    uint8_t *data;
    size_t len;
} find_part_t;

static int find_part(void *arg, const pt_mime_part_t *p, pt_err_t *err)
{
    find_part_t *f = arg;
    int rc;

    if (strcmp(p->name, f->want) != 0)
        return PT_OK;
    if ((rc = pt_mime_decode(p, &f->data, &f->len, err)) != PT_OK)
        return rc;
    return PT_EEXIST; /* found: stop the walk */
}

static int mime_extract(pt_read_fn fn, void *src, uint64_t size, const char *const *paths, const char *const *names,
                        size_t n, pt_hash_t *h, int out_fd, pt_hash_result_t *got, pt_err_t *err)
{
    find_part_t f = { names[0], NULL, 0 };
    uint8_t *msg = whole(fn, src, size, err);
    int rc;

    if (!msg)
        return err->code ? err->code : PT_EIO;
    rc = pt_mime_parts(msg, (size_t)size, find_part, &f, err);
    free(msg);
    if (rc == PT_OK)
        return pt_err_set(err, PT_ENOENT, "%s: the message has no attachment %s any more", paths[0], names[0]);
    if (rc != PT_EEXIST)
        return rc;
    rc = extract_mem(f.data, f.len, paths, names, n, h, out_fd, got, err);
    free(f.data);
    return rc;
}

int pt_archive_extract(pt_read_fn fn, void *src, uint64_t size, const char *const *paths, const char *const *names,
                       size_t n, pt_hash_t *h, int out_fd, pt_hash_result_t *got, pt_err_t *err)
{
    uint8_t *head = malloc(HEAD_MAX);
    pt_err_t herr = { 0, "" };
    ssize_t hn = head ? fn(src, 0, head, size < HEAD_MAX ? (size_t)size : HEAD_MAX, &herr) : -1;
    int found = 0, rc, mbox = hn > 0 && pt_mbox_looks_like(head, (size_t)hn),
        mime = hn > 0 && !mbox && pt_mime_looks_like(head, (size_t)hn);

    free(head);
    if (mbox)
        return mbox_extract(fn, src, size, paths, names, n, h, out_fd, got, err);
    if (mime)
        return mime_extract(fn, src, size, paths, names, n, h, out_fd, got, err);
    rc = extract_as(fn, src, size, paths, names, n, h, out_fd, got, 0, &found, err);

    if (rc == PT_OK && !found) /* a compressed stream libarchive took for an empty tar, as in expand() */
        rc = extract_as(fn, src, size, paths, names, n, h, out_fd, got, 1, &found, err);
    if (rc == PT_OK && !found)
        rc = pt_err_set(err, PT_ENOENT, "%s: no member named %s any more", paths[0], names[0]);
    return rc;
}
