/* add/sub/adc/sbb/inc/neg with their flags, and sign/zero extension. */
#include "check.h"

/* dst = a OP b with CF preset to cin (bt copies bit 0 of cin into CF); returns dst. */
#define DEFINE_ALU(name, type, constraint, insn)					\
	static type name(type a, type b, uint32_t cin, uint32_t *flags)		\
	{									\
		uint32_t f;							\
		__asm__("btl $0, %[cin]\n\t" insn " %[b], %[a]\n\tpushfl\n\tpopl %[f]" \
			: [a] "+" constraint(a), [f] "=&r"(f)			\
			: [b] constraint(b), [cin] "r"(cin) : "cc");		\
		*flags = f & FLAGS_STATUS;					\
		return a;							\
	}

DEFINE_ALU(add32, uint32_t, "r", "addl")
DEFINE_ALU(adc32, uint32_t, "r", "adcl")
DEFINE_ALU(sub32, uint32_t, "r", "subl")
DEFINE_ALU(sbb32, uint32_t, "r", "sbbl")
DEFINE_ALU(add8, uint8_t, "q", "addb")
DEFINE_ALU(adc16, uint16_t, "r", "adcw")

static void test_add_sub(void)
{
	uint32_t f, r;

	r = add32(0xFFFFFFFF, 1, 0, &f);
	check32("add32.wrap", r, 0);
	check32("add32.wrap.flags", f, FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF);
	r = add32(0x7FFFFFFF, 1, 0, &f);
	check32("add32.overflow", r, 0x80000000);
	check32("add32.overflow.flags", f, FLAG_OF | FLAG_SF | FLAG_AF | FLAG_PF);
	r = add8(0x80, 0x80, 0, &f);
	check32("add8.wrap", r, 0);
	check32("add8.wrap.flags", f, FLAG_CF | FLAG_PF | FLAG_ZF | FLAG_OF);
	r = adc32(0xFFFFFFFF, 0, 1, &f);
	check32("adc32.carry-in", r, 0);
	check32("adc32.carry-in.flags", f, FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF);
	r = adc32(5, 7, 1, &f);
	check32("adc32.small", r, 13);
	check32("adc32.small.flags", f, 0);
	r = adc16(0xFFFF, 0, 1, &f);
	check32("adc16.carry-in", r, 0);
	check32("adc16.carry-in.flags", f, FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF);
	r = sub32(0, 1, 0, &f);
	check32("sub32.borrow", r, 0xFFFFFFFF);
	check32("sub32.borrow.flags", f, FLAG_CF | FLAG_PF | FLAG_AF | FLAG_SF);
	r = sub32(0x80000000, 1, 0, &f);
	check32("sub32.overflow", r, 0x7FFFFFFF);
	check32("sub32.overflow.flags", f, FLAG_OF | FLAG_AF | FLAG_PF);
	r = sbb32(0, 0, 1, &f);
	check32("sbb32.borrow-in", r, 0xFFFFFFFF);
	check32("sbb32.borrow-in.flags", f, FLAG_CF | FLAG_PF | FLAG_AF | FLAG_SF);
	r = sbb32(10, 3, 1, &f);
	check32("sbb32.small", r, 6);
	check32("sbb32.small.flags", f, FLAG_PF);
}

static void test_inc_neg(void)
{
	uint32_t v = 0xFFFFFFFF, f;

	/* inc leaves CF alone: set it first, it must survive. */
	__asm__("stc\n\tincl %[v]\n\tpushfl\n\tpopl %[f]" : [v] "+r"(v), [f] "=r"(f) : : "cc");
	check32("inc32.keeps-cf", v, 0);
	check32("inc32.keeps-cf.flags", f & FLAGS_STATUS, FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF);

	v = 0;
	__asm__("stc\n\tdecl %[v]\n\tpushfl\n\tpopl %[f]" : [v] "+r"(v), [f] "=r"(f) : : "cc");
	check32("dec32.keeps-cf", v, 0xFFFFFFFF);
	check32("dec32.keeps-cf.flags", f & FLAGS_STATUS, FLAG_CF | FLAG_PF | FLAG_AF | FLAG_SF);

	v = 5;
	__asm__("negl %[v]\n\tpushfl\n\tpopl %[f]" : [v] "+r"(v), [f] "=r"(f) : : "cc");
	check32("neg32", v, 0xFFFFFFFB);
	check32("neg32.flags", f & (FLAG_CF | FLAG_ZF | FLAG_SF), FLAG_CF | FLAG_SF);
	v = 0;
	__asm__("negl %[v]\n\tpushfl\n\tpopl %[f]" : [v] "+r"(v), [f] "=r"(f) : : "cc");
	check32("neg32.zero.flags", f & (FLAG_CF | FLAG_ZF), FLAG_ZF);
}

static void test_wide_add(void)
{
	volatile uint64_t a = 0x00000001FFFFFFFFull, b = 0x0000000100000000ull;

	check64("add64.carry-between-halves", a + 1, 0x0000000200000000ull);
	check64("sub64.borrow-between-halves", b - 1, 0x00000000FFFFFFFFull);

	/* A 96-bit add: add, adc, adc. */
	uint32_t w0 = 0xFFFFFFFF, w1 = 0xFFFFFFFF, w2 = 0;
	__asm__("addl $1, %0\n\tadcl $0, %1\n\tadcl $0, %2" : "+r"(w0), "+r"(w1), "+r"(w2) : : "cc");
	check32("add96.word0", w0, 0);
	check32("add96.word1", w1, 0);
	check32("add96.word2", w2, 1);
}

static void test_extend(void)
{
	uint32_t a, d;

	a = 0x12345680;
	__asm__("cbtw" : "+a"(a));
	check32("cbw", a, 0x1234FF80);
	a = 0x12348000;
	__asm__("cwtl" : "+a"(a));
	check32("cwde", a, 0xFFFF8000);
	a = 0x00008000;
	d = 0xAAAA0000;
	__asm__("cwtd" : "+a"(a), "+d"(d));
	check32("cwd", d, 0xAAAAFFFF);
	a = 0x80000000;
	d = 0x12345678;
	__asm__("cltd" : "+a"(a), "+d"(d));
	check32("cdq.negative", d, 0xFFFFFFFF);
	a = 0x7FFFFFFF;
	__asm__("cltd" : "+a"(a), "+d"(d));
	check32("cdq.positive", d, 0);

	volatile uint8_t b = 0xF0;
	volatile uint16_t w = 0x8001;
	check32("movsx8", (uint32_t)(int32_t)(int8_t)b, 0xFFFFFFF0);
	check32("movzx8", (uint32_t)b, 0x000000F0);
	check32("movsx16", (uint32_t)(int32_t)(int16_t)w, 0xFFFF8001);
	check32("movzx16", (uint32_t)w, 0x00008001);
}

void test_alu(void)
{
	test_add_sub();
	test_inc_neg();
	test_wide_add();
	test_extend();
}
