/*
 * The PC's cascaded 8259A pair (Intel 8259A datasheet 231468, "Programming the 8259A"),
 * header-only: #include "pic.h" in a guest that takes ISA interrupts through the PIC.
 *
 *   pic_init(0x20, 0x28, false);   full ICW1–ICW4 on both chips, every IRQ masked
 *   pic_unmask(0);                 IRQ 8–15 also unmask the cascade (master IR2)
 *   ... in the handler: pic_eoi(irq)  (not in auto-EOI mode)
 *
 * Callers keep interrupts disabled (cli) while they reprogram the pair.
 */
#ifndef MIGTRACE_PIC_H
#define MIGTRACE_PIC_H

#include <stdbool.h>
#include <stdint.h>
#include "io.h"

#define PIC_MASTER_CMD		0x20	/* A0 = 0: ICW1, OCW2, OCW3; reads IRR/ISR */
#define PIC_MASTER_DATA		0x21	/* A0 = 1: ICW2–ICW4, OCW1 (IMR) */
#define PIC_SLAVE_CMD		0xA0
#define PIC_SLAVE_DATA		0xA1
#define PIC_CASCADE_IRQ		2

#define PIC_ICW1_IC4		0x01	/* an ICW4 follows */
#define PIC_ICW1_INIT		0x10	/* edge-triggered, cascade mode (SNGL = 0), interval 8 */
#define PIC_ICW4_8086		0x01	/* µPM: 8086/8088 mode */
#define PIC_ICW4_AEOI		0x02	/* automatic end of interrupt */
#define PIC_OCW2_EOI		0x20	/* non-specific EOI */
#define PIC_OCW3_READ_IRR	0x0A
#define PIC_OCW3_READ_ISR	0x0B

/* The masks last written (OCW1), one copy per guest. */
static uint8_t pic_imr_master __attribute__((unused)), pic_imr_slave __attribute__((unused));

/*
 * Initialise both chips: ICW1 (edge, cascade, ICW4 needed), ICW2 (vector base, a multiple
 * of 8), ICW3 (master: slave on IR2; slave: ID 2), ICW4 (8086 mode, auto-EOI if asked),
 * then OCW1 masking every input but the cascade.
 */
static inline void pic_init(uint8_t master_base, uint8_t slave_base, bool auto_eoi)
{
	uint8_t icw4 = PIC_ICW4_8086 | (auto_eoi ? PIC_ICW4_AEOI : 0);
	outb(PIC_MASTER_CMD, PIC_ICW1_INIT | PIC_ICW1_IC4);
	outb(PIC_SLAVE_CMD, PIC_ICW1_INIT | PIC_ICW1_IC4);
	outb(PIC_MASTER_DATA, master_base);
	outb(PIC_SLAVE_DATA, slave_base);
	outb(PIC_MASTER_DATA, 1u << PIC_CASCADE_IRQ);	/* ICW3: a slave on IR2 */
	outb(PIC_SLAVE_DATA, PIC_CASCADE_IRQ);		/* ICW3: slave ID 2 */
	outb(PIC_MASTER_DATA, icw4);
	outb(PIC_SLAVE_DATA, icw4);
	pic_imr_master = (uint8_t)~(1u << PIC_CASCADE_IRQ);
	pic_imr_slave = 0xFF;
	outb(PIC_MASTER_DATA, pic_imr_master);
	outb(PIC_SLAVE_DATA, pic_imr_slave);
}

static inline void pic_unmask(unsigned irq)
{
	if (irq < 8) {
		pic_imr_master &= (uint8_t)~(1u << irq);
		outb(PIC_MASTER_DATA, pic_imr_master);
	} else {
		pic_imr_slave &= (uint8_t)~(1u << (irq - 8));
		outb(PIC_SLAVE_DATA, pic_imr_slave);
	}
}

static inline void pic_mask(unsigned irq)
{
	if (irq < 8) {
		pic_imr_master |= (uint8_t)(1u << irq);
		outb(PIC_MASTER_DATA, pic_imr_master);
	} else {
		pic_imr_slave |= (uint8_t)(1u << (irq - 8));
		outb(PIC_SLAVE_DATA, pic_imr_slave);
	}
}

/* Non-specific EOI (OCW2) for irq: to the slave first for IRQ 8–15, then to the master. */
static inline void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC_SLAVE_CMD, PIC_OCW2_EOI);
	outb(PIC_MASTER_CMD, PIC_OCW2_EOI);
}

/* In-service registers (OCW3 RR = 1, RIS = 1), then back to reading IRR. */
static inline uint8_t pic_read_isr(bool slave)
{
	uint16_t cmd = slave ? PIC_SLAVE_CMD : PIC_MASTER_CMD;
	outb(cmd, PIC_OCW3_READ_ISR);
	uint8_t isr = inb(cmd);
	outb(cmd, PIC_OCW3_READ_IRR);
	return isr;
}

/*
 * A spurious IRQ7 / IRQ15 (the request went away before INTA) leaves its ISR bit clear and
 * must not be acknowledged — except that a spurious IRQ15 still put the master's IR2 in
 * service. Returns true if the interrupt on vector base+7 was spurious (and handled).
 * Only for a chip not in auto-EOI mode: there ISR is never set, so every IRQ7 looks spurious.
 */
static inline bool pic_spurious(unsigned irq)
{
	if (irq == 7 && !(pic_read_isr(false) & 0x80))
		return true;
	if (irq == 15 && !(pic_read_isr(true) & 0x80)) {
		outb(PIC_MASTER_CMD, PIC_OCW2_EOI);
		return true;
	}
	return false;
}

#endif
