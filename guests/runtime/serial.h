/* COM1, a 16550 UART at 0x3F8, driven by polling (no interrupts). */
#ifndef MIGTRACE_SERIAL_H
#define MIGTRACE_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COM1		0x3F8
#define UART_THR	0	/* transmit holding (write), receive buffer (read), DLL with DLAB */
#define UART_IER	1	/* interrupt enable, DLM with DLAB */
#define UART_FCR	2	/* FIFO control (write) */
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_LSR_DR	0x01	/* receive data ready */
#define UART_LSR_THRE	0x20	/* transmit holding register empty */
#define UART_LSR_TEMT	0x40	/* THR/FIFO and shift register empty: all bytes sent */

void serial_init(void);
void serial_putc(char c);
void serial_write(const char *s, size_t len);
/* Wait until every byte written has left the line (exit() does this before stopping). */
void serial_flush(void);
bool serial_rx_ready(void);
uint8_t serial_getc(void);	/* waits for a byte */

#endif
