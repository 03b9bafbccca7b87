/*
 * The matrix part: two MATRIX_N x MATRIX_N int16 matrices A and B and an int32 result C.
 * Each iteration adds a constant to A, then computes C = A * constant, C = A * column 0 of B,
 * C = A * B, and C = A * B with bit fields of each product; every result is summed with
 * data-dependent branches into the CRC. Subtracting the constant restores A.
 */
#include "coremark.h"

#define MATRIX_N	16

static int16_t a[MATRIX_N][MATRIX_N], b[MATRIX_N][MATRIX_N];
static int32_t c[MATRIX_N][MATRIX_N];

void matrix_init(uint16_t seed)
{
	uint32_t rng = (uint32_t)seed << 8 | 0x5A;
	for (int i = 0; i < MATRIX_N; i++)
		for (int j = 0; j < MATRIX_N; j++) {
			a[i][j] = (int16_t)(lcg16(&rng) % 2000u) - 1000;
			b[i][j] = (int16_t)(lcg16(&rng) & 0x3FF);
		}
}

static void add_const(int16_t k)
{
	for (int i = 0; i < MATRIX_N; i++)
		for (int j = 0; j < MATRIX_N; j++)
			a[i][j] = (int16_t)(a[i][j] + k);
}

static void mul_const(int16_t k)
{
	for (int i = 0; i < MATRIX_N; i++)
		for (int j = 0; j < MATRIX_N; j++)
			c[i][j] = (int32_t)a[i][j] * k;
}

static void mul_vector(void)
{
	for (int i = 0; i < MATRIX_N; i++) {
		int32_t s = 0;
		for (int j = 0; j < MATRIX_N; j++)
			s += (int32_t)a[i][j] * b[j][0];
		c[i][0] = s;
	}
}

static void mul_matrix(void)
{
	for (int i = 0; i < MATRIX_N; i++)
		for (int j = 0; j < MATRIX_N; j++) {
			int32_t s = 0;
			for (int k = 0; k < MATRIX_N; k++)
				s += (int32_t)a[i][k] * b[k][j];
			c[i][j] = s;
		}
}

static void mul_bitfields(void)
{
	for (int i = 0; i < MATRIX_N; i++)
		for (int j = 0; j < MATRIX_N; j++) {
			int32_t s = 0;
			for (int k = 0; k < MATRIX_N; k++) {
				int32_t p = (int32_t)a[i][k] * b[k][j];
				s += ((p >> 2) & 0xF) * ((p >> 5) & 0x7F);
			}
			c[i][j] = s;
		}
}

/* Fold rows..cols of C into the CRC: its sum, and how often it rises or clips. */
static uint16_t fold(int rows, int cols, int32_t clip, uint16_t crc)
{
	int32_t sum = 0, prev = 0;
	uint16_t rises = 0, clips = 0;
	for (int i = 0; i < rows; i++)
		for (int j = 0; j < cols; j++) {
			int32_t v = c[i][j];
			sum += v;
			if (v > clip) {
				clips++;
				v = 0;
			} else if (v > prev) {
				rises++;
			}
			prev = v;
		}
	crc = crc16_u32((uint32_t)sum, crc);
	return crc16_u16((uint16_t)(rises << 8 | clips), crc);
}

uint16_t matrix_iteration(uint32_t iter, uint16_t crc)
{
	int16_t k = (int16_t)((iter * 29u) % 61u) - 30;
	add_const(k);
	mul_const((int16_t)(k | 1));
	crc = fold(MATRIX_N, MATRIX_N, 5000, crc);
	mul_vector();
	crc = fold(MATRIX_N, 1, 100000, crc);
	mul_matrix();
	crc = fold(MATRIX_N, MATRIX_N, 1000000, crc);
	mul_bitfields();
	crc = fold(MATRIX_N, MATRIX_N, 20000, crc);
	add_const((int16_t)-k);
	return crc;
}
