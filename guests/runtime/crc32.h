/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320): crc32("123456789") = 0xCBF43926. */
#ifndef MIGTRACE_CRC32_H
#define MIGTRACE_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Start with crc = 0; feed the result back in to continue over more data. */
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);

static inline uint32_t crc32(const void *data, size_t len) { return crc32_update(0, data, len); }

#endif
