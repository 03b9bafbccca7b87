#include "start.h"
#include "args.h"
#include "io.h"
#include "serial.h"
#include "../boot/boot.h"

extern const char __guest_args[];	/* link.ld: image offset 0x1A0 */

void rt_start(void)
{
	serial_init();
	args_init(__guest_args, GUEST_ARGS_SIZE);
	exit(main());
}

void exit(int code)
{
	serial_flush();		/* the last line must not die in the FIFO */
	outb(DEBUG_EXIT_PORT, (uint8_t)code);
	for (;;) {
		cli();
		hlt();
	}
}
