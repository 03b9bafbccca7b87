#include "args.h"
#include "mem.h"
#include "print.h"
#include "start.h"

#define ARGS_MAX 94

static char args[ARGS_MAX];

void args_init(const char *region, size_t size)
{
	size_t n = size < ARGS_MAX - 1 ? size : ARGS_MAX - 1;
	memcpy(args, region, n);
	args[n] = '\0';		/* a region filled to the brim still ends */
}

const char *args_string(void)
{
	return args;
}

/* The next space-separated token at or after p (its length in *len), or NULL at the end. */
static const char *next_token(const char *p, size_t *len)
{
	while (*p == ' ')
		p++;
	if (!*p)
		return NULL;
	const char *end = p;
	while (*end && *end != ' ')
		end++;
	*len = (size_t)(end - p);
	return p;
}

static size_t key_length(const char *tok, size_t len)
{
	size_t k = 0;
	while (k < len && tok[k] != '=')
		k++;
	return k;
}

const char *arg_value(const char *key, size_t *len)
{
	size_t keylen = strlen(key), toklen;
	for (const char *tok = args; (tok = next_token(tok, &toklen)); tok += toklen) {
		size_t k = key_length(tok, toklen);
		if (k == keylen && strncmp(tok, key, k) == 0) {
			if (k == toklen) {
				*len = 0;
				return tok + k;
			}
			*len = toklen - k - 1;
			return tok + k + 1;
		}
	}
	return NULL;
}

bool arg_present(const char *key)
{
	size_t len;
	return arg_value(key, &len) != NULL;
}

static void bad_value(const char *key, const char *value, size_t len, const char *why)
{
	printf("args: %s=", key);
	for (size_t i = 0; i < len; i++)
		putchar(value[i]);
	printf(": %s\n", why);
	exit(1);
}

uint32_t arg_uint(const char *key, uint32_t fallback)
{
	size_t len;
	const char *v = arg_value(key, &len);
	if (!v)
		return fallback;

	unsigned base = 10;
	size_t i = 0;
	if (len > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		bad_value(key, v, len, "not a number");
	uint64_t n = 0;
	for (; i < len; i++) {
		char c = v[i];
		unsigned digit;
		if (c >= '0' && c <= '9')
			digit = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			digit = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			digit = (unsigned)(c - 'A' + 10);
		else
			bad_value(key, v, len, "not a number");
		n = n * base + digit;
		if (n > 0xFFFFFFFFu)
			bad_value(key, v, len, "does not fit in 32 bits");
	}
	return (uint32_t)n;
}

void args_allow_only(const char *const *keys)
{
	size_t toklen;
	for (const char *tok = args; (tok = next_token(tok, &toklen)); tok += toklen) {
		size_t k = key_length(tok, toklen);
		const char *const *known = keys;
		while (*known && !(strlen(*known) == k && strncmp(*known, tok, k) == 0))
			known++;
		if (!*known) {
			printf("args: unknown key \"");
			for (size_t i = 0; i < k; i++)
				putchar(tok[i]);
			printf("\" (known:");
			for (known = keys; *known; known++)
				printf(" %s", *known);
			printf(")\n");
			exit(1);
		}
	}
}
