/*
 * Guest arguments: "key=value key=value", read from the image's argument region (offset
 * 0x1A0, 94 bytes, see guests/README.md). Numbers are decimal or 0x-prefixed hex.
 * A malformed or out-of-range value ends the guest: a message, then exit(1).
 */
#ifndef MIGTRACE_ARGS_H
#define MIGTRACE_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void args_init(const char *region, size_t size);
const char *args_string(void);	/* the whole argument string ("" if none) */
bool arg_present(const char *key);
/* The value of key (not NUL-terminated; *len is its length), or NULL if absent. */
const char *arg_value(const char *key, size_t *len);
uint32_t arg_uint(const char *key, uint32_t fallback);
/* Exit(1) naming the first key not in the NULL-terminated list: catches typos. */
void args_allow_only(const char *const *keys);

#endif
