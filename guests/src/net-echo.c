/*
 * net-echo: an interrupt-driven RTL8169 driver that echoes every frame it receives.
 * migtrace only: QEMU's PC has no RTL8169 (it has the 8139C+, a different register set).
 *
 * Args (defaults): ring=16 (RX and TX descriptors, 1..1024), frames=0 (stop after this many
 * received frames; 0 = until a "quit" frame), irq=ioapic (or pic).
 *
 *  1. PCI: scan bus 0 through configuration mechanism #1 for 10EC:8169; read BAR1 (the
 *     memory-mapped register window) and the interrupt line; enable memory space and bus
 *     mastering.
 *  2. NIC (net-echo/rtl8169.c, after Linux's r8169): reset, unlock Cfg9346, MAC from IDR0-5,
 *     RX and TX rings of `ring` descriptors with 2 KiB buffers (EOR on the last) in the DMA
 *     area at 1 MiB, RxMaxSize, RxConfig (our unicast + broadcast, no multicast), TxConfig,
 *     RE|TE, Cfg9346 locked, IntrMask (ROK RER TOK TER RDU LinkChg FOVW SERR).
 *  3. Interrupts (net-echo/intr.c): irq=ioapic routes the line through the IOAPIC
 *     (level-triggered, vector 0x50, to this LAPIC, which is software-enabled; the 8259A pair
 *     masked); irq=pic through the 8259A pair with the line level-triggered in the ELCR. The
 *     handler acknowledges IntrStatus (write 1 to clear), records the causes and sends the EOI;
 *     the main loop does the ring work and sleeps in hlt when there is none.
 *  4. For every received frame (frame number k = 1, 2, ...): the reply goes to the sender
 *     (destination = the frame's source; source = our MAC, so a unicast frame's addresses are
 *     swapped), keeps the ethertype and the payload except its first 4 bytes, which become k,
 *     big-endian; it is padded with zeros to 60 bytes. A frame whose payload starts with
 *     "quit" is counted but not echoed and ends the run, as does the frames= limit.
 *
 * Output: one line about the NIC, then (after the TX ring has drained) the summary:
 *   net-echo: received R (U unicast, B broadcast), sent S, rx errors E, missed M
 *   net-echo: rx ring at X, tx ring at Y of N descriptors
 *   net-echo: payload crc32 0xXXXXXXXX
 * where the CRC-32 (IEEE) runs over the payloads (bytes 14.. of each frame, FCS excluded) of
 * every received frame in order, the quit frame included; missed is RxMissed (frames dropped
 * for want of a descriptor). test/guests/net-echo.test.ts recomputes all of it.
 */
#include "guest.h"
#include "net-echo/intr.h"
#include "net-echo/pci.h"
#include "net-echo/rtl8169.h"

#define DMA_BASE	0x100000u	/* 1 MiB: above the guest's image, stack and the BIOS areas */
#define VEC_NIC		0x50
#define ETH_HLEN	14
#define ETH_ZLEN	60		/* shortest frame without FCS */
#define NIC_INTERRUPTS	(INTR_ROK | INTR_RER | INTR_TOK | INTR_TER | INTR_RDU | INTR_LINK_CHG | INTR_FOVW | INTR_SYS_ERR)

static struct rtl8169 nic;
static enum intr_mode mode;
static uint8_t nic_irq;
static volatile uint16_t nic_events;	/* IntrStatus causes not yet looked at by the main loop */
static volatile uint32_t nic_interrupts;

static void nic_handler(struct isr_frame *f)
{
	(void)f;
	nic_events |= rtl_ack_interrupts(&nic);
	nic_interrupts++;
	intr_eoi(mode, nic_irq);
}

/* Sleep until the handler has recorded something, then take it. */
static uint16_t wait_for_events(void)
{
	cli();
	while (nic_events == 0)
		sti_hlt();
	uint16_t ev = nic_events;
	nic_events = 0;
	sti();
	return ev;
}

/*
 * The per-frame work is the hot path here, unlike the runtime's byte loops: a string-move
 * copy and a table-driven CRC-32 (the same IEEE CRC as runtime/crc32.c).
 */
static void copy(void *dst, const void *src, size_t n)
{
	size_t words = n / 4, bytes = n % 4;
	__asm__ volatile("rep movsl\n\tmovl %4, %%ecx\n\trep movsb"
			 : "+D"(dst), "+S"(src), "+c"(words)
			 : "0"(dst), "r"(bytes)
			 : "memory");
}

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & -(c & 1));
		crc_table[n] = c;
	}
}

static uint32_t crc_update(uint32_t crc, const uint8_t *p, size_t len)
{
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
	return ~crc;
}

static bool dma_area_is_ram(uintptr_t base, size_t size)
{
	for (uintptr_t a = base; a < base + size; a += 0x10000) {
		volatile uint32_t *p = (volatile uint32_t *)a;
		*p = 0x5AA5F00Fu;
		if (*p != 0x5AA5F00Fu)
			return false;
	}
	return true;
}

static const char *const known_args[] = { "ring", "frames", "irq", NULL };

int main(void)
{
	args_allow_only(known_args);
	uint32_t ring = arg_uint("ring", 16);
	uint32_t max_frames = arg_uint("frames", 0);
	size_t len;
	const char *irq_arg = arg_value("irq", &len);
	if (irq_arg == NULL || (len == 6 && strncmp(irq_arg, "ioapic", 6) == 0)) {
		mode = INTR_IOAPIC;
	} else if (len == 3 && strncmp(irq_arg, "pic", 3) == 0) {
		mode = INTR_PIC;
	} else {
		printf("net-echo: irq= must be ioapic or pic\n");
		return 1;
	}
	if (ring < 1 || ring > RTL_RING_MAX) {
		printf("net-echo: ring=%u: must be 1..%u\n", ring, RTL_RING_MAX);
		return 1;
	}
	if (!dma_area_is_ram(DMA_BASE, rtl_dma_size(ring))) {
		printf("net-echo: no RAM for the DMA area at 0x%08x\n", DMA_BASE);
		return 1;
	}

	crc_init();

	/* ------------------------------------------------ PCI */
	struct pci_location loc;
	if (!pci_find(RTL_VENDOR_ID, RTL_DEVICE_ID, &loc)) {
		printf("net-echo: no RTL8169 (10ec:8169) on PCI bus 0\n");
		return 1;
	}
	uint32_t bar1 = pci_read32(loc, PCI_BAR0 + 4);
	nic_irq = pci_read8(loc, PCI_INTERRUPT_LINE);
	if ((bar1 & 1) || (bar1 & 6) != 0 || (bar1 & ~0xFu) == 0) {
		printf("net-echo: BAR1 0x%08x is not an assigned 32-bit memory BAR\n", bar1);
		return 1;
	}
	if (nic_irq == 0 || nic_irq >= 16 || nic_irq == 2) {
		printf("net-echo: interrupt line %u is not a usable ISA IRQ\n", nic_irq);
		return 1;
	}
	uint16_t cmd = pci_read16(loc, PCI_COMMAND);
	pci_write16(loc, PCI_COMMAND, (cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER) & ~PCI_COMMAND_INTX_DISABLE);

	/* ------------------------------------------------ interrupts, then the NIC */
	idt_init();
	uint8_t vector = intr_route_level(mode, nic_irq, VEC_NIC);
	idt_set_handler(vector, nic_handler);
	if (!rtl_open(&nic, bar1 & ~0xFu, ring, DMA_BASE, NIC_INTERRUPTS))
		return 1;
	uint8_t phy = rtl_r8(&nic, RTL_PHY_STATUS);
	printf("net-echo: rtl8169 at %02x:%02x.%u mmio 0x%08x irq %u (%s, vector 0x%02x) "
	       "mac %02x:%02x:%02x:%02x:%02x:%02x ring %u link %s\n",
	       loc.bus, loc.device, loc.function, bar1 & ~0xFu, nic_irq,
	       mode == INTR_IOAPIC ? "ioapic" : "pic", vector, nic.mac[0], nic.mac[1], nic.mac[2],
	       nic.mac[3], nic.mac[4], nic.mac[5], ring,
	       !(phy & PHY_LINK) ? "down" : phy & PHY_1000MF ? (phy & PHY_FULL_DUPLEX ? "1000/full" : "1000/half") : "up");
	sti();

	/* ------------------------------------------------ echo */
	uint32_t received = 0, unicast = 0, broadcast = 0, rx_errors = 0;
	uint32_t crc = 0;
	bool quit = false;
	while (!quit && (max_frames == 0 || received < max_frames)) {
		rtl_tx_reclaim(&nic);
		struct rtl_rx_frame rx;
		uint8_t *tx;
		bool progress = false;
		while (!quit && (max_frames == 0 || received < max_frames) && rtl_rx_peek(&nic, &rx)) {
			/* One descriptor per frame (2 KiB buffers, RxMaxSize 2 KiB); anything else is an error. */
			if ((rx.status & (DESC_FS | DESC_LS)) != (DESC_FS | DESC_LS) || (rx.status & RX_RES) ||
			    rx.length < ETH_HLEN) {
				rx_errors++;
				rtl_rx_release(&nic);
				progress = true;
				continue;
			}
			if ((tx = rtl_tx_buffer(&nic)) == NULL)
				break;	/* every TX descriptor in flight: wait for TOK */
			received++;
			if (rx.status & RX_BAR)
				broadcast++;
			else if (rx.status & RX_PAM)
				unicast++;
			size_t payload = rx.length - ETH_HLEN;
			crc = crc_update(crc, rx.data + ETH_HLEN, payload);
			if (payload >= 4 && memcmp(rx.data + ETH_HLEN, "quit", 4) == 0) {
				quit = true;
			} else {
				size_t out = rx.length < ETH_ZLEN ? ETH_ZLEN : rx.length;
				copy(tx, rx.data + 6, 6);		/* to the sender */
				copy(tx + 6, nic.mac, 6);		/* from us */
				copy(tx + 12, rx.data + 12, rx.length - 12);
				memset(tx + rx.length, 0, out - rx.length);
				tx[ETH_HLEN + 0] = (uint8_t)(received >> 24);
				tx[ETH_HLEN + 1] = (uint8_t)(received >> 16);
				tx[ETH_HLEN + 2] = (uint8_t)(received >> 8);
				tx[ETH_HLEN + 3] = (uint8_t)received;
				rtl_tx_send(&nic, out);
			}
			rtl_rx_release(&nic);
			progress = true;
		}
		if (!progress && !quit && (max_frames == 0 || received < max_frames))
			wait_for_events();
	}

	/* Let the transmitter finish, then shut the NIC down. */
	rtl_tx_reclaim(&nic);
	while (nic.tx_pending > 0) {
		wait_for_events();
		rtl_tx_reclaim(&nic);
	}
	uint32_t missed = rtl_r32(&nic, RTL_RX_MISSED) & 0xFFFFFF;
	cli();
	rtl_close(&nic);
	intr_mask(mode, nic_irq);

	if (quit)
		printf("net-echo: quit frame after %u frames\n", received - 1);
	else
		printf("net-echo: stopped after %u frames\n", received);
	printf("net-echo: received %u (%u unicast, %u broadcast), sent %u, rx errors %u, missed %u\n",
	       received, unicast, broadcast, nic.tx_done, rx_errors, missed);
	printf("net-echo: rx ring at %u, tx ring at %u of %u descriptors\n", nic.rx_cur, nic.tx_cur, ring);
	printf("net-echo: payload crc32 0x%08x\n", crc);
	if (spurious_interrupts)
		printf("net-echo: %u spurious interrupts\n", spurious_interrupts);
	return 0;
}
