/* phdbundle.h - Parallels disks as directories: Parallels Desktop's
 * NAME.hdd (inside a VM's .pvm folder) and the root.hdd of a Virtuozzo or
 * OpenVZ container (ploop).  DiskDescriptor.xml names the disk's size, its
 * storages (ranges of the disk, each in files of its own: one for a disk
 * of one piece, several for a "split" disk) and, per storage, one image
 * per snapshot; <Snapshots> links each snapshot to its parent.  The disk
 * is the current snapshot's images, a cluster it never wrote read from
 * the parent's image down the chain, and zeros below the base (phdmap.h
 * reads each image; a "Plain" image is raw).
 *
 * After libphdi's format notes (the descriptor, split storages) and
 * ploop's (TopGUID names the current snapshot; without it, the snapshot no
 * other names as its parent, the last listed when there are several).
 * Found as a directory in a filesystem of the evidence or in a directory
 * given as evidence; its files are read through that namespace
 * (chain.h).  An encrypted disk (an <Encryption> engine set) is named, not
 * opened. */
#ifndef PT_PHDBUNDLE_H
#define PT_PHDBUNDLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <tsk/libtsk.h>

#include "chain.h"
#include "err.h"

/* 1 when path names a Parallels disk directory (NAME.hdd, by its name). */
int pt_phdbundle_named(const char *path);

/* 1 when path is an image file of such a directory (NAME.hdd/X.hds,
 * NAME.hdd/X.hds.{GUID}): a piece of its disk, walked through the
 * directory's descriptor where it has one. */
int pt_phdbundle_is_part(const char *path);

/* The disk of directory dir of namespace f (which must outlive it) as a
 * libtsk image (close with tsk_img_close); NULL with err set: PT_ENOENT
 * when dir has no DiskDescriptor.xml, PT_EFORMAT with the reason (a
 * descriptor that is not a Parallels disk's, an image missing or damaged,
 * a snapshot chain that loops, an encrypted disk).  *desc gets one line. */
TSK_IMG_INFO *pt_phdbundle_img(pt_files_t *f, const char *dir, char *desc, size_t dsize, pt_err_t *err);

#endif
