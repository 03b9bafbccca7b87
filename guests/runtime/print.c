#include "print.h"
#include "mem.h"
#include "serial.h"

#include <stdbool.h>
#include <stdint.h>

struct spec {
	bool left;		/* '-' */
	bool zero;		/* '0' */
	unsigned width;
};

static int emit_padded(format_sink put, void *ctx, const struct spec *sp, const char *s, size_t len)
{
	size_t pad = sp->width > len ? sp->width - len : 0;
	int n = 0;

	if (!sp->left)
		for (; pad; pad--, n++)
			put(sp->zero ? '0' : ' ', ctx);
	for (size_t i = 0; i < len; i++, n++)
		put(s[i], ctx);
	for (; pad; pad--, n++)
		put(' ', ctx);
	return n;
}

/* Digits of v in base, most significant first; 32-bit values avoid the 64-bit helpers. */
static size_t to_digits(char *end, uint64_t v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = end;

	if ((v >> 32) == 0) {
		uint32_t w = (uint32_t)v;
		do {
			*--p = digits[w % base];
			w /= base;
		} while (w);
	} else {
		do {
			*--p = digits[v % base];
			v /= base;
		} while (v);
	}
	return (size_t)(end - p);
}

static int emit_number(format_sink put, void *ctx, struct spec *sp, uint64_t v, bool negative,
		       unsigned base, bool upper)
{
	char buf[24];
	char *end = buf + sizeof buf;
	size_t len = to_digits(end, v, base, upper);
	char *start = end - len;
	int n = 0;

	if (negative) {
		if (sp->zero && !sp->left) {
			/* The sign goes before the zero padding: -0042. */
			put('-', ctx);
			n++;
			if (sp->width)
				sp->width--;
		} else {
			*--start = '-';
			len++;
		}
	}
	return n + emit_padded(put, ctx, sp, start, len);
}

int vformat(format_sink put, void *ctx, const char *fmt, va_list ap)
{
	int n = 0;

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(*fmt, ctx);
			n++;
			continue;
		}
		struct spec sp = { false, false, 0 };
		for (;; fmt++) {
			if (fmt[1] == '-')
				sp.left = true;
			else if (fmt[1] == '0')
				sp.zero = true;
			else
				break;
		}
		if (fmt[1] == '*') {
			int w = va_arg(ap, int);
			sp.width = w < 0 ? 0 : (unsigned)w;
			fmt++;
		}
		while (fmt[1] >= '0' && fmt[1] <= '9')
			sp.width = sp.width * 10 + (unsigned)(*++fmt - '0');
		int longs = 0;
		while (fmt[1] == 'l') {
			longs++;
			fmt++;
		}
		char conv = *++fmt;
		bool wide = longs >= 2;

		switch (conv) {
		case 'd':
		case 'i': {
			int64_t v = wide ? va_arg(ap, int64_t) : va_arg(ap, int32_t);
			uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
			n += emit_number(put, ctx, &sp, mag, v < 0, 10, false);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			uint64_t v = wide ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t);
			unsigned base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
			n += emit_number(put, ctx, &sp, v, false, base, conv == 'X');
			break;
		}
		case 'p': {
			uintptr_t v = (uintptr_t)va_arg(ap, void *);
			put('0', ctx);
			put('x', ctx);
			n += 2;
			sp.zero = true;
			sp.width = 8;
			n += emit_number(put, ctx, &sp, v, false, 16, false);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			n += emit_padded(put, ctx, &sp, &c, 1);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			sp.zero = false;
			n += emit_padded(put, ctx, &sp, s, strlen(s));
			break;
		}
		case '%':
			put('%', ctx);
			n++;
			break;
		case '\0':
			return n;	/* a lone '%' at the end */
		default:
			/* Unknown conversion: print it as written so the mistake is visible. */
			put('%', ctx);
			put(conv, ctx);
			n += 2;
			break;
		}
	}
	return n;
}

static void serial_sink(char c, void *ctx)
{
	(void)ctx;
	serial_putc(c);
}

int vprintf(const char *fmt, va_list ap)
{
	return vformat(serial_sink, NULL, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

struct buffer {
	char *buf;
	size_t size;
	size_t len;
};

static void buffer_sink(char c, void *ctx)
{
	struct buffer *b = ctx;
	if (b->len + 1 < b->size)
		b->buf[b->len] = c;
	b->len++;
}

/* Like C's snprintf: always NUL-terminates (if size > 0), returns the untruncated length. */
int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	struct buffer b = { buf, size, 0 };
	va_list ap;
	va_start(ap, fmt);
	int n = vformat(buffer_sink, &b, fmt, ap);
	va_end(ap);
	if (size)
		buf[b.len < size ? b.len : size - 1] = '\0';
	return n;
}

int putchar(int c)
{
	serial_putc((char)c);
	return (unsigned char)c;
}

int puts(const char *s)
{
	size_t len = strlen(s);
	serial_write(s, len);
	serial_putc('\n');
	return (int)len + 1;
}
