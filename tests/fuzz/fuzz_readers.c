/* fuzz_readers.c - libFuzzer target: ptriage's own readers of disk-image
 * files (qcow2, VMDK, VHD, VHDX, VDI, DMG, Android sparse, Apple sparse
 * image, Parallels, AFF4) and of filesystems (SquashFS, EROFS, F2FS,
 * Btrfs), each given the input (after its first byte, which picks the
 * reader) as the file, from memory.  A disk image is opened as evidence
 * is, with no other file to find (a parent or an extent named is missing),
 * and bytes at its start, middle and end are read; a filesystem is opened
 * and its first inodes opened and read.  No case directory, libmagic or
 * database: thousands of inputs a second, where the whole-scan target
 * runs a few. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "btrfs.h"
#include "chain.h"
#include "erofs.h"
#include "f2fs.h"
#include "layer.h"
#include "reader.h"
#include "squashfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static const pt_layer_kind_t disks[] = { PT_LAYER_QCOW, PT_LAYER_VMDK, PT_LAYER_VHD, PT_LAYER_VHDX,
                                         PT_LAYER_VDI, PT_LAYER_DMG, PT_LAYER_SIMG, PT_LAYER_SPARSEIMAGE,
                                         PT_LAYER_PARALLELS, PT_LAYER_AFF4 };
enum { FS_SQUASHFS, FS_EROFS, FS_F2FS, FS_BTRFS, FS_N };
#define NDISKS (sizeof disks / sizeof disks[0])
#define READ_MAX (256u << 10) /* of each inode: enough for every mapping path, fast */

static uint8_t buf[64 << 10];

/* Reads [off, off + len) in pieces; stops at the first error or end. */
static void read_range(pt_read_fn fn, void *src, uint64_t off, uint64_t len)
{
    pt_err_t err = { 0, "" };

    while (len) {
        size_t want = len < sizeof buf ? (size_t)len : sizeof buf;
        ssize_t got = fn(src, off, buf, want, &err);
        if (got <= 0)
            return;
        off += (uint64_t)got;
        len -= (uint64_t)got;
    }
}

static void disk(pt_layer_kind_t kind, pt_mem_t *m)
{
    pt_files_t *files = pt_files_dir("/nonexistent-ptriage-fuzz"); /* nothing else to open */
    pt_chain_t *c = NULL;
    pt_err_t err = { 0, "" };

    if (files && pt_chain_open(kind, pt_read_mem, m, m->n, "e.img", files, NULL, 0, &c, &err) == PT_OK) {
        pt_layer_t *top = pt_chain_top(c);
        uint64_t size = pt_layer_size(top);
        read_range(pt_layer_read, top, 0, 3 * sizeof buf);
        read_range(pt_layer_read, top, size / 2, sizeof buf);
        read_range(pt_layer_read, top, size > sizeof buf ? size - sizeof buf : 0, sizeof buf);
        pt_chain_close(c);
    }
    pt_files_free(files);
}

/* Opens inodes first..first+count-1 of a filesystem and reads each. */
#define EACH_INODE(open_inode, h, first, count, ...)                                                          \
    for (uint64_t ino = (first); ino < (first) + (count); ino++) {                                            \
        pt_read_fn fn;                                                                                        \
        void *src;                                                                                            \
        uint64_t size = 0;                                                                                    \
        if (open_inode(h, __VA_ARGS__ ino, &fn, &src, &size, &err) == PT_OK)                                  \
            read_range(fn, src, 0, size < READ_MAX ? size : READ_MAX);                                        \
    }

static void filesystem(int which, pt_mem_t *m)
{
    pt_err_t err = { 0, "" };

    if (which == FS_SQUASHFS) {
        pt_squashfs_t *q = NULL;
        if (pt_squashfs_open(pt_read_mem, m, m->n, &q, &err) == PT_OK) {
            EACH_INODE(pt_squashfs_open_inode, q, 1, 16, )
            pt_squashfs_close(q);
        }
    } else if (which == FS_EROFS) {
        pt_erofs_t *e = NULL;
        if (pt_erofs_open(pt_read_mem, m, m->n, &e, &err) == PT_OK) {
            EACH_INODE(pt_erofs_open_inode, e, 0, 64, )
            pt_erofs_close(e);
        }
    } else if (which == FS_F2FS) {
        pt_f2fs_t *f = NULL;
        if (pt_f2fs_open(pt_read_mem, m, m->n, &f, &err) == PT_OK) {
            EACH_INODE(pt_f2fs_open_inode, f, 3, 16, )
            pt_f2fs_close(f);
        }
    } else {
        pt_btrfs_t *b = NULL;
        if (pt_btrfs_open(pt_read_mem, m, m->n, &b, &err) == PT_OK) {
            EACH_INODE(pt_btrfs_open_inode, b, 256, 16, PT_BTRFS_FS_TREE, )
            pt_btrfs_close(b);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    pt_mem_t m;
    unsigned pick;

    if (n < 2)
        return 0;
    pick = d[0] % (unsigned)(NDISKS + FS_N);
    m = (pt_mem_t){ d + 1, n - 1 };
    if (pick < NDISKS)
        disk(disks[pick], &m);
    else
        filesystem((int)(pick - NDISKS), &m);
    return 0;
}
