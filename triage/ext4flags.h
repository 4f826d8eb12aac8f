/* ext4flags.h - an ext4 inode's i_flags, which libtsk 4.11 does not expose,
 * read from the inode table itself: for fscrypt (ext4 encryption, as
 * Android and ChromeOS use it), whose files' names and content are
 * ciphertext.  Only for filesystems with the "encrypt" feature; reads go
 * through libtsk's filesystem reader and never past the filesystem. */
#ifndef PT_EXT4FLAGS_H
#define PT_EXT4FLAGS_H

#include <stdint.h>
#include <tsk/libtsk.h>

#define PT_EXT4_ENCRYPT_FL 0x800u

typedef struct pt_ext4flags pt_ext4flags_t;

/* A reader for fs, or NULL when it is not ext4 with the encrypt feature, or
 * its group descriptors are laid out as meta_bg (not read). */
pt_ext4flags_t *pt_ext4flags_open(TSK_FS_INFO *fs);
/* i_flags of inode ino: 1, or 0 when it cannot be read. */
int pt_ext4flags_get(pt_ext4flags_t *x, uint64_t ino, uint32_t *flags);
void pt_ext4flags_close(pt_ext4flags_t *x);

#endif
