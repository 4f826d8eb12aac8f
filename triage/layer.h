/* layer.h - containers between the evidence and a filesystem: virtual-disk
 * files (qcow2, VMDK, VHD, VHDX, VDI, DMG), LVM2 volume groups, LUKS volumes; and
 * recognition (with no opening) of what ptriage can only name: EWF inside
 * the evidence, BitLocker, Linux software RAID members, Btrfs, ZFS.
 * Virtual disks and LVM are opened through Debian's libyal libraries over a
 * libbfio handle (bfio.h), LUKS through luks.h, so a layer reads from
 * anything: a file in an image, a partition, another layer.  Every layer is
 * read-only. */
#ifndef PT_LAYER_H
#define PT_LAYER_H

#include <stdint.h>

#include "err.h"
#include "reader.h"

typedef enum {
    PT_LAYER_NONE = 0,
    PT_LAYER_QCOW,      /* disk images: opened */
    PT_LAYER_VMDK,
    PT_LAYER_VHD,
    PT_LAYER_VHDX,
    PT_LAYER_LVM,       /* volume group: one layer per logical volume */
    PT_LAYER_LUKS,      /* opened with a key from case.conf */
    PT_LAYER_BITLOCKER, /* opened with a key from case.conf (libbde) */
    PT_LAYER_EWF,       /* named only */
    PT_LAYER_MDRAID,    /* a RAID 1 member is opened (mdraid.h); others named */
    PT_LAYER_BTRFS,
    PT_LAYER_ZFS,
    PT_LAYER_XFS,       /* a filesystem: xfs.h walks it */
    PT_LAYER_APFS,      /* a container of filesystems: apfs.h walks it */
    PT_LAYER_BSD,       /* a BSD disklabel in an MBR slice: one layer per partition */
    PT_LAYER_VDI,       /* VirtualBox disk image (vdimap.h) */
    PT_LAYER_DMG,       /* Apple disk image, UDIF (dmgmap.h): found by its trailer */
    PT_LAYER_SPLIT,     /* a split raw image's set of files: opened by name, never detected (volume.c) */
    PT_LAYER_BUNDLE,    /* an Apple sparse bundle directory (bundle.h): known by its name, never detected */
    PT_LAYER_VSS,       /* an NTFS volume's shadow copies (vss.h): one layer per snapshot, never detected */
    PT_LAYER_VERACRYPT, /* VeraCrypt/TrueCrypt (tcrypt.h): no signature, known only by a passphrase opening it */
    PT_LAYER_SQUASHFS,  /* a filesystem: squashfs.h walks it */
    PT_LAYER_SIMG,      /* Android sparse image (simgmap.h) */
    PT_LAYER_SPARSEIMAGE, /* Apple sparse image, .sparseimage (spimgmap.h) */
    PT_LAYER_PARALLELS, /* Parallels expanding image, .hds and ploop (phdmap.h) */
    PT_LAYER_PHDBUNDLE, /* a Parallels disk directory, NAME.hdd (phdbundle.h): known by its name, never detected */
    PT_LAYER_EROFS,     /* a filesystem: erofs.h walks it */
    PT_LAYER_F2FS,      /* a filesystem: f2fs.h walks it */
    PT_LAYER_AFF4       /* AFF4 image, a ZIP64 volume of compressed chunks (aff4map.h) */
} pt_layer_kind_t;

typedef struct pt_layer pt_layer_t;

/* A key the court provided (case.conf [keys]): a passphrase, or the bytes
 * of a key file; name says which ("passphrase 2", "key file /k/luks.key")
 * and is all that is ever reported. */
typedef struct pt_key {
    const uint8_t *data;
    size_t len;
    const char *name;
    const char *path;   /* a key file's path (a BitLocker .BEK startup key is read by libbde), else NULL */
    int cascades;       /* also try VeraCrypt's cascades with it (case.conf veracrypt_cascades = yes) */
    unsigned pim;       /* VeraCrypt's PIM to use with it (case.conf veracrypt_pim), 0 for the default */
    const uint8_t *kf64, *kf128; /* VeraCrypt keyfiles' pools (64 and 128 bytes), NULL without keyfiles */
} pt_key_t;

/* 1 for a BitLocker recovery password (eight groups of six digits). */
int pt_key_is_recovery_password(const pt_key_t *k);

/* Reads what it needs of size bytes through fn (superblocks live at
 * several offsets) and names the container, PT_LAYER_NONE when none. */
pt_layer_kind_t pt_layer_detect(pt_read_fn fn, void *src, uint64_t size);
/* The same from a file's first bytes only (virtual disks, EWF). */
pt_layer_kind_t pt_layer_detect_head(const uint8_t *head, size_t len);
/* 1 for a VMDK sparse extent file without a descriptor of its own (the
 * -s001.vmdk of a split disk): a disk only through the descriptor naming it. */
int pt_layer_is_vmdk_extent(const uint8_t *head, size_t len);
/* 1 for the boot sector of a BitLocker To Go volume: a FAT32 discovery
 * volume (BitLockerToGo.exe, the encrypted volume in "COV nnnn. ER" cover
 * files) with BitLocker's volume GUID at 0x1a8; libbde opens it whole. */
int pt_layer_is_bitlocker_to_go(const uint8_t *head, size_t len);
/* 1 for the name of such a cover file ("COV 0000. ER"). */
int pt_layer_is_bitlocker_cover(const char *name);
/* "qcow2", "vmdk", "lvm2", "luks", "md-raid" ... */
const char *pt_layer_kind_name(pt_layer_kind_t k);
/* Lookup by that name (stored in case.db), PT_LAYER_NONE when unknown. */
pt_layer_kind_t pt_layer_kind_by_name(const char *name);
/* 1 for the formats pt_layer_open decodes into one readable volume. */
int pt_layer_is_disk_image(pt_layer_kind_t k);

/* Opens a disk image, a LUKS or BitLocker volume (trying each of nkeys
 * keys: for BitLocker a recovery password, a password, or a .BEK startup
 * key file) or an LVM volume group over
 * fn/src (which must outlive the layer).  PT_OK, or PT_EFORMAT /
 * PT_ENOKEY with err saying why. */
int pt_layer_open(pt_layer_kind_t k, pt_read_fn fn, void *src, uint64_t size, const pt_key_t *keys,
                  size_t nkeys, pt_layer_t **out, pt_err_t *err);
void pt_layer_close(pt_layer_t *l);
/* The same, opening of a group only the volume called name where that
 * saves work (a VeraCrypt volume's "standard" or "hidden" one: each header
 * tried costs a key derivation per passphrase); the group is read with
 * pt_layer_sub_by_name as usual. */
int pt_layer_open_named(pt_layer_kind_t k, pt_read_fn fn, void *src, uint64_t size, const pt_key_t *keys,
                        size_t nkeys, const char *name, pt_layer_t **out, pt_err_t *err);

/* A raw disk image read through fn/src as a layer: the backing file of a
 * qcow2 overlay may be one (OpenStack keeps instance disks as qcow2 over raw
 * base images). */
int pt_layer_open_raw(pt_read_fn fn, void *src, uint64_t size, pt_layer_t **out, pt_err_t *err);

/* Opens the extent file a VMDK descriptor names (relative to it) for
 * reading: fn and src (kept open by the opener until the layer is closed)
 * and its *size.  PT_OK or an error with err set. */
typedef struct pt_vmdk_opener {
    int (*open)(void *ctx, const char *name, pt_read_fn *fn, void **src, uint64_t *size, pt_err_t *err);
    void *ctx;
} pt_vmdk_opener_t;

/* A VMDK given as evidence: a descriptor (or a monolithic file) read
 * through fn/src whose extents are opened through ext. */
int pt_layer_open_vmdk(pt_read_fn fn, void *src, uint64_t size, const pt_vmdk_opener_t *ext, pt_layer_t **out,
                       pt_err_t *err);

/* A readable layer: its size, and a pt_read_fn over it (src = the layer). */
uint64_t pt_layer_size(const pt_layer_t *l);
ssize_t pt_layer_read(void *l, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);
/* One line for the report: "qcow2 version 3, 33554432 bytes virtual disk",
 * "LUKS aes-xts, opened with passphrase 1". */
const char *pt_layer_describe(const pt_layer_t *l);

/* The MD5 and SHA-1 an image format stores for its disk (AFF4's
 * aff4:hash), "" where none. */
void pt_layer_stored_hashes(const pt_layer_t *l, char md5[33], char sha1[41]);

/* An LVM volume group or a BSD disklabel: its logical volumes or
 * partitions, each opened as a layer that borrows the group (close the
 * volumes first). */
int pt_layer_count(const pt_layer_t *vg);
/* *out is NULL (and PT_OK) for an LV that is no volume of its own: LVM's
 * internal snapshot object, whose view is given as the LV holding its
 * copy-on-write store (named as lvcreate -s named it; lvmsnap.h), and a
 * thin pool's data and metadata LVs, read through its thin volumes
 * (lvmthin.h).  A thin pool itself is a record (pt_layer_is_record). */
int pt_layer_sub(pt_layer_t *vg, int i, pt_layer_t **out, pt_err_t *err);
/* 1 for a layer that describes part of a group but is not read: a thin
 * pool (its size is its share of the group, its volumes are walked). */
int pt_layer_is_record(const pt_layer_t *l);
/* A differential qcow image or VMDK snapshot: the backing file's (parent
 * disk's) name as the image stores it (relative names are relative to the
 * image's directory, as qemu and VMware read them); a VDI snapshot: its
 * parent's UUID, "{...}"; "" for a self-contained image or another kind of
 * layer. */
const char *pt_layer_backing(const pt_layer_t *l);
/* Gives a qcow, VMDK or VDI layer its opened parent image of the same kind,
 * or a qcow layer a raw one (pt_layer_open_raw), which must outlive it;
 * without one, reads of clusters the image does not hold fail. */
int pt_layer_set_parent(pt_layer_t *l, pt_layer_t *parent, pt_err_t *err);

/* What pt_layer_set_parent found worth saying about the pair ("" when
 * nothing): a VDI snapshot whose parent changed after it was taken. */
const char *pt_layer_parent_note(const pt_layer_t *l);

/* A snapshot's layer (of a PT_LAYER_VSS set): the set and the snapshot's
 * index in it, for pt_vss_filter_open; NULL for other layers. */
struct pt_vss;
struct pt_vss *pt_layer_vss(const pt_layer_t *l, int *index);

/* "vg0/root" for a logical volume, "a" for a BSD partition, "2" for a snapshot. */
const char *pt_layer_name(const pt_layer_t *l);
/* Opens logical volume vg/lv by that name. */
int pt_layer_sub_by_name(pt_layer_t *vg, const char *name, pt_layer_t **out, pt_err_t *err);

#endif
