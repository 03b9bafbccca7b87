/*
 * Interrupt descriptor table: 256 32-bit interrupt gates (IF cleared on entry), each
 * pointing at a small asm stub (isr.S) that saves the registers and calls the handler
 * installed for that vector. A vector with no handler prints what happened and exits 1.
 */
#ifndef MIGTRACE_IDT_H
#define MIGTRACE_IDT_H

#include <stdint.h>

/* The stack as isr.S leaves it: pushal, vector, error code (0 if none), CPU frame. */
struct isr_frame {
	uint32_t edi, esi, ebp, esp_before_pushal, ebx, edx, ecx, eax;
	uint32_t vector;
	uint32_t error;
	uint32_t eip, cs, eflags;	/* same privilege level: no esp/ss */
};

/* A handler may change the frame: registers and eip are restored from it by iret. */
typedef void (*isr_handler)(struct isr_frame *frame);

void idt_init(void);
void idt_set_handler(uint8_t vector, isr_handler handler);

/* Exception vectors (Intel SDM vol. 3, table 6-1). */
#define VEC_DIVIDE_ERROR	0
#define VEC_BREAKPOINT		3
#define VEC_OVERFLOW		4
#define VEC_BOUND		5
#define VEC_INVALID_OPCODE	6
#define VEC_GENERAL_PROTECTION	13
#define VEC_PAGE_FAULT		14

#endif
