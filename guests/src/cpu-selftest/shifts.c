/*
 * Shifts and rotates by %cl, including the 386 rules interpreters get wrong: the count is
 * masked to 5 bits, a zero count leaves the flags alone, rcl/rcr on a byte rotate through
 * 9 bits; and shld/shrd. Only CF is checked for counts above 1 (OF is undefined there).
 */
#include "check.h"

/* v OP= count with CF preset to cin; returns v, and the flags in *flags. */
#define DEFINE_SHIFT(name, type, constraint, insn)					\
	static type name(type v, uint8_t count, uint32_t cin, uint32_t *flags)	\
	{									\
		uint32_t f;							\
		__asm__("btl $0, %[cin]\n\t" insn " %%cl, %[v]\n\tpushfl\n\tpopl %[f]" \
			: [v] "+" constraint(v), [f] "=&r"(f)			\
			: "c"(count), [cin] "r"(cin) : "cc");			\
		*flags = f & FLAGS_STATUS;					\
		return v;							\
	}

DEFINE_SHIFT(shl32, uint32_t, "r", "shll")
DEFINE_SHIFT(shr32, uint32_t, "r", "shrl")
DEFINE_SHIFT(sar32, uint32_t, "r", "sarl")
DEFINE_SHIFT(rol32, uint32_t, "r", "roll")
DEFINE_SHIFT(ror32, uint32_t, "r", "rorl")
DEFINE_SHIFT(rcl32, uint32_t, "r", "rcll")
DEFINE_SHIFT(rcr32, uint32_t, "r", "rcrl")
DEFINE_SHIFT(rol8, uint8_t, "q", "rolb")
DEFINE_SHIFT(rcl8, uint8_t, "q", "rclb")
DEFINE_SHIFT(rcr8, uint8_t, "q", "rcrb")

#define CF_OF (FLAG_CF | FLAG_OF)

static void test_shift(void)
{
	uint32_t f;

	check32("shl32.by1", shl32(0x80000001, 1, 0, &f), 0x00000002);
	check32("shl32.by1.flags", f & CF_OF, CF_OF);
	check32("shr32.by4", shr32(0x8000000F, 4, 0, &f), 0x08000000);
	check32("shr32.by4.cf", f & FLAG_CF, FLAG_CF);
	check32("sar32.by4", sar32(0x8000000F, 4, 0, &f), 0xF8000000);
	check32("sar32.by4.cf", f & FLAG_CF, FLAG_CF);
	check32("sar32.by31", sar32(0x80000000, 31, 1, &f), 0xFFFFFFFF);
	check32("sar32.by31.cf", f & FLAG_CF, 0);
	check32("shl32.count-masked", shl32(1, 33, 1, &f), 2);
	check32("shl32.count-masked.cf", f & FLAG_CF, 0);
	check32("shr32.count-zero", shr32(0x12345678, 32, 1, &f), 0x12345678);
	check32("shr32.count-zero.keeps-cf", f & FLAG_CF, FLAG_CF);

	volatile uint64_t v = 0x0123456789ABCDEFull;
	volatile int64_t s = (int64_t)0xEDCBA98765432110ull;
	check64("shl64.by40", v << 40, 0xABCDEF0000000000ull);
	check64("shr64.by36", v >> 36, 0x0000000000123456ull);
	check64("sar64.by20", (uint64_t)(s >> 20), 0xFFFFFEDCBA987654ull);
}

static void test_rotate(void)
{
	uint32_t f;

	check32("rol32.by8", rol32(0x12345678, 8, 1, &f), 0x34567812);
	check32("rol32.by8.cf", f & FLAG_CF, 0);
	check32("ror32.by8", ror32(0x12345678, 8, 1, &f), 0x78123456);
	check32("ror32.by8.cf", f & FLAG_CF, 0);
	check32("rol8.by1", rol8(0x81, 1, 0, &f), 0x03);
	check32("rol8.by1.flags", f & CF_OF, CF_OF);
	check32("rcl32.by1.cf-in", rcl32(0x80000000, 1, 1, &f), 0x00000001);
	check32("rcl32.by1.cf-in.flags", f & CF_OF, CF_OF);
	check32("rcl32.by1.no-cf-in", rcl32(0x80000000, 1, 0, &f), 0);
	check32("rcl32.by1.no-cf-in.cf", f & FLAG_CF, FLAG_CF);
	check32("rcr32.by1.cf-in", rcr32(0x00000001, 1, 1, &f), 0x80000000);
	check32("rcr32.by1.cf-in.flags", f & CF_OF, CF_OF);
	check32("rcr8.by3", rcr8(0x0F, 3, 0, &f), 0xC1);
	check32("rcr8.by3.cf", f & FLAG_CF, FLAG_CF);
	check32("rcl8.by9-is-identity", rcl8(0x01, 9, 0, &f), 0x01);
	check32("rcl8.by9-is-identity.cf", f & FLAG_CF, 0);
	check32("rcl8.by9.cf-in", rcl8(0x81, 9, 1, &f), 0x81);
	check32("rcl8.by9.cf-in.cf", f & FLAG_CF, FLAG_CF);
}

static void test_double_shift(void)
{
	uint32_t d, f;

	d = 0x12345678;
	__asm__("shldl $8, %[s], %[d]" : [d] "+r"(d) : [s] "r"(0x9ABCDEF0) : "cc");
	check32("shld32.imm8", d, 0x3456789A);
	d = 0x12345678;
	__asm__("shrdl $8, %[s], %[d]" : [d] "+r"(d) : [s] "r"(0x9ABCDEF0) : "cc");
	check32("shrd32.imm8", d, 0xF0123456);
	d = 0xABCDEF01;
	__asm__("stc\n\tshldl %%cl, %[s], %[d]\n\tpushfl\n\tpopl %[f]"
		: [d] "+r"(d), [f] "=&r"(f) : [s] "r"(0x23456789), "c"(4) : "cc");
	check32("shld32.cl", d, 0xBCDEF012);
	check32("shld32.cl.cf", f & FLAG_CF, 0);
	d = 0x12345678;
	__asm__("stc\n\tshrdl %%cl, %[s], %[d]\n\tpushfl\n\tpopl %[f]"
		: [d] "+r"(d), [f] "=&r"(f) : [s] "r"(0x9ABCDEF0), "c"(12) : "cc");
	check32("shrd32.cl", d, 0xEF012345);
	check32("shrd32.cl.cf", f & FLAG_CF, 0);
}

void test_shifts(void)
{
	test_shift();
	test_rotate();
	test_double_shift();
}
