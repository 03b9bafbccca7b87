#include "idt.h"
#include "print.h"
#include "start.h"
#include "../boot/boot.h"

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t zero;
	uint8_t type_attr;
	uint16_t offset_high;
} __attribute__((packed));

struct idt_pointer {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

#define GATE_INTERRUPT32 0x8E	/* present, DPL 0, 32-bit interrupt gate */
#define ISR_STUB_SIZE 16	/* isr.S aligns every stub to 16 bytes */

extern const char isr_stubs[];
void isr_dispatch(struct isr_frame *frame);

static struct idt_gate idt[256] __attribute__((aligned(8)));
static isr_handler handlers[256];

static const char *const exception_names[] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM no math coprocessor", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault",
};

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uint32_t stub = (uint32_t)isr_stubs + v * ISR_STUB_SIZE;
		idt[v] = (struct idt_gate){
			.offset_low = (uint16_t)stub,
			.selector = GDT_CODE,
			.zero = 0,
			.type_attr = GATE_INTERRUPT32,
			.offset_high = (uint16_t)(stub >> 16),
		};
	}
	struct idt_pointer ptr = { sizeof idt - 1, (uint32_t)idt };
	__asm__ volatile("lidt %0" : : "m"(ptr));
}

void idt_set_handler(uint8_t vector, isr_handler handler)
{
	handlers[vector] = handler;
}

void isr_dispatch(struct isr_frame *frame)
{
	isr_handler handler = handlers[frame->vector & 0xFF];
	if (handler) {
		handler(frame);
		return;
	}
	unsigned n = sizeof exception_names / sizeof exception_names[0];
	const char *name = frame->vector < n ? exception_names[frame->vector]
			 : frame->vector < 32 ? "exception" : "interrupt";
	printf("unhandled vector %u (%s) at eip 0x%08x, error 0x%x\n", frame->vector, name,
	       frame->eip, frame->error);
	exit(1);
}
