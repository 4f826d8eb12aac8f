/* crc32c.h - CRC-32C (Castagnoli), as VHDX, dm-thin and others store it. */
#ifndef PT_CRC32C_H
#define PT_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The standard CRC-32C of n bytes (initial ~0, final inversion). */
uint32_t pt_crc32c(const uint8_t *p, size_t n);

#endif
