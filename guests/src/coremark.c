/*
 * coremark: a CoreMark-class integer benchmark for comparing CPU speed (migtrace's interpreter
 * and compiler, QEMU): linked-list find/sort/reverse, int16/int32 matrix arithmetic, a
 * number-parsing state machine and CRC-16, written for migtrace (src/coremark/).
 *
 * Args: iterations=N (default 10). Prints the CRC of each part and then
 * "coremark done: N iterations, crc 0xXXXX"; exits 0. The work is fixed by N, so a run has
 * the same instruction count every time (and the same output everywhere).
 */
#include "coremark/coremark.h"

#define SEED 0x3415u

static const char *const known_args[] = { "iterations", NULL };

int main(void)
{
	args_allow_only(known_args);
	uint32_t iterations = arg_uint("iterations", 10);
	if (crc16_bytes((const uint8_t *)"123456789", 9, 0) != 0xBB3D) {
		printf("coremark: CRC-16 self-check failed\n");
		return 1;
	}
	printf("coremark: %u iterations\n", iterations);

	list_init(SEED);
	matrix_init(SEED);
	state_init(SEED);
	uint16_t crc_list = 0, crc_matrix = 0, crc_state = 0;
	for (uint32_t i = 0; i < iterations; i++) {
		crc_list = list_iteration(i, crc_list);
		crc_matrix = matrix_iteration(i, crc_matrix);
		crc_state = state_iteration(i, crc_state);
	}
	uint16_t crc = crc16_u16(crc_list, 0);
	crc = crc16_u16(crc_matrix, crc);
	crc = crc16_u16(crc_state, crc);
	printf("coremark: list 0x%04x matrix 0x%04x state 0x%04x\n", crc_list, crc_matrix, crc_state);
	printf("coremark done: %u iterations, crc 0x%04x\n", iterations, crc);
	return 0;
}
