/*
 * memtouch: the pre-copy workload. Dirties memory at a controllable rate and proves, with a
 * checksum per pass, that every touched word holds what it should.
 *
 * Args (defaults): base=1 (MiB where the range starts), mb=4 (MiB in the range),
 * stride=4096 (bytes between stores: one store per page), passes=4 (0 = run forever),
 * spin=0 (busy-loop iterations between stores: higher = lower dirty rate).
 *
 * Pass p (from 1) stores to every stride-th 32-bit word of the range:
 *   pass 1:  w = pattern(1, addr)
 *   pass p:  w = rotl(w, 5) ^ pattern(p, addr)
 * so each value depends on every earlier pass: a page lost or stale after a migration
 * changes this and every later checksum. After the stores the pass reads the words back
 * and prints their FNV-1a hash (one 32-bit word per step: h = (h ^ w) * 0x01000193).
 * test/guests/qemu.test.ts recomputes these checksums independently.
 */
#include "guest.h"

#define MiB		0x100000u
#define MAX_END_MB	3072u		/* above 3 GiB lie PCI BARs, the IOAPIC and the LAPIC */
#define FNV_OFFSET	0x811C9DC5u
#define FNV_PRIME	0x01000193u

static const char *const known_args[] = { "base", "mb", "stride", "passes", "spin", NULL };

static inline uint32_t pattern(uint32_t pass, uint32_t addr)
{
	uint32_t x = addr ^ (pass * 0x9E3779B9u);
	x *= 0x85EBCA6Bu;
	return x ^ (x >> 13);
}

static inline uint32_t rotl5(uint32_t v)
{
	return (v << 5) | (v >> 27);
}

/* True if the word at addr keeps what is written to it. Restores the old value. */
static bool is_ram(uint32_t addr)
{
	volatile uint32_t *p = (volatile uint32_t *)addr;
	uint32_t old = *p;
	*p = 0x5AA5F00Fu;
	bool ok = *p == 0x5AA5F00Fu;
	*p = 0xA55A0FF0u;
	ok = ok && *p == 0xA55A0FF0u;
	*p = old;
	return ok;
}

static bool check_range(uint32_t base_mb, uint32_t mb, uint32_t stride)
{
	if (base_mb < 1) {
		printf("memtouch: base=%u: the range must start at or above 1 MiB "
		       "(below it are the guest's own code, data and stack)\n", base_mb);
		return false;
	}
	if (mb == 0) {
		printf("memtouch: mb=0: the range is empty\n");
		return false;
	}
	if ((uint64_t)base_mb + mb > MAX_END_MB) {
		printf("memtouch: base=%u mb=%u: the range ends above %u MiB, where devices live\n",
		       base_mb, mb, MAX_END_MB);
		return false;
	}
	if (stride == 0 || stride % 4 != 0) {
		printf("memtouch: stride=%u: must be a non-zero multiple of 4\n", stride);
		return false;
	}
	for (uint32_t m = base_mb; m < base_mb + mb; m++) {
		uint32_t last_word = (m + 1) * MiB - 4;
		if (!is_ram(last_word)) {
			printf("memtouch: no RAM at 0x%08x: the machine has less than %u MiB of memory\n",
			       last_word, base_mb + mb);
			return false;
		}
	}
	return true;
}

static void touch(uint32_t base, uint32_t end, uint32_t stride, uint32_t pass, uint32_t spin)
{
	for (uint32_t addr = base; addr < end; addr += stride) {
		volatile uint32_t *p = (volatile uint32_t *)addr;
		uint32_t w = pattern(pass, addr);
		*p = pass == 1 ? w : rotl5(*p) ^ w;
		for (uint32_t i = spin; i; i--)
			cpu_relax();
	}
}

static uint32_t checksum(uint32_t base, uint32_t end, uint32_t stride)
{
	uint32_t h = FNV_OFFSET;
	for (uint32_t addr = base; addr < end; addr += stride)
		h = (h ^ *(volatile uint32_t *)addr) * FNV_PRIME;
	return h;
}

int main(void)
{
	args_allow_only(known_args);
	uint32_t base_mb = arg_uint("base", 1);
	uint32_t mb = arg_uint("mb", 4);
	uint32_t stride = arg_uint("stride", 4096);
	uint32_t passes = arg_uint("passes", 4);
	uint32_t spin = arg_uint("spin", 0);

	if (!check_range(base_mb, mb, stride))
		return 1;
	uint32_t base = base_mb * MiB, end = (base_mb + mb) * MiB;
	uint32_t stores_per_pass = (end - base - 1) / stride + 1;

	printf("memtouch: range 0x%08x-0x%08x stride %u passes %u%s spin %u\n", base, end - 1,
	       stride, passes, passes ? "" : " (forever)", spin);
	uint32_t sum = 0;
	uint32_t pass;
	for (pass = 1; passes == 0 || pass <= passes; pass++) {
		touch(base, end, stride, pass, spin);
		sum = checksum(base, end, stride);
		printf("memtouch: pass %u checksum 0x%08x\n", pass, sum);
	}
	printf("memtouch: done, %u passes, %llu stores, checksum 0x%08x\n", passes,
	       (uint64_t)passes * stores_per_pass, sum);
	return 0;
}
