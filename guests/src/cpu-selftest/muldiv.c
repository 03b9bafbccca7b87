/* mul/imul in every form, div/idiv with signs, and the 64-bit helpers in runtime/divdi3.c. */
#include "check.h"

#define CF_OF (FLAG_CF | FLAG_OF)	/* the only flags mul and imul define */

static uint64_t mul32(uint32_t a, uint32_t b, uint32_t *flags)
{
	uint32_t lo, hi, f;
	__asm__("mull %[b]\n\tpushfl\n\tpopl %[f]" : "=a"(lo), "=d"(hi), [f] "=&r"(f) : "a"(a), [b] "rm"(b) : "cc");
	*flags = f & CF_OF;
	return ((uint64_t)hi << 32) | lo;
}

static uint64_t imul32(uint32_t a, uint32_t b, uint32_t *flags)
{
	uint32_t lo, hi, f;
	__asm__("imull %[b]\n\tpushfl\n\tpopl %[f]" : "=a"(lo), "=d"(hi), [f] "=&r"(f) : "a"(a), [b] "rm"(b) : "cc");
	*flags = f & CF_OF;
	return ((uint64_t)hi << 32) | lo;
}

static void test_mul(void)
{
	uint32_t f;
	uint16_t ax;

	check64("mul32.max", mul32(0xFFFFFFFF, 0xFFFFFFFF, &f), 0xFFFFFFFE00000001ull);
	check32("mul32.max.flags", f, CF_OF);
	check64("mul32.small", mul32(1000, 1000, &f), 1000000);
	check32("mul32.small.flags", f, 0);

	ax = 0x80;
	__asm__("mulb %[b]\n\tpushfl\n\tpopl %[f]" : "+a"(ax), [f] "=&r"(f) : [b] "q"((uint8_t)2) : "cc");
	check32("mul8", ax, 0x0100);
	check32("mul8.flags", f & CF_OF, CF_OF);

	uint16_t lo = 0xFFFF, hi;
	__asm__("mulw %[b]" : "+a"(lo), "=d"(hi) : [b] "r"((uint16_t)0xFFFF) : "cc");
	check32("mul16", ((uint32_t)hi << 16) | lo, 0xFFFE0001);

	check64("imul32.1op.negative", imul32((uint32_t)-2, 3, &f), 0xFFFFFFFFFFFFFFFAull);
	check32("imul32.1op.negative.flags", f, 0);
	check64("imul32.1op.wide", imul32(0x40000000, 4, &f), 0x0000000100000000ull);
	check32("imul32.1op.wide.flags", f, CF_OF);

	ax = 0x80;	/* al = -128 */
	__asm__("imulb %[b]\n\tpushfl\n\tpopl %[f]" : "+a"(ax), [f] "=&r"(f) : [b] "q"((uint8_t)0xFF) : "cc");
	check32("imul8", ax, 0x0080);
	check32("imul8.flags", f & CF_OF, CF_OF);

	uint32_t r = (uint32_t)-7;
	__asm__("imull %[b], %[r]" : [r] "+r"(r) : [b] "r"(6) : "cc");
	check32("imul32.2op", r, 0xFFFFFFD6);
	__asm__("imull $-3, %[b], %[r]" : [r] "=r"(r) : [b] "r"(1000) : "cc");
	check32("imul32.3op.imm8", r, 0xFFFFF448);
	__asm__("imull $100000, %[b], %[r]\n\tpushfl\n\tpopl %[f]" : [r] "=r"(r), [f] "=&r"(f) : [b] "r"(50000) : "cc");
	check32("imul32.3op.imm32", r, 0x2A05F200);
	check32("imul32.3op.imm32.flags", f & CF_OF, CF_OF);

	uint16_t w = 300;
	__asm__("imulw %[b], %[w]\n\tpushfl\n\tpopl %[f]" : [w] "+r"(w), [f] "=&r"(f) : [b] "r"((uint16_t)300) : "cc");
	check32("imul16.2op", w, 0x5F90);
	check32("imul16.2op.flags", f & CF_OF, CF_OF);

	volatile int32_t x = -123456, y = 789;
	check32("imul32.c", (uint32_t)(x * y), 0xFA31B0C0);
}

static void test_div(void)
{
	uint32_t q, r;
	uint16_t ax;

	__asm__("divl %[d]" : "=a"(q), "=d"(r) : "a"(0), "d"(1), [d] "rm"(3) : "cc");
	check32("div32.quotient", q, 0x55555555);
	check32("div32.remainder", r, 1);

	ax = 1000;
	__asm__("divb %[d]" : "+a"(ax) : [d] "q"((uint8_t)7) : "cc");
	check32("div8", ax, 0x068E);		/* ah = 6, al = 142 */

	uint16_t lo = 0x0000, hi = 0x0001;
	__asm__("divw %[d]" : "+a"(lo), "+d"(hi) : [d] "r"((uint16_t)10) : "cc");
	check32("div16", ((uint32_t)hi << 16) | lo, 0x00061999);

	/* idiv truncates toward zero; the remainder takes the dividend's sign. */
	__asm__("idivl %[d]" : "=a"(q), "=d"(r) : "a"(-7), "d"(-1), [d] "rm"(2) : "cc");
	check32("idiv32.neg-pos.quotient", q, 0xFFFFFFFD);
	check32("idiv32.neg-pos.remainder", r, 0xFFFFFFFF);
	__asm__("idivl %[d]" : "=a"(q), "=d"(r) : "a"(7), "d"(0), [d] "rm"(-2) : "cc");
	check32("idiv32.pos-neg.quotient", q, 0xFFFFFFFD);
	check32("idiv32.pos-neg.remainder", r, 1);
	__asm__("idivl %[d]" : "=a"(q), "=d"(r) : "a"(-7), "d"(-1), [d] "rm"(-2) : "cc");
	check32("idiv32.neg-neg.quotient", q, 3);
	check32("idiv32.neg-neg.remainder", r, 0xFFFFFFFF);

	ax = (uint16_t)-100;
	__asm__("idivb %[d]" : "+a"(ax) : [d] "q"((uint8_t)7) : "cc");
	check32("idiv8", ax, 0xFEF2);		/* ah = -2, al = -14 */

	lo = 0x7960;
	hi = 0xFFFE;				/* dx:ax = -100000 */
	__asm__("idivw %[d]" : "+a"(lo), "+d"(hi) : [d] "r"((uint16_t)300) : "cc");
	check32("idiv16", ((uint32_t)hi << 16) | lo, 0xFF9CFEB3);	/* dx = -100, ax = -333 */

	volatile int32_t a = -2147483647, b = 10;
	check32("idiv32.c.quotient", (uint32_t)(a / b), (uint32_t)-214748364);
	check32("idiv32.c.remainder", (uint32_t)(a % b), (uint32_t)-7);
}

static void test_64bit(void)
{
	volatile uint64_t max = 0xFFFFFFFFFFFFFFFFull, n = 0x123456789ABCDEF0ull;
	volatile uint64_t big = 0xFEDCBA9876543210ull;
	volatile int64_t neg = -1000000000000ll, pos = 1000000000000ll, nearmin = -9223372036854775807ll;
	volatile uint32_t ten = 10, d32 = 0x12345;
	volatile int32_t seven = 7;

	check64("udiv64.by-32bit", max / ten, 0x1999999999999999ull);
	check64("umod64.by-32bit", max % ten, 5);
	check64("udiv64.large", n / d32, 0x0000100005B00205ull);
	check64("umod64.large", n % d32, 0xA497);
	check64("udiv64.by-64bit", big / 0x100000001ull, 0xFEDCBA97);
	check64("umod64.by-64bit", big % 0x100000001ull, 0x77777779);
	check64("udiv64.by-high", max / 0xFFFFFFFF00000000ull, 1);
	check64("umod64.by-high", max % 0xFFFFFFFF00000000ull, 0xFFFFFFFF);
	check64("sdiv64.neg-pos", (uint64_t)(neg / seven), 0xFFFFFFDEBD0CFDB7ull);
	check64("smod64.neg-pos", (uint64_t)(neg % seven), 0xFFFFFFFFFFFFFFFFull);
	check64("sdiv64.pos-neg", (uint64_t)(pos / -seven), 0xFFFFFFDEBD0CFDB7ull);
	check64("smod64.pos-neg", (uint64_t)(pos % -seven), 1);
	check64("sdiv64.neg-neg", (uint64_t)(nearmin / -3), 0x2AAAAAAAAAAAAAAAull);
	check64("smod64.neg-neg", (uint64_t)(nearmin % -3), 0xFFFFFFFFFFFFFFFFull);

	volatile uint64_t p = 0x123456789ull, q = 0x987654321ull;
	check64("mul64", p * q, 0xD77D742CCE1833A9ull);
}

void test_muldiv(void)
{
	test_mul();
	test_div();
	test_64bit();
}
