/* rawimg.h - raw and split raw images read through ptriage's own
 * O_RDONLY | O_NOATIME descriptors, behind libtsk's external image
 * interface (libtsk's own raw layer opens without O_NOATIME). */
#ifndef PT_RAWIMG_H
#define PT_RAWIMG_H

#include <tsk/libtsk.h>
#include "err.h"

/* Opens the segments names[0..n-1] (in order) as one image.  Returns the
 * image (close with tsk_img_close) or NULL with err set. */
TSK_IMG_INFO *pt_rawimg_open(const char *const *names, int n, unsigned sector_size, pt_err_t *err);

/* Reads img (one of these) straight from its files, past libtsk's cache:
 * for the files of virtual disks, whose readers keep their own caches of
 * what they decode, and whose chunks do not fall on libtsk's 64 KiB cache
 * lines (a pt_read_fn). */
ssize_t pt_rawimg_read(void *img, uint64_t off, uint8_t *buf, size_t len, pt_err_t *err);

/* 1 when img is one of these and every descriptor it opened got
 * O_NOATIME (the kernel refuses it on others' files without CAP_FOWNER). */
int pt_rawimg_noatime(TSK_IMG_INFO *img);

#endif
