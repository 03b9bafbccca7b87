/* String instructions with rep prefixes and both directions, lods, xlat, loop and jecxz. */
#include "check.h"

static void test_movs_stos(void)
{
	static const char src[] = "Hello, world!";
	char dst[16] = { 0 };
	const char *s = src;
	char *d = dst;
	uint32_t n = 13;

	__asm__ volatile("rep movsb" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
	check32("rep-movsb.count", n, 0);
	check32("rep-movsb.edi", (uint32_t)(d - dst), 13);
	check32("rep-movsb.data", (uint32_t)memcmp(dst, "Hello, world!\0", 14), 0);

	/* An overlapping move up by one dword must run backwards (std). */
	uint32_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	const uint32_t *ps = &buf[6];
	uint32_t *pd = &buf[7];
	n = 7;
	__asm__ volatile("std\n\trep movsl\n\tcld" : "+S"(ps), "+D"(pd), "+c"(n) : : "memory");
	uint32_t packed = 0;
	for (int i = 0; i < 8; i++)
		packed |= buf[i] << (4 * i);
	check32("std-rep-movsl.data", packed, 0x76543211);
	check32("std-rep-movsl.esi", (uint32_t)ps - (uint32_t)buf, 0xFFFFFFFC);

	uint16_t words[8] = { 0 };
	uint16_t *pw = &words[1];
	n = 5;
	__asm__ volatile("rep stosw" : "+D"(pw), "+c"(n) : "a"(0xBEEF) : "memory");
	uint32_t sum = 0;
	for (int i = 0; i < 8; i++)
		sum += words[i];
	check32("rep-stosw.sum", sum, 0x3BAAB);
	check32("rep-stosw.untouched", (uint32_t)words[0] | words[6], 0);
	check32("rep-stosw.edi", (uint32_t)((char *)pw - (char *)words), 12);

	n = 0;
	pd = buf;
	__asm__ volatile("rep stosl" : "+D"(pd), "+c"(n) : "a"(0) : "memory");
	check32("rep-stosl.count-zero.edi", (uint32_t)(pd - buf), 0);
	check32("rep-stosl.count-zero.untouched", buf[0], 1);
}

static void test_cmps_scas(void)
{
	const char *a = "abcdef", *b = "abcxef";
	uint32_t n = 6, f;

	__asm__ volatile("repe cmpsb\n\tpushfl\n\tpopl %[f]"
			 : "+S"(a), "+D"(b), "+c"(n), [f] "=r"(f) : : "cc", "memory");
	check32("repe-cmpsb.mismatch.count", n, 2);
	check32("repe-cmpsb.mismatch.zf", f & FLAG_ZF, 0);
	check32("repe-cmpsb.mismatch.cf", f & FLAG_CF, FLAG_CF);	/* 'd' < 'x' */

	a = "abc";
	b = "abc";
	n = 3;
	__asm__ volatile("repe cmpsb\n\tpushfl\n\tpopl %[f]"
			 : "+S"(a), "+D"(b), "+c"(n), [f] "=r"(f) : : "cc", "memory");
	check32("repe-cmpsb.equal.count", n, 0);
	check32("repe-cmpsb.equal.zf", f & FLAG_ZF, FLAG_ZF);

	const char *hay = "hello zebra", *p = hay;
	n = 11;
	__asm__ volatile("repne scasb\n\tpushfl\n\tpopl %[f]"
			 : "+D"(p), "+c"(n), [f] "=r"(f) : "a"('z') : "cc", "memory");
	check32("repne-scasb.found.count", n, 4);
	check32("repne-scasb.found.edi", (uint32_t)(p - hay), 7);
	check32("repne-scasb.found.zf", f & FLAG_ZF, FLAG_ZF);

	p = hay;
	n = 5;
	__asm__ volatile("repne scasb\n\tpushfl\n\tpopl %[f]"
			 : "+D"(p), "+c"(n), [f] "=r"(f) : "a"('z') : "cc", "memory");
	check32("repne-scasb.absent.count", n, 0);
	check32("repne-scasb.absent.zf", f & FLAG_ZF, 0);

	static const uint32_t one = 1, two = 2;
	const uint32_t *x = &one, *y = &two;
	__asm__ volatile("cmpsl\n\tpushfl\n\tpopl %[f]" : "+S"(x), "+D"(y), [f] "=r"(f) : : "cc", "memory");
	check32("cmpsl.flags", f & (FLAG_CF | FLAG_ZF | FLAG_SF), FLAG_CF | FLAG_SF);
}

static void test_lods_xlat_loop(void)
{
	static const char xyz[] = "xyz";
	const char *s = &xyz[2];
	uint32_t a = 0;

	__asm__ volatile("std\n\tlodsb\n\tlodsb\n\tcld" : "+S"(s), "+a"(a) : : "memory");
	check32("std-lodsb.al", a & 0xFF, 'y');
	check32("std-lodsb.esi", (uint32_t)(s - xyz), 0);

	static const char hex[] = "0123456789ABCDEF";
	a = 0x1234560C;
	__asm__("xlatb" : "+a"(a) : "b"(hex), "m"(hex));
	check32("xlat", a, 0x12345643);

	uint32_t n = 5, count = 0;
	__asm__("1:\n\tincl %[k]\n\tloop 1b" : "+c"(n), [k] "+r"(count) : : "cc");
	check32("loop", count, 5);

	n = 0;
	count = 0;
	__asm__("jecxz 1f\n\tincl %[k]\n1:" : [k] "+r"(count) : "c"(n) : "cc");
	check32("jecxz.taken", count, 0);
}

void test_strings(void)
{
	test_movs_stos();
	test_cmps_scas();
	test_lods_xlat_loop();
}
