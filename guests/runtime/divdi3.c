/*
 * The 64-bit division helpers gcc calls on i386 (the libgcc ABI: __udivdi3, __umoddi3,
 * __divdi3, __moddi3, and __udivmoddi4 / __divmoddi4 which some gcc versions call).
 * The host's libgcc is x86-64 only, so the guests carry their own.
 *
 * Division by zero executes a 32-bit div by zero, raising #DE as the hardware would.
 */
#include <stdint.h>

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);
int64_t __divmoddi4(int64_t n, int64_t d, int64_t *rem);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t n, int64_t d);
int64_t __moddi3(int64_t n, int64_t d);

/* (hi:lo) / d with hi < d, so the quotient fits in 32 bits and divl cannot fault. */
static inline uint32_t divl(uint32_t hi, uint32_t lo, uint32_t d, uint32_t *r)
{
	uint32_t q;
	__asm__("divl %4" : "=a"(q), "=d"(*r) : "a"(lo), "d"(hi), "rm"(d));
	return q;
}

static inline unsigned leading_zeros64(uint64_t v)	/* v != 0 */
{
	uint32_t hi = (uint32_t)(v >> 32);
	uint32_t bit;
	if (hi) {
		__asm__("bsrl %1, %0" : "=r"(bit) : "rm"(hi));
		return 31 - bit;
	}
	__asm__("bsrl %1, %0" : "=r"(bit) : "rm"((uint32_t)v));
	return 63 - bit;
}

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem)
{
	uint32_t dh = (uint32_t)(d >> 32), dl = (uint32_t)d;
	uint32_t nh = (uint32_t)(n >> 32), nl = (uint32_t)n;

	if (dh == 0) {
		if (dl == 0) {
			volatile uint32_t zero = 0;
			return 1u / zero;
		}
		/* Long division by a 32-bit divisor: two divl steps. */
		uint32_t qh = 0, r;
		if (nh >= dl) {
			qh = nh / dl;
			nh = nh % dl;
		}
		uint32_t ql = divl(nh, nl, dl, &r);
		if (rem)
			*rem = r;
		return ((uint64_t)qh << 32) | ql;
	}
	if (n < d) {
		if (rem)
			*rem = n;
		return 0;
	}
	/* d >= 2^32, so the quotient is < 2^32: restoring shift-and-subtract. */
	unsigned shift = leading_zeros64(d) - leading_zeros64(n);
	uint32_t q = 0;
	d <<= shift;
	for (unsigned i = 0; i <= shift; i++) {
		q <<= 1;
		if (n >= d) {
			n -= d;
			q |= 1;
		}
		d >>= 1;
	}
	if (rem)
		*rem = n;
	return q;
}

/* C semantics: the quotient truncates toward zero; the remainder has the dividend's sign. */
int64_t __divmoddi4(int64_t n, int64_t d, int64_t *rem)
{
	uint64_t un = n < 0 ? -(uint64_t)n : (uint64_t)n;
	uint64_t ud = d < 0 ? -(uint64_t)d : (uint64_t)d;
	uint64_t ur;
	uint64_t uq = __udivmoddi4(un, ud, &ur);
	/* Negate as unsigned: INT64_MIN / 1 must not overflow a signed negation. */
	if (rem)
		*rem = (int64_t)(n < 0 ? -ur : ur);
	return (int64_t)((n < 0) != (d < 0) ? -uq : uq);
}

uint64_t __udivdi3(uint64_t n, uint64_t d) { return __udivmoddi4(n, d, 0); }

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
	uint64_t r;
	__udivmoddi4(n, d, &r);
	return r;
}

int64_t __divdi3(int64_t n, int64_t d) { return __divmoddi4(n, d, 0); }

int64_t __moddi3(int64_t n, int64_t d)
{
	int64_t r;
	__divmoddi4(n, d, &r);
	return r;
}
