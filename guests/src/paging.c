/*
 * paging: the state a paging, multi-ring OS leaves in the CPU and the board, in a few
 * million instructions — for migration tests that need it without booting Linux.
 *
 * Kernel (ring 0), in order:
 *  1. IDT, the 8259A pair, the 8254's channel 0 at hz= (IRQ0 counts ticks).
 *  2. CGA CRTC: start address (0x0C/0x0D), cursor shape (0x0A/0x0B) and location (0x0E/0x0F).
 *  3. Its own GDT — kernel code/data 0x08/0x10 (as the boot stub's), user code/data 0x1B/0x23,
 *     a 32-bit TSS 0x28 (SS0:ESP0 = the kernel stack), an LDT 0x30 — LTR, which marks the
 *     TSS busy in the GDT (guest memory), and LLDT. The LDT's one segment (selector 0x0F, DPL
 *     3) is the 4 MiB page's data: ring 3 loads it into FS first and reads through it last.
 *  4. Paging (Intel SDM vol. 3, 4.3): directory entry 0 a page table identity-mapping 0-4 MiB
 *     in 4 KiB pages; entry 1 a 4 MiB page (CR4.PSE, PS) at 4 MiB; entry 2 an empty page
 *     table for the demand-paged region at 8 MiB. CR3, CR4.PSE, CR0.PG. All user-accessible.
 *  5. 8042: command byte 0x25 (translation off, keyboard IRQ on, mouse port off); A20 closed
 *     with 0xDD (a write above 1 MiB must wrap to 0), a stretch of work with it closed, opened
 *     with 0xDF; then a byte left pending in the output buffer (0xD2 0x5A; IRQ1 is masked at
 *     the PIC) for the rest of the run.
 *  6. IRET to ring 3 with interrupts on.
 *
 * User (ring 3): every timer tick now switches to the kernel stack through the TSS.
 *  A. Reads each of pages= pages of the demand region: each first touch is a #PF whose
 *     handler reads CR2, takes the next physical frame (from 2 MiB up), zero-fills it with a
 *     pattern and maps it. Reads the 4 MiB page (its directory entry becomes Accessed).
 *  B. Checksums the region for work= ticks (no page-table change).
 *  C. Writes each demand page once, one per tick, and the 4 MiB page halfway: the page walker
 *     sets each entry's D bit — for a while the only change to its page table.
 *  Then reads the 4 MiB page again through FS (the LDT segment) and INT 0x80 (a DPL 3 gate)
 *  with the checksum; the kernel checks the pending 8042 byte,
 *  the command byte, the TSS busy bit, ticks taken in ring 3 on the kernel stack, and prints.
 *
 * Output (the same bytes on every PC: nothing depends on instructions per tick):
 *   paging: 16 page faults, timer ticks in ring 3 through the TSS: yes, checksum 0x........
 *   paging: 8042 output buffer full 0x5a, command byte 0x25; TSS type 0xb
 * exit 0 when every check holds.
 */
#include "guest.h"
#include "pic.h"

#define PIT_HZ		1193182u
#define PIT_CH0		0x40
#define PIT_CONTROL	0x43
#define IRQ_TIMER	0
#define VEC_MASTER	0x20
#define VEC_SLAVE	0x28
#define VEC_SYSCALL	0x80

#define KBC_DATA	0x60
#define KBC_CMD		0x64
#define KBC_OBF		0x01
#define CRTC_INDEX	0x3D4
#define CRTC_DATA	0x3D5

#define SEL_KCODE	0x08
#define SEL_KDATA	0x10
#define SEL_UCODE	0x1B
#define SEL_UDATA	0x23
#define SEL_TSS		0x28
#define SEL_LDT		0x30
#define SEL_LDATA	0x0F	/* LDT entry 1, RPL 3 */

#define PTE_P		0x001
#define PTE_RW		0x002
#define PTE_US		0x004
#define PDE_PS		0x080
#define CR0_PG		0x80000000u
#define CR4_PSE		0x10u

#define DEMAND_BASE	0x00800000u	/* linear: directory entry 2 */
#define LARGE_BASE	0x00400000u	/* linear = physical: directory entry 1, a 4 MiB page */
#define FRAME_BASE	0x00200000u	/* physical frames for the demand region */
#define MAX_PAGES	32

static const char *const known_args[] = { "hz", "pages", "work", NULL };

struct tss32 {
	uint16_t link, r0;
	uint32_t esp0;
	uint16_t ss0, r1;
	uint32_t esp1;
	uint16_t ss1, r2;
	uint32_t esp2;
	uint16_t ss2, r3;
	uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint16_t es, r4, cs, r5, ss, r6, ds, r7, fs, r8, gs, r9, ldt, r10;
	uint16_t trap, iomap;
} __attribute__((packed));

static uint32_t page_dir[1024] __attribute__((aligned(4096)));
static uint32_t low_table[1024] __attribute__((aligned(4096)));
static uint32_t demand_table[1024] __attribute__((aligned(4096)));
static uint8_t kernel_stack[4096] __attribute__((aligned(16)));
static uint8_t user_stack[4096] __attribute__((aligned(16)));
static uint64_t gdt[7] __attribute__((aligned(8)));
static uint64_t ldt[2] __attribute__((aligned(8)));
static struct tss32 tss;

/* Shared with ring 3 (every page is user-accessible). */
static volatile uint32_t ticks;
static uint32_t pages, work;

static uint32_t ring3_ticks, page_faults, bad_faults, next_frame;
static uint32_t user_checksum;

static uint64_t descriptor(uint32_t base, uint32_t limit, uint32_t access, uint32_t flags)
{
	uint32_t lo = (limit & 0xFFFF) | (base << 16);
	uint32_t hi = ((base >> 16) & 0xFF) | (access << 8) | (limit & 0xF0000) | (flags << 20) | (base & 0xFF000000);
	return (uint64_t)hi << 32 | lo;
}

static void timer_irq(struct isr_frame *frame)
{
	uint32_t at = (uint32_t)frame;
	if ((frame->cs & 3) == 3 && at >= (uint32_t)kernel_stack && at < (uint32_t)kernel_stack + sizeof kernel_stack)
		ring3_ticks++;
	ticks++;
	pic_eoi(IRQ_TIMER);
}

static inline uint32_t read_cr2(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static void page_fault(struct isr_frame *frame)
{
	uint32_t lin = read_cr2();
	uint32_t index = (lin - DEMAND_BASE) >> 12;
	if (lin < DEMAND_BASE || index >= pages || (frame->error & 1) != 0) {
		printf("paging: unexpected page fault at 0x%08x, error 0x%x, eip 0x%08x\n", lin, frame->error, frame->eip);
		bad_faults++;
		exit(1);
	}
	uint32_t phys = next_frame;
	next_frame += 4096;
	uint32_t *frame_words = (uint32_t *)phys;	/* identity-mapped below 4 MiB */
	for (unsigned i = 0; i < 1024; i++)
		frame_words[i] = lin ^ (i * 0x9E3779B1u);
	demand_table[index] = phys | PTE_P | PTE_RW | PTE_US;
	page_faults++;
}

static void finish(struct isr_frame *frame)
{
	user_checksum = frame->eax;
	cli();
	uint8_t status = inb(KBC_CMD);
	uint8_t pending = inb(KBC_DATA);
	outb(KBC_CMD, 0x20);
	uint8_t command_byte = inb(KBC_DATA);
	uint32_t tss_type = (uint32_t)(gdt[SEL_TSS >> 3] >> 40) & 0x1F;
	printf("paging: %u page faults, timer ticks in ring 3 through the TSS: %s, checksum 0x%08x\n", page_faults,
	       ring3_ticks > 0 ? "yes" : "NONE", user_checksum);
	printf("paging: 8042 output buffer %s 0x%02x, command byte 0x%02x; TSS type 0x%x\n", status & KBC_OBF ? "full" : "EMPTY",
	       pending, command_byte, tss_type);
	bool ok = page_faults == pages && bad_faults == 0 && ring3_ticks > 0 && (status & KBC_OBF) && pending == 0x5A &&
		  command_byte == 0x25 && tss_type == 0x0B;
	exit(ok ? 0 : 1);
}

static void spurious_irq(struct isr_frame *frame)
{
	unsigned irq = frame->vector == VEC_MASTER + 7 ? 7 : 15;
	if (!pic_spurious(irq))
		exit(1);
}

/* ---- ring 3 ---- */

static inline uint32_t mix(uint32_t h, uint32_t v) { return (h ^ v) * 0x01000193u; }

static volatile uint32_t user_sink;

/*
 * The checksum covers what ring 3 reads and writes, never how often it looped: the bytes
 * are the same on every PC, however many instructions a tick takes.
 */
static void __attribute__((noreturn, used)) user_main(void)
{
	uint32_t h = 0x811C9DC5u, spin = 0;
	volatile uint32_t *demand = (volatile uint32_t *)DEMAND_BASE;
	volatile uint32_t *large = (volatile uint32_t *)LARGE_BASE;
	__asm__ volatile("movw %0, %%fs" : : "r"((uint16_t)SEL_LDATA));	/* held through every phase */
	for (uint32_t p = 0; p < pages; p++)
		h = mix(h, demand[p * 1024 + p]);	/* A: first touch faults */
	h = mix(h, large[0]);
	uint32_t until = ticks + work;
	while (ticks < until)				/* B */
		for (uint32_t p = 0; p < pages; p++)
			for (uint32_t i = 0; i < 1024; i += 64)
				spin = mix(spin, demand[p * 1024 + i]);
	for (uint32_t p = 0; p < pages; p++) {		/* C: one D bit per tick */
		uint32_t t = ticks;
		while (ticks == t)
			spin = mix(spin, demand[p * 1024 + (spin & 1023)]);
		demand[p * 1024 + 7] = mix(h, p);
		if (p == pages / 2)
			large[16] = mix(h, 0x400000);
	}
	user_sink = spin;
	for (uint32_t p = 0; p < pages; p++)
		for (uint32_t i = 0; i < 1024; i += 7)
			h = mix(h, demand[p * 1024 + i]);
	h = mix(h, large[16]);
	uint32_t through_ldt;
	__asm__ volatile("movl %%fs:64, %0" : "=r"(through_ldt) : : "memory");
	h = mix(h, through_ldt);
	__asm__ volatile("int $0x80" : : "a"(h) : "memory");
	for (;;)
		;
}

/* ---- ring 0 setup ---- */

static void crtc(uint8_t index, uint8_t value)
{
	outb(CRTC_INDEX, index);
	outb(CRTC_DATA, value);
}

static void kbc_wait(void)
{
	while (inb(KBC_CMD) & 0x02)	/* IBF */
		cpu_relax();
}

static void load_gdt_and_tss(void)
{
	gdt[0] = 0;
	gdt[1] = descriptor(0, 0xFFFFF, 0x9A, 0xC);
	gdt[2] = descriptor(0, 0xFFFFF, 0x92, 0xC);
	gdt[3] = descriptor(0, 0xFFFFF, 0xFA, 0xC);
	gdt[4] = descriptor(0, 0xFFFFF, 0xF2, 0xC);
	gdt[5] = descriptor((uint32_t)&tss, sizeof tss - 1, 0x89, 0);
	gdt[6] = descriptor((uint32_t)ldt, sizeof ldt - 1, 0x82, 0);
	ldt[1] = descriptor(LARGE_BASE, 0x3FF, 0xF2, 0xC);	/* 4 MiB, DPL 3 data */
	tss.ss0 = SEL_KDATA;
	tss.esp0 = (uint32_t)kernel_stack + sizeof kernel_stack;
	tss.iomap = sizeof tss;		/* no I/O bitmap: ring 3 has no ports */
	struct { uint16_t limit; uint32_t base; } __attribute__((packed)) ptr = { sizeof gdt - 1, (uint32_t)gdt };
	__asm__ volatile("lgdt %0\n\t"
			 "ljmp $0x08, $1f\n"
			 "1:\tmovw $0x23, %%ax\n\t"	/* flat DPL 3 data: ring 0 and ring 3 share it */
			 "movw %%ax, %%ds\n\tmovw %%ax, %%es\n\tmovw %%ax, %%fs\n\tmovw %%ax, %%gs\n\t"
			 "movw $0x10, %%ax\n\tmovw %%ax, %%ss\n\t"
			 "movw $0x28, %%ax\n\tltr %%ax\n\t"
			 "movw $0x30, %%ax\n\tlldt %%ax"
			 : : "m"(ptr) : "eax", "memory");
}

static void enable_paging(void)
{
	for (uint32_t i = 0; i < 1024; i++)
		low_table[i] = (i << 12) | PTE_P | PTE_RW | PTE_US;
	page_dir[0] = (uint32_t)low_table | PTE_P | PTE_RW | PTE_US;
	page_dir[1] = LARGE_BASE | PDE_PS | PTE_P | PTE_RW | PTE_US;
	page_dir[2] = (uint32_t)demand_table | PTE_P | PTE_RW | PTE_US;
	__asm__ volatile("mov %0, %%cr3\n\t"
			 "mov %%cr4, %%eax\n\torl %1, %%eax\n\tmov %%eax, %%cr4\n\t"
			 "mov %%cr0, %%eax\n\torl %2, %%eax\n\tmov %%eax, %%cr0\n\t"
			 "jmp 1f\n1:"
			 : : "r"(page_dir), "i"(CR4_PSE), "i"(CR0_PG) : "eax", "memory");
}

/* A20 closed through the 8042 (0xDD): linear 1 MiB + x reaches physical x; then opened (0xDF). */
static bool a20_wraps(void)
{
	volatile uint8_t *low = (volatile uint8_t *)0x7000, *high = (volatile uint8_t *)0x107000;
	*low = 0xA5;
	*high = 0x5A;
	kbc_wait();
	outb(KBC_CMD, 0xDD);
	bool wrapped = *high == 0xA5;
	uint32_t h = 0;
	for (uint32_t i = 0; i < 20000; i++)
		h = mix(h, low[i & 0xFF]);
	kbc_wait();
	outb(KBC_CMD, 0xDF);
	return wrapped && *high == 0x5A && h != 1;
}

int main(void)
{
	args_allow_only(known_args);
	uint32_t hz = arg_uint("hz", 1000);
	pages = arg_uint("pages", 16);
	work = arg_uint("work", 8);
	if (hz < 19 || hz > 10000 || pages == 0 || pages > MAX_PAGES) {
		printf("paging: need 19 <= hz <= 10000, 1 <= pages <= %u\n", MAX_PAGES);
		return 1;
	}
	printf("paging: %u Hz, %u demand pages, %u ticks of work\n", hz, pages, work);
	cli();
	idt_init();
	idt_set_handler(VEC_MASTER + IRQ_TIMER, timer_irq);
	idt_set_handler(VEC_MASTER + 7, spurious_irq);
	idt_set_handler(VEC_SLAVE + 7, spurious_irq);
	idt_set_handler(VEC_PAGE_FAULT, page_fault);
	idt_set_handler(VEC_SYSCALL, finish);
	struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idtr;
	__asm__ volatile("sidt %0" : "=m"(idtr));
	((volatile uint8_t *)idtr.base)[VEC_SYSCALL * 8 + 5] = 0xEE;	/* DPL 3: INT 0x80 from ring 3 */
	pic_init(VEC_MASTER, VEC_SLAVE, false);
	uint32_t divisor = (PIT_HZ + hz / 2) / hz;
	outb(PIT_CONTROL, 0x34);
	outb(PIT_CH0, (uint8_t)divisor);
	outb(PIT_CH0, (uint8_t)(divisor >> 8));

	crtc(0x0C, 0x01);
	crtc(0x0D, 0x40);
	crtc(0x0A, 0x06);
	crtc(0x0B, 0x07);
	crtc(0x0E, 0x02);
	crtc(0x0F, 0x8A);

	load_gdt_and_tss();
	next_frame = FRAME_BASE;
	enable_paging();

	kbc_wait();
	outb(KBC_CMD, 0x60);
	kbc_wait();
	outb(KBC_DATA, 0x25);
	bool wrapped = a20_wraps();
	kbc_wait();
	outb(KBC_CMD, 0xD2);
	kbc_wait();
	outb(KBC_DATA, 0x5A);
	printf("paging: A20 %s through the 8042; entering ring 3\n", wrapped ? "wrapped" : "DID NOT WRAP");
	if (!wrapped)
		return 1;

	pic_unmask(IRQ_TIMER);
	__asm__ volatile("pushl $0x23\n\t"
			 "pushl %0\n\t"
			 "pushl $0x202\n\t"	/* IF, IOPL 0 */
			 "pushl $0x1B\n\t"
			 "pushl %1\n\t"
			 "iret"
			 : : "r"((uint32_t)user_stack + sizeof user_stack), "r"(user_main) : "memory");
	for (;;)
		;
}
