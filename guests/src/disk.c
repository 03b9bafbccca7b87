/*
 * disk: an interrupt-driven ATA PIO driver for the primary master (ATA/ATAPI-6, T13/1410D).
 *
 * Args (defaults): count=16 (sectors, 1..64), lba= (first sector; default the 64-sector
 * scratch area inside this image, past its code and data), mult=4 (READ MULTIPLE block size
 * for SET MULTIPLE MODE: a power of two up to the drive's maximum).
 *
 * The disk is the boot image itself (QEMU's -drive, migtrace's default private copy), so the
 * image carries a 64-sector scratch area to write to; qemu-run.sh runs a temporary copy and
 * migtrace a copy-on-write view, so the committed image never changes. Any other disk works
 * (migtrace run disk --disk FILE): only its size shows in the output.
 *
 * 1. PICs initialised (vectors 0x20/0x28), IRQ14 unmasked on the slave (cascade on IR2).
 *    The handler reads the status register (which clears INTRQ), keeps it, and EOIs slave
 *    and master; the driver waits for it with hlt.
 * 2. Soft reset (device control SRST, then nIEN = 0: interrupts on), wait for BSY clear,
 *    check the ATA signature (count 1, LBA low 1, LBA mid/high 0).
 * 3. IDENTIFY DEVICE: model, serial, firmware (these differ between machines), LBA28
 *    capacity and the READ/WRITE MULTIPLE maximum.
 * 4. WRITE SECTORS with a pattern: 32-bit word i of sector s is pattern(s, i) (below).
 *    PIO data-out: the first DRQ block is polled (no interrupt), the others and the
 *    completion come with an interrupt. Then FLUSH CACHE.
 * 5. READ SECTORS (an interrupt per sector), compare with the pattern.
 * 6. SET MULTIPLE MODE mult, READ MULTIPLE (an interrupt per block of mult sectors),
 *    compare; print a CRC-32 per block and over all sectors.
 *
 * Output (test/guests/disk.test.ts recomputes the CRCs from the pattern):
 *   disk: soft reset, ATA signature
 *   disk: IDENTIFY model "..." serial "..." firmware "..."      (machine-specific)
 *   disk: 88 sectors (LBA28), READ/WRITE MULTIPLE up to 16 sectors per block
 *   disk: 16 sectors at LBA 24
 *   disk: WRITE SECTORS: 16 sectors written, cache flushed
 *   disk: READ SECTORS: 16 sectors read, all match
 *   disk: SET MULTIPLE MODE 4
 *   disk: READ MULTIPLE: 4 blocks read, all match
 *   disk: block 0 LBA 24-27 crc32 0x1d8f6e5e
 *   ...
 *   disk: total crc32 0x........
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

#define IRQ_ATA		14
#define VEC_MASTER	0x20
#define VEC_SLAVE	0x28

#define SECTOR		512
#define SCRATCH_SECTORS	64
#define MAX_COUNT	64

static const char *const known_args[] = { "count", "lba", "mult", NULL };

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
	printf("disk: unexpected IRQ%u\n", irq);
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
	printf("disk: %s failed: status 0x%02x, error 0x%02x\n", what, status, inb(ATA_ERROR));
	exit(1);
}

static void issue(uint8_t command, uint32_t lba, uint32_t count)
{
	outb(ATA_DEVICE, (uint8_t)(DEV_OBS | DEV_LBA | ((lba >> 24) & 0x0F)));
	delay_400ns();
	outb(ATA_NSECTOR, (uint8_t)count);	/* 256 would be 0 */
	outb(ATA_LBA_LOW, (uint8_t)lba);
	outb(ATA_LBA_MID, (uint8_t)(lba >> 8));
	outb(ATA_LBA_HIGH, (uint8_t)(lba >> 16));
	outb(ATA_STATUS, command);
}

/* PIO data-in: an interrupt per DRQ block of block sectors (the last block may be shorter). */
static void read_blocks(const char *what, uint8_t command, uint32_t lba, uint32_t count,
			uint32_t block)
{
	issue(command, lba, count);
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
static void write_sectors(uint32_t lba, uint32_t count)
{
	issue(CMD_WRITE_SECTORS, lba, count);
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

static uint8_t non_data(uint8_t command, uint8_t nsector)
{
	outb(ATA_DEVICE, DEV_OBS | DEV_LBA);
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
		printf("disk: no ATA device: signature %02x %02x %02x %02x\n", sig[0], sig[1], sig[2],
		       sig[3]);
		exit(1);
	}
	(void)inb(ATA_STATUS);			/* no stale INTRQ */
	printf("disk: soft reset, ATA signature\n");
}

int main(void)
{
	args_allow_only(known_args);
	uint32_t scratch_lba = ((uint32_t)scratch_area - 0x7C00) / SECTOR;
	uint32_t count = arg_uint("count", 16);
	uint32_t lba = arg_uint("lba", scratch_lba);
	uint32_t mult = arg_uint("mult", 4);
	if (count < 1 || count > MAX_COUNT) {
		printf("disk: count=%u: 1..%u sectors\n", count, MAX_COUNT);
		return 1;
	}
	if (!arg_present("lba") && count > SCRATCH_SECTORS) {
		printf("disk: count=%u: the scratch area holds %u sectors\n", count, SCRATCH_SECTORS);
		return 1;
	}
	if (mult < 1 || mult > 255) {
		printf("disk: mult=%u: 1..255\n", mult);
		return 1;
	}

	cli();
	idt_init();
	idt_set_handler(VEC_SLAVE + (IRQ_ATA - 8), ata_irq);
	idt_set_handler(VEC_MASTER + 7, spurious_irq);
	idt_set_handler(VEC_SLAVE + 7, spurious_irq);
	pic_init(VEC_MASTER, VEC_SLAVE, false);
	pic_unmask(IRQ_ATA);
	sti();

	soft_reset();

	outb(ATA_DEVICE, DEV_OBS);
	delay_400ns();
	outb(ATA_STATUS, CMD_IDENTIFY);
	uint8_t status = wait_irq();
	if ((status & (SR_BSY | SR_DRQ | SR_ERR)) != SR_DRQ)
		fail("IDENTIFY DEVICE", status);
	static uint16_t id[256];
	insw(ATA_DATA, id, 256);
	char model[41], serial[21], firmware[9];
	ata_string(id, 27, 20, model);
	ata_string(id, 10, 10, serial);
	ata_string(id, 23, 4, firmware);
	uint32_t sectors = id[60] | (uint32_t)id[61] << 16;
	uint32_t max_mult = id[47] & 0xFF;
	printf("disk: IDENTIFY model \"%s\" serial \"%s\" firmware \"%s\"\n", model, serial, firmware);
	printf("disk: %u sectors (LBA28), READ/WRITE MULTIPLE up to %u sectors per block\n", sectors,
	       max_mult);
	if (!(id[49] & (1u << 9))) {
		printf("disk: the device does not support LBA\n");
		return 1;
	}
	if (lba >= sectors || count > sectors - lba) {
		printf("disk: LBA %u + %u sectors is past the end of the disk (%u sectors)\n", lba,
		       count, sectors);
		return 1;
	}
	printf("disk: %u sectors at LBA %u\n", count, lba);

	for (uint32_t s = 0; s < count; s++)
		for (uint32_t i = 0; i < SECTOR / 4; i++)
			buffer[s * (SECTOR / 4) + i] = pattern(lba + s, i);
	write_sectors(lba, count);
	status = non_data(CMD_FLUSH_CACHE, 0);
	if (status & (SR_BSY | SR_DRQ | SR_ERR | SR_DF))
		fail("FLUSH CACHE", status);
	printf("disk: WRITE SECTORS: %u sectors written, cache flushed\n", count);

	uint32_t bad = 0;
	memset(buffer, 0, sizeof buffer);
	read_blocks("READ SECTORS", CMD_READ_SECTORS, lba, count, 1);
	for (uint32_t s = 0; s < count; s++)
		for (uint32_t i = 0; i < SECTOR / 4; i++)
			bad += buffer[s * (SECTOR / 4) + i] != pattern(lba + s, i);
	printf("disk: READ SECTORS: %u sectors read, %s\n", count, bad ? "MISMATCH" : "all match");

	status = non_data(CMD_SET_MULTIPLE, (uint8_t)mult);
	if (status & (SR_BSY | SR_DRQ | SR_ERR | SR_DF))
		fail("SET MULTIPLE MODE", status);
	printf("disk: SET MULTIPLE MODE %u\n", mult);

	uint32_t bad_multiple = 0;
	memset(buffer, 0, sizeof buffer);
	read_blocks("READ MULTIPLE", CMD_READ_MULTIPLE, lba, count, mult);
	for (uint32_t s = 0; s < count; s++)
		for (uint32_t i = 0; i < SECTOR / 4; i++)
			bad_multiple += buffer[s * (SECTOR / 4) + i] != pattern(lba + s, i);
	uint32_t blocks = (count + mult - 1) / mult;
	printf("disk: READ MULTIPLE: %u blocks read, %s\n", blocks,
	       bad_multiple ? "MISMATCH" : "all match");

	for (uint32_t b = 0; b < blocks; b++) {
		uint32_t first = b * mult;
		uint32_t n = count - first < mult ? count - first : mult;
		printf("disk: block %u LBA %u-%u crc32 0x%08x\n", b, lba + first, lba + first + n - 1,
		       crc32(buffer + first * (SECTOR / 4), n * SECTOR));
	}
	printf("disk: total crc32 0x%08x\n", crc32(buffer, count * SECTOR));
	return bad == 0 && bad_multiple == 0 ? 0 : 1;
}
