/*
 * serial-echo: an interrupt-driven 16550A driver on COM1 (IRQ4), a line-echo terminal.
 *
 * Args (defaults): trigger=8 (RX FIFO trigger level: 1, 4, 8 or 14), bytes=0 (stop after
 * that many received bytes; 0 = only at a "quit" line).
 *
 * Driver (PC16550D datasheet, section 8): 115200 8N1, FIFOs enabled and cleared with the
 * trigger level, MCR DTR|RTS|OUT2 (OUT2 gates the IRQ on a PC), IER = received data
 * available + receiver line status; THR empty (ETBEI) only while the transmit ring holds
 * bytes. The IRQ4 handler reads IIR until it says "no interrupt pending":
 *   line status (0x06): read LSR, count overrun / parity / framing / break;
 *   received data (0x04) or character timeout (0x0C): drain RBR while LSR.DR into a
 *     software receive ring (the timeout indication delivers a FIFO below the trigger);
 *   THR empty (0x02): move up to 16 bytes (the TX FIFO) from the transmit ring into THR,
 *     and disable ETBEI once the ring is empty;
 *   modem status (0x00): read MSR.
 * then a non-specific EOI to the master PIC. Everything the guest sends — the echo and its
 * own lines — goes through the transmit ring, so the output is a function of the bytes
 * received only, never of when they arrived.
 *
 * Terminal: each received byte is echoed; CR, LF or CR LF ends a line (echoed "\r\n");
 * backspace or DEL erases the last character (echoed "\b \b"). A line "quit" ends the run.
 *
 * Output:
 *   serial-echo: ready, RX FIFO trigger 8; type lines, "quit" ends
 *   <the echo>
 *   serial-echo: 5 lines, 93 bytes, crc32 0x9e2d51ff, 0 line errors  (guests/inputs/serial-echo.input)
 * The crc32 covers every byte received, in order.
 */
#include "guest.h"
#include "pic.h"

#define UART_RBR	0	/* read */
#define UART_IIR	2	/* read */
#define UART_MSR	6
#define UART_DLL	0	/* with DLAB */
#define UART_DLM	1	/* with DLAB */

#define IER_ERBFI	0x01
#define IER_ETBEI	0x02
#define IER_ELSI	0x04
#define IIR_NO_INT	0x01
#define IIR_ID		0x0E
#define IIR_MSI		0x00
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_RLSI	0x06
#define IIR_CTI		0x0C
#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define FCR_CLEAR_TX	0x04
#define LCR_DLAB	0x80
#define LCR_8N1		0x03
#define MCR_DTR_RTS_OUT2 0x0B
#define LSR_ERRORS	0x1E	/* OE, PE, FE, BI */
#define TX_FIFO_SIZE	16

#define IRQ_COM1	4
#define VEC_MASTER	0x20
#define VEC_SLAVE	0x28

#define RX_RING		256	/* powers of two */
#define TX_RING		4096
#define LINE_MAX	80

static const char *const known_args[] = { "trigger", "bytes", NULL };

static uint8_t rx_ring[RX_RING];
static volatile uint32_t rx_head, rx_tail;	/* head: ISR writes; tail: main reads */
static volatile uint32_t rx_dropped, line_errors;
static uint8_t tx_ring[TX_RING];
static volatile uint32_t tx_head, tx_tail;	/* head: main writes; tail: ISR reads */
static uint8_t ier;

static void set_ier(uint8_t value)
{
	ier = value;
	outb(COM1 + UART_IER, ier);
}

/* THR empty: the TX FIFO takes 16 bytes. */
static void tx_fill(void)
{
	for (int n = 0; n < TX_FIFO_SIZE && tx_tail != tx_head; n++)
		outb(COM1 + UART_THR, tx_ring[tx_tail++ % TX_RING]);
	if (tx_tail == tx_head)
		set_ier(ier & ~IER_ETBEI);
}

static void rx_drain(void)
{
	uint8_t lsr;
	while ((lsr = inb(COM1 + UART_LSR)) & UART_LSR_DR) {
		if (lsr & LSR_ERRORS)
			line_errors++;
		uint8_t b = inb(COM1 + UART_RBR);
		if (rx_head - rx_tail < RX_RING)
			rx_ring[rx_head++ % RX_RING] = b;
		else
			rx_dropped++;
	}
	if (lsr & LSR_ERRORS)
		line_errors++;
}

static void com1_irq(struct isr_frame *frame)
{
	(void)frame;
	for (int rounds = 0; rounds < 64; rounds++) {
		uint8_t iir = inb(COM1 + UART_IIR);
		if (iir & IIR_NO_INT)
			break;
		switch (iir & IIR_ID) {
		case IIR_RLSI:
			if (inb(COM1 + UART_LSR) & LSR_ERRORS)
				line_errors++;
			break;
		case IIR_RDI:
		case IIR_CTI:
			rx_drain();
			break;
		case IIR_THRI:
			tx_fill();
			break;
		default: /* IIR_MSI */
			(void)inb(COM1 + UART_MSR);
		}
	}
	pic_eoi(IRQ_COM1);
}

static void spurious_irq(struct isr_frame *frame)
{
	unsigned irq = frame->vector == VEC_MASTER + 7 ? 7 : 15;
	if (!pic_spurious(irq))
		exit(1);
}

/* Queue one byte; waits (halted) while the ring is full. Called with interrupts enabled. */
static void tx_putc(char c)
{
	for (;;) {
		cli();
		if (tx_head - tx_tail < TX_RING)
			break;
		sti_hlt();
	}
	tx_ring[tx_head++ % TX_RING] = (uint8_t)c;
	if (!(ier & IER_ETBEI))
		set_ier(ier | IER_ETBEI);	/* THR empty now: the interrupt comes at once */
	sti();
}

static void tx_sink(char c, void *ctx)
{
	(void)ctx;
	tx_putc(c);
}

static void tx_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void tx_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vformat(tx_sink, NULL, fmt, ap);
	va_end(ap);
}

/* Wait until the transmit ring is empty (the UART's FIFO drains on its own; exit() waits). */
static void tx_drain(void)
{
	for (;;) {
		cli();
		if (tx_tail == tx_head)
			break;
		sti_hlt();
	}
	sti();
}

static bool rx_getc(uint8_t *b)
{
	cli();
	if (rx_tail == rx_head) {
		sti_hlt();	/* returns after the next interrupt */
		return false;
	}
	*b = rx_ring[rx_tail++ % RX_RING];
	sti();
	return true;
}

static void uart_init(uint8_t fcr_trigger)
{
	serial_flush();				/* the runtime's polled output, if any */
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1);		/* 115200 baud */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX | fcr_trigger);
	outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
	(void)inb(COM1 + UART_LSR);		/* clear stale status */
	(void)inb(COM1 + UART_RBR);
	(void)inb(COM1 + UART_IIR);
	(void)inb(COM1 + UART_MSR);
	set_ier(IER_ERBFI | IER_ELSI);
}

int main(void)
{
	args_allow_only(known_args);
	uint32_t trigger = arg_uint("trigger", 8);
	uint32_t max_bytes = arg_uint("bytes", 0);
	uint8_t fcr_trigger;
	switch (trigger) {
	case 1: fcr_trigger = 0x00; break;
	case 4: fcr_trigger = 0x40; break;
	case 8: fcr_trigger = 0x80; break;
	case 14: fcr_trigger = 0xC0; break;
	default:
		printf("serial-echo: trigger=%u: the 16550 triggers at 1, 4, 8 or 14 bytes\n", trigger);
		return 1;
	}

	cli();
	idt_init();
	idt_set_handler(VEC_MASTER + IRQ_COM1, com1_irq);
	idt_set_handler(VEC_MASTER + 7, spurious_irq);
	idt_set_handler(VEC_SLAVE + 7, spurious_irq);
	pic_init(VEC_MASTER, VEC_SLAVE, false);
	uart_init(fcr_trigger);
	pic_unmask(IRQ_COM1);
	sti();

	tx_printf("serial-echo: ready, RX FIFO trigger %u; type lines, \"quit\" ends\n", trigger);

	char line[LINE_MAX];
	uint32_t len = 0, lines = 0, bytes = 0, crc = 0;
	uint8_t prev = 0;
	bool quit = false;
	while (!quit && (max_bytes == 0 || bytes < max_bytes)) {
		uint8_t b;
		if (!rx_getc(&b))
			continue;
		bytes++;
		crc = crc32_update(crc, &b, 1);
		if (b == '\r' || b == '\n') {
			if (!(b == '\n' && prev == '\r')) {	/* CR LF is one line end */
				tx_printf("\r\n");
				lines++;
				quit = len == 4 && strncmp(line, "quit", 4) == 0;
				len = 0;
			}
		} else if (b == '\b' || b == 0x7F) {
			if (len > 0) {
				len--;
				tx_printf("\b \b");
			}
		} else {
			tx_putc((char)b);
			if (len < LINE_MAX)
				line[len++] = (char)b;
		}
		prev = b;
	}
	if (len > 0)
		tx_printf("\r\n");	/* stopped by bytes= in the middle of a line */
	tx_printf("serial-echo: %u lines, %u bytes, crc32 0x%08x, %u line errors\n", lines, bytes,
		  crc, line_errors + rx_dropped);
	tx_drain();
	cli();
	set_ier(0);
	pic_mask(IRQ_COM1);
	return line_errors + rx_dropped == 0 ? 0 : 1;
}
