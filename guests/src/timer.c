/*
 * timer: the 8259A pair and the 8254's channel 0 as an OS tick source.
 *
 * Args (defaults): hz=1000 (tick rate, 19..10000: channel 0 divisor round(1193182 / hz)),
 * every=100 (print a line every that many ticks), ticks=500 (stop after that many),
 * eoi=normal|auto (auto: ICW4 AEOI, the handler sends no EOI).
 *
 * 1. Both PICs get the full ICW1–ICW4 sequence (vectors 0x20 and 0x28), everything masked.
 * 2. Channel 0: control word 0x34 (lobyte/hibyte, mode 2 rate generator, binary), divisor.
 * 3. The count is read back with the counter-latch command and with the read-back command
 *    (count and status together) until it changes: it must have decreased (modulo the
 *    period, since mode 2 reloads) and the status must say lobyte/hibyte, mode 2, binary.
 * 4. IRQ0 handler: checks the master's ISR (IR0 in service without AEOI, clear with AEOI),
 *    counts, masks IRQ0 when the count reaches ticks=, sends a non-specific EOI (OCW2)
 *    unless in AEOI mode. The main loop halts between ticks.
 *
 * Output (only tick counts: no time, so QEMU and migtrace print the same bytes, and both
 * EOI variants print the same):
 *   timer: 1000 Hz, divisor 1193, lines every 100 ticks, stop after 500
 *   timer: latch and read-back: count decreases, status lobyte/hibyte mode 2 binary
 *   timer: 100 ticks        (one per every= ticks, the exact multiple)
 *   ...
 *   timer: done, 500 ticks, 5 lines, in-service register as expected in 500 of 500
 */
#include "guest.h"
#include "pic.h"

#define PIT_HZ		1193182u
#define PIT_CH0		0x40
#define PIT_CONTROL	0x43
#define PIT_CW_CH0_LOHI_MODE2	0x34	/* SC = 00, RW = 11, M = 010, BCD = 0 */
#define PIT_CW_LATCH_CH0	0x00	/* SC = 00, RW = 00: counter latch */
#define PIT_READBACK_CH0	0xC2	/* 11, /COUNT = 0, /STATUS = 0, CNT0 */
#define PIT_STATUS_PROGRAMMED	0x3F	/* RW, mode, BCD (OUT and null count vary) */

#define IRQ_TIMER	0
#define VEC_MASTER	0x20
#define VEC_SLAVE	0x28

static const char *const known_args[] = { "hz", "every", "ticks", "eoi", NULL };

static volatile uint32_t ticks;
static volatile uint32_t isr_as_expected;
static uint32_t total_ticks;
static bool auto_eoi;

static void timer_irq(struct isr_frame *frame)
{
	(void)frame;
	bool in_service = pic_read_isr(false) & (1u << IRQ_TIMER);
	if (in_service != auto_eoi)
		isr_as_expected++;
	if (++ticks >= total_ticks)
		pic_mask(IRQ_TIMER);	/* the count is complete: no more ticks */
	if (!auto_eoi)
		pic_eoi(IRQ_TIMER);
}

static void spurious_irq(struct isr_frame *frame)
{
	unsigned irq = frame->vector == VEC_MASTER + 7 ? 7 : 15;
	if (pic_spurious(irq))
		return;
	printf("timer: unexpected IRQ%u\n", irq);
	exit(1);
}

static uint16_t latch_count(void)
{
	outb(PIT_CONTROL, PIT_CW_LATCH_CH0);
	uint8_t lo = inb(PIT_CH0);
	uint8_t hi = inb(PIT_CH0);
	return (uint16_t)(lo | hi << 8);
}

/* Read-back with count and status latched: the status byte comes first. */
static uint16_t readback_count(uint8_t *status)
{
	outb(PIT_CONTROL, PIT_READBACK_CH0);
	*status = inb(PIT_CH0);
	uint8_t lo = inb(PIT_CH0);
	uint8_t hi = inb(PIT_CH0);
	return (uint16_t)(lo | hi << 8);
}

/*
 * Mode 2 counts N, N-1, ..., 1, then reloads N. A latched count a, and the first read-back
 * count b that differs from it, must be 1..N, with b below a modulo N by less than half a
 * period (a host that stalls QEMU for half a period gets another try).
 */
static bool count_decreases(uint32_t divisor, uint8_t *status)
{
	for (int attempt = 0; attempt < 8; attempt++) {
		uint32_t a = latch_count(), b = a;
		for (uint32_t polls = 0; polls < 1000000 && b == a; polls++)
			b = readback_count(status);
		if (a < 1 || a > divisor || b < 1 || b > divisor)
			return false;
		uint32_t down = (a + divisor - b) % divisor;
		if (down > 0 && down < divisor / 2)
			return true;
	}
	return false;
}

int main(void)
{
	args_allow_only(known_args);
	uint32_t hz = arg_uint("hz", 1000);
	uint32_t every = arg_uint("every", 100);
	total_ticks = arg_uint("ticks", 500);
	size_t len;
	const char *eoi = arg_value("eoi", &len);
	if (eoi && len == 4 && strncmp(eoi, "auto", 4) == 0)
		auto_eoi = true;
	else if (eoi && !(len == 6 && strncmp(eoi, "normal", 6) == 0)) {
		printf("timer: eoi= must be normal or auto\n");
		return 1;
	}
	if (hz < 19 || hz > 10000 || every == 0 || total_ticks == 0) {
		printf("timer: need 19 <= hz <= 10000, every >= 1, ticks >= 1\n");
		return 1;
	}
	uint32_t divisor = (PIT_HZ + hz / 2) / hz;
	printf("timer: %u Hz, divisor %u, lines every %u ticks, stop after %u\n", hz, divisor, every,
	       total_ticks);

	cli();
	idt_init();
	idt_set_handler(VEC_MASTER + IRQ_TIMER, timer_irq);
	idt_set_handler(VEC_MASTER + 7, spurious_irq);
	idt_set_handler(VEC_SLAVE + 7, spurious_irq);
	pic_init(VEC_MASTER, VEC_SLAVE, auto_eoi);

	outb(PIT_CONTROL, PIT_CW_CH0_LOHI_MODE2);
	outb(PIT_CH0, (uint8_t)divisor);
	outb(PIT_CH0, (uint8_t)(divisor >> 8));

	uint8_t status = 0;
	bool decreases = count_decreases(divisor, &status);
	bool programmed = (status & PIT_STATUS_PROGRAMMED) == PIT_CW_CH0_LOHI_MODE2;
	printf("timer: latch and read-back: count %s, status %s\n",
	       decreases ? "decreases" : "DOES NOT DECREASE",
	       programmed ? "lobyte/hibyte mode 2 binary" : "WRONG");
	if (!programmed)
		printf("timer: read-back status 0x%02x, want 0x%02x in bits 5-0\n", status,
		       PIT_CW_CH0_LOHI_MODE2);

	pic_unmask(IRQ_TIMER);
	uint32_t next = every, lines = 0;
	for (;;) {
		cli();
		uint32_t t = ticks;
		if (t >= next) {
			sti();
			printf("timer: %u ticks\n", next);
			lines++;
			next += every;
		} else if (t >= total_ticks) {
			sti();
			break;
		} else {
			sti_hlt();
		}
	}
	printf("timer: done, %u ticks, %u lines, in-service register as expected in %u of %u\n",
	       ticks, lines, isr_as_expected, ticks);
	return decreases && programmed && isr_as_expected == ticks ? 0 : 1;
}
