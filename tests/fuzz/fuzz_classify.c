/* fuzz_classify.c - libFuzzer target: the encrypted-format detectors, the
 * byte statistics, the decoders and the verdict, on any bytes (the first
 * 64 KiB as the head and the last 64 KiB as the tail, as the reader gives). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "classify.h"
#include "crypto.h"
#include "decode.h"
#include "entropy.h"
#include "item.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    pt_entropy_t e;
    pt_entropy_stats_t st;
    pt_classify_in_t in;
    pt_crypto_match_t m;
    pt_decode_result_t r;
    pt_item_t it;
    size_t head = n < 65536 ? n : 65536, tail = n < 65536 ? n : 65536;

    pt_entropy_init(&e);
    pt_entropy_update(&e, d, n);
    pt_entropy_stats(&e, &st);
    memset(&in, 0, sizeof in);
    in.view.head = d;
    in.view.head_len = head;
    in.view.tail = d + n - tail;
    in.view.tail_len = tail;
    in.view.size = n;
    in.stats = &st;
    in.mime = n && d[0] & 1 ? "application/octet-stream" : "text/plain";
    in.is_volume = n && (d[0] & 2);
    (void)pt_crypto_detect(&in.view, &m);
    (void)pt_decode_explains(d, head, &r);
    pt_item_init(&it);
    it.size = n;
    pt_classify(&in, &it);
    return 0;
}
