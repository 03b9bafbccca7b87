/* CRC-16/ARC, bit by bit as CoreMark computes its CRCs (no table). */
#include "coremark.h"

uint16_t crc16_u8(uint8_t data, uint16_t crc)
{
	crc ^= data;
	for (int i = 0; i < 8; i++)
		crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001u) : (uint16_t)(crc >> 1);
	return crc;
}

uint16_t crc16_u16(uint16_t v, uint16_t crc)
{
	crc = crc16_u8((uint8_t)v, crc);
	return crc16_u8((uint8_t)(v >> 8), crc);
}

uint16_t crc16_u32(uint32_t v, uint16_t crc)
{
	crc = crc16_u16((uint16_t)v, crc);
	return crc16_u16((uint16_t)(v >> 16), crc);
}

uint16_t crc16_bytes(const uint8_t *p, size_t n, uint16_t crc)
{
	while (n--)
		crc = crc16_u8(*p++, crc);
	return crc;
}
