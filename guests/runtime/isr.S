/*
 * One 16-byte stub per vector (idt.c computes the addresses). Each pushes a zero error
 * code unless the CPU pushed one, then its vector, and joins isr_common, which saves the
 * registers and calls isr_dispatch(frame).
 */
	.section .text.isr, "ax"
	.globl	isr_stubs
	.p2align 4
isr_stubs:
	.set	vec, 0
	.rept	256
	.p2align 4
	/* Vectors with a CPU-pushed error code (Intel SDM vol. 3, table 6-1). */
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushl	$0
	.endif
	pushl	$vec
	jmp	isr_common
	.set	vec, vec + 1
	.endr

isr_common:
	pushal
	cld				/* the C ABI expects DF = 0; iret restores the guest's */
	pushl	%esp
	call	isr_dispatch
	addl	$4, %esp
	popal
	addl	$8, %esp		/* vector and error code */
	iret
