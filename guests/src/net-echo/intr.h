/*
 * Interrupt routing for one level-triggered PCI INTx line: through the I/O APIC to the
 * local APIC (symmetric I/O mode: the 8259A pair masked, LAPIC LINT0 masked), or through
 * the 8259A pair with the line level-triggered in the ELCR (the firmware's virtual-wire
 * LAPIC left as it is).
 */
#ifndef NET_ECHO_INTR_H
#define NET_ECHO_INTR_H

#include <stdbool.h>
#include <stdint.h>

#define PIC_VECTOR_BASE		0x20	/* master IRQ0-7: 0x20-0x27, slave IRQ8-15: 0x28-0x2F */
#define VEC_SPURIOUS		0xFF

enum intr_mode { INTR_IOAPIC, INTR_PIC };

/*
 * Initialise the 8259A pair (vectors 0x20-0x2F, everything masked) and route ISA IRQ `irq`,
 * level-triggered, to `vector` (INTR_PIC: the vector is 0x20 + irq). Returns the vector.
 */
uint8_t intr_route_level(enum intr_mode mode, uint8_t irq, uint8_t vector);
/* End of interrupt for a routed line. */
void intr_eoi(enum intr_mode mode, uint8_t irq);
/* Mask the routed line again. */
void intr_mask(enum intr_mode mode, uint8_t irq);

uint32_t lapic_id(void);
/* The IOAPIC pin (GSI) an ISA IRQ arrives on: IRQ0 on pin 2, the others 1:1. */
uint8_t isa_irq_to_gsi(uint8_t irq);

extern volatile uint32_t spurious_interrupts;

#endif
