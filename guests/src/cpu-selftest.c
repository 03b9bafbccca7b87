/*
 * cpu-selftest: integer known-answer tests of the i386 instruction set, one line each,
 * then "cpu-selftest: N passed, M failed". Exits 0 only if every check passed.
 * The checks live in src/cpu-selftest/, one file per instruction group.
 */
#include "cpu-selftest/check.h"

static unsigned passed, failed;

void check32(const char *name, uint32_t got, uint32_t want)
{
	if (got == want) {
		passed++;
		printf("PASS %s\n", name);
	} else {
		failed++;
		printf("FAIL %s (got 0x%08x, want 0x%08x)\n", name, got, want);
	}
}

void check64(const char *name, uint64_t got, uint64_t want)
{
	if (got == want) {
		passed++;
		printf("PASS %s\n", name);
	} else {
		failed++;
		printf("FAIL %s (got 0x%016llx, want 0x%016llx)\n", name, got, want);
	}
}

void check_str(const char *name, const char *got, const char *want)
{
	if (strcmp(got, want) == 0) {
		passed++;
		printf("PASS %s\n", name);
	} else {
		failed++;
		printf("FAIL %s (got \"%s\", want \"%s\")\n", name, got, want);
	}
}

int main(void)
{
	test_alu();
	test_muldiv();
	test_shifts();
	test_bits();
	test_strings();
	test_bcd();
	test_programs();
	test_exceptions();
	test_runtime();
	printf("cpu-selftest: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
