/* source.c - evidence opening and the libtsk error adapter.  Owns the
 * TSK_IMG_INFO.  Never writes or locks: raw and split raw images are read
 * through rawimg.c (O_RDONLY | O_NOATIME), EWF through ewf.c (libewf,
 * O_RDONLY), VHD through libtsk (O_RDONLY), qcow2 and VMDK through
 * rawimg.c and layer.h (libqcow, libvmdk), every file of their chains with
 * O_NOATIME too. */
#include "source.h"
#include "tskalloc.h"

#include "chain.h"
#include "ewf.h"
#include "layer.h"
#include "rawimg.h"
#include "vdimap.h"
#include "dmgmap.h"
#include "simgmap.h"
#include "aff4map.h"
#include "spimgmap.h"
#include "phdmap.h"
#include "bundle.h"
#include "phdbundle.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>


TSK_FS_INFO *pt_source_fs_open(TSK_IMG_INFO *img, uint64_t off, int yaffs2)
{
    /* libtsk 4.11's order for TSK_FS_TYPE_DETECT */
    static const TSK_FS_TYPE_ENUM kinds[] = { TSK_FS_TYPE_NTFS_DETECT, TSK_FS_TYPE_FAT_DETECT,
                                              TSK_FS_TYPE_EXT_DETECT, TSK_FS_TYPE_FFS_DETECT,
                                              TSK_FS_TYPE_YAFFS2_DETECT, TSK_FS_TYPE_ISO9660_DETECT,
                                              TSK_FS_TYPE_HFS_DETECT, TSK_FS_TYPE_APFS_DETECT };
    TSK_FS_INFO *found = NULL;
    size_t i;

    if (yaffs2)
        return tsk_fs_open_img(img, (TSK_OFF_T)off, TSK_FS_TYPE_DETECT);
    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        TSK_FS_INFO *fs;
        if (kinds[i] == TSK_FS_TYPE_YAFFS2_DETECT)
            continue;
        if (!(fs = tsk_fs_open_img(img, (TSK_OFF_T)off, kinds[i]))) {
            tsk_error_reset();
            continue;
        }
        if (found) {
            const char *a = tsk_fs_type_toname(found->ftype), *b = tsk_fs_type_toname(fs->ftype);
            tsk_fs_close(found);
            tsk_fs_close(fs);
            tsk_error_reset();
            tsk_error_set_errno(TSK_ERR_FS_UNKTYPE);
            tsk_error_set_errstr("%s or %s", a, b);
            return NULL;
        }
        found = fs;
    }
    if (!found) {
        tsk_error_reset();
        tsk_error_set_errno(TSK_ERR_FS_UNKTYPE); /* "Cannot determine file system type" */
    }
    return found;
}

int pt_source_tsk_err(pt_err_t *err, int code, const char *fmt, ...)
{
    char what[512];
    const char *tsk = tsk_error_get();
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    pt_err_set(err, code, "%s%s%s", what, tsk && *tsk ? ": " : "", tsk && *tsk ? tsk : "");
    tsk_error_reset();
    /* libtsk messages end with a newline or carry inner ones; keep one line */
    if (err) {
        char *p;
        for (p = err->msg; *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' ';
        for (p = err->msg + strlen(err->msg); p > err->msg && p[-1] == ' '; p--)
            p[-1] = '\0';
    }
    return code;
}

/* The extension of segment k (1-based) of a set whose first is at ext
 * (digits wide): raw "001", "002", ...; EWF "E01".."E99", then "EAA".."EZZ",
 * "FAA".. as libewf names them.  0 when k has no name in that scheme. */
static int segment_ext(int ewf, char first, size_t digits, unsigned long k, char *out, size_t n)
{
    unsigned long lim = 1;
    size_t i;

    if (!ewf) {
        for (i = 0; i < digits; i++)
            lim *= 10;
        return k < lim && snprintf(out, n, "%0*lu", (int)digits, k) > 0;
    }
    if (k <= 99)
        return snprintf(out, n, "%c%02lu", first, k) > 0;
    k -= 100;
    if (k >= (unsigned long)('Z' - (first & ~0x20) + 1) * 26 * 26)
        return 0;
    char a = (char)(first + k / 676), b = (char)('A' + k / 26 % 26), c = (char)('A' + k % 26);
    if (first >= 'a')
        b = (char)(b | 0x20), c = (char)(c | 0x20);
    return snprintf(out, n, "%c%c%c", a, b, c) > 0;
}

/* libtsk joins split raw segments x.001, x.002, ... (and libewf x.E01,
 * x.E02, ..., x.E99, x.EAA, ...) until one is missing.  A later segment
 * that exists after the gap means the image lost a segment: the image is
 * then shorter than acquired, or has holes, and must say so. */
static void check_split_gap(pt_source_t *src)
{
    size_t n = strlen(src->path), digits = 0, i, stem;
    char *next, ext[8], missing_ext[8];
    struct stat st;
    unsigned long last;
    int raw = strcmp(src->format, "raw") == 0, ewf = strcmp(src->format, "ewf") == 0;
    char first = 0;

    while (digits < n && src->path[n - 1 - digits] >= '0' && src->path[n - 1 - digits] <= '9')
        digits++;
    if (!(raw || ewf) || digits < 2 || digits > 4 || digits + 1 >= n)
        return;
    if (raw && src->path[n - 1 - digits] != '.')
        return;
    if (ewf && (digits != 2 || (src->path[n - 3] != 'E' && src->path[n - 3] != 'e') || src->path[n - 4] != '.'))
        return;
    if (ewf)
        first = src->path[n - 3];
    stem = ewf ? n - 3 : n - digits;
    if (!(next = malloc(stem + sizeof ext)))
        return;
    memcpy(next, src->path, stem);
    last = strtoul(src->path + n - digits, NULL, 10) + (unsigned long)src->segments - 1;
    for (i = 2; i <= 16; i++) { /* segments after the first missing one */
        if (!segment_ext(ewf, first, digits, last + i, ext, sizeof ext) ||
            !segment_ext(ewf, first, digits, last + 1, missing_ext, sizeof missing_ext))
            break;
        snprintf(next + stem, sizeof ext, "%s", ext);
        if (stat(next, &st) == 0) {
            const char *base = strrchr(next, '/');
            char missing[160];
            snprintf(missing, sizeof missing, "%.*s%s", (int)(stem - (base ? (size_t)(base + 1 - next) : 0)),
                     base ? base + 1 : next, missing_ext);
            snprintf(src->problem, sizeof src->problem, "split image is missing segment %s: libtsk joined %d "
                     "segment(s) (%llu bytes) but %s exists; data after the gap is not examined",
                     missing, src->segments, (unsigned long long)src->size, next);
            break;
        }
    }
    free(next);
}

int pt_source_open_ro(int dirfd, const char *path, int flags, int *noatime)
{
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOATIME | flags);

    if (fd < 0 && errno == EPERM) {
        fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | flags);
        if (fd >= 0 && noatime)
            *noatime = 0;
    }
    return fd;
}

enum { PROBE_RAW, PROBE_EWF, PROBE_QCOW, PROBE_VMDK, PROBE_VHD, PROBE_VHDX, PROBE_VDI, PROBE_DMG, PROBE_SIMG, PROBE_SPIMG, PROBE_PHD, PROBE_AFF4,
       PROBE_OTHER };

/* Which layer opens the file, from its first and last 512 bytes, read
 * through our own O_NOATIME descriptor: libtsk's format detection reads
 * the file through each library in turn (and updates its access time).
 * AFF goes to libtsk's detection; EWF to ewf.c; qcow2 (which libtsk does
 * not read), VMDK (whose snapshots libtsk does not follow), VHD/VHDX (to
 * name a differencing disk's parent) and VDI (which libtsk does not read)
 * to layer.c; the rest is raw. */
static int probe(const char *path, int *kind, unsigned *ewf_segment, pt_err_t *err)
{
    unsigned char head[512] = {0}, tail[512] = {0};
    ssize_t h, t = 0;
    off_t end;
    int fd = pt_source_open_ro(AT_FDCWD, path, 0, NULL);

    if (fd < 0)
        return pt_err_set(err, errno == ENOENT ? PT_ENOENT : PT_EIO, "evidence '%s': %s", path, strerror(errno));
    h = pread(fd, head, sizeof head, 0);
    if ((end = lseek(fd, 0, SEEK_END)) >= (off_t)sizeof tail)
        t = pread(fd, tail, sizeof tail, end - (off_t)sizeof tail);
    if (h < 0 || t < 0) {
        int e = errno;
        close(fd);
        return pt_err_set(err, PT_EIO, "evidence '%s': read failed: %s", path, strerror(e));
    }
    close(fd);
    if (pt_ewf_signature(head, (size_t)h)) {
        *kind = PROBE_EWF;
        if (!pt_ewf_segment_number(head, (size_t)h, ewf_segment))
            *ewf_segment = 1;
    }
    else if (h >= 4 && memcmp(head, "QFI\xfb", 4) == 0)
        *kind = PROBE_QCOW;
    else if ((h >= 4 && memcmp(head, "KDMV", 4) == 0) ||                       /* VMDK sparse extent */
             (h >= 4 && memcmp(head, "COWD", 4) == 0) ||                       /* ESX sparse extent */
             (h >= 21 && memcmp(head, "# Disk DescriptorFile", 21) == 0))     /* VMDK descriptor */
        *kind = PROBE_VMDK;
    else if (h >= 8 && memcmp(head, "vhdxfile", 8) == 0)
        *kind = PROBE_VHDX;
    else if (pt_vdimap_is_vdi(head, (size_t)h))
        *kind = PROBE_VDI;
    else if (pt_simgmap_is_simg(head, (size_t)h))
        *kind = PROBE_SIMG;
    else if (pt_aff4map_is_aff4(head, (size_t)h, tail, t > 0 ? (size_t)t : 0))
        *kind = PROBE_AFF4;
    else if (pt_spimgmap_is_sparseimage(head, (size_t)h))
        *kind = PROBE_SPIMG;
    else if (pt_phdmap_is_parallels(head, (size_t)h))
        *kind = PROBE_PHD;
    else if ((h >= 8 && memcmp(head, "conectix", 8) == 0) ||                  /* VHD footer copy */
             (t >= 8 && memcmp(tail, "conectix", 8) == 0))                    /* VHD footer */
        *kind = PROBE_VHD;
    else if (h >= 8 && memcmp(head, "AFF10\r\n", 7) == 0)
        *kind = PROBE_OTHER;
    else if (t == (ssize_t)sizeof tail && end >= 1024 && pt_dmgmap_is_dmg(tail, sizeof tail)) /* UDIF trailer */
        *kind = PROBE_DMG;
    else
        *kind = PROBE_RAW;
    return PT_OK;
}

ssize_t pt_source_read_fd(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    int fd = *(int *)src;
    ssize_t got;

    do
        got = pread(fd, buf, len, (off_t)off);
    while (got < 0 && errno == EINTR);
    if (got < 0)
        pt_err_set(err, PT_EIO, "%s", strerror(errno));
    return got;
}

int pt_source_open_under(const char *root, const char *path, pt_err_t *err)
{
    int dfd = pt_source_open_ro(AT_FDCWD, root, O_DIRECTORY, NULL), fd = -1;
    const char *p = path;

    if (dfd < 0) {
        pt_err_set(err, PT_ENOENT, "%s: %s", root, strerror(errno));
        return -1;
    }
    while (*p == '/')
        p++;
    while (*p) {
        const char *slash = strchr(p, '/'), *rest;
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        char comp[NAME_MAX + 1];
        int last, flags, nfd;
        if (n > NAME_MAX) {
            pt_err_set(err, PT_EINVAL, "%s: name longer than NAME_MAX", path);
            break;
        }
        memcpy(comp, p, n);
        comp[n] = '\0';
        for (rest = slash; rest && *rest == '/'; rest++)
            ;
        last = !rest || !*rest;
        flags = O_NOFOLLOW | (last ? 0 : O_DIRECTORY);
        nfd = pt_source_open_ro(dfd, comp, flags, NULL);
        if (nfd < 0) {
            pt_err_set(err, errno == ENOENT ? PT_ENOENT : PT_EIO, "%s: %s", path, strerror(errno));
            break;
        }
        close(dfd);
        dfd = nfd;
        if (last) {
            fd = dfd;
            dfd = -1;
            break;
        }
        p = rest;
    }
    if (fd < 0 && err && err->code == 0)
        pt_err_set(err, PT_EINVAL, "%s: empty path", path);
    if (dfd >= 0)
        close(dfd);
    return fd;
}

ssize_t pt_source_read_img(void *img, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    ssize_t got = tsk_img_read(img, (TSK_OFF_T)off, (char *)buf, len);

    if (got < 0)
        pt_source_tsk_err(err, PT_EIO, "read failed at byte %" PRIu64, off);
    return got;
}

/* ---- a libtsk image over a pt_read_fn ---- */

typedef struct fn_img {
    TSK_IMG_INFO img;           /* first: libtsk sees only this */
    pt_read_fn fn;
    void *src;
    void (*release)(void *);    /* frees src on close, when set */
} fn_img_t;

static ssize_t fn_img_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf, size_t len)
{
    fn_img_t *n = (fn_img_t *)img;
    pt_err_t e = { 0, "" };
    ssize_t got;

    if (off < 0 || (uint64_t)off >= (uint64_t)img->size)
        return 0;
    if (len > (uint64_t)img->size - (uint64_t)off)
        len = (size_t)((uint64_t)img->size - (uint64_t)off);
    got = n->fn(n->src, (uint64_t)off, (uint8_t *)buf, len, &e);
    if (got < 0) {
        /* the layer's reason (a block past the end of a truncated image, a
         * missing parent) reaches whoever reads through libtsk */
        tsk_error_reset();
        tsk_error_set_errno(TSK_ERR_IMG_READ);
        tsk_error_set_errstr("%s", e.msg[0] ? e.msg : "read failed");
    }
    return got;
}

static void fn_img_close(TSK_IMG_INFO *img)
{
    fn_img_t *n = (fn_img_t *)img;

    if (n->release)
        n->release(n->src);
    free(img);
}

static void fn_img_stat(TSK_IMG_INFO *img, FILE *f)
{
    fprintf(f, "image read through ptriage's layers, %lld bytes\n", (long long)img->size);
}

TSK_IMG_INFO *pt_source_img_owning(pt_read_fn fn, void *src, uint64_t size, unsigned sector,
                                   void (*release)(void *))
{
    fn_img_t *n = calloc(1, sizeof *n);

    if (!n)
        return NULL;
    n->fn = fn;
    n->src = src;
    if (!tsk_img_open_external(n, (TSK_OFF_T)size, sector, fn_img_read, fn_img_close, fn_img_stat)) {
        free(n);
        return NULL;
    }
    n->release = release; /* only once the image exists: a failure leaves src to the caller */
    pt_tskalloc_evidence(size); /* a disk image in a directory given as evidence (of size 0) holds tables too */
    return &n->img;
}

TSK_IMG_INFO *pt_source_img_over(pt_read_fn fn, void *src, uint64_t size)
{
    return pt_source_img_owning(fn, src, size, 512, NULL);
}

/* ---- virtual disks decoded here (chain.h), with the files they name ---- */

static int open_chain(pt_source_t *src, pt_layer_kind_t kind, const pt_key_t *keys, size_t nkeys, pt_err_t *err)
{
    pt_err_t e = { 0, "" };
    pt_read_fn fn;
    void *s;
    uint64_t size;
    int rc;

    if (!(src->files = pt_files_host()))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    if ((rc = pt_files_open(src->files, src->path, &fn, &s, &size, &e)) != PT_OK ||
        (rc = pt_chain_open(kind, fn, s, size, src->path, src->files, keys, nkeys, &src->chain, &e)) != PT_OK)
        return pt_err_set(err, rc, "evidence '%s': %.900s", src->path, e.msg);
    snprintf(src->note, sizeof src->note, "%s", pt_chain_describe(src->chain));
    if (!(src->img = pt_source_img_over(pt_layer_read, pt_chain_top(src->chain), pt_layer_size(pt_chain_top(src->chain)))))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    src->format = pt_layer_kind_name(kind);
    src->size = pt_layer_size(pt_chain_top(src->chain));
    src->sector_size = 512;
    src->segments = pt_files_count(src->files);
    return PT_OK;
}

/* A later segment of a split raw image given as evidence (disk.002,
 * disk.ab): libtsk would read it alone, as if it were a whole disk.  When
 * the set's first segment lies beside it, its name goes to FIRST and the
 * segment's position (2, 3, ...) is returned; else 0. */
static unsigned split_later_segment(const char *path, char *first, size_t size)
{
    const char *base = strrchr(path, '/'), *dot;
    size_t n, k, i;
    unsigned long v = 0;
    struct stat st;

    base = base ? base + 1 : path;
    if (!(dot = strrchr(base, '.')) || dot == base || (n = strlen(dot + 1)) < 2 || n > 6 ||
        strlen(path) + 1 > size)
        return 0;
    snprintf(first, size, "%s", path);
    k = (size_t)(dot + 1 - path);
    for (i = 0; i < n && dot[1 + i] >= '0' && dot[1 + i] <= '9'; i++)
        v = v * 10 + (unsigned long)(dot[1 + i] - '0');
    if (i == n && n >= 3) { /* .001, .002, ... or .000, .001, ... */
        for (i = 0; i < n; i++)
            first[k + i] = '0';
        if (v >= 1 && stat(first, &st) == 0 && S_ISREG(st.st_mode))
            return (unsigned)v + 1;
        first[k + n - 1] = '1';
        if (v >= 2 && stat(first, &st) == 0 && S_ISREG(st.st_mode))
            return (unsigned)v;
        return 0;
    }
    if (n == 2 && dot[1] >= 'a' && dot[1] <= 'z' && dot[2] >= 'a' && dot[2] <= 'z' && !(dot[1] == 'a' && dot[2] == 'a')) {
        first[k] = first[k + 1] = 'a'; /* .aa, .ab, ... */
        if (stat(first, &st) == 0 && S_ISREG(st.st_mode))
            return (unsigned)((dot[1] - 'a') * 26 + (dot[2] - 'a')) + 1;
    }
    return 0;
}

/* A directory given as evidence that is a disk: a sparse bundle
 * (NAME.sparsebundle) or a Parallels disk (NAME.hdd with its descriptor),
 * read through a namespace of its own files.  PT_ENOENT (a .hdd directory
 * without a descriptor) and a bundle that does not open leave it a
 * directory, the reason in src->note. */
static int open_dir_disk(pt_source_t *src, const char *path, pt_err_t *err)
{
    int bundle = pt_bundle_named(path);
    pt_err_t e = { 0, "" };
    char desc[400];

    if (!(src->files = pt_files_dir(path)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    src->img = bundle ? pt_bundle_img(src->files, "", desc, sizeof desc, &e)
                      : pt_phdbundle_img(src->files, "", desc, sizeof desc, &e);
    if (!src->img) {
        pt_files_free(src->files);
        src->files = NULL;
        if (e.code == PT_ENOMEM)
            return pt_err_set(err, PT_ENOMEM, "%s", e.msg);
        if (e.code != PT_ENOENT || bundle)
            snprintf(src->note, sizeof src->note, "%s not opened as a disk (%.900s): walked as a directory",
                     bundle ? "sparse bundle" : "Parallels disk", e.msg);
        return PT_ENOENT;
    }
    src->format = pt_layer_kind_name(bundle ? PT_LAYER_BUNDLE : PT_LAYER_PHDBUNDLE);
    src->size = (uint64_t)src->img->size;
    src->sector_size = 512;
    snprintf(src->note, sizeof src->note, "%s", desc);
    return PT_OK;
}

/* A raw image (a set of split segments) read by libtsk. */
static int open_raw(pt_source_t *src, const char *path, pt_err_t *err)
{
    if (!(src->img = pt_source_open_raw_set(path, 0, &src->segments, err)))
        return err->code ? err->code : PT_EIO;
    src->format = "raw";
    src->size = src->img->size > 0 ? (uint64_t)src->img->size : 0;
    src->sector_size = src->img->sector_size;
    return PT_OK;
}

int pt_source_open(const char *path, pt_source_t **out, pt_err_t *err)
{
    return pt_source_open_keys(path, NULL, 0, out, err);
}

static int open_keys(const char *path, const pt_key_t *keys, size_t nkeys, pt_source_t **out, pt_err_t *err);

int pt_source_open_keys(const char *path, const pt_key_t *keys, size_t nkeys, pt_source_t **out, pt_err_t *err)
{
    int rc = open_keys(path, keys, nkeys, out, err);

    if (rc == PT_OK)
        pt_tskalloc_evidence((*out)->size); /* what libtsk may allocate for one table of it */
    return rc;
}

static int open_keys(const char *path, const pt_key_t *keys, size_t nkeys, pt_source_t **out, pt_err_t *err)
{
    struct stat st;
    pt_source_t *src;
    int kind = PROBE_RAW, rc;
    unsigned ewf_segment = 1, later;
    char first[4096];

    *out = NULL;
    if (stat(path, &st) != 0)
        return pt_err_set(err, errno == ENOENT ? PT_ENOENT : PT_EIO, "evidence '%s': %s", path,
                          strerror(errno));
    if (!(src = calloc(1, sizeof *src)) || !(src->path = strdup(path))) {
        free(src);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    if (S_ISDIR(st.st_mode)) {
        if ((pt_bundle_named(path) || pt_phdbundle_named(path)) && (rc = open_dir_disk(src, path, err)) != PT_ENOENT) {
            if (rc != PT_OK) {
                pt_source_close(src);
                return rc;
            }
            *out = src;
            return PT_OK;
        }
        src->is_dir = 1;
        src->format = "directory";
        *out = src;
        return PT_OK;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        pt_source_close(src);
        return pt_err_set(err, PT_EFORMAT, "evidence '%s': not a file, device or directory", path);
    }
    if ((rc = probe(path, &kind, &ewf_segment, err)) != PT_OK) {
        pt_source_close(src);
        return rc;
    }
    if (kind == PROBE_QCOW || kind == PROBE_VMDK || kind == PROBE_VHD || kind == PROBE_VHDX || kind == PROBE_VDI ||
        kind == PROBE_DMG || kind == PROBE_SIMG || kind == PROBE_SPIMG ||
        kind == PROBE_PHD || kind == PROBE_AFF4) {
        if ((rc = open_chain(src, kind == PROBE_QCOW ? PT_LAYER_QCOW : kind == PROBE_VMDK ? PT_LAYER_VMDK :
                                  kind == PROBE_VHD ? PT_LAYER_VHD : kind == PROBE_VDI ? PT_LAYER_VDI :
                                  kind == PROBE_DMG ? PT_LAYER_DMG : kind == PROBE_SIMG ? PT_LAYER_SIMG :
                                  kind == PROBE_SPIMG ? PT_LAYER_SPARSEIMAGE :
                                  kind == PROBE_PHD ? PT_LAYER_PARALLELS : kind == PROBE_AFF4 ? PT_LAYER_AFF4 :
                                  PT_LAYER_VHDX,
                             keys, nkeys, err)) == PT_OK) {
            *out = src;
            return PT_OK;
        }
        if (rc != PT_ENOKEY) {
            pt_source_close(src);
            return rc;
        }
        /* an encrypted virtual disk (a qcow2 with LUKS) without its key: its
         * bytes are still evidence, read as they are (one encrypted item) */
        snprintf(src->note, sizeof src->note, "%.900s: read as the bytes of the file", err->msg);
        src->locked = 1;
        pt_chain_close(src->chain);
        src->chain = NULL;
        pt_files_free(src->files);
        src->files = NULL;
        err->code = 0;
        err->msg[0] = '\0';
        if ((rc = open_raw(src, path, err)) != PT_OK) {
            pt_source_close(src);
            return rc;
        }
        *out = src;
        return PT_OK;
    }
    if (kind == PROBE_EWF) {
        /* checked chunk by chunk (ewf.c), not through libtsk's EWF layer */
        if (!(src->img = pt_ewf_open(path, &src->segments, err))) {
            pt_source_close(src);
            return err->code;
        }
        src->format = "ewf";
        if (ewf_segment != 1)
            snprintf(src->note, sizeof src->note, "'%s' is segment %u of an EWF image: the image is read from "
                     "its first segment (%d segments)", path, ewf_segment, src->segments);
        src->size = (uint64_t)src->img->size;
        src->sector_size = src->img->sector_size;
        check_split_gap(src);
        *out = src;
        return PT_OK;
    }
    if (kind == PROBE_RAW) {
        if ((later = split_later_segment(path, first, sizeof first)) != 0) {
            char *p = strdup(first);
            if (!p) {
                pt_source_close(src);
                return pt_err_set(err, PT_ENOMEM, "out of memory");
            }
            free(src->path);
            src->path = p;
            path = src->path;
        }
        if ((rc = open_raw(src, path, err)) != PT_OK) {
            pt_source_close(src);
            return rc;
        }
        if (later)
            snprintf(src->note, sizeof src->note, "the evidence named is segment %u of a split image: the image is "
                     "read from its first segment '%s' (%d segments)", later, path, src->segments);
        check_split_gap(src);
        *out = src;
        return PT_OK;
    }
    src->img = tsk_img_open_sing(path, TSK_IMG_TYPE_DETECT, 0);
    if (!src->img) {
        pt_source_tsk_err(err, PT_EFORMAT, "evidence '%s': cannot open as a disk image", path);
        pt_source_close(src);
        return PT_EFORMAT;
    }
    if (src->img->itype == TSK_IMG_TYPE_RAW && src->img->num_img > 0 && src->img->images) {
        TSK_IMG_INFO *raw = pt_rawimg_open((const char *const *)src->img->images, src->img->num_img,
                                           src->img->sector_size, err);
        if (!raw) {
            pt_source_close(src);
            return err->code;
        }
        src->segments = src->img->num_img;
        tsk_img_close(src->img);
        src->img = raw;
        src->format = "raw";
    } else {
        src->format = tsk_img_type_toname(src->img->itype);
        src->segments = src->img->num_img;
    }
    src->size = src->img->size > 0 ? (uint64_t)src->img->size : 0;
    src->sector_size = src->img->sector_size;
    check_split_gap(src);
    *out = src;
    return PT_OK;
}

int pt_source_set_in_tree(const char *set, char *const *names, int n, pt_err_t *err)
{
    int i;

    for (i = 0; i < n; i++) {
        struct stat st;
        if (lstat(names[i], &st) != 0 || !S_ISREG(st.st_mode))
            return pt_err_set(err, PT_EFORMAT, "'%s': segment '%s' is not a regular file of the tree (a link?): the "
                              "set is not opened", set, names[i]);
    }
    return PT_OK;
}

TSK_IMG_INFO *pt_source_open_raw_set(const char *path, int in_tree, int *segments, pt_err_t *err)
{
    /* A single name is enough: libtsk finds .002... itself.  Its open only
     * names and sizes the segments (it reads nothing); they are then read
     * through rawimg.c. */
    TSK_IMG_INFO *t = tsk_img_open_sing(path, TSK_IMG_TYPE_RAW, 0), *raw;

    if (!t) {
        pt_source_tsk_err(err, PT_EFORMAT, "evidence '%s': cannot open as a disk image", path);
        return NULL;
    }
    if (t->num_img < 1 || !t->images) {
        tsk_img_close(t);
        pt_err_set(err, PT_EFORMAT, "evidence '%s': libtsk names no file of the image", path);
        return NULL;
    }
    if (in_tree && pt_source_set_in_tree(path, t->images, t->num_img, err) != PT_OK) {
        tsk_img_close(t);
        return NULL;
    }
    raw = pt_rawimg_open((const char *const *)t->images, t->num_img, t->sector_size, err);
    *segments = t->num_img;
    tsk_img_close(t);
    return raw;
}

void pt_source_close(pt_source_t *src)
{
    if (!src)
        return;
    if (src->img)
        tsk_img_close(src->img);
    pt_chain_close(src->chain);
    pt_files_free(src->files);
    free(src->path);
    free(src);
}

/* libtsk has no getter for these; its imgstat writes them as text
 * ("MD5 hash of data:\t<hex>"), which is parsed here and nowhere else. */
void pt_source_stored_hashes(const pt_source_t *src, char md5[33], char sha1[41])
{
    char *buf = NULL, *p;
    size_t len = 0;
    FILE *m;

    md5[0] = sha1[0] = '\0';
    if (src && src->chain) { /* a disk format of ptriage's own reading */
        pt_layer_stored_hashes(pt_chain_top(src->chain), md5, sha1);
        if (md5[0] || sha1[0])
            return;
    }
    if (!src || !src->img || !src->img->imgstat || !(m = open_memstream(&buf, &len)))
        return;
    src->img->imgstat(src->img, m);
    fclose(m);
    if ((p = strstr(buf, "MD5 hash of data:")) && sscanf(p + 17, " %32[0-9a-fA-F]", md5) != 1)
        md5[0] = '\0';
    if ((p = strstr(buf, "SHA1 hash of data:")) && sscanf(p + 18, " %40[0-9a-fA-F]", sha1) != 1)
        sha1[0] = '\0';
    free(buf);
}

int pt_source_hash(const pt_source_t *src, pt_hash_result_t *out, pt_err_t *err)
{
    enum { BLOCK = 1 << 20 };
    pt_hash_t *h;
    char *buf;
    uint64_t off = 0;
    int rc;

    if (!src->img)
        return pt_err_set(err, PT_EINVAL, "%s: not an image", src->path);
    if (!(h = pt_hash_new(PT_HASH_MD5 | PT_HASH_SHA256, err)))
        return err->code;
    if (!(buf = malloc(BLOCK))) {
        pt_hash_free(h);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    rc = pt_hash_begin(h, err);
    while (rc == PT_OK && off < src->size) {
        size_t want = src->size - off < BLOCK ? (size_t)(src->size - off) : BLOCK;
        ssize_t n = tsk_img_read(src->img, (TSK_OFF_T)off, buf, want);
        if (n <= 0) {
            rc = pt_source_tsk_err(err, PT_EIO, "image hash: read failed at byte %llu", (unsigned long long)off);
            break;
        }
        pt_hash_update(h, buf, (size_t)n);
        off += (uint64_t)n;
    }
    if (rc == PT_OK)
        rc = pt_hash_end(h, out, err);
    free(buf);
    pt_hash_free(h);
    return rc;
}
