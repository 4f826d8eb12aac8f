/* layer.c - virtual disks, LVM2 and LUKS through libyal.  A layer owns its
 * libyal object and the libbfio handles it reads through; a logical volume
 * borrows its volume group. */
#include "layer.h"

/* the libyal headers declare their libbfio entry points only when told
 * libbfio is there */
#define HAVE_LIBBFIO 1
#include <ctype.h>
#include <libbde.h>
#include <libbfio.h>
#include <libqcow.h>
#include <libvhdi.h>
#include <libvmdk.h>
#include <libvslvm.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bfio.h"
#include "bytes.h"
#include "luks.h"
#include "tcrypt.h"
#include "lvmsnap.h"
#include "lvmthin.h"
#include "mdraid.h"
#include "qcowmap.h"
#include "source.h"
#include "squashfs.h"
#include "erofs.h"
#include "f2fs.h"
#include "vdimap.h"
#include "aff4map.h"
#include "dmgmap.h"
#include "simgmap.h"
#include "spimgmap.h"
#include "phdmap.h"
#include "vhdmap.h"
#include "vhdxmap.h"
#include "vmdkmap.h"
#include "vss.h"

struct pt_layer {
    pt_layer_kind_t kind;
    pt_bfio_handle_t *bfio, *bfio2; /* bfio2: the pool's copy (VMDK extents, LVM) */
    libbfio_pool_t *pool;
    libqcow_file_t *qcow;
    libvmdk_handle_t *vmdk;
    libvhdi_file_t *vhdi;
    libvslvm_handle_t *lvm;
    libvslvm_volume_group_t *vg;
    libvslvm_logical_volume_t *lv;
    pt_luks_t *luks;
    pt_tcrypt_t *tcs[2];            /* VeraCrypt: the standard and the hidden volume opened (owned) */
    int n_tc;
    pt_tcrypt_t *tc_of;             /* one of them (borrowed from its group) */
    libbde_volume_t *bde;
    pt_read_fn up_fn;               /* a RAID 1 member: its data is the range */
    void *up_src;                   /* [up_off, up_off + size) of what it is read from */
    uint64_t up_off;
    uint64_t size;
    char desc[640];
    char name[384];
    char backing[1024];             /* a differential qcow image's backing file, as stored */
    char pnote[256];                /* what attaching the parent found (pt_layer_parent_note) */
    pt_qcowmap_t *qmap;             /* qcow2: where each cluster is (qcowmap.h) */
    pt_luks_t *qluks;               /* qcow2 with LUKS encryption: its header, unlocked (clusters decrypted) */
    struct qrange { pt_read_fn fn; void *src; uint64_t off, len; } qhdr; /* where that header lies */
    pt_vmdkmap_t *vmap;             /* VMDK: where each grain is (vmdkmap.h) */
    pt_vdimap_t *dmap;              /* VDI: where each block is (vdimap.h) */
    pt_dmgmap_t *gmap;              /* DMG: where each chunk is, and its decoding (dmgmap.h) */
    pt_simgmap_t *smap;             /* Android sparse image: its chunks (simgmap.h) */
    pt_aff4map_t *amap;             /* AFF4 image: its map and streams (aff4map.h) */
    pt_spimgmap_t *pmap;            /* Apple sparse image: where each band is (spimgmap.h) */
    pt_phdmap_t *rmap;              /* Parallels image: where each cluster is (phdmap.h) */
    pt_vhdmap_t *hmap;              /* a differencing VHD: whose each sector is (vhdmap.h) */
    uint8_t vhd_uuid[16];           /* a VHD's own UUID (its footer), when has_vhd_uuid */
    int has_vhd_uuid;
    pt_vhdxmap_t *xmap;             /* a differencing VHDX (vhdxmap.h) */
    uint8_t vhdx_guid[16];          /* a VHDX's DataWriteGuid, when has_vhdx_guid: what a child links to */
    int has_vhdx_guid;
    pt_layer_t *parent;             /* the backing image or parent disk (borrowed), NULL when none */
    pt_read_fn file_fn;             /* qcow2: the image file, read directly for uncompressed clusters;
                                     * a BSD label: the slice */
    void *file_src;
    struct bsd_part *bsd;           /* a BSD label's partitions */
    int n_bsd;
    pt_lvm_lv_t *lvs;               /* a volume group: its LVs as its metadata lists them (snapshots) */
    int nlvs;
    pt_layer_t *snap_origin, *snap_cow; /* a snapshot's view: its origin and store LVs (owned) */
    pt_lvmsnap_t *snap;
    pt_lvmthin_t *thin;             /* a thin volume, read through its pool's map */
    pt_layer_t *thin_meta, *thin_data; /* its pool's metadata and data LVs (owned) */
    int record_only;                /* a thin pool: described, not read (its volumes are) */
    pt_vss_t *vss;                  /* a shadow copy set (owned) */
    pt_vss_t *vss_of;               /* a snapshot: its set (borrowed) and index */
    int vss_i;
};

typedef struct bsd_part {
    char name[2];                   /* "a", "d", ... */
    uint64_t off, len;              /* bytes, in the slice */
    char desc[64];
} bsd_part_t;

static const char *const names[] = {
    [PT_LAYER_NONE] = "", [PT_LAYER_QCOW] = "qcow2", [PT_LAYER_VMDK] = "vmdk", [PT_LAYER_VHD] = "vhd",
    [PT_LAYER_VHDX] = "vhdx", [PT_LAYER_LVM] = "lvm2", [PT_LAYER_LUKS] = "luks", [PT_LAYER_EWF] = "ewf",
    [PT_LAYER_BITLOCKER] = "bitlocker", [PT_LAYER_MDRAID] = "md-raid", [PT_LAYER_BTRFS] = "btrfs",
    [PT_LAYER_ZFS] = "zfs", [PT_LAYER_XFS] = "xfs", [PT_LAYER_APFS] = "apfs", [PT_LAYER_BSD] = "bsd",
    [PT_LAYER_VDI] = "vdi", [PT_LAYER_SPLIT] = "split-raw", [PT_LAYER_DMG] = "dmg", [PT_LAYER_BUNDLE] = "sparsebundle",
    [PT_LAYER_VSS] = "vss", [PT_LAYER_VERACRYPT] = "veracrypt", [PT_LAYER_SQUASHFS] = "squashfs", [PT_LAYER_SIMG] = "android-sparse",
    [PT_LAYER_SPARSEIMAGE] = "sparseimage", [PT_LAYER_PARALLELS] = "parallels",
    [PT_LAYER_PHDBUNDLE] = "parallels-hdd", [PT_LAYER_EROFS] = "erofs", [PT_LAYER_F2FS] = "f2fs",
    [PT_LAYER_AFF4] = "aff4",
};

const char *pt_layer_kind_name(pt_layer_kind_t k)
{
    return (size_t)k < sizeof names / sizeof names[0] ? names[k] : "";
}

pt_layer_kind_t pt_layer_kind_by_name(const char *name)
{
    size_t i;

    for (i = 1; name && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], name) == 0)
            return (pt_layer_kind_t)i;
    return PT_LAYER_NONE;
}

int pt_layer_is_disk_image(pt_layer_kind_t k)
{
    return k == PT_LAYER_QCOW || k == PT_LAYER_VMDK || k == PT_LAYER_VHD || k == PT_LAYER_VHDX || k == PT_LAYER_VDI ||
           k == PT_LAYER_DMG || k == PT_LAYER_SIMG || k == PT_LAYER_SPARSEIMAGE ||
           k == PT_LAYER_PARALLELS || k == PT_LAYER_AFF4;
}

pt_layer_kind_t pt_layer_detect_head(const uint8_t *h, size_t n)
{
    static const struct { size_t off; const char *sig; size_t len; pt_layer_kind_t k; } sigs[] = {
        { 0, "QFI\xfb", 4, PT_LAYER_QCOW },
        { 0, "KDMV", 4, PT_LAYER_VMDK },           /* sparse extent (monolithic, stream-optimised) */
        { 0, "# Disk DescriptorFile", 21, PT_LAYER_VMDK }, /* a descriptor naming extent files */
        { 0, "COWD", 4, PT_LAYER_VMDK },           /* ESX sparse */
        { 0, "conectix", 8, PT_LAYER_VHD },        /* dynamic and differencing (fixed: a raw disk) */
        { 0, "vhdxfile", 8, PT_LAYER_VHDX },
        { 0, "EVF\x09\x0d\x0a\xff\x00", 8, PT_LAYER_EWF },
        { 0, "EVF2\x0d\x0a\x81\x00", 8, PT_LAYER_EWF },
        { 0, "LUKS\xba\xbe", 6, PT_LAYER_LUKS },
        { 3, "-FVE-FS-", 8, PT_LAYER_BITLOCKER },
        { 0, "XFSB", 4, PT_LAYER_XFS },
    };
    size_t i;

    if (pt_layer_is_vmdk_extent(h, n))
        return PT_LAYER_NONE; /* a disk only through its descriptor */
    if (pt_vdimap_is_vdi(h, n))
        return PT_LAYER_VDI;
    if (pt_simgmap_is_simg(h, n))
        return PT_LAYER_SIMG;
    if (pt_aff4map_is_aff4(h, n, NULL, 0))
        return PT_LAYER_AFF4;
    if (pt_spimgmap_is_sparseimage(h, n))
        return PT_LAYER_SPARSEIMAGE;
    if (pt_phdmap_is_parallels(h, n))
        return PT_LAYER_PARALLELS;
    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (n >= sigs[i].off + sigs[i].len && memcmp(h + sigs[i].off, sigs[i].sig, sigs[i].len) == 0)
            return sigs[i].k;
    return PT_LAYER_NONE;
}

int pt_layer_is_bitlocker_to_go(const uint8_t *h, size_t n)
{
    static const uint8_t guid[16] = { 0x3b, 0xd6, 0x67, 0x49, 0x29, 0x2e, 0xd8, 0x4a,
                                      0x83, 0x99, 0xf6, 0xa3, 0x39, 0xe3, 0xd0, 0x01 };

    return n >= 512 && h[510] == 0x55 && h[511] == 0xaa && memcmp(h + 0x1a8, guid, 16) == 0;
}

int pt_layer_is_bitlocker_cover(const char *name)
{
    size_t i = 3;

    /* Windows writes "COV 0000. ER", "COV 0001. ER", ...; tools that
     * normalise 8.3 names drop the spaces */
    if (strncasecmp(name, "COV", 3) != 0)
        return 0;
    if (name[i] == ' ')
        i++;
    if (!isdigit((unsigned char)name[i]))
        return 0;
    while (isdigit((unsigned char)name[i]))
        i++;
    if (name[i++] != '.')
        return 0;
    if (name[i] == ' ')
        i++;
    return strcasecmp(name + i, "ER") == 0;
}

int pt_layer_is_vmdk_extent(const uint8_t *h, size_t n)
{
    uint64_t at;

    /* a hosted sparse extent whose descriptor (the sector at byte 28) is
     * absent or empty: the descriptor naming it is another file */
    if (n < 36 || memcmp(h, "KDMV", 4) != 0)
        return 0;
    at = ((uint64_t)h[28] | (uint64_t)h[29] << 8 | (uint64_t)h[30] << 16 | (uint64_t)h[31] << 24 |
          (uint64_t)h[32] << 32 | (uint64_t)h[33] << 40 | (uint64_t)h[34] << 48 | (uint64_t)h[35] << 56);
    if (at == 0)
        return 1;
    if (at > n / 512 || n - at * 512 < 21)
        return 0; /* not in the bytes seen: taken as a disk, as before */
    return memcmp(h + at * 512, "# Disk DescriptorFile", 21) != 0;
}

static int read_at(pt_read_fn fn, void *src, uint64_t size, uint64_t off, uint8_t *buf, size_t len)
{
    pt_err_t e = { 0, "" };

    return off <= size && len <= size - off && pt_read_exact(fn, src, off, buf, len, &e) == PT_OK;
}

static int md_magic(const uint8_t *b)
{
    return b[0] == 0xfc && b[1] == 0x4e && b[2] == 0x2b && b[3] == 0xa9;
}

pt_layer_kind_t pt_layer_detect(pt_read_fn fn, void *src, uint64_t size)
{
    uint8_t b[4096], t[512], t2[4096];
    pt_layer_kind_t k;
    uint64_t sectors = size / 512;
    int i;

    if (!read_at(fn, src, size, 0, b, sizeof b))
        return PT_LAYER_NONE;
    if ((k = pt_layer_detect_head(b, sizeof b)) != PT_LAYER_NONE)
        return k;
    /* a UDIF disk image: its trailer ends the file */
    if (size >= 1024 && read_at(fn, src, size, size - 512, t, sizeof t) && pt_dmgmap_is_dmg(t, sizeof t))
        return PT_LAYER_DMG;
    if (pt_squashfs_is(b, sizeof b))
        return PT_LAYER_SQUASHFS;
    if (pt_erofs_is(b, sizeof b))
        return PT_LAYER_EROFS;
    if (pt_f2fs_is(b, sizeof b))
        return PT_LAYER_F2FS;
    /* F2FS keeps a copy of its superblock in its second block */
    if (le32(b + 1024) != 0xF2F52010u && read_at(fn, src, size, 4096, t2, sizeof t2) && pt_f2fs_is(t2, sizeof t2))
        return PT_LAYER_F2FS;
    /* APFS: the container superblock's magic after its 32-byte header (not
     * in pt_layer_detect_head: a container found as a file is a disk) */
    if (memcmp(b + 32, "NXSB", 4) == 0)
        return PT_LAYER_APFS;
    /* a BSD disklabel (FreeBSD, NetBSD, OpenBSD slices): sector 1, magic twice */
    if (memcmp(b + 512, "\x57\x45\x56\x82", 4) == 0 && memcmp(b + 512 + 132, "\x57\x45\x56\x82", 4) == 0)
        return PT_LAYER_BSD;
    /* LVM2: a label in one of the first four sectors */
    for (i = 0; i < 4; i++)
        if (memcmp(b + 512 * i, "LABELONE", 8) == 0 && memcmp(b + 512 * i + 24, "LVM2 001", 8) == 0)
            return PT_LAYER_LVM;
    /* md superblock 1.1 at 0, 1.2 at 4 KiB, 1.0 8 KiB before the end, and
     * 0.90 in the last 64 KiB-aligned 64 KiB */
    if (md_magic(b))
        return PT_LAYER_MDRAID;
    if (read_at(fn, src, size, 4096, b, 4) && md_magic(b))
        return PT_LAYER_MDRAID;
    if (sectors >= 16 && read_at(fn, src, size, ((sectors - 16) & ~(uint64_t)7) * 512, b, 4) && md_magic(b))
        return PT_LAYER_MDRAID;
    if (sectors >= 256 && read_at(fn, src, size, ((sectors & ~(uint64_t)127) - 128) * 512, b, 4) && md_magic(b))
        return PT_LAYER_MDRAID;
    if (read_at(fn, src, size, 65536 + 64, b, 8) && memcmp(b, "_BHRfS_M", 8) == 0)
        return PT_LAYER_BTRFS;
    /* ZFS: the first label's uberblock array starts at 128 KiB */
    if (read_at(fn, src, size, 131072, b, 8) &&
        (memcmp(b, "\x0c\xb1\xba\x00\x00\x00\x00\x00", 8) == 0 || memcmp(b, "\x00\x00\x00\x00\x00\xba\xb1\x0c", 8) == 0))
        return PT_LAYER_ZFS;
    return PT_LAYER_NONE;
}

/* libyal errors are all libcerror objects behind per-library typedefs; the
 * library's own words follow ours, on one line */
#define YAL_ERR(lib, e, err, code, ...)                                                         \
    do {                                                                                        \
        char m_[512] = "", *p_;                                                                 \
        if (e) {                                                                                \
            lib##_error_sprint(e, m_, sizeof m_);                                               \
            lib##_error_free(&e);                                                               \
        }                                                                                       \
        for (p_ = m_; *p_; p_++)                                                                \
            if (*p_ == '\n')                                                                    \
                *p_ = ' ';                                                                      \
        pt_err_set(err, code, __VA_ARGS__);                                                     \
        if (m_[0] && err)                                                                       \
            yal_detail(err, m_);                                                                \
    } while (0)

static void yal_detail(pt_err_t *err, const char *detail)
{
    char ours[sizeof err->msg];

    memcpy(ours, err->msg, sizeof ours);
    if (snprintf(err->msg, sizeof err->msg, "%.600s (%.400s)", ours, detail) < 0)
        err->msg[0] = '\0';
}

static void human(char *out, size_t n, uint64_t bytes)
{
    snprintf(out, n, "%llu bytes", (unsigned long long)bytes);
}

static ssize_t read_qhdr(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    struct qrange *r = src;

    if (off >= r->len)
        return 0;
    if (len > r->len - off)
        len = (size_t)(r->len - off);
    return pt_read_exact(r->fn, r->src, r->off + off, buf, len, err) == PT_OK ? (ssize_t)len : -1;
}

/* qemu's LUKS encryption of a qcow2 (crypt_method 2): the LUKS header lies
 * where the "full disk encryption header pointer" extension (0x0537be77)
 * says; the clusters are its payload, each 512-byte sector encrypted with
 * its offset in the image file as the IV (qcow2.txt). */
static int open_qcow_luks(pt_layer_t *l, pt_read_fn fn, void *src, uint64_t fsize, const pt_key_t *keys,
                          size_t nkeys, pt_err_t *err)
{
    uint8_t h[4096];
    uint32_t version, hlen, at;
    const char *used = NULL;
    int rc;

    if ((rc = pt_read_exact(fn, src, 0, h, fsize < sizeof h ? (size_t)fsize : sizeof h, err)) != PT_OK)
        return rc;
    version = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
    hlen = version >= 3 ? ((uint32_t)h[100] << 24 | (uint32_t)h[101] << 16 | (uint32_t)h[102] << 8 | h[103]) : 72;
    for (at = hlen; at + 8 <= sizeof h && at + 8 <= fsize;) {
        uint32_t type = (uint32_t)h[at] << 24 | (uint32_t)h[at + 1] << 16 | (uint32_t)h[at + 2] << 8 | h[at + 3];
        uint32_t len = (uint32_t)h[at + 4] << 24 | (uint32_t)h[at + 5] << 16 | (uint32_t)h[at + 6] << 8 | h[at + 7];
        if (type == 0)
            break;
        if (type == 0x0537be77 && len >= 16 && at + 24 <= sizeof h) {
            uint64_t off = 0, n = 0;
            for (int i = 0; i < 8; i++) {
                off = off << 8 | h[at + 8 + i];
                n = n << 8 | h[at + 16 + i];
            }
            if (off > fsize || n > fsize - off || n < 592)
                return pt_err_set(err, PT_EFORMAT, "qcow2 LUKS header (byte %llu, %llu bytes) outside the image",
                                  (unsigned long long)off, (unsigned long long)n);
            l->qhdr = (struct qrange){ fn, src, off, n };
            if ((rc = pt_luks_open_header(read_qhdr, &l->qhdr, n, &l->qluks, err)) != PT_OK ||
                (rc = pt_luks_unlock(l->qluks, keys, nkeys, &used, err)) != PT_OK) {
                pt_err_prefix(err, "qcow2 image encrypted with LUKS%s%s", l->qluks ? ", " : "",
                              l->qluks ? pt_luks_describe(l->qluks) : "");
                return rc;
            }
            snprintf(l->pnote, sizeof l->pnote, "guest data encrypted with LUKS, opened with %.200s", used);
            return PT_OK;
        }
        if (len > sizeof h)
            break;
        at += 8 + (len + 7) / 8 * 8;
    }
    return pt_err_set(err, PT_EFORMAT, "qcow2 image encrypted with LUKS, but no header extension says where its "
                      "LUKS header is");
}

static int open_qcow(pt_layer_t *l, pt_read_fn fn, void *src, uint64_t fsize, const pt_key_t *keys, size_t nkeys,
                     pt_err_t *err)
{
    libqcow_error_t *e = NULL;
    uint32_t version = 0, enc = 0;
    size64_t size = 0;
    int snaps = 0;
    size_t bn = 0;
    char sz[64];
    uint8_t h[105];
    pt_err_t herr = { 0, "" };

    /* qcow2 version 3 with a compression type (byte 104) other than zlib:
     * libqcow refuses the whole image, say why */
    if (pt_read_exact(fn, src, 0, h, sizeof h, &herr) == PT_OK && memcmp(h, "QFI\xfb", 4) == 0 && h[7] == 3 &&
        (h[79] & 8) &&
        ((uint32_t)h[100] << 24 | (uint32_t)h[101] << 16 | (uint32_t)h[102] << 8 | h[103]) >= 105 && h[104] != 0)
        return pt_err_set(err, PT_EFORMAT, "qcow2 image whose clusters are compressed with %s, which libqcow "
                          "20201213 does not read: convert it (qemu-img convert -O raw) and give the result as "
                          "evidence", h[104] == 1 ? "zstd" : "an unknown method");
    if (libqcow_file_initialize(&l->qcow, &e) != 1 ||
        libqcow_file_open_file_io_handle(l->qcow, (libbfio_handle_t *)l->bfio, LIBQCOW_OPEN_READ, &e) != 1 ||
        libqcow_file_get_media_size(l->qcow, &size, &e) != 1) {
        YAL_ERR(libqcow, e, err, PT_EFORMAT, "qcow image not opened");
        return PT_EFORMAT;
    }
    libqcow_file_get_format_version(l->qcow, &version, NULL);
    libqcow_file_get_encryption_method(l->qcow, &enc, NULL);
    libqcow_file_get_number_of_snapshots(l->qcow, &snaps, NULL);
    if (enc == 2 && version >= 2 && nkeys > 0) {
        int rc = open_qcow_luks(l, fn, src, fsize, keys, nkeys, err);
        if (rc != PT_OK)
            return rc;
    } else if (enc != 0) {
        return pt_err_set(err, PT_ENOKEY, "qcow%u image encrypted with method %u (%s): not opened%s", version, enc,
                          enc == 1 ? "legacy AES" : enc == 2 ? "LUKS" : "unknown",
                          enc == 2 ? ": no key in case.conf [keys]" : "");
    }
    if (version >= 2 && pt_qcowmap_open(fn, src, fsize, &l->qmap, err) != PT_OK)
        return err ? err->code : PT_EFORMAT;
    l->file_fn = fn;
    l->file_src = src;
    /* 0: the image has no backing file */
    if (libqcow_file_get_utf8_backing_filename_size(l->qcow, &bn, &e) == -1) {
        YAL_ERR(libqcow, e, err, PT_EFORMAT, "qcow image's backing file name not read");
        return PT_EFORMAT;
    }
    if (bn > sizeof l->backing)
        return pt_err_set(err, PT_EFORMAT, "qcow image's backing file name is %zu bytes long", bn);
    if (bn > 1 && libqcow_file_get_utf8_backing_filename(l->qcow, (uint8_t *)l->backing, bn, &e) != 1) {
        YAL_ERR(libqcow, e, err, PT_EFORMAT, "qcow image's backing file name not read");
        return PT_EFORMAT;
    }
    l->size = size;
    human(sz, sizeof sz, size);
    snprintf(l->desc, sizeof l->desc, "qcow version %u, %s virtual disk%s%.400s%s%s", version, sz,
             l->backing[0] ? ", differential over backing file '" : "", l->backing, l->backing[0] ? "'" : "",
             snaps > 0 ? ", snapshots not examined" : "");
    if (l->qluks) {
        /* said in the description, not as a parent's note */
        size_t n = strlen(l->desc);
        snprintf(l->desc + n, sizeof l->desc - n, "; %s", l->pnote);
        l->pnote[0] = '\0';
    }
    return PT_OK;
}

static int open_pool(pt_layer_t *l, pt_read_fn fn, void *src, uint64_t size, pt_err_t *err)
{
    libbfio_error_t *e = NULL;
    int entry = 0, rc;

    if ((rc = pt_bfio_open(fn, src, size, &l->bfio2, err)) != PT_OK)
        return rc;
    if (libbfio_pool_initialize(&l->pool, 0, 0, &e) != 1 ||
        libbfio_pool_append_handle(l->pool, &entry, (libbfio_handle_t *)l->bfio2, LIBBFIO_OPEN_READ, &e) != 1) {
        libbfio_error_free(&e);
        return pt_err_set(err, PT_ENOMEM, "libbfio: cannot make a pool");
    }
    l->bfio2 = NULL; /* the pool owns it now */
    return PT_OK;
}

/* The extent files of a VMDK: opened through `ext` when given (evidence on
 * disk, each file beside the descriptor), else the image is its own only
 * extent (a monolithic sparse file found inside the evidence). */
static int vmdk_extents(pt_layer_t *l, pt_read_fn fn, void *src, uint64_t fsize, const pt_vmdk_opener_t *ext,
                        pt_err_t *err)
{
    libvmdk_error_t *e = NULL;
    libbfio_error_t *be = NULL;
    int n = 0, i, rc, entry;

    if (libvmdk_handle_get_number_of_extents(l->vmdk, &n, &e) != 1 || n < 1) {
        YAL_ERR(libvmdk, e, err, PT_EFORMAT, "VMDK descriptor lists no extent");
        return PT_EFORMAT;
    }
    if (!ext && n > 1)
        return pt_err_set(err, PT_EFORMAT, "VMDK image not opened: its %d extents are files of their own", n);
    if (!(l->vmap = pt_vmdkmap_new(l->size)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    if (libbfio_pool_initialize(&l->pool, 0, 0, &be) != 1) {
        libbfio_error_free(&be);
        return pt_err_set(err, PT_ENOMEM, "libbfio: cannot make a pool");
    }
    for (i = 0; i < n; i++) {
        libvmdk_extent_descriptor_t *d = NULL;
        off64_t at = 0;
        size64_t len = 0;
        char name[1024] = "";
        size_t name_len = 0;
        pt_read_fn xfn = fn;
        void *xsrc = src;
        uint64_t xsize = fsize;
        pt_bfio_handle_t *h = NULL;

        if (libvmdk_handle_get_extent_descriptor(l->vmdk, i, &d, &e) != 1 ||
            libvmdk_extent_descriptor_get_range(d, &at, &len, &e) != 1 ||
            libvmdk_extent_descriptor_get_utf8_filename_size(d, &name_len, &e) != 1 || name_len > sizeof name ||
            libvmdk_extent_descriptor_get_utf8_filename(d, (uint8_t *)name, sizeof name, &e) != 1) {
            libvmdk_extent_descriptor_free(&d, NULL);
            YAL_ERR(libvmdk, e, err, PT_EFORMAT, "VMDK extent %d not described", i + 1);
            return PT_EFORMAT;
        }
        libvmdk_extent_descriptor_free(&d, NULL);
        if (ext && (rc = ext->open(ext->ctx, name, &xfn, &xsrc, &xsize, err)) != PT_OK)
            return rc;
        if ((rc = pt_bfio_open(xfn, xsrc, xsize, &h, err)) != PT_OK)
            return rc;
        if (libbfio_pool_append_handle(l->pool, &entry, (libbfio_handle_t *)h, LIBBFIO_OPEN_READ, &be) != 1) {
            libbfio_error_free(&be);
            pt_bfio_free(h);
            return pt_err_set(err, PT_ENOMEM, "libbfio: cannot add extent %s to the pool", name);
        }
        if (at < 0 || (rc = pt_vmdkmap_add_extent(l->vmap, (uint64_t)at, len, xfn, xsrc, xsize, err)) != PT_OK)
            return at < 0 ? pt_err_set(err, PT_EFORMAT, "VMDK extent %s at a negative offset", name) : rc;
    }
    return PT_OK;
}

static int open_vmdk(pt_layer_t *l, pt_read_fn fn, void *src, uint64_t fsize, const pt_vmdk_opener_t *ext,
                     pt_err_t *err)
{
    libvmdk_error_t *e = NULL;
    size64_t size = 0;
    size_t pn = 0;
    int type = 0, rc;
    char sz[64];

    if (libvmdk_handle_initialize(&l->vmdk, &e) != 1 ||
        libvmdk_handle_open_file_io_handle(l->vmdk, (libbfio_handle_t *)l->bfio, LIBVMDK_OPEN_READ, &e) != 1 ||
        libvmdk_handle_get_media_size(l->vmdk, &size, &e) != 1) {
        YAL_ERR(libvmdk, e, err, PT_EFORMAT, "VMDK image not opened");
        return PT_EFORMAT;
    }
    l->size = size;
    if ((rc = vmdk_extents(l, fn, src, fsize, ext, err)) != PT_OK)
        return rc;
    if (libvmdk_handle_open_extent_data_files_file_io_pool(l->vmdk, l->pool, &e) != 1) {
        YAL_ERR(libvmdk, e, err, PT_EFORMAT, "VMDK extents not opened");
        return PT_EFORMAT;
    }
    if (libvmdk_handle_get_utf8_parent_filename_size(l->vmdk, &pn, &e) == -1 || pn > sizeof l->backing ||
        (pn > 1 && libvmdk_handle_get_utf8_parent_filename(l->vmdk, (uint8_t *)l->backing, pn, &e) != 1)) {
        YAL_ERR(libvmdk, e, err, PT_EFORMAT, "VMDK parent disk's name not read");
        return PT_EFORMAT;
    }
    libvmdk_handle_get_disk_type(l->vmdk, &type, NULL);
    human(sz, sizeof sz, size);
    snprintf(l->desc, sizeof l->desc, "VMDK %s, %s virtual disk%s%.400s%s",
             type == LIBVMDK_DISK_TYPE_STREAM_OPTIMIZED ? "stream-optimised" :
             type == LIBVMDK_DISK_TYPE_MONOLITHIC_SPARSE ? "monolithic sparse" :
             type == LIBVMDK_DISK_TYPE_MONOLITHIC_FLAT ? "flat" : "sparse", sz,
             l->backing[0] ? ", a snapshot over parent disk '" : "", l->backing, l->backing[0] ? "'" : "");
    return PT_OK;
}

static int open_vhdi(pt_layer_t *l, pt_err_t *err)
{
    libvhdi_error_t *e = NULL;
    size64_t size = 0;
    uint32_t type = 0;
    uint16_t major = 0, minor = 0;
    char sz[64];

    if (libvhdi_file_initialize(&l->vhdi, &e) != 1 ||
        libvhdi_file_open_file_io_handle(l->vhdi, (libbfio_handle_t *)l->bfio, LIBVHDI_OPEN_READ, &e) != 1 ||
        libvhdi_file_get_media_size(l->vhdi, &size, &e) != 1) {
        YAL_ERR(libvhdi, e, err, PT_EFORMAT, "%s image not opened", l->kind == PT_LAYER_VHDX ? "VHDX" : "VHD");
        return PT_EFORMAT;
    }
    libvhdi_file_get_disk_type(l->vhdi, &type, NULL);
    libvhdi_file_get_format_version(l->vhdi, &major, &minor, NULL);
    if (type == LIBVHDI_DISK_TYPE_DIFFERENTIAL) {
        /* libvhdi 20210425 reads a sector the child's bitmap leaves to the
         * parent from the child when its bitmap byte is partly set (found
         * with a VHD written by hand): the parent is not followed, and the
         * disk is not walked rather than walked with wrong data */
        char parent[512] = "";
        size_t pn = 0;
        if (libvhdi_file_get_utf8_parent_filename_size(l->vhdi, &pn, NULL) == 1 && pn > 1 && pn <= sizeof parent)
            libvhdi_file_get_utf8_parent_filename(l->vhdi, (uint8_t *)parent, pn, NULL);
        return pt_err_set(err, PT_EFORMAT, "%s image is a differencing disk (a checkpoint) over parent '%.400s', "
                          "which ptriage does not read: merge the chain (Hyper-V Merge-VHD) and give the merged "
                          "disk as evidence", l->kind == PT_LAYER_VHDX ? "VHDX" : "VHD", parent);
    }
    l->size = size;
    human(sz, sizeof sz, size);
    snprintf(l->desc, sizeof l->desc, "%s %s, %s virtual disk", l->kind == PT_LAYER_VHDX ? "VHDX" : "VHD",
             type == LIBVHDI_DISK_TYPE_FIXED ? "fixed" : "dynamic", sz);
    return PT_OK;
}

static int open_lvm(pt_layer_t *l, pt_read_fn fn, void *src, uint64_t size, pt_err_t *err)
{
    libvslvm_error_t *e = NULL;
    char vgname[128] = "";
    int npv = 0, nlv = 0, rc;

    if (libvslvm_handle_initialize(&l->lvm, &e) != 1 ||
        libvslvm_handle_open_file_io_handle(l->lvm, (libbfio_handle_t *)l->bfio, LIBVSLVM_OPEN_READ, &e) != 1) {
        YAL_ERR(libvslvm, e, err, PT_EFORMAT, "LVM2 metadata not read");
        return PT_EFORMAT;
    }
    if ((rc = open_pool(l, fn, src, size, err)) != PT_OK)
        return rc;
    if (libvslvm_handle_open_physical_volume_files_file_io_pool(l->lvm, l->pool, &e) != 1 ||
        libvslvm_handle_get_volume_group(l->lvm, &l->vg, &e) != 1 ||
        libvslvm_volume_group_get_number_of_logical_volumes(l->vg, &nlv, &e) != 1) {
        YAL_ERR(libvslvm, e, err, PT_EFORMAT, "LVM2 volume group not read");
        return PT_EFORMAT;
    }
    libvslvm_volume_group_get_name(l->vg, vgname, sizeof vgname, NULL);
    libvslvm_volume_group_get_number_of_physical_volumes(l->vg, &npv, NULL);
    /* libvslvm opens no snapshot: its metadata is read here too */
    if ((l->lvs = calloc(PT_LVMSNAP_MAX, sizeof *l->lvs)) != NULL &&
        (l->nlvs = pt_lvmsnap_list(fn, src, size, l->lvs, PT_LVMSNAP_MAX)) != nlv) {
        free(l->lvs);
        l->lvs = NULL;
        l->nlvs = 0;
    }
    snprintf(l->name, sizeof l->name, "%s", vgname);
    snprintf(l->desc, sizeof l->desc, "LVM2 volume group %s: %d logical volume%s, %d physical volume%s%s", vgname,
             nlv, nlv == 1 ? "" : "s", npv, npv == 1 ? "" : "s",
             npv > 1 ? " (only this one is in the evidence: extents on the others read as errors)" : "");
    l->size = size;
    return PT_OK;
}

static int open_luks(pt_layer_t *l, pt_read_fn fn, void *src, uint64_t size, const pt_key_t *keys, size_t nkeys,
                     pt_err_t *err)
{
    const char *used = NULL;
    int rc;

    if ((rc = pt_luks_open(fn, src, size, &l->luks, err)) != PT_OK)
        return rc;
    if ((rc = pt_luks_unlock(l->luks, keys, nkeys, &used, err)) != PT_OK) {
        pt_err_prefix(err, "%s", pt_luks_describe(l->luks));
        return rc;
    }
    l->size = pt_luks_size(l->luks);
    snprintf(l->desc, sizeof l->desc, "%s; opened with %s", pt_luks_describe(l->luks), used);
    return PT_OK;
}

/* A VeraCrypt volume: a group of the standard and the hidden volume, each
 * opened where a passphrase opens its header (the outer volume's
 * passphrase does not open the hidden one). */
static int open_tcrypt(pt_layer_t *l, pt_read_fn fn, void *src, uint64_t size, const pt_key_t *keys, size_t nkeys,
                       int only, pt_err_t *err)
{
    pt_err_t herr[2] = { { 0, "" }, { 0, "" } };
    pt_key_t *rest = NULL;
    int i, rc = PT_OK;
    size_t n = 0, k, nrest = 0;

    for (i = 0; i < 2; i++) {
        const char *used = NULL;
        pt_tcrypt_t *t = NULL;
        int r;
        if (only >= 0 && i != only) {
            herr[i].code = PT_ENOKEY;
            continue;
        }
        /* the passphrase of the standard volume cannot be the hidden one's
         * (VeraCrypt refuses it): each try costs a PBKDF2 per PRF */
        if (i == 1 && l->n_tc == 1 && nrest == 0)
            break;
        r = pt_tcrypt_open(fn, src, size, i, nrest ? rest : keys, nrest ? nrest : nkeys, &t, &used, &herr[i]);
        if (r == PT_OK && i == 0 && nkeys > 1 && (rest = malloc(nkeys * sizeof *rest)) != NULL)
            for (k = 0; k < nkeys; k++)
                if (keys[k].name != used)
                    rest[nrest++] = keys[k];
        if (r == PT_ENOMEM || (r != PT_OK && r != PT_ENOKEY && rc == PT_OK))
            rc = r;
        if (r != PT_OK)
            continue;
        l->tcs[l->n_tc++] = t;
        n += (size_t)snprintf(l->desc + n, n < sizeof l->desc ? sizeof l->desc - n : 0, "%s%s volume opened with %s",
                              n ? "; " : "", i ? "hidden" : "standard", used);
    }
    free(rest);
    if (l->n_tc > 0) {
        l->size = size;
        return PT_OK;
    }
    /* no header opened: say why (a header that opens but is unusable first) */
    i = herr[0].code != PT_ENOKEY ? 0 : herr[1].code != PT_ENOKEY && herr[1].code ? 1 : 0;
    return pt_err_set(err, rc != PT_OK ? rc : PT_ENOKEY, "%s", herr[i].msg);
}

/* A BitLocker recovery password: eight groups of six digits. */
int pt_key_is_recovery_password(const pt_key_t *k)
{
    size_t i;

    if (k->path || k->len != 55)
        return 0;
    for (i = 0; i < 55; i++)
        if (i % 7 == 6 ? k->data[i] != '-' : (k->data[i] < '0' || k->data[i] > '9'))
            return 0;
    return 1;
}

static const char *bde_method(uint16_t m)
{
    switch (m) {
    case LIBBDE_ENCRYPTION_METHOD_AES_128_CBC_DIFFUSER: return "AES-128-CBC with Elephant diffuser";
    case LIBBDE_ENCRYPTION_METHOD_AES_256_CBC_DIFFUSER: return "AES-256-CBC with Elephant diffuser";
    case LIBBDE_ENCRYPTION_METHOD_AES_128_CBC: return "AES-128-CBC";
    case LIBBDE_ENCRYPTION_METHOD_AES_256_CBC: return "AES-256-CBC";
    case LIBBDE_ENCRYPTION_METHOD_AES_128_XTS: return "AES-128-XTS";
    case LIBBDE_ENCRYPTION_METHOD_AES_256_XTS: return "AES-256-XTS";
    default: return "unknown method";
    }
}

/* The volume's metadata, for the report: method, identifier, protectors. */
static void bde_describe(pt_layer_t *l)
{
    uint16_t method = 0, type;
    uint8_t id[16];
    int n = 0, i;
    size_t used;
    char *d = l->desc;

    libbde_volume_get_encryption_method(l->bde, &method, NULL);
    used = (size_t)snprintf(d, sizeof l->desc, "BitLocker, %s", bde_method(method));
    if (libbde_volume_get_volume_identifier(l->bde, id, sizeof id, NULL) == 1)
        used += (size_t)snprintf(d + used, sizeof l->desc - used, ", volume {%02x%02x%02x%02x-%02x%02x-%02x%02x-"
                                 "%02x%02x-%02x%02x%02x%02x%02x%02x}", id[3], id[2], id[1], id[0], id[5], id[4],
                                 id[7], id[6], id[8], id[9], id[10], id[11], id[12], id[13], id[14], id[15]);
    libbde_volume_get_number_of_key_protectors(l->bde, &n, NULL);
    for (i = 0; i < n && used < sizeof l->desc; i++) {
        libbde_key_protector_t *kp = NULL;
        const char *what = "other";
        if (libbde_volume_get_key_protector(l->bde, i, &kp, NULL) != 1)
            continue;
        if (libbde_key_protector_get_type(kp, &type, NULL) == 1)
            what = type == LIBBDE_KEY_PROTECTION_TYPE_TPM ? "TPM"
                 : type == LIBBDE_KEY_PROTECTION_TYPE_STARTUP_KEY ? "startup key"
                 : type == LIBBDE_KEY_PROTECTION_TYPE_RECOVERY_PASSWORD ? "recovery password"
                 : type == LIBBDE_KEY_PROTECTION_TYPE_PASSWORD ? "password"
                 : type == LIBBDE_KEY_PROTECTION_TYPE_CLEAR_KEY ? "clear key (not protected)" : "other";
        used += (size_t)snprintf(d + used, sizeof l->desc - used, "%s%s", i ? ", " : "; key protectors: ", what);
        libbde_key_protector_free(&kp, NULL);
    }
}

/* Opens with no key first (the metadata), then with each key in turn.
 * Not tested against a real volume: none can be made on Linux. */
static int open_bde(pt_layer_t *l, const pt_key_t *keys, size_t nkeys, pt_err_t *err)
{
    libbde_error_t *e = NULL;
    size64_t size = 0;
    size_t i;
    char meta[640];

    for (i = 0; i <= nkeys; i++) {
        const pt_key_t *k = i ? &keys[i - 1] : NULL;
        int set = 1;
        if (l->bde) {
            libbde_volume_close(l->bde, NULL);
            libbde_volume_free(&l->bde, NULL);
        }
        if (libbde_volume_initialize(&l->bde, &e) != 1) {
            YAL_ERR(libbde, e, err, PT_ENOMEM, "libbde");
            return PT_ENOMEM;
        }
        if (k && k->path)
            set = libbde_volume_read_startup_key(l->bde, k->path, &e);
        else if (k && pt_key_is_recovery_password(k))
            set = libbde_volume_set_utf8_recovery_password(l->bde, k->data, k->len, &e);
        else if (k)
            set = libbde_volume_set_utf8_password(l->bde, k->data, k->len, &e);
        if (set != 1) {
            libbde_error_free(&e);
            continue; /* this key is not of a usable form: the next */
        }
        if (libbde_volume_open_file_io_handle(l->bde, (libbfio_handle_t *)l->bfio, LIBBDE_OPEN_READ, &e) != 1) {
            YAL_ERR(libbde, e, err, PT_EFORMAT, "BitLocker volume not opened by libbde");
            return PT_EFORMAT;
        }
        if (!k)
            bde_describe(l);
        if (libbde_volume_is_locked(l->bde, NULL) == 0)
            break;
    }
    if (i > nkeys) {
        snprintf(meta, sizeof meta, "%s", l->desc);
        return pt_err_set(err, PT_ENOKEY, "%s: %s", meta, nkeys ? "none of the keys in case.conf opens it"
                                                               : "no key in case.conf [keys]");
    }
    if (libbde_volume_get_size(l->bde, &size, &e) != 1) {
        YAL_ERR(libbde, e, err, PT_EFORMAT, "BitLocker volume size");
        return PT_EFORMAT;
    }
    l->size = size;
    snprintf(meta, sizeof meta, "%s", l->desc);
    snprintf(l->desc, sizeof l->desc, "%.500s; opened with %s", meta, keys[i - 1].name);
    return PT_OK;
}

/* A RAID 1 member: every member of a mirror holds the array's data whole,
 * from its data offset on. */
static int open_md(pt_layer_t *l, pt_read_fn fn, void *src, uint64_t size, pt_err_t *err)
{
    pt_md_info_t md;
    char what[200];
    int rc = pt_md_read(fn, src, size, &md, err);

    if (rc != PT_OK)
        return rc;
    pt_md_describe(&md, what, sizeof what);
    if (md.level != 1)
        return pt_err_set(err, PT_EFORMAT, "%s: %s, so no member holds the data whole; ptriage does not assemble "
                          "arrays (assemble it read-only and give the array as evidence)", what,
                          md.level == -1 ? "data is spread over the members in turn" : "data is striped");
    if (md.role < 0)
        return pt_err_set(err, PT_EFORMAT, "%s: not an active mirror, its data may be stale or absent", what);
    l->up_fn = fn;
    l->up_src = src;
    l->up_off = md.data_offset;
    l->size = md.data_size;
    snprintf(l->desc, sizeof l->desc, "%s; a mirror holds the array's data whole: %llu bytes from byte %llu, "
             "walked without assembling the array", what, (unsigned long long)md.data_size,
             (unsigned long long)md.data_offset);
    return PT_OK;
}

/* The partitions of a BSD disklabel at the start of a slice, as libtsk
 * parses the label.  Their offsets are the disk's sectors, or the slice's
 * on some systems: as FreeBSD's GEOM does, the whole-slice partition c
 * says which (its offset is where the slice starts). */
static int open_bsd(pt_layer_t *l, pt_read_fn fn, void *src, uint64_t size, pt_err_t *err)
{
    TSK_IMG_INFO *img = pt_source_img_over(fn, src, size);
    TSK_VS_INFO *vs = img ? tsk_vs_open(img, 0, TSK_VS_TYPE_BSD) : NULL;
    uint64_t base = 0;
    TSK_PNUM_T i;
    int skipped = 0;

    if (!vs) {
        pt_source_tsk_err(err, PT_EFORMAT, "BSD disklabel not read");
        if (img)
            tsk_img_close(img);
        return PT_EFORMAT;
    }
    for (i = 0; i < vs->part_count; i++) {
        const TSK_VS_PART_INFO *p = tsk_vs_part_get(vs, i);
        if (p && (p->flags & TSK_VS_PART_FLAG_ALLOC) && p->slot_num == 2)
            base = (uint64_t)p->start;
    }
    if (!(l->bsd = calloc(vs->part_count ? vs->part_count : 1, sizeof *l->bsd))) {
        tsk_vs_close(vs);
        tsk_img_close(img);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    for (i = 0; i < vs->part_count; i++) {
        const TSK_VS_PART_INFO *p = tsk_vs_part_get(vs, i);
        bsd_part_t *b = &l->bsd[l->n_bsd];
        uint64_t start;
        /* c is the slice itself; "unused" entries hold nothing */
        if (!p || !(p->flags & TSK_VS_PART_FLAG_ALLOC) || p->slot_num == 2 || p->slot_num < 0 ||
            p->slot_num > 25 || strncmp(p->desc, "Unused", 6) == 0)
            continue;
        start = (uint64_t)p->start >= base ? (uint64_t)p->start - base : UINT64_MAX;
        if (start == UINT64_MAX || start > size / vs->block_size ||
            (uint64_t)p->len > size / vs->block_size - start) {
            skipped++;
            continue;
        }
        b->name[0] = (char)('a' + p->slot_num);
        b->off = start * vs->block_size;
        b->len = (uint64_t)p->len * vs->block_size;
        snprintf(b->desc, sizeof b->desc, "%s", p->desc);
        l->n_bsd++;
    }
    tsk_vs_close(vs);
    tsk_img_close(img);
    l->file_fn = fn;
    l->file_src = src;
    l->size = size;
    snprintf(l->desc, sizeof l->desc, "BSD disklabel, %d partition%s%s", l->n_bsd, l->n_bsd == 1 ? "" : "s",
             skipped ? " (and partitions outside the slice, not opened)" : "");
    snprintf(l->name, sizeof l->name, "bsd");
    return PT_OK;
}

int pt_layer_open_raw(pt_read_fn fn, void *src, uint64_t size, pt_layer_t **out, pt_err_t *err)
{
    pt_layer_t *l = calloc(1, sizeof *l);
    char sz[64];

    *out = NULL;
    if (!l)
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    l->up_fn = fn;
    l->up_src = src;
    l->size = size;
    human(sz, sizeof sz, size);
    snprintf(l->desc, sizeof l->desc, "raw disk image, %s", sz);
    *out = l;
    return PT_OK;
}

/* A layer of kind k with its libbfio handle over fn/src: NULL with err set
 * when out of memory or the libbfio copies disagree (bfio.h). */
static pt_layer_t *layer_new(pt_layer_kind_t k, pt_read_fn fn, void *src, uint64_t size, pt_err_t *err)
{
    pt_layer_t *l;

    if (pt_bfio_check(err) != PT_OK)
        return NULL;
    if (!(l = calloc(1, sizeof *l))) {
        pt_err_set(err, PT_ENOMEM, "out of memory");
        return NULL;
    }
    l->kind = k;
    if (pt_bfio_open(fn, src, size, &l->bfio, err) != PT_OK) {
        pt_layer_close(l);
        return NULL;
    }
    return l;
}

int pt_layer_open_vmdk(pt_read_fn fn, void *src, uint64_t size, const pt_vmdk_opener_t *ext, pt_layer_t **out,
                       pt_err_t *err)
{
    pt_layer_t *l = layer_new(PT_LAYER_VMDK, fn, src, size, err);
    int rc;

    *out = NULL;
    if (!l)
        return err && err->code ? err->code : PT_ENOMEM;
    if ((rc = open_vmdk(l, fn, src, size, ext, err)) != PT_OK) {
        pt_layer_close(l);
        return rc;
    }
    *out = l;
    return PT_OK;
}

int pt_layer_open_named(pt_layer_kind_t k, pt_read_fn fn, void *src, uint64_t size, const pt_key_t *keys,
                        size_t nkeys, const char *name, pt_layer_t **out, pt_err_t *err)
{
    pt_layer_t *l;
    int rc, only = name && strcmp(name, "standard") == 0 ? 0 : name && strcmp(name, "hidden") == 0 ? 1 : -1;

    if (k != PT_LAYER_VERACRYPT || only < 0)
        return pt_layer_open(k, fn, src, size, keys, nkeys, out, err);
    *out = NULL;
    if (!(l = layer_new(k, fn, src, size, err)))
        return err && err->code ? err->code : PT_ENOMEM;
    if ((rc = open_tcrypt(l, fn, src, size, keys, nkeys, only, err)) != PT_OK) {
        pt_layer_close(l);
        return rc;
    }
    *out = l;
    return PT_OK;
}

int pt_layer_open(pt_layer_kind_t k, pt_read_fn fn, void *src, uint64_t size, const pt_key_t *keys, size_t nkeys,
                  pt_layer_t **out, pt_err_t *err)
{
    pt_layer_t *l = layer_new(k, fn, src, size, err);
    int rc = PT_OK;

    *out = NULL;
    if (!l)
        return err && err->code ? err->code : PT_ENOMEM;
    switch (k) {
    case PT_LAYER_QCOW: rc = open_qcow(l, fn, src, size, keys, nkeys, err); break;
    case PT_LAYER_VMDK: rc = open_vmdk(l, fn, src, size, NULL, err); break;
    case PT_LAYER_VHD: {
        uint8_t f[512];
        pt_err_t ferr = { 0, "" };
        if (size >= 512 && pt_read_exact(fn, src, size - 512, f, sizeof f, &ferr) == PT_OK)
            l->has_vhd_uuid = pt_vhdmap_footer_uuid(f, sizeof f, l->vhd_uuid);
        if (l->has_vhd_uuid && pt_vhdmap_is_differencing(f, sizeof f)) {
            /* a checkpoint: read sector by sector (libvhdi misreads some) */
            if ((rc = pt_vhdmap_open(fn, src, size, &l->hmap, l->desc, sizeof l->desc, err)) == PT_OK) {
                l->size = pt_vhdmap_disk_size(l->hmap);
                l->file_fn = fn;
                l->file_src = src;
                snprintf(l->backing, sizeof l->backing, "%s", pt_vhdmap_parent(l->hmap));
            }
        } else {
            rc = open_vhdi(l, err);
        }
        break;
    }
    case PT_LAYER_VHDX: {
        pt_err_t derr = { 0, "" };
        int diff = pt_vhdxmap_is_differencing(fn, src, size, &derr);
        l->has_vhdx_guid = pt_vhdxmap_data_guid(fn, src, size, l->vhdx_guid, &derr);
        if (diff == 1) {
            /* a checkpoint: read sector by sector over its parent */
            if ((rc = pt_vhdxmap_open(fn, src, size, &l->xmap, l->desc, sizeof l->desc, err)) == PT_OK) {
                l->size = pt_vhdxmap_disk_size(l->xmap);
                l->file_fn = fn;
                l->file_src = src;
                snprintf(l->backing, sizeof l->backing, "%s", pt_vhdxmap_parent(l->xmap));
                snprintf(l->pnote, sizeof l->pnote, "%s", pt_vhdxmap_note(l->xmap));
            }
        } else if ((rc = open_vhdi(l, err)) != PT_OK && diff < 0 && strstr(err->msg, "differencing")) {
            /* libvhdi sees a checkpoint that vhdxmap.c could not parse */
            rc = pt_err_set(err, PT_EFORMAT, "VHDX differencing disk (a checkpoint) not read: %s", derr.msg);
        }
        break;
    }
    case PT_LAYER_VDI:
        if ((rc = pt_vdimap_open(fn, src, size, &l->dmap, l->desc, sizeof l->desc, err)) == PT_OK) {
            l->size = pt_vdimap_disk_size(l->dmap);
            l->file_fn = fn;
            l->file_src = src;
            /* a snapshot names its parent by UUID: chain.c looks it up */
            snprintf(l->backing, sizeof l->backing, "%s", pt_vdimap_parent(l->dmap));
        }
        break;
    case PT_LAYER_DMG:
        if ((rc = pt_dmgmap_open(fn, src, size, &l->gmap, l->desc, sizeof l->desc, err)) == PT_OK)
            l->size = pt_dmgmap_disk_size(l->gmap);
        break;
    case PT_LAYER_SIMG:
        if ((rc = pt_simgmap_open(fn, src, size, &l->smap, l->desc, sizeof l->desc, err)) == PT_OK)
            l->size = pt_simgmap_disk_size(l->smap);
        break;
    case PT_LAYER_AFF4:
        if ((rc = pt_aff4map_open(fn, src, size, &l->amap, l->desc, sizeof l->desc, err)) == PT_OK)
            l->size = pt_aff4map_disk_size(l->amap);
        break;
    case PT_LAYER_SPARSEIMAGE:
    case PT_LAYER_PARALLELS:
        /* a block map over the file: mapped_read reads each block from it */
        rc = k == PT_LAYER_SPARSEIMAGE ? pt_spimgmap_open(fn, src, size, &l->pmap, l->desc, sizeof l->desc, err)
                                       : pt_phdmap_open(fn, src, size, &l->rmap, l->desc, sizeof l->desc, err);
        if (rc == PT_OK) {
            l->size = l->pmap ? pt_spimgmap_disk_size(l->pmap) : pt_phdmap_disk_size(l->rmap);
            l->file_fn = fn;
            l->file_src = src;
        }
        break;
    case PT_LAYER_LVM: rc = open_lvm(l, fn, src, size, err); break;
    case PT_LAYER_LUKS: rc = open_luks(l, fn, src, size, keys, nkeys, err); break;
    case PT_LAYER_VERACRYPT: rc = open_tcrypt(l, fn, src, size, keys, nkeys, -1, err); break;
    case PT_LAYER_BITLOCKER: rc = open_bde(l, keys, nkeys, err); break;
    case PT_LAYER_MDRAID: rc = open_md(l, fn, src, size, err); break;
    case PT_LAYER_BSD: rc = open_bsd(l, fn, src, size, err); break;
    case PT_LAYER_VSS:
        if ((rc = pt_vss_open(fn, src, size, &l->vss, err)) == PT_OK) {
            int n = pt_vss_count(l->vss);
            l->size = size;
            snprintf(l->desc, sizeof l->desc, "Volume Shadow Copies: %d snapshot%s", n, n == 1 ? "" : "s");
        }
        break;
    default: rc = pt_err_set(err, PT_EFORMAT, "%s: recognised, but ptriage cannot open it", pt_layer_kind_name(k));
    }
    if (rc != PT_OK) {
        pt_layer_close(l);
        return rc;
    }
    *out = l;
    return PT_OK;
}

void pt_layer_close(pt_layer_t *l)
{
    if (!l)
        return;
    if (l->lv)
        libvslvm_logical_volume_free(&l->lv, NULL);
    if (l->vg)
        libvslvm_volume_group_free(&l->vg, NULL);
    if (l->lvm) {
        libvslvm_handle_close(l->lvm, NULL);
        libvslvm_handle_free(&l->lvm, NULL);
    }
    pt_qcowmap_free(l->qmap);
    pt_luks_close(l->qluks);
    pt_lvmsnap_close(l->snap);
    pt_layer_close(l->snap_origin);
    pt_layer_close(l->snap_cow);
    pt_lvmthin_close(l->thin);
    pt_layer_close(l->thin_meta);
    pt_layer_close(l->thin_data);
    free(l->lvs);
    pt_vss_close(l->vss);
    free(l->bsd);
    pt_vmdkmap_free(l->vmap);
    pt_vdimap_free(l->dmap);
    pt_dmgmap_free(l->gmap);
    pt_simgmap_free(l->smap);
    pt_aff4map_free(l->amap);
    pt_spimgmap_free(l->pmap);
    pt_phdmap_free(l->rmap);
    pt_vhdmap_free(l->hmap);
    pt_vhdxmap_free(l->xmap);
    if (l->qcow) {
        libqcow_file_close(l->qcow, NULL);
        libqcow_file_free(&l->qcow, NULL);
    }
    if (l->vmdk) {
        libvmdk_handle_close(l->vmdk, NULL);
        libvmdk_handle_free(&l->vmdk, NULL);
    }
    if (l->vhdi) {
        libvhdi_file_close(l->vhdi, NULL);
        libvhdi_file_free(&l->vhdi, NULL);
    }
    pt_luks_close(l->luks);
    pt_tcrypt_close(l->tcs[0]);
    pt_tcrypt_close(l->tcs[1]);
    if (l->bde) {
        libbde_volume_close(l->bde, NULL);
        libbde_volume_free(&l->bde, NULL);
    }
    if (l->pool)
        libbfio_pool_free(&l->pool, NULL);
    pt_bfio_free(l->bfio2);
    pt_bfio_free(l->bfio);
    free(l);
}

uint64_t pt_layer_size(const pt_layer_t *l)
{
    return l->size;
}

void pt_layer_stored_hashes(const pt_layer_t *l, char md5[33], char sha1[41])
{
    md5[0] = sha1[0] = '\0';
    if (l && l->amap)
        pt_aff4map_stored_hashes(l->amap, md5, sha1);
}

const char *pt_layer_describe(const pt_layer_t *l)
{
    return l->desc;
}

const char *pt_layer_name(const pt_layer_t *l)
{
    return l->name;
}

const char *pt_layer_backing(const pt_layer_t *l)
{
    return l->backing;
}

const char *pt_layer_parent_note(const pt_layer_t *l)
{
    return l->pnote;
}

static void uuid_str(char out[40], const uint8_t *u)
{
    snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3],
             u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

int pt_layer_set_parent(pt_layer_t *l, pt_layer_t *parent, pt_err_t *err)
{
    /* libqcow and libvmdk will not read a differential image without its
     * parent; mapped_read asks them only for clusters the image holds, so
     * their reading of zero clusters from the parent is never reached (qcow
     * version 1 has no zero clusters and is read by libqcow alone) */
    if (l->qcow && parent->kind == PT_LAYER_NONE) {
        /* a raw backing file: mapped_read reads every uncompressed cluster
         * itself; libqcow, which takes only a qcow parent, is left without
         * one and can then decode no compressed cluster */
    } else if (l->qcow && parent->qcow) {
        libqcow_error_t *e = NULL;
        if (libqcow_file_set_parent_file(l->qcow, parent->qcow, &e) != 1) {
            YAL_ERR(libqcow, e, err, PT_EFORMAT, "qcow backing file not attached");
            return PT_EFORMAT;
        }
    } else if (l->dmap && parent->dmap) {
        /* mapped_read reads the parent's blocks itself.  VirtualBox records
         * the parent's modification UUID when it takes the snapshot */
        if (strcmp(pt_vdimap_parent_modify(l->dmap), pt_vdimap_modify(parent->dmap)) != 0)
            snprintf(l->pnote, sizeof l->pnote, "the parent's modification UUID is %s, not %s as the snapshot "
                     "recorded: the parent changed after the snapshot was taken", pt_vdimap_modify(parent->dmap),
                     pt_vdimap_parent_modify(l->dmap));
    } else if (l->hmap && parent->kind == PT_LAYER_VHD) {
        /* mapped_read reads the parent's sectors itself; a checkpoint
         * records its parent's UUID, and another disk must not stand in */
        const uint8_t *want = pt_vhdmap_parent_uuid(l->hmap);
        if (parent->has_vhd_uuid && memcmp(parent->vhd_uuid, want, 16) != 0) {
            char a[40], b[40];
            uuid_str(a, parent->vhd_uuid);
            uuid_str(b, want);
            return pt_err_set(err, PT_EFORMAT, "its UUID is %s, not %s as the checkpoint recorded: another disk",
                              a, b);
        }
    } else if (l->xmap && parent->kind == PT_LAYER_VHDX) {
        /* a checkpoint links to its parent's DataWriteGuid, which changes
         * whenever the parent's data is written */
        const uint8_t *want = pt_vhdxmap_parent_linkage(l->xmap);
        if (!parent->has_vhdx_guid || !pt_vhdxmap_links_to(l->xmap, parent->vhdx_guid)) {
            char a[40] = "unreadable", b[40];
            if (parent->has_vhdx_guid)
                pt_vhdxmap_guid_str(parent->vhdx_guid, a);
            pt_vhdxmap_guid_str(want, b);
            return pt_err_set(err, PT_EFORMAT, "its DataWriteGuid is %s, not %s as the checkpoint "
                              "recorded: another disk, or the parent was written after the checkpoint", a, b);
        }
    } else if (l->vmdk && parent->vmdk) {
        libvmdk_error_t *e = NULL;
        if (libvmdk_handle_set_parent_handle(l->vmdk, parent->vmdk, &e) != 1) {
            YAL_ERR(libvmdk, e, err, PT_EFORMAT, "VMDK parent disk not attached");
            return PT_EFORMAT;
        }
    } else {
        return pt_err_set(err, PT_EFORMAT, "a %s image's parent must be a %s image", pt_layer_kind_name(l->kind),
                          pt_layer_kind_name(l->kind));
    }
    l->parent = parent;
    return PT_OK;
}

static int map_state(pt_layer_t *l, uint64_t off, uint64_t *run, uint64_t *host, pt_err_t *err)
{
    *host = UINT64_MAX;
    if (l->dmap)
        return pt_vdimap_state(l->dmap, off, run, host, err);
    if (l->pmap)
        return pt_spimgmap_state(l->pmap, off, run, host, err);
    if (l->rmap)
        return pt_phdmap_state(l->rmap, off, run, host, err);
    if (l->hmap)
        return pt_vhdmap_state(l->hmap, off, run, host, err);
    if (l->xmap)
        return pt_vhdxmap_state(l->xmap, off, run, host, err);
    return l->qmap ? pt_qcowmap_state(l->qmap, off, run, host, err) : pt_vmdkmap_state(l->vmap, off, run, err);
}

/* A qcow2 or VMDK read, each run of clusters (grains) from where qemu and
 * VMware read it: this image (qcow2 clusters straight from the file, or
 * inflated by qcowmap.c; VMDK grains through libvmdk), zeros, or the parent
 * image (zeros past its end, or without one). */
static ssize_t mapped_read(pt_layer_t *l, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    size_t done = 0;

    while (done < len) {
        uint64_t run, more, host, next_host;
        int st = map_state(l, off + done, &run, &host, err);
        size_t n;

        if (st < 0)
            return -1;
        /* a run of clusters in the same state, stored one after another */
        while (run < len - done && map_state(l, off + done + run, &more, &next_host, err) == st &&
               (host == UINT64_MAX ? next_host == UINT64_MAX : next_host == host + run))
            run += more;
        n = run < len - done ? (size_t)run : len - done;
        if (st == PT_MAP_DATA && host != UINT64_MAX && l->qluks) {
            /* encrypted clusters: whole sectors, decrypted with their offset
             * in the file as the IV */
            uint64_t lead = (off + done) % 512, first = host - lead, span = (lead + n + 511) / 512 * 512;
            uint8_t *c = malloc((size_t)span);
            int ok;
            if (!c) {
                pt_err_set(err, PT_ENOMEM, "out of memory");
                return -1;
            }
            ok = pt_read_exact(l->file_fn, l->file_src, first, c, (size_t)span, err) == PT_OK &&
                 pt_luks_decrypt(l->qluks, c, (size_t)span, first / 512, err) == PT_OK;
            if (ok)
                memcpy(buf + done, c + lead, n);
            OPENSSL_cleanse(c, (size_t)span);
            free(c);
            if (!ok)
                return -1;
        } else if (st == PT_MAP_DATA && host != UINT64_MAX) {
            /* uncompressed qcow2 data, read from the file as it lies there */
            if (pt_read_exact(l->file_fn, l->file_src, host, buf + done, n, err) != PT_OK)
                return -1;
        } else if (st == PT_MAP_DATA && l->qmap) {
            /* compressed clusters, each decoded whole and the part wanted copied */
            uint64_t cl = pt_qcowmap_cluster(l->qmap), at = off + done;
            uint8_t *c = malloc((size_t)cl);
            size_t got = 0;
            if (!c) {
                pt_err_set(err, PT_ENOMEM, "out of memory");
                return -1;
            }
            while (got < n) {
                size_t in = (size_t)((at + got) & (cl - 1)), take = (size_t)cl - in;
                if (take > n - got)
                    take = n - got;
                if (pt_qcowmap_read_compressed(l->qmap, at + got, c, err) != PT_OK) {
                    free(c);
                    return -1;
                }
                memcpy(buf + done + got, c + in, take);
                got += take;
            }
            free(c);
        } else if (st == PT_MAP_DATA) {
            libvmdk_error_t *e = NULL;
            if (libvmdk_handle_read_buffer_at_offset(l->vmdk, buf + done, n, (off64_t)(off + done), &e) != (ssize_t)n) {
                YAL_ERR(libvmdk, e, err, PT_EIO, "VMDK read at %llu", (unsigned long long)(off + done));
                return -1;
            }
        } else if (st == PT_MAP_PARENT && l->parent) {
            ssize_t got = off + done < l->parent->size ? pt_layer_read(l->parent, off + done, buf + done, n, err) : 0;
            if (got < 0)
                return -1;
            memset(buf + done + got, 0, n - (size_t)got);
        } else if (st == PT_MAP_PARENT && l->backing[0]) {
            pt_err_set(err, PT_EIO, "read at %llu: the data is in the parent image '%.400s', not opened",
                       (unsigned long long)(off + done), l->backing);
            return -1;
        } else {
            memset(buf + done, 0, n);
        }
        done += n;
    }
    return (ssize_t)done;
}

ssize_t pt_layer_read(void *src, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err)
{
    pt_layer_t *l = src;
    ssize_t n = -1;

    if (off >= l->size)
        return 0;
    if (len > l->size - off)
        len = (size_t)(l->size - off);
    if (l->smap) {
        n = pt_simgmap_read(l->smap, off, buf, len, err);
    } else if (l->amap) {
        n = pt_aff4map_read(l->amap, off, buf, len, err);
    } else if (l->gmap) {
        n = pt_dmgmap_read(l->gmap, off, buf, len, err);
    } else if (l->qmap || l->vmap || l->dmap || l->pmap || l->rmap || l->hmap || l->xmap) {
        n = mapped_read(l, off, buf, len, err);
    } else if (l->qcow) {
        libqcow_error_t *e = NULL;
        if ((n = libqcow_file_read_buffer_at_offset(l->qcow, buf, len, (off64_t)off, &e)) < 0)
            YAL_ERR(libqcow, e, err, PT_EIO, "qcow read at %llu", (unsigned long long)off);
    } else if (l->vmdk) {
        libvmdk_error_t *e = NULL;
        if ((n = libvmdk_handle_read_buffer_at_offset(l->vmdk, buf, len, (off64_t)off, &e)) < 0)
            YAL_ERR(libvmdk, e, err, PT_EIO, "VMDK read at %llu", (unsigned long long)off);
    } else if (l->vhdi) {
        libvhdi_error_t *e = NULL;
        if ((n = libvhdi_file_read_buffer_at_offset(l->vhdi, buf, len, (off64_t)off, &e)) < 0)
            YAL_ERR(libvhdi, e, err, PT_EIO, "VHD read at %llu", (unsigned long long)off);
    } else if (l->lv) {
        libvslvm_error_t *e = NULL;
        if ((n = libvslvm_logical_volume_read_buffer_at_offset(l->lv, buf, len, (off64_t)off, &e)) < 0)
            YAL_ERR(libvslvm, e, err, PT_EIO, "logical volume %s read at %llu", l->name, (unsigned long long)off);
    } else if (l->snap) {
        n = pt_lvmsnap_read(l->snap, off, buf, len, err);
    } else if (l->thin) {
        n = pt_lvmthin_read(l->thin, off, buf, len, err);
    } else if (l->vss_of) {
        n = pt_vss_read(l->vss_of, l->vss_i, off, buf, len, err);
    } else if (l->up_fn) {
        n = l->up_fn(l->up_src, l->up_off + off, buf, len, err);
    } else if (l->luks) {
        n = pt_luks_read(l->luks, off, buf, len, err);
    } else if (l->tc_of) {
        n = pt_tcrypt_read(l->tc_of, off, buf, len, err);
    } else if (l->bde) {
        libbde_error_t *e = NULL;
        if ((n = libbde_volume_read_buffer_at_offset(l->bde, buf, len, (off64_t)off, &e)) < 0)
            YAL_ERR(libbde, e, err, PT_EIO, "BitLocker read at %llu", (unsigned long long)off);
    } else {
        pt_err_set(err, PT_EINVAL, "%s: not a readable layer", pt_layer_kind_name(l->kind));
    }
    return n;
}

int pt_layer_count(const pt_layer_t *vg)
{
    int n = 0;

    if (vg->kind == PT_LAYER_BSD)
        return vg->n_bsd;
    if (vg->vss)
        return pt_vss_count(vg->vss);
    if (vg->kind == PT_LAYER_VERACRYPT)
        return vg->n_tc;
    if (!vg->vg || libvslvm_volume_group_get_number_of_logical_volumes(vg->vg, &n, NULL) != 1)
        return 0;
    return n;
}

static int lv_raw(pt_layer_t *vg, int i, pt_layer_t **out, pt_err_t *err);

/* The LV a snapshot writes its store to, read as the snapshot: the origin
 * as it was (lvmsnap.h).  When the view cannot be rebuilt, the store as it
 * is, saying why. */
static int snapshot_view(pt_layer_t *vg, int i, const pt_lvm_lv_t *snap, pt_layer_t **out, pt_err_t *err)
{
    pt_layer_t *l = NULL, *origin = NULL, *cow = NULL;
    pt_lvmsnap_t *view = NULL;
    pt_err_t verr = { 0, "" };
    int k, rc;

    *out = NULL;
    if ((rc = lv_raw(vg, i, &cow, err)) != PT_OK)
        return rc;
    for (k = 0; k < vg->nlvs && strcmp(vg->lvs[k].name, snap->origin) != 0; k++)
        ;
    if (k == vg->nlvs)
        pt_err_set(&verr, PT_EFORMAT, "its origin %s is not in the group", snap->origin);
    else if (lv_raw(vg, k, &origin, &verr) == PT_OK &&
             pt_lvmsnap_open(pt_layer_read, origin, origin->size, pt_layer_read, cow, cow->size,
                             snap->chunk_sectors, &view, &verr) == PT_OK &&
             !(l = calloc(1, sizeof *l)))
        pt_err_set(&verr, PT_ENOMEM, "out of memory");
    if (!l) {
        pt_lvmsnap_close(view);
        pt_layer_close(origin);
        snprintf(cow->desc + strlen(cow->desc), sizeof cow->desc - strlen(cow->desc),
                 "; the copy-on-write store of snapshot %.100s, whose view could not be rebuilt: %.300s",
                 snap->name, verr.msg);
        *out = cow;
        return PT_OK;
    }
    l->kind = PT_LAYER_LVM;
    l->snap = view;
    l->snap_origin = origin;
    l->snap_cow = cow;
    l->size = origin->size;
    snprintf(l->name, sizeof l->name, "%s", cow->name);
    /* the store's size ends the description: the coverage ledger counts
     * those bytes, not the view's, as the group's (coverage.c) */
    snprintf(l->desc, sizeof l->desc, "LVM2 snapshot %.150s of %.150s: the origin as it was when the snapshot was "
             "taken (%llu chunk%s of %u KiB changed since, kept in its copy-on-write store of %llu bytes)",
             cow->name, origin->name, (unsigned long long)pt_lvmsnap_changed(view),
             pt_lvmsnap_changed(view) == 1 ? "" : "s", snap->chunk_sectors / 2, (unsigned long long)cow->size);
    *out = l;
    return PT_OK;
}

static int lv_index(const pt_layer_t *vg, const char *name)
{
    int k;

    for (k = 0; k < vg->nlvs && strcmp(vg->lvs[k].name, name) != 0; k++)
        ;
    return k < vg->nlvs ? k : -1;
}

/* The thin pool whose data or metadata LV is lv, or -1. */
static int pool_of_part(const pt_layer_t *vg, const char *lv)
{
    int k;

    for (k = 0; k < vg->nlvs; k++)
        if (vg->lvs[k].thin_pool && (strcmp(vg->lvs[k].pool, lv) == 0 || strcmp(vg->lvs[k].meta, lv) == 0))
            return k;
    return -1;
}

/* A thin pool's metadata and data LVs, opened raw; the pool's index. */
static int pool_parts(pt_layer_t *vg, const char *pool, pt_layer_t **meta, pt_layer_t **data, pt_err_t *err)
{
    int p = lv_index(vg, pool), m = p >= 0 ? lv_index(vg, vg->lvs[p].meta) : -1,
        d = p >= 0 ? lv_index(vg, vg->lvs[p].pool) : -1, rc;

    *meta = *data = NULL;
    if (p < 0 || !vg->lvs[p].thin_pool)
        return pt_err_set(err, PT_EFORMAT, "its thin pool %s is not in the volume group's metadata", pool);
    if (m < 0 || d < 0)
        return pt_err_set(err, PT_EFORMAT, "thin pool %s names a metadata LV '%s' or a data LV '%s' the volume "
                          "group lacks", pool, vg->lvs[p].meta, vg->lvs[p].pool);
    if ((rc = lv_raw(vg, m, meta, err)) != PT_OK || (rc = lv_raw(vg, d, data, err)) != PT_OK) {
        pt_layer_close(*meta);
        *meta = NULL;
        return rc;
    }
    return p;
}

/* A thin pool, as one record: what it holds, counted from its metadata;
 * its data is read through its thin volumes, not here. */
static int thin_pool_record(pt_layer_t *vg, int i, pt_layer_t **out, pt_err_t *err)
{
    const pt_lvm_lv_t *lv = &vg->lvs[i];
    pt_layer_t *meta = NULL, *data = NULL, *l;
    pt_lvmthin_pool_info_t info;
    pt_err_t perr = { 0, "" };
    char used[32], total[32], vols[256] = "";
    size_t n = 0;
    int k, rc;

    if ((rc = pool_parts(vg, lv->name, &meta, &data, err)) < 0)
        return rc;
    if (!(l = calloc(1, sizeof *l))) {
        pt_layer_close(meta);
        pt_layer_close(data);
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    }
    for (k = 0; k < vg->nlvs; k++)
        if (vg->lvs[k].thin && strcmp(vg->lvs[k].pool, lv->name) == 0)
            n += (size_t)snprintf(vols + n, n < sizeof vols ? sizeof vols - n : 0, "%s%s", n ? ", " : "",
                                  vg->lvs[k].name);
    l->kind = PT_LAYER_LVM;
    l->record_only = 1;
    /* its share of the group: the metadata and data LVs' extents */
    l->size = meta->size + data->size;
    snprintf(l->name, sizeof l->name, "%.250s/%.127s", vg->name, lv->name);
    if (pt_lvmthin_pool(pt_layer_read, meta, meta->size, &info, &perr) != PT_OK) {
        snprintf(l->desc, sizeof l->desc, "LVM2 thin pool %.200s: its metadata cannot be read (%.300s)", l->name,
                 perr.msg);
    } else {
        human(used, sizeof used, info.data_allocated * info.chunk);
        human(total, sizeof total, data->size);
        snprintf(l->desc, sizeof l->desc, "LVM2 thin pool %.150s: %llu of %llu chunks of %llu KiB in use (%s of "
                 "%s), metadata LV of %llu bytes; its thin volumes (%.150s) are walked each as a volume; chunks no "
                 "volume maps may hold deleted volumes' data: not carved", l->name,
                 (unsigned long long)info.data_allocated, (unsigned long long)info.data_blocks,
                 (unsigned long long)(info.chunk >> 10), used, total, (unsigned long long)meta->size,
                 n ? vols : "none");
    }
    pt_layer_close(meta);
    pt_layer_close(data);
    *out = l;
    return PT_OK;
}

/* A thin volume: read through its pool's map (lvmthin.h). */
static int thin_view(pt_layer_t *vg, int i, pt_layer_t **out, pt_err_t *err)
{
    const pt_lvm_lv_t *lv = &vg->lvs[i];
    pt_layer_t *meta = NULL, *data = NULL, *l = NULL;
    pt_lvmthin_t *t = NULL;
    char sz[32], prov[32];
    int p, rc;

    *out = NULL;
    if (lv->external[0])
        return pt_err_set(err, PT_EFORMAT, "thin volume %s/%s has an external origin (%s), which ptriage does not "
                          "read: its unprovisioned chunks are that volume's", vg->name, lv->name, lv->external);
    if (lv->bytes == 0)
        return pt_err_set(err, PT_EFORMAT, "thin volume %s/%s: no usable size in the metadata", vg->name, lv->name);
    if ((p = pool_parts(vg, lv->pool, &meta, &data, err)) < 0) {
        pt_err_prefix(err, "thin volume %s/%s", vg->name, lv->name);
        return p;
    }
    if ((rc = pt_lvmthin_open(pt_layer_read, meta, meta->size, pt_layer_read, data, data->size,
                              vg->lvs[p].chunk_sectors, lv->device_id, lv->bytes, &t, err)) != PT_OK ||
        !(l = calloc(1, sizeof *l))) {
        if (rc == PT_OK)
            rc = pt_err_set(err, PT_ENOMEM, "out of memory");
        pt_err_prefix(err, "thin volume %s/%s (device %u of pool %s)", vg->name, lv->name, lv->device_id, lv->pool);
        pt_lvmthin_close(t);
        pt_layer_close(meta);
        pt_layer_close(data);
        return rc;
    }
    l->kind = PT_LAYER_LVM;
    l->thin = t;
    l->thin_meta = meta;
    l->thin_data = data;
    l->size = lv->bytes;
    snprintf(l->name, sizeof l->name, "%.250s/%.127s", vg->name, lv->name);
    human(sz, sizeof sz, lv->bytes);
    human(prov, sizeof prov, pt_lvmthin_mapped(t) * vg->lvs[p].chunk_sectors * 512ull);
    snprintf(l->desc, sizeof l->desc, "LVM2 thin volume %.130s: device %u of thin pool %.60s/%.60s, %s, %llu "
             "chunk%s of %u KiB provisioned (%s), the rest reads as zeros%s%.60s%s%.60s", l->name, lv->device_id,
             vg->name, lv->pool, sz, (unsigned long long)pt_lvmthin_mapped(t), pt_lvmthin_mapped(t) == 1 ? "" : "s",
             vg->lvs[p].chunk_sectors / 2, prov, lv->origin[0] ? "; a thin snapshot of " : "",
             lv->origin[0] ? vg->name : "", lv->origin[0] ? "/" : "", lv->origin);
    *out = l;
    return PT_OK;
}

static int is_mirror(const pt_lvm_lv_t *lv)
{
    return lv->image0[0] && (strcmp(lv->seg_type, "raid1") == 0 || strcmp(lv->seg_type, "mirror") == 0);
}

/* The RAID 1 or mirror LV whose image, metadata or log LV lv is (LVM names
 * them LV_rimage_N, LV_rmeta_N, LV_mimage_N, LV_mlog), or -1. */
static int mirror_of_part(const pt_layer_t *vg, const char *lv)
{
    static const char *const parts[] = { "_rimage_", "_rmeta_", "_mimage_", "_mlog" };
    int k;

    for (k = 0; k < vg->nlvs; k++) {
        size_t n = strlen(vg->lvs[k].name);
        if (!is_mirror(&vg->lvs[k]) || strncmp(lv, vg->lvs[k].name, n) != 0)
            continue;
        for (size_t j = 0; j < sizeof parts / sizeof parts[0]; j++)
            if (strncmp(lv + n, parts[j], strlen(parts[j])) == 0)
                return k;
    }
    return -1;
}

/* A RAID 1 or mirrored LV (libvslvm opens neither): read from its first
 * image, which holds all its data from the image's start; the other
 * images are copies. */
static int mirror_view(pt_layer_t *vg, int i, pt_layer_t **out, pt_err_t *err)
{
    const pt_lvm_lv_t *lv = &vg->lvs[i];
    int k = lv_index(vg, lv->image0), j, rc;
    uint64_t group = 0;
    pt_layer_t *l;

    *out = NULL;
    if (k < 0)
        return pt_err_set(err, PT_EFORMAT, "logical volume %s/%s (%s): its first image %s is not in the group",
                          vg->name, lv->name, lv->seg_type, lv->image0);
    if ((rc = lv_raw(vg, k, &l, err)) != PT_OK)
        return rc;
    for (j = 0; j < vg->nlvs; j++)
        if (mirror_of_part(vg, vg->lvs[j].name) == i)
            group += vg->lvs[j].bytes;
    if (lv->bytes && lv->bytes < l->size)
        l->size = lv->bytes;
    snprintf(l->name, sizeof l->name, "%.250s/%.127s", vg->name, lv->name);
    /* the bytes of the group it uses end the description: the coverage
     * ledger counts them (coverage.c) */
    snprintf(l->desc, sizeof l->desc, "LVM2 RAID 1 logical volume %.150s (segment type %s, %d images): read from its "
             "first image %.60s/%.127s; the others are copies, not walked; images and metadata LVs: %llu bytes of the "
             "group", l->name, lv->seg_type, lv->images, vg->name, lv->image0, (unsigned long long)group);
    *out = l;
    return PT_OK;
}

int pt_layer_is_record(const pt_layer_t *l)
{
    return l && l->record_only;
}

int pt_layer_sub(pt_layer_t *vg, int i, pt_layer_t **out, pt_err_t *err)
{
    pt_layer_t *l;

    *out = NULL;
    if (vg->kind == PT_LAYER_BSD && i >= 0 && i < vg->n_bsd) {
        const bsd_part_t *b = &vg->bsd[i];
        if (!(l = calloc(1, sizeof *l)))
            return pt_err_set(err, PT_ENOMEM, "out of memory");
        l->kind = PT_LAYER_BSD;
        l->up_fn = vg->file_fn;
        l->up_src = vg->file_src;
        l->up_off = b->off;
        l->size = b->len;
        snprintf(l->name, sizeof l->name, "%s", b->name);
        snprintf(l->desc, sizeof l->desc, "BSD partition %s: %s, %llu bytes at byte %llu of the slice", b->name,
                 b->desc, (unsigned long long)b->len, (unsigned long long)b->off);
        *out = l;
        return PT_OK;
    }
    if (vg->vss && i >= 0 && i < pt_vss_count(vg->vss)) {
        if (!(l = calloc(1, sizeof *l)))
            return pt_err_set(err, PT_ENOMEM, "out of memory");
        l->kind = PT_LAYER_VSS;
        l->vss_of = vg->vss;
        l->vss_i = i;
        l->size = pt_vss_size(vg->vss, i);
        snprintf(l->name, sizeof l->name, "%d", i + 1);
        snprintf(l->desc, sizeof l->desc, "%s", pt_vss_describe(vg->vss, i));
        *out = l;
        return PT_OK;
    }
    if (vg->kind == PT_LAYER_VERACRYPT && i >= 0 && i < vg->n_tc) {
        if (!(l = calloc(1, sizeof *l)))
            return pt_err_set(err, PT_ENOMEM, "out of memory");
        l->kind = PT_LAYER_VERACRYPT;
        l->tc_of = vg->tcs[i];
        l->size = pt_tcrypt_size(vg->tcs[i]);
        snprintf(l->name, sizeof l->name, "%s", pt_tcrypt_hidden(vg->tcs[i]) ? "hidden" : "standard");
        snprintf(l->desc, sizeof l->desc, "%s", pt_tcrypt_describe(vg->tcs[i]));
        *out = l;
        return PT_OK;
    }
    if (!vg->vg)
        return pt_err_set(err, PT_EINVAL, "not a volume group");
    if (vg->lvs && i >= 0 && i < vg->nlvs) {
        if (vg->lvs[i].snapshot)
            return PT_OK; /* LVM's internal snapshot object: no volume (*out stays NULL) */
        if (vg->lvs[i].thin)
            return thin_view(vg, i, out, err);
        if (vg->lvs[i].thin_pool)
            return thin_pool_record(vg, i, out, err);
        if (pool_of_part(vg, vg->lvs[i].name) >= 0)
            return PT_OK; /* a thin pool's data or metadata: read through its volumes */
        if (is_mirror(&vg->lvs[i]))
            return mirror_view(vg, i, out, err);
        if (mirror_of_part(vg, vg->lvs[i].name) >= 0)
            return PT_OK; /* an image or log of a RAID 1 LV: read through it */
        for (int k = 0; k < vg->nlvs; k++)
            if (vg->lvs[k].snapshot && strcmp(vg->lvs[k].cow, vg->lvs[i].name) == 0)
                return snapshot_view(vg, i, &vg->lvs[k], out, err);
    }
    return lv_raw(vg, i, out, err);
}

/* Logical volume i as libvslvm reads it. */
static int lv_raw(pt_layer_t *vg, int i, pt_layer_t **out, pt_err_t *err)
{
    libvslvm_error_t *e = NULL;
    pt_layer_t *l;
    size64_t size = 0;
    char lvname[128] = "";
    int segs = 0;

    *out = NULL;
    if (!(l = calloc(1, sizeof *l)))
        return pt_err_set(err, PT_ENOMEM, "out of memory");
    l->kind = PT_LAYER_LVM;
    if (libvslvm_volume_group_get_logical_volume(vg->vg, i, &l->lv, &e) != 1 ||
        libvslvm_logical_volume_get_size(l->lv, &size, &e) != 1) {
        if (vg->lvs && i < vg->nlvs)
            YAL_ERR(libvslvm, e, err, PT_EFORMAT, "logical volume %s/%s (segment type %s) is not read by ptriage or "
                    "libvslvm%s", vg->name, vg->lvs[i].name, vg->lvs[i].seg_type,
                    vg->lvs[i].images ? "; its images are walked each as a volume" : "");
        else
            YAL_ERR(libvslvm, e, err, PT_EFORMAT, "logical volume %d of %s", i, vg->name);
        pt_layer_close(l);
        return PT_EFORMAT;
    }
    libvslvm_logical_volume_get_name(l->lv, lvname, sizeof lvname, NULL);
    libvslvm_logical_volume_get_number_of_segments(l->lv, &segs, NULL);
    l->size = size;
    snprintf(l->name, sizeof l->name, "%.250s/%.127s", vg->name, lvname);
    snprintf(l->desc, sizeof l->desc, "LVM2 logical volume %s, %llu bytes in %d segment%s", l->name,
             (unsigned long long)size, segs, segs == 1 ? "" : "s");
    *out = l;
    return PT_OK;
}

int pt_layer_sub_by_name(pt_layer_t *vg, const char *name, pt_layer_t **out, pt_err_t *err)
{
    int i, n = pt_layer_count(vg), rc;

    for (i = 0; i < n; i++) {
        if ((rc = pt_layer_sub(vg, i, out, err)) != PT_OK)
            return rc;
        if (!*out)
            continue;
        if (strcmp((*out)->name, name) == 0)
            return PT_OK;
        pt_layer_close(*out);
        *out = NULL;
    }
    if (vg->kind == PT_LAYER_BSD)
        return pt_err_set(err, PT_EFORMAT, "partition %s is not in the BSD disklabel any more", name);
    if (vg->vss)
        return pt_err_set(err, PT_EFORMAT, "shadow copy %s is not on the volume any more", name);
    if (vg->kind == PT_LAYER_VERACRYPT)
        return pt_err_set(err, PT_ENOKEY, "the VeraCrypt %s volume does not open with the keys given any more",
                          name);
    return pt_err_set(err, PT_EFORMAT, "logical volume %s is not in volume group %s any more", name, vg->name);
}

struct pt_vss *pt_layer_vss(const pt_layer_t *l, int *index)
{
    if (!l || !l->vss_of)
        return NULL;
    if (index)
        *index = l->vss_i;
    return l->vss_of;
}
