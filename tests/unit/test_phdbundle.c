/* Unit tests for phdbundle.c on Parallels disk directories written here:
 * the directory names; a base image and two snapshots of it without a
 * TopGUID (two branches: the last listed is read, and the note says so);
 * a Plain (raw) image; a storage range past which the disk reads zeros;
 * descriptors that are not a Parallels disk's. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "phdbundle.h"
#include "testlib.h"

#define CL 512u   /* one-sector clusters */
#define NCL 8u

static char root[64];

static void put(const char *name, const void *data, size_t len)
{
    char p[256];
    FILE *f;

    snprintf(p, sizeof p, "%s/d.hdd/%s", root, name);
    f = fopen(p, "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
}

/* An expanding image ("WithouFreSpacExt") of NCL clusters storing those
 * in mask, cluster k filled with byte fill + k. */
static void image(const char *name, unsigned mask, int fill)
{
    uint8_t img[CL * (NCL + 1)];
    unsigned k, at = 1;

    memset(img, 0, sizeof img);
    memcpy(img, "WithouFreSpacExt", 16);
    t_put_le32(img + 16, 2);
    t_put_le32(img + 28, 1);
    t_put_le32(img + 32, NCL);
    t_put_le64(img + 36, NCL);
    t_put_le32(img + 48, 1);
    for (k = 0; k < NCL; k++)
        if (mask & (1u << k)) {
            t_put_le32(img + 64 + 4 * k, at);
            memset(img + at * CL, fill + (int)k, CL);
            at++;
        }
    put(name, img, at * CL);
}

#define XML_FMT \
    "<?xml version='1.0'?>\n<Parallels_disk_image Version=\"1.0\">\n<Disk_Parameters><Disk_size>%u</Disk_size>" \
    "<Encryption><Engine>{00000000-0000-0000-0000-000000000000}</Engine></Encryption></Disk_Parameters>\n" \
    "<StorageData><Storage><Start>0</Start><End>%u</End><Blocksize>1</Blocksize>\n" \
    "<Image><GUID>{a}</GUID><Type>Compressed</Type><File>base.hds</File></Image>\n" \
    "<Image><GUID>{b}</GUID><Type>Compressed</Type><File>b.hds</File></Image>\n" \
    "<Image><GUID>{c}</GUID><Type>%s</Type><File>c.hds</File></Image>\n" \
    "</Storage></StorageData>\n<Snapshots>\n" \
    "<Shot><GUID>{a}</GUID><ParentGUID>{00000000-0000-0000-0000-000000000000}</ParentGUID></Shot>\n" \
    "<Shot><GUID>{b}</GUID><ParentGUID>{a}</ParentGUID></Shot>\n" \
    "<Shot><GUID>{c}</GUID><ParentGUID>{a}</ParentGUID></Shot>\n</Snapshots></Parallels_disk_image>\n"

static pt_files_t *files; /* the namespace outlives each image opened through it */

static TSK_IMG_INFO *open_it(const char *type, unsigned disk_sectors, char *desc, size_t dsize, pt_err_t *e)
{
    char xml[2048];

    snprintf(xml, sizeof xml, XML_FMT, disk_sectors, NCL, type);
    put("DiskDescriptor.xml", xml, strlen(xml));
    pt_files_free(files);
    files = pt_files_dir(root);
    return files ? pt_phdbundle_img(files, "/d.hdd", desc, dsize, e) : NULL;
}

static void done(TSK_IMG_INFO *img)
{
    tsk_img_close(img);
}

static void names(void)
{
    T_CHECK(pt_phdbundle_named("/Users/ann/Parallels/Win 11.pvm/Win 11.hdd"));
    T_CHECK(pt_phdbundle_named("/vz/private/101/root.HDD"));
    T_CHECK(!pt_phdbundle_named("/x/.hdd") && !pt_phdbundle_named("/x/disk.hd"));
    T_CHECK(pt_phdbundle_is_part("/a/root.hdd/root.hds"));
    T_CHECK(pt_phdbundle_is_part("/a/root.hdd/root.hds.{2e4a7c1d-8f3b-4d6e-9a0c-b1d2e3f4a5b6}"));
    T_CHECK(pt_phdbundle_is_part("/a/W.hdd/W.hdd.0.{5fbaabe3-6958-40ff-92a7-860e329aab41}.hds"));
    T_CHECK(!pt_phdbundle_is_part("/a/root.hdd/DiskDescriptor.xml") && !pt_phdbundle_is_part("/a/b/root.hds"));
}

static void snapshots(void)
{
    char desc[400];
    pt_err_t e = { 0, "" };
    uint8_t buf[CL * NCL + CL];
    TSK_IMG_INFO *img;
    unsigned k;

    image("base.hds", 0x0f, 0x10);  /* clusters 0-3 */
    image("b.hds", 0x30, 0x40);     /* branch b: 4-5 */
    image("c.hds", 0x22, 0x60);     /* branch c, the last listed: 1 and 5 */
    img = open_it("Compressed", NCL + 1, desc, sizeof desc, &e);
    T_CHECK(img != NULL);
    if (!img) {
        printf("#   %s\n", e.msg);
        return;
    }
    T_CHECK(strstr(desc, "Parallels disk (DiskDescriptor.xml), 4608 bytes in 1 storage, 2 snapshot images deep; "
                         "2 snapshot branches, the last listed read ({c}); sectors past the last storage read as "
                         "zeros") != NULL);
    T_CHECK(tsk_img_read(img, 0, (char *)buf, sizeof buf) == (ssize_t)sizeof buf);
    for (k = 0; k <= NCL; k++) {
        int want = k == 1 ? 0x61 : k == 5 ? 0x65 : k < 4 ? 0x10 + (int)k : 0;
        T_CHECK(buf[k * CL] == want && buf[k * CL + CL - 1] == want);
    }
    done(img);

    /* the last listed branch as a raw image: every byte its own */
    {
        uint8_t raw[CL * NCL];
        memset(raw, 0x77, sizeof raw);
        put("c.hds", raw, sizeof raw);
        img = open_it("Plain", NCL, desc, sizeof desc, &e);
        T_CHECK(img && strstr(desc, "plain (raw) images among them"));
        if (img) {
            T_CHECK(tsk_img_read(img, 3 * CL, (char *)buf, CL) == (ssize_t)CL && buf[0] == 0x77);
            done(img);
        }
    }
}

static void refused(void)
{
    char desc[400];
    pt_err_t e = { 0, "" };
    const char *bad = "<plist><dict/></plist>";

    put("DiskDescriptor.xml", bad, strlen(bad));
    pt_files_free(files);
    files = pt_files_dir(root);
    T_CHECK(files && !pt_phdbundle_img(files, "/d.hdd", desc, sizeof desc, &e) &&
            strstr(e.msg, "not a Parallels disk's"));
    T_CHECK(files && !pt_phdbundle_img(files, "/none.hdd", desc, sizeof desc, &e) && e.code == PT_ENOENT);
}

int main(void)
{
    char p[160];
    int rc;

    snprintf(root, sizeof root, "/tmp/pt-phdbundle-XXXXXX");
    if (!mkdtemp(root))
        return 1;
    snprintf(p, sizeof p, "%s/d.hdd", root);
    mkdir(p, 0700);
    T_RUN(names);
    T_RUN(snapshots);
    T_RUN(refused);
    pt_files_free(files);
    rc = t_done();
    snprintf(p, sizeof p, "rm -rf '%s'", root);
    if (system(p) != 0)
        rc = 1;
    return rc;
}
