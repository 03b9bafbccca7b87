#include "serial.h"
#include "io.h"

/* Program the UART as a driver does after reset (PC16550D datasheet, section 8). */
void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);		/* no interrupts */
	outb(COM1 + UART_LCR, 0x80);		/* DLAB: divisor latch access */
	outb(COM1 + UART_THR, 0x01);		/* divisor 1: 115200 baud */
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x03);		/* 8 data bits, no parity, 1 stop bit */
	outb(COM1 + UART_FCR, 0x07);		/* enable FIFOs, clear RX and TX */
	outb(COM1 + UART_MCR, 0x0B);		/* DTR | RTS | OUT2 */
}

void serial_putc(char c)
{
	while (!(inb(COM1 + UART_LSR) & UART_LSR_THRE))
		cpu_relax();
	outb(COM1 + UART_THR, (uint8_t)c);
}

void serial_write(const char *s, size_t len)
{
	while (len--)
		serial_putc(*s++);
}

/*
 * A UART sends at the line rate: bytes can still sit in the FIFO and the shift register
 * when the guest is done. Bounded, so a UART that never reports TEMT cannot hang exit().
 */
void serial_flush(void)
{
	for (uint32_t polls = 0; polls < 0x100000; polls++)
		if (inb(COM1 + UART_LSR) & UART_LSR_TEMT)
			return;
}

bool serial_rx_ready(void)
{
	return inb(COM1 + UART_LSR) & UART_LSR_DR;
}

uint8_t serial_getc(void)
{
	while (!serial_rx_ready())
		cpu_relax();
	return inb(COM1 + UART_THR);
}
