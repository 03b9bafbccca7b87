#include "start.h"
#include "args.h"
#include "io.h"
#include "serial.h"

#define DEBUG_EXIT_PORT 0xF4

extern const char __guest_args[];	/* link.ld: image offset 0x1A0 */

void rt_start(void)
{
	serial_init();
	args_init(__guest_args, 94);
	exit(main());
}

void exit(int code)
{
	outb(DEBUG_EXIT_PORT, (uint8_t)code);
	for (;;) {
		cli();
		hlt();
	}
}
