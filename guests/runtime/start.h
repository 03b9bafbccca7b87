/* Guest entry and exit. */
#ifndef MIGTRACE_START_H
#define MIGTRACE_START_H

/* Each guest defines main(); its return value becomes the exit code. */
int main(void);

/*
 * Stop the machine: wait for the UART to finish sending, then write code to the
 * isa-debug-exit port 0xF4, which ends the run with status (code << 1) | 1.
 * Convention: 0 = success, 1 = failure. Halts if nothing listens.
 */
void exit(int code) __attribute__((noreturn));

/* Called by the boot stub in 32-bit protected mode with .bss zeroed. */
void rt_start(void) __attribute__((noreturn));

#endif
