/*
 * Boot protocol constants, shared by boot.S and the runtime. link.ld repeats the addresses (ld has no cpp);
 * guests/README.md documents them; src/machine/machine.ts and the tests use the same values.
 */
#ifndef MIGTRACE_BOOT_H
#define MIGTRACE_BOOT_H

#define BOOT_ADDRESS		0x7C00
#define SECTOR1_ADDRESS		0x7E00
#define BOOT_HEADER_VERSION	1
#define BOOT_HEADER_MAGIC	0x4247544D	/* "MTGB" at image offset 0x04 */
#define SECTOR1_MAGIC		0x3147544D	/* "MTG1" at image offset 0x200 */
#define GUEST_ARGS_OFFSET	0x1A0		/* NUL-terminated "k=v k=v", up to 0x1FD */
#define GUEST_ARGS_SIZE		94

#define GDT_CODE		0x08
#define GDT_DATA		0x10

/* Primary ATA channel, task-file registers (ATA-6, 7.x). */
#define ATA_DATA		0x1F0
#define ATA_SECTOR_COUNT	0x1F2
#define ATA_DRIVE_HEAD		0x1F6
#define ATA_COMMAND		0x1F7		/* write: command; read: status */
#define ATA_ALT_STATUS		0x3F6
#define ATA_CMD_READ_SECTORS	0x20
#define ATA_SR_BSY		0x80
#define ATA_SR_DRQ		0x08
#define ATA_SR_ERR		0x01

#define SYSCTL_PORT_A		0x92		/* fast A20 gate, bit 1 */
#define DEBUG_EXIT_PORT		0xF4

#endif
