/* hfscat.h - an HFS+ folder listed from the catalog B-tree itself, for the
 * folders libtsk 4.11 cannot open.  libtsk fails a whole folder when one of
 * its hard links does not resolve: it looks the link number up as the CNID
 * of the indirect file, as macOS makes links, while Linux's hfsplus driver
 * picks link numbers at random.  Its recursive walk (and fls -r) then
 * passes over the folder without a word.  Here the folder's records are
 * read in key order from the catalog file (through libtsk), and a hard link
 * is resolved by name, iNodeN (or dir_N) in the volume's private folder, as
 * TN1150 and both kernels do. */
#ifndef PT_HFSCAT_H
#define PT_HFSCAT_H

#include <stddef.h>
#include <stdint.h>
#include <tsk/libtsk.h>

#include "err.h"

typedef struct pt_hfscat_entry {
    char *name;      /* UTF-8, named as libtsk names HFS+ entries */
    uint32_t cnid;   /* the catalog record's own CNID */
    uint32_t target; /* whose metadata and content it has: a hard link's indirect file or
                      * folder, else cnid; 0 for a hard link whose indirect node is missing */
    uint32_t link;   /* a hard link's link number, else 0 */
    int is_dir;      /* a folder, or a hard link to one */
} pt_hfscat_entry_t;

typedef struct pt_hfscat_list {
    pt_hfscat_entry_t *e;
    size_t n;
    size_t damaged;   /* catalog records among the folder's that were passed over: damaged */
    char damage[160]; /* where the first one is, and what is wrong */
} pt_hfscat_list_t;

/* The entries of folder (a CNID) of the HFS+ filesystem fs, in catalog
 * order, into out (zeroed on entry; the caller frees it with
 * pt_hfscat_free, on success or not).  A damaged record is passed over and
 * counted in out->damaged.  Returns PT_OK, or an error code with err set
 * when the catalog's header, index or leaf chain cannot be read. */
int pt_hfscat_folder(TSK_FS_INFO *fs, uint32_t folder, pt_hfscat_list_t *out, pt_err_t *err);

void pt_hfscat_free(pt_hfscat_list_t *l);

#endif
