/*
 * disk-slave: both drives of the primary ATA channel (ATA/ATAPI-6 5.2, device 0 and device 1),
 * interrupt-driven PIO as in disk.c; run with a slave disk (migtrace run disk-slave --slave-disk
 * FILE; without one the slave's IDENTIFY fails). Both drives latch every task-file write; the
 * DEV bit (0x1F6 bit 4) picks the one that answers, moves data and interrupts.
 *
 * Args (defaults): spin=200000 (loop iterations spent idle at each stage, so a migration can
 * land there).
 *
 * 1. PICs, IRQ14; soft reset (both drives), the signature.
 * 2. Slave: IDENTIFY (model printed), SET MULTIPLE MODE 8. Master: SET MULTIPLE MODE 2.
 * 3. Master: WRITE SECTORS of a pattern (4 sectors at the scratch area), FLUSH CACHE.
 * 4. Slave: READ SECTORS (4 sectors from LBA 0, CRC-32 printed), then READ MULTIPLE (8).
 * 5. Slave selected, idle: spin.
 * 6. Slave: FLUSH CACHE with interrupts off; its INTRQ stays pending while the alternate status
 *    is polled (spin/16 reads), then taken.
 * 7. Master: READ SECTORS of the pattern back, compared.
 */
#include "guest.h"
#include "pic.h"

#define ATA_DATA	0x1F0
#define ATA_ERROR	0x1F1
#define ATA_NSECTOR	0x1F2
#define ATA_LBA_LOW	0x1F3
#define ATA_LBA_MID	0x1F4
#define ATA_LBA_HIGH	0x1F5
#define ATA_DEVICE	0x1F6
#define ATA_STATUS	0x1F7	/* read: status (clears INTRQ); write: command */
#define ATA_ALTSTATUS	0x3F6	/* read: status (does not); write: device control */

#define SR_BSY		0x80
#define SR_DRDY		0x40
#define SR_DF		0x20
#define SR_DRQ		0x08
#define SR_ERR		0x01
#define CTL_NIEN	0x02
#define CTL_SRST	0x04
#define DEV_LBA		0x40
#define DEV_OBS		0xA0	/* bits 7 and 5: obsolete, set by convention */

#define CMD_READ_SECTORS	0x20
#define CMD_WRITE_SECTORS	0x30
#define CMD_READ_MULTIPLE	0xC4
#define CMD_SET_MULTIPLE	0xC6
#define CMD_FLUSH_CACHE		0xE7
#define CMD_IDENTIFY		0xEC
#define DEV_SLAVE	0x10

#define IRQ_ATA		14
#define VEC_MASTER	0x20
#define VEC_SLAVE	0x28

#define SECTOR		512
#define SCRATCH_SECTORS	64
#define MAX_COUNT	64

static const char *const known_args[] = { "spin", NULL };

/*
 * The scratch area: part of the image (so it is part of the disk), sector-aligned. The
 * image starts at 0x7C00, a sector boundary, so its LBA is (address - 0x7C00) / 512.
 * Only the disk copy is written; this memory copy is never used.
 */
static uint8_t scratch_area[SCRATCH_SECTORS * SECTOR]
	__attribute__((section(".data.disk_scratch"), aligned(SECTOR), used));

static uint32_t buffer[MAX_COUNT * SECTOR / 4];
static volatile bool irq_seen;
static volatile uint8_t irq_status;

static uint32_t pattern(uint32_t lba, uint32_t i)
{
	uint32_t x = lba * 0x9E3779B9u + i * 0x85EBCA6Bu;
	x ^= x >> 15;
	x *= 0x2C1B3C6Du;
	return x ^ (x >> 12);
}

static void ata_irq(struct isr_frame *frame)
{
	(void)frame;
	irq_status = inb(ATA_STATUS);	/* acknowledges the device: INTRQ drops */
	irq_seen = true;
	pic_eoi(IRQ_ATA);
}

static void spurious_irq(struct isr_frame *frame)
{
	unsigned irq = frame->vector == VEC_MASTER + 7 ? 7 : 15;
	if (pic_spurious(irq))
		return;
	printf("disk-slave: unexpected IRQ%u\n", irq);
	exit(1);
}

/* The status the handler read at the next interrupt. */
static uint8_t wait_irq(void)
{
	cli();
	while (!irq_seen) {
		sti_hlt();
		cli();
	}
	irq_seen = false;
	uint8_t status = irq_status;
	sti();
	return status;
}

/* 400 ns for the status to become valid after a command or a device select (ATA-6 9.x). */
static void delay_400ns(void)
{
	for (int i = 0; i < 4; i++)
		(void)inb(ATA_ALTSTATUS);
}

/* Poll the alternate status (it leaves INTRQ alone) until BSY clears. */
static uint8_t wait_not_busy(void)
{
	uint8_t status = SR_BSY;
	for (uint32_t polls = 0; polls < 10000000 && (status & SR_BSY); polls++)
		status = inb(ATA_ALTSTATUS);
	return status;
}

static void fail(const char *what, uint8_t status)
{
	printf("disk-slave: %s failed: status 0x%02x, error 0x%02x\n", what, status, inb(ATA_ERROR));
	exit(1);
}

static void issue(uint8_t dev, uint8_t command, uint32_t lba, uint32_t count)
{
	outb(ATA_DEVICE, (uint8_t)(DEV_OBS | DEV_LBA | dev | ((lba >> 24) & 0x0F)));
	delay_400ns();
	outb(ATA_NSECTOR, (uint8_t)count);	/* 256 would be 0 */
	outb(ATA_LBA_LOW, (uint8_t)lba);
	outb(ATA_LBA_MID, (uint8_t)(lba >> 8));
	outb(ATA_LBA_HIGH, (uint8_t)(lba >> 16));
	outb(ATA_STATUS, command);
}

/* PIO data-in: an interrupt per DRQ block of block sectors (the last block may be shorter). */
static void read_blocks(const char *what, uint8_t dev, uint8_t command, uint32_t lba, uint32_t count,
			uint32_t block)
{
	issue(dev, command, lba, count);
	for (uint32_t done = 0; done < count;) {
		uint8_t status = wait_irq();
		if ((status & (SR_BSY | SR_DRQ | SR_ERR | SR_DF)) != SR_DRQ)
			fail(what, status);
		uint32_t n = count - done < block ? count - done : block;
		insw(ATA_DATA, buffer + done * (SECTOR / 4), n * (SECTOR / 2));
		done += n;
	}
	uint8_t status = inb(ATA_ALTSTATUS);
	if (status & (SR_BSY | SR_DRQ | SR_ERR | SR_DF))
		fail(what, status);
}

/* PIO data-out, one sector per DRQ block: polled for the first, interrupts after each. */
static void write_sectors(uint8_t dev, uint32_t lba, uint32_t count)
{
	issue(dev, CMD_WRITE_SECTORS, lba, count);
	delay_400ns();
	uint8_t status = wait_not_busy();
	for (uint32_t s = 0; s < count; s++) {
		if ((status & (SR_BSY | SR_DRQ | SR_ERR | SR_DF)) != SR_DRQ)
			fail("WRITE SECTORS", status);
		outsw(ATA_DATA, buffer + s * (SECTOR / 4), SECTOR / 2);
		status = wait_irq();
	}
	if (status & (SR_BSY | SR_DRQ | SR_ERR | SR_DF))
		fail("WRITE SECTORS", status);
}

static uint8_t non_data(uint8_t dev, uint8_t command, uint8_t nsector)
{
	outb(ATA_DEVICE, DEV_OBS | DEV_LBA | dev);
	delay_400ns();
	outb(ATA_NSECTOR, nsector);
	outb(ATA_STATUS, command);
	return wait_irq();
}

/* An ATA string: two characters per word, the first in the high byte; trailing blanks cut. */
static void ata_string(const uint16_t *words, unsigned first, unsigned count, char *out)
{
	unsigned n = 0;
	for (unsigned w = first; w < first + count; w++) {
		out[n++] = (char)(words[w] >> 8);
		out[n++] = (char)(words[w] & 0xFF);
	}
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\0'))
		n--;
	out[n] = '\0';
}

static void soft_reset(void)
{
	outb(ATA_ALTSTATUS, CTL_SRST | CTL_NIEN);
	for (int i = 0; i < 20; i++)		/* SRST held >= 5 µs */
		(void)inb(ATA_ALTSTATUS);
	outb(ATA_ALTSTATUS, 0);			/* nIEN = 0: INTRQ reaches IRQ14 */
	delay_400ns();
	uint8_t status = wait_not_busy();
	if (status & (SR_BSY | SR_ERR))
		fail("soft reset", status);
	uint8_t sig[4] = { inb(ATA_NSECTOR), inb(ATA_LBA_LOW), inb(ATA_LBA_MID), inb(ATA_LBA_HIGH) };
	if (sig[0] != 1 || sig[1] != 1 || sig[2] != 0 || sig[3] != 0) {
		printf("disk-slave: no ATA device: signature %02x %02x %02x %02x\n", sig[0], sig[1], sig[2],
		       sig[3]);
		exit(1);
	}
	(void)inb(ATA_STATUS);			/* no stale INTRQ */
	printf("disk-slave: soft reset, ATA signature\n");
}


static void spin(uint32_t n)
{
	for (volatile uint32_t i = 0; i < n; i++)
		;
}

int main(void)
{
	args_allow_only(known_args);
	uint32_t scratch_lba = ((uint32_t)scratch_area - 0x7C00) / SECTOR;
	uint32_t n = arg_uint("spin", 200000);
	const uint32_t count = 4;

	cli();
	idt_init();
	idt_set_handler(VEC_SLAVE + (IRQ_ATA - 8), ata_irq);
	idt_set_handler(VEC_MASTER + 7, spurious_irq);
	idt_set_handler(VEC_SLAVE + 7, spurious_irq);
	pic_init(VEC_MASTER, VEC_SLAVE, false);
	pic_unmask(IRQ_ATA);
	sti();

	soft_reset();

	outb(ATA_DEVICE, DEV_OBS | DEV_SLAVE);
	delay_400ns();
	outb(ATA_STATUS, CMD_IDENTIFY);
	uint8_t status = wait_irq();
	if ((status & (SR_BSY | SR_DRQ | SR_ERR)) != SR_DRQ)
		fail("slave IDENTIFY DEVICE", status);
	static uint16_t id[256];
	insw(ATA_DATA, id, 256);
	char model[41];
	ata_string(id, 27, 20, model);
	printf("disk-slave: slave IDENTIFY model \"%s\"\n", model);

	status = non_data(DEV_SLAVE, CMD_SET_MULTIPLE, 8);
	if (status & (SR_BSY | SR_DRQ | SR_ERR | SR_DF))
		fail("slave SET MULTIPLE MODE", status);
	status = non_data(0, CMD_SET_MULTIPLE, 2);
	if (status & (SR_BSY | SR_DRQ | SR_ERR | SR_DF))
		fail("master SET MULTIPLE MODE", status);
	printf("disk-slave: SET MULTIPLE MODE slave 8, master 2\n");

	for (uint32_t s = 0; s < count; s++)
		for (uint32_t i = 0; i < SECTOR / 4; i++)
			buffer[s * (SECTOR / 4) + i] = pattern(scratch_lba + s, i);
	write_sectors(0, scratch_lba, count);
	status = non_data(0, CMD_FLUSH_CACHE, 0);
	if (status & (SR_BSY | SR_DRQ | SR_ERR | SR_DF))
		fail("FLUSH CACHE", status);
	printf("disk-slave: master WRITE SECTORS: %u sectors at LBA %u\n", count, scratch_lba);

	memset(buffer, 0, sizeof buffer);
	read_blocks("slave READ SECTORS", DEV_SLAVE, CMD_READ_SECTORS, 0, count, 1);
	printf("disk-slave: slave READ SECTORS crc32 0x%08x\n", crc32(buffer, count * SECTOR));
	memset(buffer, 0, sizeof buffer);
	read_blocks("slave READ MULTIPLE", DEV_SLAVE, CMD_READ_MULTIPLE, 0, 16, 8);
	printf("disk-slave: slave READ MULTIPLE crc32 0x%08x\n", crc32(buffer, 16 * SECTOR));

	spin(n);
	printf("disk-slave: slave selected, idle\n");

	cli();
	outb(ATA_DEVICE, DEV_OBS | DEV_LBA | DEV_SLAVE);
	delay_400ns();
	outb(ATA_STATUS, CMD_FLUSH_CACHE);
	for (uint32_t i = 0; i < n / 16; i++)	/* the alternate status leaves INTRQ pending */
		(void)inb(ATA_ALTSTATUS);
	status = wait_irq();
	if (status & (SR_BSY | SR_DRQ | SR_ERR | SR_DF))
		fail("slave FLUSH CACHE", status);
	printf("disk-slave: slave FLUSH CACHE, interrupt taken late\n");

	memset(buffer, 0, sizeof buffer);
	read_blocks("master READ SECTORS", 0, CMD_READ_SECTORS, scratch_lba, count, 1);
	uint32_t bad = 0;
	for (uint32_t s = 0; s < count; s++)
		for (uint32_t i = 0; i < SECTOR / 4; i++)
			bad += buffer[s * (SECTOR / 4) + i] != pattern(scratch_lba + s, i);
	printf("disk-slave: master READ SECTORS: %s\n", bad ? "MISMATCH" : "all match");
	return bad == 0 ? 0 : 1;
}
