/*
 * The state-machine part: a STATE_BYTES string of comma-separated tokens (integers,
 * decimals, numbers with exponents, malformed ones), scanned one character at a time by a
 * number recogniser like CoreMark's. Each iteration scans it, corrupts every n-th byte,
 * scans again, and puts the bytes back; the final-state and transition counts go into the
 * CRC.
 */
#include "coremark.h"

#define STATE_BYTES	256

enum state { START, SIGN, INT, POINT, FRACTION, EXP, EXP_SIGN, SCIENTIFIC, INVALID, STATES };

static const char *const tokens[] = {
	"5012", "1234", "-874", "+122", "0",
	"35.54400", ".1234500", "-110.700", "+0.64400",
	"5.500e+3", "-.123e-2", "-87e+832", "+0.6e-12",
	"T0.3e-1F", "-T.T++Tq", "1T3.4e4z", "34.0e-T^",
};
#define TOKEN_KINDS (sizeof tokens / sizeof tokens[0])

static uint8_t text[STATE_BYTES];

void state_init(uint16_t seed)
{
	uint32_t rng = (uint32_t)seed * 3u + 7u;
	size_t at = 0;
	for (;;) {
		const char *t = tokens[lcg16(&rng) % TOKEN_KINDS];
		size_t len = strlen(t);
		if (at + len + 1 >= STATE_BYTES)
			break;
		memcpy(text + at, t, len);
		text[at + len] = ',';
		at += len + 1;
	}
	memset(text + at, 0, STATE_BYTES - at);
}

static bool is_digit(uint8_t ch)
{
	return ch >= '0' && ch <= '9';
}

/* One step of the recogniser. */
static enum state next_state(enum state s, uint8_t ch)
{
	switch (s) {
	case START:
		if (is_digit(ch)) return INT;
		if (ch == '+' || ch == '-') return SIGN;
		if (ch == '.') return POINT;
		return INVALID;
	case SIGN:
		if (is_digit(ch)) return INT;
		if (ch == '.') return POINT;
		return INVALID;
	case INT:
		if (is_digit(ch)) return INT;
		if (ch == '.') return POINT;
		if (ch == 'e' || ch == 'E') return EXP;
		return INVALID;
	case POINT:
	case FRACTION:
		if (is_digit(ch)) return FRACTION;
		if (ch == 'e' || ch == 'E') return EXP;
		return INVALID;
	case EXP:
		if (ch == '+' || ch == '-') return EXP_SIGN;
		if (is_digit(ch)) return SCIENTIFIC;
		return INVALID;
	case EXP_SIGN:
	case SCIENTIFIC:
		if (is_digit(ch)) return SCIENTIFIC;
		return INVALID;
	default:
		return INVALID;
	}
}

/* Scan the whole string: count each token's final state and each state change. */
static void scan(uint32_t finals[STATES], uint32_t changes[STATES])
{
	size_t i = 0;
	while (i < STATE_BYTES && text[i] != 0) {
		enum state s = START;
		for (; i < STATE_BYTES && text[i] != ',' && text[i] != 0; i++) {
			enum state n = next_state(s, text[i]);
			if (n != s)
				changes[n]++;
			s = n;
			if (s == INVALID) {
				while (i < STATE_BYTES && text[i] != ',' && text[i] != 0)
					i++;
				break;
			}
		}
		finals[s]++;
		if (i < STATE_BYTES && text[i] == ',')
			i++;
	}
}

static void corrupt(uint8_t mask, size_t step)
{
	for (size_t i = 0; i < STATE_BYTES && text[i] != 0; i += step)
		if (text[i] != ',')
			text[i] ^= mask;
}

uint16_t state_iteration(uint32_t iter, uint16_t crc)
{
	uint32_t finals[STATES] = { 0 }, changes[STATES] = { 0 };
	scan(finals, changes);
	uint8_t mask = (uint8_t)(iter | 1) & 0x3F;
	size_t step = 3 + iter % 5;
	corrupt(mask, step);
	scan(finals, changes);
	corrupt(mask, step);
	for (int s = 0; s < STATES; s++) {
		crc = crc16_u32(finals[s], crc);
		crc = crc16_u32(changes[s], crc);
	}
	return crc;
}
