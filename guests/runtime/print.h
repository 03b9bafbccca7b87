/*
 * Formatted output to the serial port. Conversions: %d %i %u %x %X %o %c %s %p %%, with
 * flags '-' and '0', a width (digits or '*'), and length modifiers l (32-bit, as int) and
 * ll (64-bit): e.g. %08x, %-10s, %llu, %016llx.
 */
#ifndef MIGTRACE_PRINT_H
#define MIGTRACE_PRINT_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*format_sink)(char c, void *ctx);

int vformat(format_sink put, void *ctx, const char *fmt, va_list ap);
int vprintf(const char *fmt, va_list ap);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int putchar(int c);
int puts(const char *s);	/* writes s and a newline, like C's puts */

#endif
