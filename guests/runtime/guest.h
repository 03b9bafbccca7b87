/* Everything a guest needs: #include "guest.h" and define int main(void). */
#ifndef MIGTRACE_GUEST_H
#define MIGTRACE_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "args.h"
#include "crc32.h"
#include "idt.h"
#include "io.h"
#include "mem.h"
#include "print.h"
#include "serial.h"
#include "start.h"

/*
 * Default guest arguments, stored in the image's argument region at build time. Run-time
 * arguments (migtrace run --args, qemu-run.sh) replace the whole region, defaults included.
 *   GUEST_DEFAULT_ARGS("mb=8 passes=2");
 */
#define GUEST_DEFAULT_ARGS(s) \
	static const char guest_default_args[] __attribute__((section(".guest_args"), used)) = s

#endif
