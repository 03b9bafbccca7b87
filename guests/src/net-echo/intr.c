#include "guest.h"
#include "intr.h"
#include "pic.h"

/* ---------------------------------------------------------------- 8259A pair + ELCR */

#define ELCR1		0x4D0	/* edge/level control, IRQ0-7 (PIIX) */
#define ELCR2		0x4D1	/* IRQ8-15 */

/* ---------------------------------------------------------------- local APIC */

#define LAPIC_BASE	0xFEE00000u
#define LAPIC_ID	0x020
#define LAPIC_TPR	0x080
#define LAPIC_EOI	0x0B0
#define LAPIC_SVR	0x0F0
#define LAPIC_LVT_LINT0	0x350
#define LAPIC_LVT_LINT1	0x360
#define SVR_ENABLE	0x100
#define LVT_MASKED	0x00010000u
#define LVT_DM_NMI	0x00000400u
#define LVT_DM_EXTINT	0x00000700u

static inline uint32_t lapic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(LAPIC_BASE + reg);
}

static inline void lapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(LAPIC_BASE + reg) = v;
}

uint32_t lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

/* ---------------------------------------------------------------- I/O APIC */

#define IOAPIC_BASE		0xFEC00000u
#define IOAPIC_REGSEL		0x00
#define IOAPIC_WIN		0x10
#define IOAPIC_REDTBL(pin)	(0x10 + 2 * (pin))
#define REDIR_MASKED		0x00010000u
#define REDIR_LEVEL		0x00008000u

static void ioapic_write(uint8_t reg, uint32_t v)
{
	*(volatile uint32_t *)(IOAPIC_BASE + IOAPIC_REGSEL) = reg;
	*(volatile uint32_t *)(IOAPIC_BASE + IOAPIC_WIN) = v;
}

static uint32_t ioapic_read(uint8_t reg)
{
	*(volatile uint32_t *)(IOAPIC_BASE + IOAPIC_REGSEL) = reg;
	return *(volatile uint32_t *)(IOAPIC_BASE + IOAPIC_WIN);
}

uint8_t isa_irq_to_gsi(uint8_t irq)
{
	return irq == 0 ? 2 : irq;
}

/* ---------------------------------------------------------------- spurious vectors */

volatile uint32_t spurious_interrupts;

/*
 * The LAPIC's spurious vector, and IR7/IR15 of the 8259A pair with nothing in service (the
 * request went away before INTA): no EOI for them (SDM 10.9; pic.h, pic_spurious).
 */
static void spurious_handler(struct isr_frame *f)
{
	if (f->vector == VEC_SPURIOUS || pic_spurious(f->vector - PIC_VECTOR_BASE)) {
		spurious_interrupts++;
		return;
	}
	printf("net-echo: unexpected interrupt on vector 0x%02x\n", f->vector);
	exit(1);
}

/* ---------------------------------------------------------------- routing */

uint8_t intr_route_level(enum intr_mode mode, uint8_t irq, uint8_t vector)
{
	/* The 8259A pair: everything masked, for irq=pic all but the cascade (pic_init's default). */
	pic_init(PIC_VECTOR_BASE, PIC_VECTOR_BASE + 8, false);
	if (mode == INTR_IOAPIC)
		pic_mask(PIC_CASCADE_IRQ);
	idt_set_handler(PIC_VECTOR_BASE + 7, spurious_handler);
	idt_set_handler(PIC_VECTOR_BASE + 15, spurious_handler);
	idt_set_handler(VEC_SPURIOUS, spurious_handler);
	if (mode == INTR_PIC) {
		/* Level-triggered in the ELCR, then unmasked (IRQ 8-15 with the cascade). */
		if (irq >= 8)
			outb(ELCR2, inb(ELCR2) | (uint8_t)(1u << (irq - 8)));
		else
			outb(ELCR1, inb(ELCR1) | (uint8_t)(1u << irq));
		pic_unmask(irq);
		return PIC_VECTOR_BASE + irq;
	}
	/* Symmetric I/O mode: LAPIC software-enabled, LINT0 (the 8259A) masked, LINT1 NMI. */
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED | LVT_DM_EXTINT);
	lapic_write(LAPIC_LVT_LINT1, LVT_DM_NMI);
	lapic_write(LAPIC_TPR, 0);
	/*
	 * Redirection entry: fixed delivery, physical destination = this LAPIC, level-triggered,
	 * active high (how QEMU's ACPI tables describe the PIIX's PCI interrupt links), unmasked.
	 * Destination first, then the low half, which unmasks.
	 */
	uint8_t pin = isa_irq_to_gsi(irq);
	ioapic_write(IOAPIC_REDTBL(pin), REDIR_MASKED);
	ioapic_write(IOAPIC_REDTBL(pin) + 1, lapic_id() << 24);
	ioapic_write(IOAPIC_REDTBL(pin), REDIR_LEVEL | vector);
	return vector;
}

void intr_eoi(enum intr_mode mode, uint8_t irq)
{
	if (mode == INTR_IOAPIC) {
		lapic_write(LAPIC_EOI, 0);	/* level-triggered: broadcast to the IOAPIC, clears remote IRR */
		return;
	}
	pic_eoi(irq);
}

void intr_mask(enum intr_mode mode, uint8_t irq)
{
	if (mode == INTR_IOAPIC) {
		uint8_t pin = isa_irq_to_gsi(irq);
		ioapic_write(IOAPIC_REDTBL(pin), ioapic_read(IOAPIC_REDTBL(pin)) | REDIR_MASKED);
		return;
	}
	pic_mask(irq);
}
