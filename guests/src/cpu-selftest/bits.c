/* bt/bts/btr/btc on registers and memory, bsf/bsr, and all sixteen setcc conditions. */
#include "check.h"

static uint32_t carry(uint32_t flags) { return flags & FLAG_CF; }

static void test_bit_test(void)
{
	uint32_t v, f;

	__asm__("btl $5, %[v]\n\tpushfl\n\tpopl %[f]" : [f] "=r"(f) : [v] "r"(0x20) : "cc");
	check32("bt.imm", carry(f), FLAG_CF);
	/* A register operand takes the bit offset modulo 32. */
	__asm__("btl %[i], %[v]\n\tpushfl\n\tpopl %[f]" : [f] "=r"(f) : [v] "r"(0x20), [i] "r"(37) : "cc");
	check32("bt.reg.offset-mod-32", carry(f), FLAG_CF);
	v = 0;
	__asm__("btsl $3, %[v]\n\tpushfl\n\tpopl %[f]" : [v] "+r"(v), [f] "=r"(f) : : "cc");
	check32("bts", v, 0x08);
	check32("bts.cf", carry(f), 0);
	v = 0x80000001;
	__asm__("btrl $31, %[v]\n\tpushfl\n\tpopl %[f]" : [v] "+r"(v), [f] "=r"(f) : : "cc");
	check32("btr", v, 0x00000001);
	check32("btr.cf", carry(f), FLAG_CF);
	v = 1;
	__asm__("btcl $0, %[v]\n\tpushfl\n\tpopl %[f]" : [v] "+r"(v), [f] "=r"(f) : : "cc");
	check32("btc", v, 0);
	check32("btc.cf", carry(f), FLAG_CF);

	/* With a memory operand the register offset is a signed bit string index. */
	uint32_t words[4] = { 0x80000000, 0, 0x40, 0 };
	__asm__ volatile("btl %[i], %[m]\n\tpushfl\n\tpopl %[f]"
			 : [f] "=r"(f) : [m] "m"(words[0]), [i] "r"(70) : "cc", "memory");
	check32("bt.mem.offset-70", carry(f), FLAG_CF);
	__asm__ volatile("btsl %[i], %[m]\n\tpushfl\n\tpopl %[f]"
			 : [m] "+m"(words[1]), [f] "=r"(f) : [i] "r"(33) : "cc", "memory");
	check32("bts.mem.offset-33", words[2], 0x42);
	check32("bts.mem.offset-33.cf", carry(f), 0);
	__asm__ volatile("btl %[i], %[m]\n\tpushfl\n\tpopl %[f]"
			 : [f] "=r"(f) : [m] "m"(words[1]), [i] "r"(-1) : "cc", "memory");
	check32("bt.mem.offset-negative", carry(f), FLAG_CF);
}

static void test_bit_scan(void)
{
	uint32_t r, f;

	__asm__("bsfl %[v], %[r]" : [r] "=r"(r) : [v] "rm"(0x00018000) : "cc");
	check32("bsf", r, 15);
	__asm__("bsrl %[v], %[r]" : [r] "=r"(r) : [v] "rm"(0x00018000) : "cc");
	check32("bsr", r, 16);
	__asm__("bsfl %[v], %[r]" : [r] "=r"(r) : [v] "rm"(0x80000000) : "cc");
	check32("bsf.top-bit", r, 31);
	__asm__("bsrl %[v], %[r]" : [r] "=r"(r) : [v] "rm"(1) : "cc");
	check32("bsr.bottom-bit", r, 0);
	/* A zero source sets ZF; the destination is undefined, so it is not checked. */
	r = 0;
	__asm__("bsfl %[v], %[r]\n\tpushfl\n\tpopl %[f]" : [r] "+r"(r), [f] "=r"(f) : [v] "r"(0) : "cc");
	check32("bsf.zero.zf", f & FLAG_ZF, FLAG_ZF);
	__asm__("bsrl %[v], %[r]\n\tpushfl\n\tpopl %[f]" : [r] "+r"(r), [f] "=r"(f) : [v] "r"(0x100) : "cc");
	check32("bsr.nonzero.zf", f & FLAG_ZF, 0);
}

/* cmp a, b and then every setcc; bit i of the result is condition i in opcode order. */
static uint32_t setcc_after_cmp(uint32_t a, uint32_t b)
{
	uint8_t c[16];
	__asm__ volatile("cmpl %[b], %[a]\n\t"
			 "seto 0(%[p])\n\tsetno 1(%[p])\n\tsetb 2(%[p])\n\tsetae 3(%[p])\n\t"
			 "sete 4(%[p])\n\tsetne 5(%[p])\n\tsetbe 6(%[p])\n\tseta 7(%[p])\n\t"
			 "sets 8(%[p])\n\tsetns 9(%[p])\n\tsetp 10(%[p])\n\tsetnp 11(%[p])\n\t"
			 "setl 12(%[p])\n\tsetge 13(%[p])\n\tsetle 14(%[p])\n\tsetg 15(%[p])"
			 : : [a] "r"(a), [b] "r"(b), [p] "r"(c) : "cc", "memory");
	uint32_t mask = 0;
	for (int i = 0; i < 16; i++)
		mask |= (uint32_t)(c[i] & 1) << i;
	return mask;
}

static void test_setcc(void)
{
	/* o no b ae e ne be a s ns p np l ge le g = bits 0..15 */
	check32("setcc.cmp-minus1-1", setcc_after_cmp(0xFFFFFFFF, 1), 0x59AA);
	check32("setcc.cmp-min-1", setcc_after_cmp(0x80000000, 1), 0x56A9);
	check32("setcc.cmp-equal", setcc_after_cmp(7, 7), 0x665A);
}

void test_bits(void)
{
	test_bit_test();
	test_bit_scan();
	test_setcc();
}
