/*
 * coremark: a CoreMark-class integer workload (written for migtrace, not EEMBC's code): a
 * linked list (find, move-to-front, reverse, merge sort), int16/int32 matrix arithmetic, a
 * state machine scanning a string of numbers, and CRC-16 over every result. Each part folds
 * its results into a CRC-16 carried from iteration to iteration, so one wrong instruction
 * anywhere changes the final line.
 */
#ifndef COREMARK_H
#define COREMARK_H

#include "guest.h"

/* CRC-16/ARC (reflected polynomial 0xA001, initial value 0): crc16("123456789") = 0xBB3D. */
uint16_t crc16_u8(uint8_t data, uint16_t crc);
uint16_t crc16_u16(uint16_t v, uint16_t crc);
uint16_t crc16_u32(uint32_t v, uint16_t crc);
uint16_t crc16_bytes(const uint8_t *p, size_t n, uint16_t crc);

/* A 16-bit linear congruential generator: the guest's only source of "random" data. */
static inline uint16_t lcg16(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	return (uint16_t)(*state >> 16);
}

void list_init(uint16_t seed);
uint16_t list_iteration(uint32_t iter, uint16_t crc);

void matrix_init(uint16_t seed);
uint16_t matrix_iteration(uint32_t iter, uint16_t crc);

void state_init(uint16_t seed);
uint16_t state_iteration(uint32_t iter, uint16_t crc);

#endif
