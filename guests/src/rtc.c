/*
 * rtc: the MC146818A real-time clock (CMOS 0x70/0x71) and its periodic interrupt on IRQ8.
 *
 * Args (defaults): n=64 (periodic interrupts to count), rate=6 (register A RS3–RS0, 3..15:
 * 32768 >> (rate - 1) Hz, so 6 = 1024 Hz).
 *
 * 1. Read the time as the firmware left the clock (a PC BIOS: BCD, 24-hour): wait for UIP
 *    clear, read seconds .. year and the century byte (0x32), again until two reads agree;
 *    decode per register B (DM: BCD or binary; 24/12-hour, bit 7 of the hour = PM).
 * 2. Periodic interrupt: both PICs initialised (vectors 0x20/0x28), IRQ8 unmasked on the
 *    slave (the cascade IR2 on the master), register A RS = rate, register B PIE; the
 *    handler reads register C (which acknowledges the RTC), counts PF, EOIs slave and master.
 *    After n interrupts PIE is cleared and IRQ8 masked again.
 * 3. Switch register B to binary, 24-hour, as a driver must: SET (updates halted), read the
 *    time, rewrite every time byte and the century in the new format, clear SET. Read again.
 * 4. The same to binary, 12-hour; then back to the format found at the start. Read each time.
 * Each read after the first must be no earlier, and at most 2 s later, than the one before.
 *
 * CMOS is touched only with interrupts disabled: the IRQ8 handler moves the index register.
 *
 * Output (under migtrace the time is the machine's start time, 2026-01-01 00:00:00 by
 * default, advanced by virtual time; under QEMU the host clock, or -rtc base=...):
 *   rtc: 2026-01-01 00:00:00 Thu (BCD, 24-hour)
 *   rtc: periodic interrupt rate 6 (1024 Hz): 64 interrupts, PF set in 64
 *   rtc: 2026-01-01 00:00:00 Thu (binary, 24-hour)
 *   rtc: 2026-01-01 00:00:00 Thu (binary, 12-hour, hour byte 0x0c)
 *   rtc: 2026-01-01 00:00:00 Thu (BCD, 24-hour)
 *   rtc: done, the time survived 3 format switches
 */
#include "guest.h"
#include "pic.h"

#define CMOS_INDEX	0x70
#define CMOS_DATA	0x71

#define RTC_SECONDS	0x00
#define RTC_MINUTES	0x02
#define RTC_HOURS	0x04
#define RTC_DAY_OF_WEEK	0x06
#define RTC_DATE	0x07
#define RTC_MONTH	0x08
#define RTC_YEAR	0x09
#define RTC_REG_A	0x0A
#define RTC_REG_B	0x0B
#define RTC_REG_C	0x0C
#define CMOS_CENTURY	0x32	/* not an MC146818 register: NVRAM the PC BIOS keeps it in */

#define REG_A_UIP	0x80
#define REG_A_RS	0x0F
#define REG_B_SET	0x80
#define REG_B_PIE	0x40
#define REG_B_DM_BINARY	0x04
#define REG_B_24H	0x02
#define REG_C_PF	0x40
#define HOUR_PM		0x80

#define IRQ_RTC		8
#define VEC_MASTER	0x20
#define VEC_SLAVE	0x28

static const char *const known_args[] = { "n", "rate", NULL };
static const char *const weekdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

struct rtc_time {
	unsigned year, month, day, hour, min, sec, wday;	/* wday: 1 = Sunday */
	uint8_t raw_hour;
};

static volatile uint32_t interrupts, pf_seen;

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

static void cmos_write(uint8_t reg, uint8_t value)
{
	outb(CMOS_INDEX, reg);
	outb(CMOS_DATA, value);
}

static unsigned from_bcd(uint8_t v) { return (v >> 4) * 10u + (v & 15u); }
static uint8_t to_bcd(unsigned v) { return (uint8_t)((v / 10) << 4 | v % 10); }

struct raw_time { uint8_t sec, min, hour, wday, day, month, year, century; };

static void read_raw(struct raw_time *r)
{
	r->sec = cmos_read(RTC_SECONDS);
	r->min = cmos_read(RTC_MINUTES);
	r->hour = cmos_read(RTC_HOURS);
	r->wday = cmos_read(RTC_DAY_OF_WEEK);
	r->day = cmos_read(RTC_DATE);
	r->month = cmos_read(RTC_MONTH);
	r->year = cmos_read(RTC_YEAR);
	r->century = cmos_read(CMOS_CENTURY);
}

static void wait_uip_clear(void)
{
	for (uint32_t polls = 0; polls < 10000000 && (cmos_read(RTC_REG_A) & REG_A_UIP); polls++)
		cpu_relax();
}

/* Decode per register B. Caller has interrupts disabled. */
static void decode(const struct raw_time *r, uint8_t reg_b, struct rtc_time *t)
{
	bool bcd = !(reg_b & REG_B_DM_BINARY);
#define V(x) (bcd ? from_bcd(x) : (unsigned)(x))
	t->sec = V(r->sec);
	t->min = V(r->min);
	t->raw_hour = r->hour;
	if (reg_b & REG_B_24H) {
		t->hour = V(r->hour);
	} else {
		t->hour = V((uint8_t)(r->hour & ~HOUR_PM)) % 12;	/* 12 AM is 0, 12 PM is 12 */
		if (r->hour & HOUR_PM)
			t->hour += 12;
	}
	t->wday = r->wday;
	t->day = V(r->day);
	t->month = V(r->month);
	t->year = V(r->century) * 100 + V(r->year);
#undef V
}

/* Wait for UIP clear, read, and again until two reads agree (no update in between). */
static void rtc_read(struct rtc_time *t)
{
	struct raw_time a, b;
	wait_uip_clear();
	read_raw(&a);
	for (int tries = 0; tries < 10; tries++) {
		wait_uip_clear();
		read_raw(&b);
		if (memcmp(&a, &b, sizeof a) == 0)
			break;
		a = b;
	}
	decode(&a, cmos_read(RTC_REG_B), t);
}

/* SET, read the time, rewrite it in the format of new_b, clear SET (datasheet, Register B). */
static void rtc_set_format(uint8_t new_b)
{
	struct raw_time r;
	struct rtc_time t;
	uint8_t old_b = cmos_read(RTC_REG_B);
	cmos_write(RTC_REG_B, old_b | REG_B_SET);
	read_raw(&r);
	decode(&r, old_b, &t);
	bool bcd = !(new_b & REG_B_DM_BINARY);
#define E(x) (bcd ? to_bcd(x) : (uint8_t)(x))
	uint8_t hour;
	if (new_b & REG_B_24H)
		hour = E(t.hour);
	else
		hour = (uint8_t)(E(t.hour % 12 ? t.hour % 12 : 12) | (t.hour >= 12 ? HOUR_PM : 0));
	cmos_write(RTC_REG_B, (uint8_t)(new_b | REG_B_SET));
	cmos_write(RTC_SECONDS, E(t.sec));
	cmos_write(RTC_MINUTES, E(t.min));
	cmos_write(RTC_HOURS, hour);
	cmos_write(RTC_DAY_OF_WEEK, (uint8_t)t.wday);
	cmos_write(RTC_DATE, E(t.day));
	cmos_write(RTC_MONTH, E(t.month));
	cmos_write(RTC_YEAR, E(t.year % 100));
	cmos_write(CMOS_CENTURY, E(t.year / 100));
#undef E
	cmos_write(RTC_REG_B, (uint8_t)(new_b & ~REG_B_SET));
}

static const char *format_name(uint8_t reg_b)
{
	if (reg_b & REG_B_DM_BINARY)
		return reg_b & REG_B_24H ? "binary, 24-hour" : "binary, 12-hour";
	return reg_b & REG_B_24H ? "BCD, 24-hour" : "BCD, 12-hour";
}

/* Seconds since 2000-01-01 (month lengths as the MC146818: leap year = divisible by 4). */
static uint32_t seconds_since_2000(const struct rtc_time *t)
{
	static const uint16_t before_month[] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
	unsigned y = t->year >= 2000 ? t->year - 2000 : 0;
	unsigned m = t->month >= 1 && t->month <= 12 ? t->month - 1 : 0;
	uint32_t days = y * 365 + (y + 3) / 4 + before_month[m] + (m >= 2 && y % 4 == 0) + t->day - 1;
	return ((days * 24 + t->hour) * 60 + t->min) * 60 + t->sec;
}

/* Read, print; true if the time is no earlier and at most 2 s later than *last. */
static bool show_time(uint32_t *last)
{
	struct rtc_time t;
	cli();
	rtc_read(&t);
	uint8_t reg_b = cmos_read(RTC_REG_B);
	sti();
	printf("rtc: %04u-%02u-%02u %02u:%02u:%02u %s (%s", t.year, t.month, t.day, t.hour, t.min,
	       t.sec, t.wday >= 1 && t.wday <= 7 ? weekdays[t.wday - 1] : "???", format_name(reg_b));
	if (!(reg_b & REG_B_24H))
		printf(", hour byte 0x%02x", t.raw_hour);
	printf(")\n");
	uint32_t now = seconds_since_2000(&t);
	bool ok = *last == 0 || (now >= *last && now - *last <= 2);
	if (!ok)
		printf("rtc: the time moved from %u to %u s since 2000\n", *last, now);
	*last = now;
	return ok;
}

static void rtc_irq(struct isr_frame *frame)
{
	(void)frame;
	uint8_t c = cmos_read(RTC_REG_C);	/* acknowledges: IRQF and the flags clear */
	if (c & REG_C_PF)
		pf_seen++;
	interrupts++;
	pic_eoi(IRQ_RTC);
}

static void spurious_irq(struct isr_frame *frame)
{
	unsigned irq = frame->vector == VEC_MASTER + 7 ? 7 : 15;
	if (pic_spurious(irq))
		return;
	printf("rtc: unexpected IRQ%u\n", irq);
	exit(1);
}

int main(void)
{
	args_allow_only(known_args);
	uint32_t n = arg_uint("n", 64);
	uint32_t rate = arg_uint("rate", 6);
	if (rate < 3 || rate > 15 || n == 0) {
		printf("rtc: need 3 <= rate <= 15 and n >= 1\n");
		return 1;
	}

	/* Interrupts first (all masked): show_time() enables them around its printing. */
	idt_init();
	idt_set_handler(VEC_SLAVE + (IRQ_RTC - 8), rtc_irq);
	idt_set_handler(VEC_MASTER + 7, spurious_irq);
	idt_set_handler(VEC_SLAVE + 7, spurious_irq);
	pic_init(VEC_MASTER, VEC_SLAVE, false);

	uint32_t last = 0;
	bool ok = show_time(&last);

	cli();
	uint8_t reg_a = cmos_read(RTC_REG_A);
	cmos_write(RTC_REG_A, (uint8_t)((reg_a & ~REG_A_RS & 0x7F) | rate));
	(void)cmos_read(RTC_REG_C);			/* drop stale flags */
	uint8_t reg_b = cmos_read(RTC_REG_B);
	cmos_write(RTC_REG_B, reg_b | REG_B_PIE);
	pic_unmask(IRQ_RTC);
	while (interrupts < n)
		sti_hlt();
	cli();
	cmos_write(RTC_REG_B, cmos_read(RTC_REG_B) & ~REG_B_PIE);
	(void)cmos_read(RTC_REG_C);
	pic_mask(IRQ_RTC);
	cmos_write(RTC_REG_A, reg_a & 0x7F);
	uint32_t counted = interrupts, pf = pf_seen;
	sti();
	printf("rtc: periodic interrupt rate %u (%u Hz): %u interrupts, PF set in %u\n", rate,
	       32768u >> (rate - 1), counted, pf);
	ok = ok && pf == counted;

	const uint8_t formats[] = { REG_B_DM_BINARY | REG_B_24H, REG_B_DM_BINARY, reg_b };
	for (unsigned i = 0; i < sizeof formats; i++) {
		cli();
		rtc_set_format(formats[i]);
		sti();
		ok = show_time(&last) && ok;
	}
	printf("rtc: done, the time %s 3 format switches\n", ok ? "survived" : "DID NOT SURVIVE");
	return ok ? 0 : 1;
}
