/* Unit tests for reparse.c: tag names, the cloud tags' sub-types (bits
 * 12-15), tags that are not known.  Reading and the sparse test are
 * checked on an NTFS image (test_scan.py ntfs_reparse_points). */
#include <stdint.h>
#include <string.h>

#include "reparse.h"
#include "testlib.h"

static void names(void)
{
    for (uint32_t sub = 0; sub < 16; sub++) /* IO_REPARSE_TAG_CLOUD, CLOUD_1 .. CLOUD_F */
        T_CHECK(strstr(pt_reparse_tag_name(0x9000001Au | sub << 12), "cloud files placeholder") != NULL);
    T_CHECK(pt_reparse_tag_name(0x9000001Bu) == NULL);
    T_CHECK(pt_reparse_tag_name(0x0000ABCDu) == NULL);
    T_CHECK(strstr(pt_reparse_tag_name(0x80000013u), "Deduplication") != NULL);
    T_CHECK(strstr(pt_reparse_tag_name(0xA000000Cu), "symbolic link") != NULL);
    T_CHECK(strstr(pt_reparse_tag_name(0x80000017u), "WOF") != NULL);
    T_CHECK(strstr(pt_reparse_tag_name(0x9000001Cu), "PROJFS") != NULL);
}

int main(void)
{
    T_RUN(names);
    return t_done();
}
