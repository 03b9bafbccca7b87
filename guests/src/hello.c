/* The smallest guest: one line on the serial port, then exit 0. */
#include "guest.h"

int main(void)
{
	puts("Hello from migtrace guest");
	return 0;
}
