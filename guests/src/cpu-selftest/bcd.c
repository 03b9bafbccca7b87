/*
 * The BCD adjust instructions on inputs whose results the SDM fully defines (and that the
 * 386 and later CPUs agree on). Only the flags each instruction defines are checked.
 */
#include "check.h"

#define DAA_FLAGS (FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF)	/* OF undefined */
#define AAA_FLAGS (FLAG_CF | FLAG_AF)					/* the rest undefined */
#define AAM_FLAGS (FLAG_PF | FLAG_ZF | FLAG_SF)			/* CF, AF, OF undefined */

/* ax = ax; al OP= b; then the adjust instruction. */
#define DEFINE_BCD(name, insn)								\
	static uint32_t name(uint32_t ax, uint8_t b, uint32_t *flags)		\
	{									\
		uint32_t f;							\
		__asm__(insn "\n\tpushfl\n\tpopl %[f]"				\
			: "+a"(ax), [f] "=r"(f) : [b] "q"(b) : "cc");		\
		*flags = f;							\
		return ax & 0xFFFF;						\
	}

DEFINE_BCD(add_daa, "addb %[b], %%al\n\tdaa")
DEFINE_BCD(sub_das, "subb %[b], %%al\n\tdas")
DEFINE_BCD(add_aaa, "addb %[b], %%al\n\taaa")
DEFINE_BCD(sub_aas, "subb %[b], %%al\n\taas")
DEFINE_BCD(aam10, "aam")
DEFINE_BCD(aam16, ".byte 0xD4, 0x10")	/* aam with base 16 */
DEFINE_BCD(aad10, "aad")
DEFINE_BCD(aad16, ".byte 0xD5, 0x10")	/* aad with base 16 */

void test_bcd(void)
{
	uint32_t f;

	check32("daa.79+35", add_daa(0x79, 0x35, &f) & 0xFF, 0x14);
	check32("daa.79+35.flags", f & DAA_FLAGS, FLAG_CF | FLAG_AF | FLAG_PF);
	check32("daa.12+34", add_daa(0x12, 0x34, &f) & 0xFF, 0x46);
	check32("daa.12+34.flags", f & DAA_FLAGS, 0);
	check32("das.35-47", sub_das(0x35, 0x47, &f) & 0xFF, 0x88);
	check32("das.35-47.flags", f & DAA_FLAGS, FLAG_CF | FLAG_AF | FLAG_SF | FLAG_PF);
	check32("aaa.9+8", add_aaa(0x0009, 8, &f), 0x0107);
	check32("aaa.9+8.flags", f & AAA_FLAGS, FLAG_CF | FLAG_AF);
	check32("aaa.3+4", add_aaa(0x0003, 4, &f), 0x0007);
	check32("aaa.3+4.flags", f & AAA_FLAGS, 0);
	check32("aas.23-5", sub_aas(0x0203, 5, &f), 0x0108);
	check32("aas.23-5.flags", f & AAA_FLAGS, FLAG_CF | FLAG_AF);
	check32("aam.63", aam10(0x003F, 0, &f), 0x0603);
	check32("aam.63.flags", f & AAM_FLAGS, FLAG_PF);
	check32("aam16.0x3f", aam16(0x003F, 0, &f), 0x030F);
	check32("aam16.0x3f.flags", f & AAM_FLAGS, FLAG_PF);
	check32("aad.75", aad10(0x0705, 0, &f), 0x004B);
	check32("aad.75.flags", f & AAM_FLAGS, FLAG_PF);
	check32("aad16.0x75", aad16(0x0705, 0, &f), 0x0075);
	check32("aad16.0x75.flags", f & AAM_FLAGS, 0);
}
