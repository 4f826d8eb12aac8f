/* Unit tests for hfscat.c on an HFS+ volume whose catalog
 * tests/fixtures/mkhfsplus.py writes (run by the test): a folder holding a
 * file, a subfolder, a hard link whose indirect node iNode777 is in the
 * private folder, and one whose iNode999 is missing.  libtsk cannot open
 * that folder (it looks link numbers up as CNIDs); hfscat lists it in key
 * order, each link resolved by name; a damaged record is passed over,
 * counted and named by node and record. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tsk/libtsk.h>

#include "hfscat.h"
#include "testlib.h"

static char dir[] = "/tmp/pt-hfscat-XXXXXX";

/* Runs body on the filesystem of image name of the scratch directory,
 * with an empty list and error for it. */
static void on_volume(const char *name, void (*body)(TSK_FS_INFO *fs, pt_hfscat_list_t *l, pt_err_t *err))
{
    char path[256];
    TSK_IMG_INFO *img;
    TSK_FS_INFO *fs = NULL;
    pt_hfscat_list_t l;
    pt_err_t err = { 0, "" };

    snprintf(path, sizeof path, "%s/%s", dir, name);
    if ((img = tsk_img_open_sing(path, TSK_IMG_TYPE_DETECT, 0)))
        fs = tsk_fs_open_img(img, 0, TSK_FS_TYPE_DETECT);
    T_CHECK(fs != NULL);
    memset(&l, 0, sizeof l);
    if (fs) {
        body(fs, &l, &err);
        pt_hfscat_free(&l);
        tsk_fs_close(fs);
    }
    if (img)
        tsk_img_close(img);
}

static int build(void)
{
    char cmd[512];

    if (!t_scratch(dir))
        return 0;
    snprintf(cmd, sizeof cmd, "python3 tests/fixtures/mkhfsplus.py %s/links.img 8 Links links", dir);
    if (system(cmd) != 0)
        return 0;
    /* a copy whose leaf (catalog node 1) has record 8 (a.bin) pointing
     * past the node: libtsk still opens the volume, whose root records
     * come first */
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import struct,sys; b=bytearray(open(sys.argv[1],\"rb\").read()); "
             "s=struct.unpack_from(\">I\",b,1024+272+16)[0]; o=(s+1)*4096+4096-2*9; "
             "struct.pack_into(\">H\",b,o,0xfff0); open(sys.argv[2],\"wb\").write(b)' %s/links.img %s/bad.img",
             dir, dir);
    if (system(cmd) != 0)
        return 0;
    /* and one whose header names node 5 as the last leaf: the leaf chain,
     * which ends at node 1, is broken */
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import struct,sys; b=bytearray(open(sys.argv[1],\"rb\").read()); "
             "s=struct.unpack_from(\">I\",b,1024+272+16)[0]; struct.pack_into(\">I\",b,s*4096+28,5); "
             "open(sys.argv[2],\"wb\").write(b)' %s/links.img %s/chain.img", dir, dir);
    return system(cmd) == 0;
}

static void links(TSK_FS_INFO *fs, pt_hfscat_list_t *l, pt_err_t *err)
{
    TSK_FS_DIR *d = tsk_fs_dir_open_meta(fs, 17);
    T_CHECK(d == NULL); /* the reason hfscat exists */
    if (d)
        tsk_fs_dir_close(d);
    tsk_error_reset();

    T_CHECK(pt_hfscat_folder(fs, 17, l, err) == PT_OK);
    T_CHECK(l->n == 5);
    if (l->n == 5) {
        T_STREQ(l->e[0].name, "a.bin");
        T_CHECK(l->e[0].cnid == 18 && l->e[0].target == 18 && !l->e[0].link && !l->e[0].is_dir);
        T_STREQ(l->e[1].name, "dlink"); /* a directory hard link: dir_24 in the directories' private folder */
        T_CHECK(l->e[1].cnid == 25 && l->e[1].target == 24 && l->e[1].link == 24 && l->e[1].is_dir);
        T_STREQ(l->e[2].name, "link.bin");
        T_CHECK(l->e[2].cnid == 19 && l->e[2].target == 20 && l->e[2].link == 777 && !l->e[2].is_dir);
        T_STREQ(l->e[3].name, "lost.bin");
        T_CHECK(l->e[3].cnid == 21 && l->e[3].target == 0 && l->e[3].link == 999);
        T_STREQ(l->e[4].name, "sub");
        T_CHECK(l->e[4].cnid == 22 && l->e[4].target == 22 && l->e[4].is_dir);
    }
    pt_hfscat_free(l);

    /* the root: the private folders (NUL sorts last) and the folder */
    T_CHECK(pt_hfscat_folder(fs, 2, l, err) == PT_OK);
    T_CHECK(l->n == 3 && l->e[0].cnid == 23 && strcmp(l->e[1].name, "Shared") == 0 && l->e[2].cnid == 16);
    pt_hfscat_free(l);

    /* an empty folder, and a CNID no folder has */
    T_CHECK(pt_hfscat_folder(fs, 22, l, err) == PT_OK && l->n == 0);
    T_CHECK(pt_hfscat_folder(fs, 4000, l, err) == PT_OK && l->n == 0);
    pt_hfscat_free(l);
}

static void damaged(TSK_FS_INFO *fs, pt_hfscat_list_t *l, pt_err_t *err)
{
    /* records 7 (the folder's thread) and 8 (a.bin) cannot be bounded:
     * passed over, counted; the others are listed */
    T_CHECK(pt_hfscat_folder(fs, 17, l, err) == PT_OK);
    T_CHECK(l->n == 4 && l->damaged == 2);
    T_HAS(l->damage, "leaf node 1, record 7: out of bounds");
    if (l->n == 4)
        T_STREQ(l->e[0].name, "dlink");
    pt_hfscat_free(l);
    /* the root's records come before the damage */
    T_CHECK(pt_hfscat_folder(fs, 2, l, err) == PT_OK && l->n == 3);
    pt_hfscat_free(l);
}

static void chain(TSK_FS_INFO *fs, pt_hfscat_list_t *l, pt_err_t *err)
{
    /* folder 23's records end inside the leaf: nothing missed */
    T_CHECK(pt_hfscat_folder(fs, 23, l, err) == PT_OK && l->n == 1 && l->damaged == 0);
    pt_hfscat_free(l);
    /* the last records of the leaf (dlink's thread, CNID 25) may go on past it */
    T_CHECK(pt_hfscat_folder(fs, 25, l, err) == PT_OK && l->n == 0 && l->damaged == 1);
    T_HAS(l->damage, "leaf node 1 ends the leaf chain, but the tree's last leaf is node 5");
    pt_hfscat_free(l);
}

static void folder_libtsk_cannot_open(void)
{
    on_volume("links.img", links);
}

static void damaged_record(void)
{
    on_volume("bad.img", damaged);
}

static void broken_leaf_chain(void)
{
    on_volume("chain.img", chain);
}

int main(void)
{
    if (!build()) {
        fprintf(stderr, "could not build the test volume\n");
        return 1;
    }
    T_RUN(folder_libtsk_cannot_open);
    T_RUN(damaged_record);
    T_RUN(broken_leaf_chain);
    t_rmtree(dir);
    return t_done();
}
