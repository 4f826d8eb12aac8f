/* Unit tests for lvmsnap.c: the logical volumes and snapshot segments of a
 * physical volume's text metadata (label, metadata area, text with
 * comments, lists and a wrapped circular buffer), the snapshot's view over
 * an origin and an exception store, and damage to either refused or read
 * without a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lvmsnap.h"
#include "testlib.h"

#define PV (64u << 10)
#define MDA 4096u
#define AREA 16384u
#define CH 4096u

static const char meta[] =
    "vg0 {\n id = \"x\"\n # a comment { with braces }\n seqno = 3\n status = [\"RESIZEABLE\", \"READ\"]\n"
    " physical_volumes {\n  pv0 { id = \"p\" pe_count = 10 }\n }\n"
    " logical_volumes {\n"
    "  root { id = \"r\" status = [\"READ\", \"WRITE\", \"VISIBLE\"] segment_count = 1\n"
    "   segment1 { start_extent = 0 extent_count = 8 type = \"striped\" stripe_count = 1 stripes = [\"pv0\", 0] } }\n"
    "  snap { id = \"s\" segment_count = 1\n"
    "   segment1 { start_extent = 0 extent_count = 1 type = \"striped\" stripes = [\"pv0\", 8] } }\n"
    "  snapshot0 { id = \"z\" status = [\"READ\"] segment_count = 1\n"
    "   segment1 { start_extent = 0 extent_count = 8 type = \"snapshot\" chunk_size = 8 origin = \"root\"\n"
    "              cow_store = \"snap\" } }\n"
    " }\n}\ncontents = \"Text Format Volume Group\"\n";

/* lvcreate -T vg1/pool -L 8M; lvcreate -T vg1/pool -V 1G -n vm-100-disk-0; a thin snapshot of it */
static const char thin_meta[] =
    "vg1 {\n id = \"x\"\n seqno = 7\n extent_size = 8192\t# 4 Megabytes\n"
    " logical_volumes {\n"
    "  pool { status = [\"READ\", \"WRITE\", \"VISIBLE\"] segment_count = 1\n"
    "   segment1 { start_extent = 0 extent_count = 2 type = \"thin-pool\" metadata = \"pool_tmeta\"\n"
    "              pool = \"pool_tdata\" transaction_id = 2 chunk_size = 128 discards = \"passdown\" } }\n"
    "  vm-100-disk-0 { segment_count = 1\n"
    "   segment1 { start_extent = 0 extent_count = 256 type = \"thin\" thin_pool = \"pool\"\n"
    "              transaction_id = 0 device_id = 1 } }\n"
    "  snap_vm-100-disk-0_before { flags = [\"ACTIVATION_SKIP\"] segment_count = 1\n"
    "   segment1 { start_extent = 0 extent_count = 256 type = \"thin\" thin_pool = \"pool\"\n"
    "              transaction_id = 1 device_id = 2 origin = \"vm-100-disk-0\" } }\n"
    "  old { segment_count = 2\n"
    "   segment1 { start_extent = 0 extent_count = 3 type = \"striped\" stripes = [\"pv0\", 2] }\n"
    "   segment2 { start_extent = 3 extent_count = 1 type = \"striped\" stripes = [\"pv0\", 9] } }\n"
    "  pool_tmeta { segment_count = 1 segment1 { extent_count = 1 type = \"striped\" stripes = [\"pv0\", 0] } }\n"
    "  pool_tdata { segment_count = 1 segment1 { extent_count = 2 type = \"striped\" stripes = [\"pv0\", 5] } }\n"
    "  md { segment_count = 1 segment1 { extent_count = 2 type = \"raid1\" device_count = 2\n"
    "   raids = [\"md_rmeta_0\", \"md_rimage_0\", \"md_rmeta_1\", \"md_rimage_1\"] } }\n"
    " }\n}\n";

/* A PV whose metadata text starts off bytes into its area (wrapping when
 * the text runs past the area's end). */
static uint8_t *pv_with(const char *meta_text, uint64_t off)
{
    uint8_t *d = calloc(1, PV), *l = d + 512, *m = d + MDA;
    size_t n = strlen(meta_text), first;

    memcpy(l, "LABELONE", 8);
    t_put_le32(l + 20, 32);
    memcpy(l + 24, "LVM2 001", 8);
    /* PV header: uuid, size, one data area, end, one metadata area, end */
    t_put_le64(l + 32 + 32, PV);
    t_put_le64(l + 32 + 40, 1u << 20);
    t_put_le64(l + 32 + 72, MDA);
    t_put_le64(l + 32 + 80, AREA);
    memcpy(m + 4, " LVM2 x[5A%r0N*>", 16);
    t_put_le32(m + 20, 1);
    t_put_le64(m + 24, MDA);
    t_put_le64(m + 32, AREA);
    t_put_le64(m + 40, off);
    t_put_le64(m + 48, n);
    first = off + n > AREA ? AREA - off : n;
    memcpy(d + MDA + off, meta_text, first);
    memcpy(d + MDA + 512, meta_text + first, n - first);
    return d;
}

static uint8_t *pv(uint64_t off)
{
    return pv_with(meta, off);
}

static void listing(void)
{
    pt_lvm_lv_t lv[8];
    uint8_t *d = pv(512);
    pt_mem_t m = { d, PV };

    T_CHECK(pt_lvmsnap_list(pt_read_mem, &m, PV, lv, 8) == 3);
    T_STREQ(lv[0].name, "root");
    T_CHECK(!lv[0].snapshot && !lv[1].snapshot && lv[2].snapshot);
    T_STREQ(lv[2].origin, "root");
    T_STREQ(lv[2].cow, "snap");
    T_CHECK(lv[2].chunk_sectors == 8);
    T_CHECK(pt_lvmsnap_list(pt_read_mem, &m, PV, lv, 2) == 2); /* bounded */
    free(d);
    d = pv(AREA - 100); /* the text wraps to the area's start */
    m.p = d;
    T_CHECK(pt_lvmsnap_list(pt_read_mem, &m, PV, lv, 8) == 3 && lv[2].snapshot);
    d[MDA + 4] = 'x';
    T_CHECK(pt_lvmsnap_list(pt_read_mem, &m, PV, lv, 8) == -1);
    free(d);
    /* every cut and random damage of the metadata: a list or -1, no crash */
    uint32_t r = 5;
    for (int k = 0; k < 500; k++) {
        d = pv(512);
        m.p = d;
        for (int j = 0; j < 3; j++) {
            r = r * 1103515245u + 12345u;
            d[k % 2 ? MDA + 512 + (r >> 8) % (sizeof meta) : 512 + (r >> 8) % 200] = (uint8_t)(r >> 20);
        }
        (void)pt_lvmsnap_list(pt_read_mem, &m, PV, lv, 8);
        free(d);
    }
}

/* Thin pools and thin volumes: what each segment says, and sizes from the
 * group's extent size over all segments. */
static void thin_listing(void)
{
    pt_lvm_lv_t lv[8];
    uint8_t *d = pv_with(thin_meta, 512);
    pt_mem_t m = { d, PV };

    T_CHECK(pt_lvmsnap_list(pt_read_mem, &m, PV, lv, 8) == 7);
    T_CHECK(lv[0].thin_pool && !lv[0].thin && lv[0].chunk_sectors == 128);
    T_STREQ(lv[0].pool, "pool_tdata");
    T_STREQ(lv[0].meta, "pool_tmeta");
    T_CHECK(lv[1].thin && lv[1].device_id == 1 && lv[1].bytes == 256ull * 8192 * 512 && !lv[1].origin[0]);
    T_STREQ(lv[1].pool, "pool");
    T_CHECK(lv[2].thin && lv[2].device_id == 2 && !lv[2].snapshot);
    T_STREQ(lv[2].origin, "vm-100-disk-0");
    T_CHECK(!lv[3].thin && !lv[3].thin_pool && lv[3].bytes == 4ull * 8192 * 512); /* two segments */
    T_CHECK(lv[5].bytes == 2ull * 8192 * 512 && !lv[5].thin);
    T_STREQ(lv[5].seg_type, "striped");
    /* a RAID 1 LV: its images, not its metadata LVs */
    T_STREQ(lv[6].seg_type, "raid1");
    T_STREQ(lv[6].image0, "md_rimage_0");
    T_CHECK(lv[6].images == 2);
    T_CHECK(lv[0].images == 0 && !lv[0].image0[0]);
    free(d);
}

static uint8_t *store(int valid, uint64_t bad_new)
{
    uint8_t *c = calloc(1, 8 * CH);

    t_put_le32(c, 0x70416E53);
    t_put_le32(c + 4, (unsigned long)valid);
    t_put_le32(c + 8, 1);
    t_put_le32(c + 12, 8);
    /* area 0 at chunk 1: origin chunks 3 and 5 kept at chunks 2 and 3 */
    t_put_le64(c + CH, 3);
    t_put_le64(c + CH + 8, bad_new ? bad_new : 2);
    t_put_le64(c + CH + 16, 5);
    t_put_le64(c + CH + 24, 3);
    memset(c + 2 * CH, 0xA3, CH);
    memset(c + 3 * CH, 0xA5, CH);
    return c;
}

static void view(void)
{
    uint8_t *o = malloc(8 * CH), *c = store(1, 0), buf[3 * CH];
    pt_mem_t om = { o, 8 * CH }, cm = { c, 8 * CH };
    pt_lvmsnap_t *s = NULL;
    pt_err_t err = { 0, "" };

    memset(o, 0x11, 8 * CH);
    T_CHECK(pt_lvmsnap_open(pt_read_mem, &om, 8 * CH, pt_read_mem, &cm, 8 * CH, 8, &s, &err) == PT_OK);
    if (!s)
        return;
    T_CHECK(pt_lvmsnap_changed(s) == 2);
    /* chunks 2..4 read across a kept chunk: origin, store, origin */
    T_CHECK(pt_lvmsnap_read(s, 2 * CH + 100, buf, 2 * CH, &err) == (ssize_t)(2 * CH));
    T_CHECK(buf[0] == 0x11 && buf[CH - 100] == 0xA3 && buf[2 * CH - 101] == 0xA3 && buf[2 * CH - 1] == 0x11);
    T_CHECK(pt_lvmsnap_read(s, 5 * CH, buf, CH, &err) == (ssize_t)CH && buf[0] == 0xA5);
    T_CHECK(pt_lvmsnap_read(s, 8 * CH, buf, CH, &err) == 0);
    pt_lvmsnap_close(s);
    free(c);
    c = store(0, 0);
    cm.p = c;
    T_CHECK(pt_lvmsnap_open(pt_read_mem, &om, 8 * CH, pt_read_mem, &cm, 8 * CH, 8, &s, &err) == PT_EFORMAT);
    T_CHECK(strstr(err.msg, "marked invalid") != NULL);
    free(c);
    c = store(1, 99); /* an exception pointing past the store */
    cm.p = c;
    T_CHECK(pt_lvmsnap_open(pt_read_mem, &om, 8 * CH, pt_read_mem, &cm, 8 * CH, 8, &s, &err) == PT_EFORMAT);
    T_CHECK(strstr(err.msg, "outside the origin or the store") != NULL);
    T_CHECK(pt_lvmsnap_open(pt_read_mem, &om, 8 * CH, pt_read_mem, &cm, 8 * CH, 16, &s, &err) == PT_EFORMAT);
    free(c);
    free(o);
}

int main(void)
{
    T_RUN(listing);
    T_RUN(thin_listing);
    T_RUN(view);
    return t_done();
}
