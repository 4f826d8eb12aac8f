/* fuzz_archive.c - libFuzzer target: libarchive through ptriage's callbacks
 * and member naming (the path an export or verify takes into an archive),
 * asked for a member at one and at two levels; and a mailbox's split,
 * asked for its second message; a message asked for an attachment and a
 * member inside it. */
#include <stdint.h>
#include <string.h>

#include "archive_walk.h"
#include "hash.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);


int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    static const char *const paths[] = { "/x.tar.gz", "/x.tar.gz!/a" };
    static const char *const one[] = { "a" }, *const two[] = { "a", "b" }, *const msg[] = { "000002.eml" },
                             *const att[] = { "2-a", "1" };
    pt_mem_t b = { d, n };
    pt_err_t err = { 0, "" };
    pt_hash_result_t got;
    pt_hash_t *h = pt_hash_new(PT_HASH_SHA256, &err);

    if (!h)
        return 0;
    (void)pt_archive_extract(pt_read_mem, &b, n, paths, one, 1, h, -1, &got, &err);
    (void)pt_archive_extract(pt_read_mem, &b, n, paths, two, 2, h, -1, &got, &err);
    (void)pt_archive_extract(pt_read_mem, &b, n, paths, msg, 1, h, -1, &got, &err);
    (void)pt_archive_extract(pt_read_mem, &b, n, paths, att, 2, h, -1, &got, &err);
    pt_hash_free(h);
    return 0;
}
