/*
 * Exceptions and software interrupts through the runtime's IDT: a fault reports the
 * faulting instruction and leaves its destination registers alone, a trap reports the next
 * instruction, and a handler's changes to the saved registers come back through iret.
 */
#include "check.h"

static volatile uint32_t last_vector, last_eip, hits;

/* #DE is a fault: skip the 2-byte div/idiv so execution continues after it. */
static void on_divide_error(struct isr_frame *frame)
{
	last_vector = frame->vector;
	last_eip = frame->eip;
	hits++;
	frame->eip += 2;
}

static void on_trap(struct isr_frame *frame)
{
	last_vector = frame->vector;
	last_eip = frame->eip;
	hits++;
}

static void on_soft_interrupt(struct isr_frame *frame)
{
	last_vector = frame->vector;
	hits++;
	frame->eax = frame->ebx ^ 0x5A5A5A5A;	/* comes back to the interrupted code */
}

static void test_divide_error(void)
{
	uint32_t a = 0x11111111, d = 0, at;

	hits = 0;
	__asm__ volatile("movl $1f, %[at]\n1:\tdivl %[z]"
			 : "+a"(a), "+d"(d), [at] "=&r"(at) : [z] "c"(0) : "cc", "memory");
	check32("divide-by-zero.vector", last_vector, VEC_DIVIDE_ERROR);
	check32("divide-by-zero.eip-is-faulting-insn", last_eip - at, 0);
	check32("divide-by-zero.eax-unchanged", a, 0x11111111);
	check32("divide-by-zero.count", hits, 1);

	/* INT_MIN / -1 does not fit in 32 bits: also #DE. */
	a = 0x80000000;
	d = 0xFFFFFFFF;
	__asm__ volatile("movl $1f, %[at]\n1:\tidivl %[m]"
			 : "+a"(a), "+d"(d), [at] "=&r"(at) : [m] "c"(-1) : "cc", "memory");
	check32("idiv-overflow.vector", last_vector, VEC_DIVIDE_ERROR);
	check32("idiv-overflow.eip-is-faulting-insn", last_eip - at, 0);
	check32("idiv-overflow.count", hits, 2);
}

static void test_traps(void)
{
	uint32_t after;

	hits = 0;
	__asm__ volatile("int3\n1:\tmovl $1b, %[after]" : [after] "=r"(after) : : "memory");
	check32("int3.vector", last_vector, VEC_BREAKPOINT);
	check32("int3.eip-is-next-insn", last_eip - after, 0);

	__asm__ volatile("movl $0x7FFFFFFF, %%eax\n\taddl $1, %%eax\n\tinto\n1:\tmovl $1b, %[after]"
			 : [after] "=r"(after) : : "eax", "cc", "memory");
	check32("into.overflow.vector", last_vector, VEC_OVERFLOW);
	check32("into.overflow.eip-is-next-insn", last_eip - after, 0);
	__asm__ volatile("xorl %%eax, %%eax\n\tinto" : : : "eax", "cc", "memory");
	check32("into.no-overflow.count", hits, 2);
}

static void test_soft_interrupt(void)
{
	uint32_t a = 0, b = 0x12345678;

	hits = 0;
	__asm__ volatile("int $0x40" : "+a"(a) : "b"(b) : "memory");
	check32("int-0x40.vector", last_vector, 0x40);
	check32("int-0x40.eax-from-handler", a, 0x486E0C22);
	check32("int-0x40.count", hits, 1);
	check32("int-0x40.if-still-clear", read_eflags() & 0x200, 0);
}

void test_exceptions(void)
{
	idt_init();
	idt_set_handler(VEC_DIVIDE_ERROR, on_divide_error);
	idt_set_handler(VEC_BREAKPOINT, on_trap);
	idt_set_handler(VEC_OVERFLOW, on_trap);
	idt_set_handler(0x40, on_soft_interrupt);
	test_divide_error();
	test_traps();
	test_soft_interrupt();
}
