/*
 * kernels: a second compute benchmark, unlike coremark in the shape of its code — SHA-256 of a
 * 4 KiB buffer (rotates, long straight runs), a sieve of Eratosthenes (byte stores in a tight
 * loop), quicksort (recursion, data-dependent branches), n-queens (bit tricks, deep recursion),
 * a bytecode interpreter (a switch compiled to a jump table: indirect jumps), string work
 * (strlen, strcmp, digits by division) and a 64-bit linear congruential generator (MUL, ADC).
 * Written for migtrace, so that its compiler is measured on code it was not tuned on.
 *
 * Args: iterations=N (default 10). Checks known answers first (SHA-256 of "abc", the primes
 * below 20,000, the 8-queens solutions), prints each kernel's checksum, then
 * "kernels done: N iterations, crc 0xXXXXXXXX"; exits 0. The work is fixed by N, so a run has
 * the same instruction count every time.
 */
#include "args.h"
#include "crc32.h"
#include "guest.h"
#include "mem.h"
#include "print.h"

static const char *const known_args[] = { "iterations", NULL };

/* ---- SHA-256 (FIPS 180-4) ---- */

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	h[5] += f;
	h[6] += g;
	h[7] += hh;
}

/* The digest of `len` bytes (len < 2^29), padded as the standard says. */
static void sha256(const uint8_t *data, uint32_t len, uint32_t h[8])
{
	static const uint32_t init[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	memcpy(h, init, sizeof init);
	uint32_t done = 0;
	for (; len - done >= 64; done += 64)
		sha256_block(h, data + done);
	uint8_t last[128];
	uint32_t rest = len - done;
	memset(last, 0, sizeof last);
	memcpy(last, data + done, rest);
	last[rest] = 0x80;
	uint32_t total = rest + 1 + 8 <= 64 ? 64 : 128;
	uint32_t bits = len << 3;
	last[total - 4] = (uint8_t)(bits >> 24);
	last[total - 3] = (uint8_t)(bits >> 16);
	last[total - 2] = (uint8_t)(bits >> 8);
	last[total - 1] = (uint8_t)bits;
	for (uint32_t b = 0; b < total; b += 64)
		sha256_block(h, last + b);
}

/* ---- sieve, quicksort, n-queens ---- */

#define SIEVE 20000
static uint8_t composite[SIEVE];

static uint32_t primes_below_sieve(void)
{
	memset(composite, 0, sizeof composite);
	uint32_t count = 0;
	for (uint32_t i = 2; i < SIEVE; i++) {
		if (composite[i])
			continue;
		count++;
		for (uint32_t j = i * 2; j < SIEVE; j += i)
			composite[j] = 1;
	}
	return count;
}

static void quicksort(int32_t *a, int lo, int hi)
{
	while (lo < hi) {
		int32_t pivot = a[lo + (hi - lo) / 2];
		int i = lo, j = hi;
		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				int32_t t = a[i];
				a[i++] = a[j];
				a[j--] = t;
			}
		}
		/* Recurse into the smaller side: the stack stays shallow. */
		if (j - lo < hi - i) {
			quicksort(a, lo, j);
			lo = i;
		} else {
			quicksort(a, i, hi);
			hi = j;
		}
	}
}

static uint32_t queens(uint32_t all, uint32_t cols, uint32_t left, uint32_t right)
{
	if (cols == all)
		return 1;
	uint32_t count = 0;
	for (uint32_t free = all & ~(cols | left | right); free != 0;) {
		uint32_t bit = free & -free;
		free -= bit;
		count += queens(all, cols | bit, (left | bit) << 1, (right | bit) >> 1);
	}
	return count;
}

/* ---- a bytecode interpreter: a stack machine with a jump-table dispatch ---- */

enum { OP_PUSH, OP_LOAD, OP_STORE, OP_ADD, OP_SUB, OP_MUL, OP_XOR, OP_SHR, OP_JNZ, OP_DUP, OP_HALT };

/* r0 = n; r1 = 1; r2 = 0; do { r2 ^= r1 * 2654435761 >> 7; r1 += r2; r0 -= 1 } while (r0); */
static const int32_t program[] = {
	OP_PUSH, 1, OP_STORE, 1, OP_PUSH, 0, OP_STORE, 2,
	/* 8: loop */
	OP_LOAD, 1, OP_PUSH, (int32_t)2654435761u, OP_MUL, OP_PUSH, 7, OP_SHR, OP_LOAD, 2, OP_XOR, OP_STORE, 2,
	OP_LOAD, 1, OP_LOAD, 2, OP_ADD, OP_STORE, 1,
	OP_LOAD, 0, OP_PUSH, 1, OP_SUB, OP_DUP, OP_STORE, 0, OP_JNZ, 8,
	OP_LOAD, 2, OP_HALT,
};

static uint32_t run_program(uint32_t n)
{
	uint32_t regs[4] = { n, 0, 0, 0 };
	uint32_t stack[16];
	int sp = 0;
	for (uint32_t pc = 0;;) {
		int32_t op = program[pc++];
		switch (op) {
		case OP_PUSH: stack[sp++] = (uint32_t)program[pc++]; break;
		case OP_LOAD: stack[sp++] = regs[program[pc++]]; break;
		case OP_STORE: regs[program[pc++]] = stack[--sp]; break;
		case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
		case OP_SUB: sp--; stack[sp - 1] -= stack[sp]; break;
		case OP_MUL: sp--; stack[sp - 1] *= stack[sp]; break;
		case OP_XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
		case OP_SHR: sp--; stack[sp - 1] >>= stack[sp]; break;
		case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
		case OP_JNZ: {
			uint32_t target = (uint32_t)program[pc++];
			if (stack[--sp] != 0)
				pc = target;
			break;
		}
		case OP_HALT: return stack[sp - 1];
		default: return 0xdead;
		}
	}
}

/* ---- strings and a 64-bit generator ---- */

static uint32_t string_work(uint32_t seed)
{
	char s[64];
	int n = 0;
	for (uint32_t v = seed; n < 60; v = v / 10 + 7)
		s[n++] = (char)('0' + v % 10);
	s[n] = 0;
	return (uint32_t)strlen(s) * 31 + (uint32_t)strcmp(s, "5555555555") + (uint32_t)strncmp(s, s + 30, 30);
}

static uint32_t lcg64(uint64_t *state, int rounds)
{
	uint32_t acc = 0;
	for (int i = 0; i < rounds; i++) {
		*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
		acc ^= (uint32_t)(*state >> 33);
	}
	return acc;
}

#define ELEMENTS 2000
static uint8_t buffer[4096];
static int32_t elements[ELEMENTS];

static bool self_check(void)
{
	static const uint32_t abc[8] = { 0xba7816bf, 0x8f01cfea, 0x414140de, 0x5dae2223,
					 0xb00361a3, 0x96177a9c, 0xb410ff61, 0xf20015ad };
	uint32_t h[8];
	sha256((const uint8_t *)"abc", 3, h);
	return memcmp(h, abc, sizeof h) == 0 && primes_below_sieve() == 2262 && queens(0xff, 0, 0, 0) == 92 &&
	       queens(0x7f, 0, 0, 0) == 40;
}

int main(void)
{
	args_allow_only(known_args);
	uint32_t iterations = arg_uint("iterations", 10);
	if (!self_check()) {
		printf("kernels: self-check failed\n");
		return 1;
	}
	printf("kernels: %u iterations\n", iterations);

	uint32_t sums[6] = { 0 };
	uint64_t state = 0x12345678abcdefULL;
	for (uint32_t it = 0; it < iterations; it++) {
		for (uint32_t i = 0; i < sizeof buffer; i++)
			buffer[i] = (uint8_t)(i * 7 + it);
		uint32_t h[8];
		sha256(buffer, sizeof buffer, h);
		sums[0] = crc32_update(sums[0], h, sizeof h);

		sums[1] += primes_below_sieve() + it;

		uint32_t x = it * 2654435761u + 1;
		for (int i = 0; i < ELEMENTS; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			elements[i] = (int32_t)(x % 100000) - 50000;
		}
		quicksort(elements, 0, ELEMENTS - 1);
		sums[2] = crc32_update(sums[2], elements, sizeof elements);

		sums[3] += queens((it & 1) != 0 ? 0xff : 0x7f, 0, 0, 0);
		sums[4] += run_program(2000 + it);
		sums[5] += string_work(sums[4]) ^ lcg64(&state, 200);
	}
	printf("kernels: sha 0x%08x primes %u sort 0x%08x queens %u bytecode 0x%08x strings 0x%08x\n", sums[0],
	       sums[1], sums[2], sums[3], sums[4], sums[5]);
	printf("kernels done: %u iterations, crc 0x%08x\n", iterations, crc32(sums, sizeof sums));
	return 0;
}
