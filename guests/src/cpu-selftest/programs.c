/* Small whole programs: CRC-32, a sort, recursion. They exercise what gcc emits. */
#include "check.h"

static void test_crc32(void)
{
	check32("crc32.123456789", crc32("123456789", 9), 0xCBF43926);
	static const char fox[] = "The quick brown fox jumps over the lazy dog";
	check32("crc32.fox", crc32(fox, sizeof fox - 1), 0x414FA339);
	/* Incremental use gives the same answer as one pass. */
	check32("crc32.incremental", crc32_update(crc32("12345", 5), "6789", 4), 0xCBF43926);
}

static void insertion_sort(int32_t *v, int n)
{
	for (int i = 1; i < n; i++) {
		int32_t x = v[i];
		int j = i - 1;
		for (; j >= 0 && v[j] > x; j--)
			v[j + 1] = v[j];
		v[j + 1] = x;
	}
}

static void test_sort(void)
{
	int32_t v[16] = { 42, -7, 1000000, 0, 13, -2147483647 - 1, 99, 13, 2147483647, -1, 5, 8, -300, 77, 1, 2 };
	static const int32_t sorted[16] = { -2147483647 - 1, -300, -7, -1, 0, 1, 2, 5, 8, 13, 13, 42, 77, 99, 1000000, 2147483647 };

	insertion_sort(v, 16);
	int first_wrong = -1;
	for (int i = 0; i < 16 && first_wrong < 0; i++)
		if (v[i] != sorted[i])
			first_wrong = i;
	check32("sort.first-misplaced-index", (uint32_t)first_wrong, 0xFFFFFFFF);
}

/* noipa: gcc must really make the calls, not fold them at compile time. */
static uint32_t __attribute__((noipa)) fib(uint32_t n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static uint32_t __attribute__((noipa)) ackermann(uint32_t m, uint32_t n)
{
	if (m == 0)
		return n + 1;
	if (n == 0)
		return ackermann(m - 1, 1);
	return ackermann(m - 1, ackermann(m, n - 1));
}

static void test_recursion(void)
{
	check32("recursion.fib-20", fib(20), 6765);
	check32("recursion.ackermann-2-3", ackermann(2, 3), 9);
	check32("recursion.ackermann-3-3", ackermann(3, 3), 61);
}

void test_programs(void)
{
	test_crc32();
	test_sort();
	test_recursion();
}
