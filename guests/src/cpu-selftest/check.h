/*
 * cpu-selftest: known-answer checks. Every expected value is a constant worked out from
 * the Intel SDM's definition of the instruction (and confirmed under QEMU), never computed
 * by the code under test.
 */
#ifndef CPU_SELFTEST_CHECK_H
#define CPU_SELFTEST_CHECK_H

#include "guest.h"

#define FLAG_CF 0x001
#define FLAG_PF 0x004
#define FLAG_AF 0x010
#define FLAG_ZF 0x040
#define FLAG_SF 0x080
#define FLAG_OF 0x800
/* The six status flags; each test masks to the ones its instruction defines. */
#define FLAGS_STATUS (FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF)

/* Print "PASS name" or "FAIL name (got X, want Y)" and count it. */
void check32(const char *name, uint32_t got, uint32_t want);
void check64(const char *name, uint64_t got, uint64_t want);
void check_str(const char *name, const char *got, const char *want);

void test_alu(void);
void test_muldiv(void);
void test_shifts(void);
void test_bits(void);
void test_strings(void);
void test_bcd(void);
void test_programs(void);
void test_exceptions(void);
void test_runtime(void);

#endif
