/*
 * apic: the local APIC and the I/O APIC, driven the way an SMP-era OS brings them up
 * (Intel SDM vol. 3A chapter 10; Intel 82093AA I/O APIC datasheet, section 3).
 *
 * Args (defaults): n=50 (LAPIC timer interrupts to count), count=10000 (timer initial count,
 * divide by 16), pit=20 (PIT interrupts to count through the IOAPIC).
 *
 *  1. The 8259A pair is initialised (vectors 0x20-0x2F) and masked entirely: every interrupt
 *     below comes from the APICs, and nothing relies on LINT0's virtual wire (migtrace resets
 *     LINT0 to ExtINT; QEMU's firmware programs it; here it is masked, as in symmetric I/O mode).
 *  2. LAPIC: software-enabled through the SVR (spurious vector 0xFF), ID and version read,
 *     LINT0 masked, LINT1 NMI, error vector 0xFE, TPR 0.
 *  3. LAPIC timer, periodic, vector 0x40, divide by 16: n interrupts, each ended with an EOI;
 *     then the timer is stopped. Then one one-shot expiry (exactly one interrupt).
 *  4. TPR: with TPR 0x50 (class 5, above the timer's class 4) a one-shot expiry stays in the
 *     IRR and is not delivered, with TPR 0x40 (the same class) still not; lowering the TPR
 *     to 0x30 lets it through.
 *  5. The PIT's IRQ0 through IOAPIC pin 2 (edge, active high, fixed, physical destination =
 *     this LAPIC, vector 0x30), PIT channel 0 at ~1 kHz (mode 2): pit interrupts counted,
 *     the redirection entry read back before and after masking it.
 *
 * Everything printed is a count or a register value, never a time, so QEMU (-machine pc)
 * and migtrace print the same bytes. Exits 0 when every check holds, 1 otherwise.
 */
#include "guest.h"
#include "pic.h"

/* ---------------------------------------------------------------- 8259A pair */

#define PIC_VECTOR_BASE	0x20

/* Vectors 0x20-0x2F, then every input masked, the cascade included: the APICs take over. */
static void pic_init_masked(void)
{
	pic_init(PIC_VECTOR_BASE, PIC_VECTOR_BASE + 8, false);
	pic_mask(PIC_CASCADE_IRQ);
}

/* ---------------------------------------------------------------- local APIC */

#define LAPIC_BASE		0xFEE00000u
#define LAPIC_ID		0x020
#define LAPIC_VERSION		0x030
#define LAPIC_TPR		0x080
#define LAPIC_PPR		0x0A0
#define LAPIC_EOI		0x0B0
#define LAPIC_SVR		0x0F0
#define LAPIC_ISR		0x100
#define LAPIC_IRR		0x200
#define LAPIC_ESR		0x280
#define LAPIC_LVT_TIMER		0x320
#define LAPIC_LVT_LINT0		0x350
#define LAPIC_LVT_LINT1		0x360
#define LAPIC_LVT_ERROR		0x370
#define LAPIC_TIMER_INITIAL	0x380
#define LAPIC_TIMER_CURRENT	0x390
#define LAPIC_TIMER_DIVIDE	0x3E0

#define SVR_ENABLE		0x100
#define LVT_MASKED		0x00010000u
#define LVT_PERIODIC		0x00020000u
#define LVT_DM_NMI		0x00000400u
#define LVT_DM_EXTINT		0x00000700u
#define TIMER_DIVIDE_16		0x3

#define VEC_PIT			0x30
#define VEC_TIMER		0x40
#define VEC_LAPIC_ERROR		0xFE
#define VEC_SPURIOUS		0xFF

static inline uint32_t lapic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(LAPIC_BASE + reg);
}

static inline void lapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(LAPIC_BASE + reg) = v;
}

/* Is vector v set in the 256-bit register (ISR, TMR, IRR) at reg? Eight 32-bit words, 16 bytes apart. */
static bool lapic_bit(uint32_t reg, uint8_t v)
{
	return (lapic_read(reg + (v / 32u) * 0x10) >> (v % 32u)) & 1;
}

/* ---------------------------------------------------------------- I/O APIC */

#define IOAPIC_BASE		0xFEC00000u
#define IOAPIC_REGSEL		0x00
#define IOAPIC_WIN		0x10
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VER		0x01
#define IOAPIC_REDTBL(pin)	(0x10 + 2 * (pin))
#define REDIR_MASKED		0x00010000u
#define PIT_GSI			2	/* ISA IRQ0 is wired to pin 2 (MP/ACPI interrupt override) */

static uint32_t ioapic_read(uint8_t reg)
{
	*(volatile uint32_t *)(IOAPIC_BASE + IOAPIC_REGSEL) = reg;
	return *(volatile uint32_t *)(IOAPIC_BASE + IOAPIC_WIN);
}

static void ioapic_write(uint8_t reg, uint32_t v)
{
	*(volatile uint32_t *)(IOAPIC_BASE + IOAPIC_REGSEL) = reg;
	*(volatile uint32_t *)(IOAPIC_BASE + IOAPIC_WIN) = v;
}

/* ---------------------------------------------------------------- 8254 PIT */

#define PIT_CH0		0x40
#define PIT_CONTROL	0x43
#define PIT_1KHZ	1193		/* 1.193182 MHz / 1193 */

/* ---------------------------------------------------------------- interrupt handlers */

static volatile uint32_t timer_irqs;	/* LAPIC timer interrupts taken */
static volatile uint32_t timer_stop_at;	/* the handler stops the timer at this count (0: never) */
static volatile uint32_t pit_irqs;
static volatile uint32_t pit_stop_at;
static volatile uint32_t spurious_irqs;
static volatile uint32_t error_irqs;
static volatile uint32_t in_service_at_entry;	/* ISR bit of the timer vector seen by the last handler */

/*
 * A source stopped by its handler can still deliver one more interrupt: an expiry (or PIT
 * edge) that reached the IRR while the previous one was in service. How often that happens
 * depends on the host's timing under QEMU, so such late interrupts are counted apart and
 * not printed.
 */
static volatile uint32_t timer_late, pit_late;

static void timer_handler(struct isr_frame *f)
{
	(void)f;
	if (timer_stop_at != 0 && timer_irqs >= timer_stop_at) {
		timer_late++;
	} else {
		in_service_at_entry = lapic_bit(LAPIC_ISR, VEC_TIMER);
		if (++timer_irqs == timer_stop_at) {
			lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
			lapic_write(LAPIC_TIMER_INITIAL, 0);	/* a zero count stops the timer */
		}
	}
	lapic_write(LAPIC_EOI, 0);
}

static void pit_handler(struct isr_frame *f)
{
	(void)f;
	if (pit_irqs >= pit_stop_at)
		pit_late++;
	else if (++pit_irqs == pit_stop_at)
		ioapic_write(IOAPIC_REDTBL(PIT_GSI), REDIR_MASKED | VEC_PIT);
	lapic_write(LAPIC_EOI, 0);
}

/* Spurious interrupts get no EOI (SDM 10.9). */
static void spurious_handler(struct isr_frame *f)
{
	(void)f;
	spurious_irqs++;
}

static void error_handler(struct isr_frame *f)
{
	(void)f;
	error_irqs++;
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_EOI, 0);
}

/* ---------------------------------------------------------------- checks */

static unsigned failures;

static void check(bool ok, const char *what)
{
	if (!ok) {
		printf("apic: FAIL %s\n", what);
		failures++;
	}
}

/* Wait (interrupts enabled while halted) until *counter reaches target. */
static void wait_for(volatile uint32_t *counter, uint32_t target)
{
	cli();
	while (*counter < target)
		sti_hlt();
	sti();
}

static const char *const known_args[] = { "n", "count", "pit", NULL };

int main(void)
{
	args_allow_only(known_args);
	uint32_t n = arg_uint("n", 50);
	uint32_t count = arg_uint("count", 10000);
	uint32_t pit_n = arg_uint("pit", 20);
	if (n == 0 || count < 16 || pit_n == 0) {
		printf("apic: n and pit must be at least 1, count at least 16\n");
		return 1;
	}

	idt_init();
	idt_set_handler(VEC_TIMER, timer_handler);
	idt_set_handler(VEC_PIT, pit_handler);
	idt_set_handler(VEC_LAPIC_ERROR, error_handler);
	idt_set_handler(VEC_SPURIOUS, spurious_handler);
	pic_init_masked();

	/* ------------------------------------------------ LAPIC bring-up */
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	uint32_t id = lapic_read(LAPIC_ID) >> 24;
	uint32_t version = lapic_read(LAPIC_VERSION);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED | LVT_DM_EXTINT);
	lapic_write(LAPIC_LVT_LINT1, LVT_DM_NMI);
	lapic_write(LAPIC_LVT_ERROR, VEC_LAPIC_ERROR);
	lapic_write(LAPIC_ESR, 0);		/* back-to-back writes clear it (SDM 10.5.3) */
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_TPR, 0);
	printf("apic: lapic id %u version 0x%02x max lvt %u svr 0x%03x\n", id, version & 0xFF,
	       (version >> 16) & 0xFF, lapic_read(LAPIC_SVR) & 0x3FF);
	printf("apic: lvt lint0 0x%08x lint1 0x%08x error 0x%08x esr 0x%x\n",
	       lapic_read(LAPIC_LVT_LINT0), lapic_read(LAPIC_LVT_LINT1),
	       lapic_read(LAPIC_LVT_ERROR), lapic_read(LAPIC_ESR));
	check((version & 0xF0) == 0x10, "xAPIC version (0x1X)");
	check(((version >> 16) & 0xFF) >= 3, "at least 4 LVT entries");
	check((lapic_read(LAPIC_SVR) & 0x1FF) == (SVR_ENABLE | VEC_SPURIOUS), "SVR reads back");

	/* ------------------------------------------------ timer, periodic */
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
	timer_stop_at = n;
	lapic_write(LAPIC_TIMER_INITIAL, count);
	uint32_t cur1 = lapic_read(LAPIC_TIMER_CURRENT);
	printf("apic: timer lvt 0x%08x divide 0x%x initial %u\n", lapic_read(LAPIC_LVT_TIMER),
	       lapic_read(LAPIC_TIMER_DIVIDE) & 0xB, lapic_read(LAPIC_TIMER_INITIAL));
	/* At most the initial count (0 only at a reload instant: QEMU computes it from the clock). */
	check(cur1 <= count, "current count at most the initial count after the start");
	wait_for(&timer_irqs, n);
	/* Stopped by the handler at the n-th interrupt: the count is 0 and stays 0. */
	uint32_t stopped_count = lapic_read(LAPIC_TIMER_CURRENT);
	printf("apic: timer periodic: %u interrupts, vector 0x%02x, in service in handler %u, "
	       "current count after stop %u\n", timer_irqs, VEC_TIMER, in_service_at_entry, stopped_count);
	check(timer_irqs == n, "periodic interrupt count");
	check(in_service_at_entry == 1, "ISR bit set while the handler runs");
	check(stopped_count == 0, "stopped timer reads 0");
	check(!lapic_bit(LAPIC_ISR, VEC_TIMER) && !lapic_bit(LAPIC_IRR, VEC_TIMER), "ISR/IRR clear after EOI");

	/* ------------------------------------------------ timer, one-shot */
	cli();
	timer_irqs = 0;
	timer_stop_at = 0;
	sti();
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);	/* one-shot, unmasked */
	lapic_write(LAPIC_TIMER_INITIAL, count);
	wait_for(&timer_irqs, 1);
	uint32_t oneshot_count = lapic_read(LAPIC_TIMER_CURRENT);
	printf("apic: timer one-shot: %u interrupt, current count after expiry %u\n", timer_irqs,
	       oneshot_count);
	check(oneshot_count == 0, "one-shot count ends at 0");

	/* ------------------------------------------------ TPR */
	cli();
	timer_irqs = 0;
	lapic_write(LAPIC_TPR, 0x50);		/* class 5: above the timer's class 4 */
	lapic_write(LAPIC_TIMER_INITIAL, 64);	/* one-shot again, 1024 bus clocks */
	/*
	 * Wait for the expiry to reach the IRR (not for the current count to read 0: QEMU
	 * computes the count from the clock and sets the IRR from a timer callback a little later).
	 */
	for (uint32_t polls = 0; !lapic_bit(LAPIC_IRR, VEC_TIMER) && polls < 100000000u; polls++)
		cpu_relax();
	bool pending = lapic_bit(LAPIC_IRR, VEC_TIMER);
	uint32_t ppr = lapic_read(LAPIC_PPR) & 0xFF;
	sti();
	for (volatile int i = 0; i < 1000; i++)
		cpu_relax();
	uint32_t delivered_high = timer_irqs;
	lapic_write(LAPIC_TPR, 0x40);		/* the timer's own class: still held off */
	for (volatile int i = 0; i < 1000; i++)
		cpu_relax();
	uint32_t delivered_same = timer_irqs;
	bool still_pending = lapic_bit(LAPIC_IRR, VEC_TIMER);
	lapic_write(LAPIC_TPR, 0x30);		/* below: the interrupt goes through */
	for (volatile int i = 0; i < 1000 && timer_irqs == 0; i++)
		cpu_relax();
	uint32_t delivered_low = timer_irqs;
	lapic_write(LAPIC_TPR, 0);
	printf("apic: tpr 0x50: ppr 0x%02x, timer in irr %u, delivered %u\n", ppr, pending, delivered_high);
	printf("apic: tpr 0x40: timer in irr %u, delivered %u\n", still_pending, delivered_same);
	printf("apic: tpr 0x30: delivered %u, irr %u isr %u after eoi\n", delivered_low,
	       lapic_bit(LAPIC_IRR, VEC_TIMER), lapic_bit(LAPIC_ISR, VEC_TIMER));
	check(pending && ppr == 0x50 && delivered_high == 0, "TPR 0x50 holds the timer interrupt off");
	check(still_pending && delivered_same == 0, "TPR 0x40 holds the timer interrupt off");
	check(delivered_low == 1, "TPR 0x30 lets it through");

	/* ------------------------------------------------ PIT through the IOAPIC */
	uint32_t ioapic_ver = ioapic_read(IOAPIC_REG_VER);
	uint32_t entries = ((ioapic_ver >> 16) & 0xFF) + 1;
	/* Only the entry count: the version byte is the model's (82093AA: 0x11; QEMU 7.2: 0x20). */
	printf("apic: ioapic id %u, %u redirection entries, pin %u before: 0x%08x\n",
	       (ioapic_read(IOAPIC_REG_ID) >> 24) & 0xF, entries, PIT_GSI,
	       ioapic_read(IOAPIC_REDTBL(PIT_GSI)));
	check(entries >= 16, "IOAPIC has at least 16 pins");
	timer_irqs = 0;
	outb(PIT_CONTROL, 0x34);		/* channel 0, lobyte/hibyte, mode 2, binary */
	outb(PIT_CH0, PIT_1KHZ & 0xFF);
	outb(PIT_CH0, PIT_1KHZ >> 8);
	pit_stop_at = pit_n;
	ioapic_write(IOAPIC_REDTBL(PIT_GSI) + 1, id << 24);	/* destination: this LAPIC */
	ioapic_write(IOAPIC_REDTBL(PIT_GSI), VEC_PIT);		/* fixed, physical, edge, high, unmasked */
	uint32_t lo = ioapic_read(IOAPIC_REDTBL(PIT_GSI)), hi = ioapic_read(IOAPIC_REDTBL(PIT_GSI) + 1);
	wait_for(&pit_irqs, pit_n);
	uint32_t lo_after = ioapic_read(IOAPIC_REDTBL(PIT_GSI));
	printf("apic: pin %u entry 0x%08x%08x: %u pit interrupts at vector 0x%02x; masked: 0x%08x%08x\n",
	       PIT_GSI, hi, lo, pit_irqs, VEC_PIT, ioapic_read(IOAPIC_REDTBL(PIT_GSI) + 1), lo_after);
	printf("apic: lapic timer interrupts while the pit ran: %u\n", timer_irqs);
	check(lo == VEC_PIT && hi == id << 24, "redirection entry reads back");
	check(pit_irqs == pit_n, "PIT interrupt count");
	check(lo_after == (REDIR_MASKED | VEC_PIT), "masked entry reads back");
	check(timer_irqs == 0, "the stopped LAPIC timer stays quiet");

	cli();
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	check(spurious_irqs == 0 && error_irqs == 0, "no spurious or error interrupts");
	printf("apic: %s (%u spurious, %u error interrupts)\n", failures ? "FAILED" : "all checks passed",
	       spurious_irqs, error_irqs);
	return failures ? 1 : 0;
}
