/* maptest.h - reading a disk through a block map's state function, as
 * layer.c's mapped read does (data from the image in memory, zeros for
 * blocks never written), for the unit tests of the map modules. */
#ifndef PT_MAPTEST_H
#define PT_MAPTEST_H

#include <stdint.h>
#include <string.h>

#include "err.h"
#include "qcowmap.h"

/* A map module's state function, through a wrapper taking its map. */
typedef int (*t_state_fn)(const void *map, uint64_t off, uint64_t *run, uint64_t *host, pt_err_t *err);

/* len bytes of the disk at off into buf: 0, or -1 with err set. */
static inline int t_read_mapped(t_state_fn state, const void *map, const uint8_t *img, uint64_t off, uint8_t *buf,
                                size_t len, pt_err_t *err)
{
    while (len) {
        uint64_t run, host;
        int st = state(map, off, &run, &host, err);
        size_t n = run < len ? (size_t)run : len;
        if (st < 0)
            return -1;
        if (st == PT_MAP_DATA)
            memcpy(buf, img + host, n);
        else
            memset(buf, 0, n);
        buf += n;
        off += n;
        len -= n;
    }
    return 0;
}

#endif
