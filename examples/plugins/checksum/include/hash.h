/* The checksums this plugin computes: CRC-32 (IEEE), FNV-1a (32 bits) and SHA-256. */
#ifndef CHECKSUM_HASH_H
#define CHECKSUM_HASH_H

#include "extism-pdk.h"

/* CRC-32 as zlib, PNG and `cksum -a crc32b` compute it. */
uint32_t crc32(const uint8_t *data, size_t len);
/* 32-bit FNV-1a. */
uint32_t fnv1a32(const uint8_t *data, size_t len);
/* SHA-256 (FIPS 180-4) into `out[32]`. */
void sha256(const uint8_t *data, size_t len, uint8_t out[32]);

#endif
