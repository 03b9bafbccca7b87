/*
 * Boot stub: sector 0 of every guest image (see guests/README.md, "Boot protocol").
 *
 * migtrace's machine loads the whole image at 0x7C00; a PC BIOS (QEMU) loads only this
 * sector. So: if the sector-1 magic is not at 0x7E00, read sectors 1..N from the primary
 * ATA master with polled PIO. Then fast A20, flat GDT, protected mode, stack, zero .bss,
 * call rt_start(). No BIOS services are used, so both machines run the same instructions
 * from here on (apart from the ATA load).
 */
#include "boot.h"

	.code16
	.section .boot16, "ax"
	.globl	boot16
boot16:
	/* Header, at fixed offsets from the image start. */
	jmp	start16				/* 0x00: 2-byte short jump */
	.word	BOOT_HEADER_VERSION		/* 0x02 */
	.long	BOOT_HEADER_MAGIC		/* 0x04: "MTGB" */
image_sectors:
	.word	__image_sectors			/* 0x08: sectors after sector 0 (filled in by ld) */
	.word	GUEST_ARGS_OFFSET		/* 0x0A */
	.word	GUEST_ARGS_SIZE			/* 0x0C */
	.word	0				/* 0x0E: reserved */

start16:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$BOOT_ADDRESS, %sp
	ljmp	$0, $1f				/* normalise CS:IP to 0000:7Cxx */
1:
	cmpl	$SECTOR1_MAGIC, SECTOR1_ADDRESS
	je	loaded

	/* ATA PIO, LBA28, one sector per READ SECTORS command (ATA-6, 8.27). */
	movw	image_sectors, %cx
	movw	$1, %si				/* LBA */
	movw	$(SECTOR1_ADDRESS >> 4), %bx	/* destination segment */
read_sector:
	call	ata_wait_not_busy
	movw	$ATA_DRIVE_HEAD, %dx
	movb	$0xE0, %al			/* LBA mode, master, LBA bits 27:24 = 0 */
	outb	%al, %dx
	movw	$ATA_SECTOR_COUNT, %dx
	movb	$1, %al
	outb	%al, %dx
	incw	%dx				/* 0x1F3 LBA 7:0 */
	movw	%si, %ax
	outb	%al, %dx
	incw	%dx				/* 0x1F4 LBA 15:8 */
	movb	%ah, %al
	outb	%al, %dx
	incw	%dx				/* 0x1F5 LBA 23:16 */
	xorb	%al, %al
	outb	%al, %dx
	movw	$ATA_COMMAND, %dx
	movb	$ATA_CMD_READ_SECTORS, %al
	outb	%al, %dx
	movw	$ATA_ALT_STATUS, %dx		/* 400 ns before status is valid */
	inb	%dx, %al
	inb	%dx, %al
	inb	%dx, %al
	inb	%dx, %al
2:	call	ata_wait_not_busy
	testb	$ATA_SR_ERR, %al
	jnz	fail
	testb	$ATA_SR_DRQ, %al
	jz	2b
	pushw	%cx
	movw	%bx, %es
	xorw	%di, %di
	movw	$256, %cx
	movw	$ATA_DATA, %dx
	rep insw
	popw	%cx
	addw	$(512 >> 4), %bx
	incw	%si
	loop	read_sector
	xorw	%ax, %ax
	movw	%ax, %es
	cmpl	$SECTOR1_MAGIC, SECTOR1_ADDRESS
	jne	fail

loaded:
	inb	$SYSCTL_PORT_A, %al		/* fast A20: bit 1; never set bit 0 (reset) */
	orb	$0x02, %al
	andb	$0xFE, %al
	outb	%al, $SYSCTL_PORT_A
	lgdtl	gdt_descriptor
	movl	%cr0, %eax
	orb	$1, %al				/* CR0.PE */
	movl	%eax, %cr0
	ljmpl	$GDT_CODE, $start32

ata_wait_not_busy:				/* returns the status in %al */
	movw	$ATA_COMMAND, %dx
3:	inb	%dx, %al
	testb	$ATA_SR_BSY, %al
	jnz	3b
	ret

fail:
	movb	$1, %al
	outb	%al, $DEBUG_EXIT_PORT
4:	hlt
	jmp	4b

	.code32
start32:
	movw	$GDT_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	movl	$__stack_top, %esp
	pushl	$0x2				/* EFLAGS: only the reserved bit 1 */
	popfl
	xorl	%eax, %eax
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	rep stosl
	call	rt_start
	pushl	$1
	call	exit

	.p2align 3
gdt:
	.quad	0
	.quad	0x00CF9A000000FFFF		/* 0x08: code, base 0, limit 4 GiB, 32-bit */
	.quad	0x00CF92000000FFFF		/* 0x10: data, base 0, limit 4 GiB */
gdt_descriptor:
	.word	gdt_descriptor - gdt - 1
	.long	gdt

	/* First word of sector 1: the stub's "already loaded" test. */
	.section .sector1_magic, "a"
	.long	SECTOR1_MAGIC
