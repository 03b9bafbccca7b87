#include "guest.h"
#include "rtl8169.h"

#define RESET_POLLS	100000

static inline void barrier(void)
{
	__asm__ volatile("" : : : "memory");	/* x86 keeps stores in order; the compiler must too */
}

size_t rtl_dma_size(unsigned ring)
{
	size_t descs = ((size_t)ring * sizeof(struct rtl_desc) + 255) & ~(size_t)255;
	return 2 * descs + 2 * (size_t)ring * RTL_BUF_SIZE;
}

static void rx_desc_give(struct rtl8169 *nic, unsigned i)
{
	struct rtl_desc *d = &nic->rx[i];
	d->opts2 = 0;
	d->addr_hi = 0;
	d->addr_lo = (uint32_t)(uintptr_t)(nic->rx_buf + (size_t)i * RTL_BUF_SIZE);
	barrier();
	d->opts1 = DESC_OWN | (i == nic->ring - 1 ? DESC_EOR : 0) | RTL_BUF_SIZE;
}

bool rtl_open(struct rtl8169 *nic, uintptr_t mmio, unsigned ring, uintptr_t dma, uint16_t intr_mask)
{
	size_t descs = ((size_t)ring * sizeof(struct rtl_desc) + 255) & ~(size_t)255;
	memset(nic, 0, sizeof *nic);
	nic->mmio = (volatile uint8_t *)mmio;
	nic->ring = ring;
	nic->rx = (struct rtl_desc *)dma;
	nic->tx = (struct rtl_desc *)(dma + descs);
	nic->rx_buf = (uint8_t *)(dma + 2 * descs);
	nic->tx_buf = nic->rx_buf + (size_t)ring * RTL_BUF_SIZE;

	/* Quiet the chip (r8169 rtl_irq_disable, rtl_ack_events), then ChipCmd RST and wait for it to clear. */
	rtl_w16(nic, RTL_INTR_MASK, 0);
	rtl_w16(nic, RTL_INTR_STATUS, 0xFFFF);
	rtl_w8(nic, RTL_CHIP_CMD, CMD_RESET);
	unsigned polls = 0;
	while (rtl_r8(nic, RTL_CHIP_CMD) & CMD_RESET) {
		if (++polls == RESET_POLLS) {
			printf("rtl8169: ChipCmd RST did not clear\n");
			return false;
		}
	}

	rtl_w8(nic, RTL_CFG9346, CFG9346_UNLOCK);
	for (unsigned i = 0; i < 6; i++)
		nic->mac[i] = rtl_r8(nic, RTL_MAC0 + i);

	/* Rings: every RX descriptor the NIC's, with a 2 KiB buffer; TX descriptors ours; EOR on the last. */
	memset(nic->rx, 0, 2 * descs);
	for (unsigned i = 0; i < ring; i++) {
		rx_desc_give(nic, i);
		nic->tx[i].addr_lo = (uint32_t)(uintptr_t)(nic->tx_buf + (size_t)i * RTL_BUF_SIZE);
		nic->tx[i].opts1 = i == ring - 1 ? DESC_EOR : 0;
	}

	/* rtl_hw_start_8169, in r8169's order for chips after the 8169S's quirks. */
	rtl_w8(nic, RTL_EARLY_TX_THRES, NO_EARLY_TX);
	rtl_w16(nic, RTL_RX_MAX_SIZE, RTL_BUF_SIZE);
	rtl_w16(nic, RTL_CPLUS_CMD, CPLUS_PCI_MUL_RW | CPLUS_BIT14);
	rtl_w16(nic, RTL_INTR_MITIGATE, 0);
	rtl_w32(nic, RTL_TX_DESC_HI, 0);
	rtl_w32(nic, RTL_TX_DESC_LO, (uint32_t)(uintptr_t)nic->tx);
	rtl_w32(nic, RTL_RX_DESC_HI, 0);
	rtl_w32(nic, RTL_RX_DESC_LO, (uint32_t)(uintptr_t)nic->rx);
	rtl_w8(nic, RTL_CHIP_CMD, CMD_TX_ENABLE | CMD_RX_ENABLE);
	rtl_w32(nic, RTL_TX_CONFIG, TX_IFG_NORMAL | TX_DMA_UNLIMITED);
	rtl_w32(nic, RTL_RX_CONFIG, RX_FIFO_NO_THRESHOLD | RX_DMA_UNLIMITED | RX_ACCEPT_MY_PHYS | RX_ACCEPT_BROADCAST);
	rtl_w32(nic, RTL_MAR0, 0);	/* no multicast */
	rtl_w32(nic, RTL_MAR0 + 4, 0);
	rtl_w8(nic, RTL_CFG9346, CFG9346_LOCK);
	rtl_w32(nic, RTL_RX_MISSED, 0);
	rtl_w16(nic, RTL_INTR_MASK, intr_mask);
	return true;
}

uint16_t rtl_ack_interrupts(struct rtl8169 *nic)
{
	uint16_t status = rtl_r16(nic, RTL_INTR_STATUS);
	if (status != 0 && status != 0xFFFF)
		rtl_w16(nic, RTL_INTR_STATUS, status);
	return status == 0xFFFF ? 0 : status;
}

bool rtl_rx_peek(struct rtl8169 *nic, struct rtl_rx_frame *frame)
{
	uint32_t opts1 = nic->rx[nic->rx_cur].opts1;
	if (opts1 & DESC_OWN)
		return false;
	barrier();
	uint32_t length = opts1 & RX_LENGTH_MASK;
	frame->data = nic->rx_buf + (size_t)nic->rx_cur * RTL_BUF_SIZE;
	frame->length = length >= RTL_FCS_LEN ? length - RTL_FCS_LEN : 0;
	frame->status = opts1;
	return true;
}

void rtl_rx_release(struct rtl8169 *nic)
{
	rx_desc_give(nic, nic->rx_cur);
	nic->rx_cur = (nic->rx_cur + 1) % nic->ring;
}

uint8_t *rtl_tx_buffer(struct rtl8169 *nic)
{
	if (nic->tx_pending == nic->ring)
		return NULL;
	return nic->tx_buf + (size_t)nic->tx_cur * RTL_BUF_SIZE;
}

void rtl_tx_send(struct rtl8169 *nic, size_t length)
{
	unsigned i = nic->tx_cur;
	struct rtl_desc *d = &nic->tx[i];
	d->opts2 = 0;
	d->addr_hi = 0;
	d->addr_lo = (uint32_t)(uintptr_t)(nic->tx_buf + (size_t)i * RTL_BUF_SIZE);
	barrier();
	d->opts1 = DESC_OWN | DESC_FS | DESC_LS | (i == nic->ring - 1 ? DESC_EOR : 0) | (uint32_t)length;
	barrier();
	nic->tx_cur = (i + 1) % nic->ring;
	nic->tx_pending++;
	rtl_w8(nic, RTL_TX_POLL, TXPOLL_NPQ);
}

void rtl_tx_reclaim(struct rtl8169 *nic)
{
	while (nic->tx_pending > 0 && !(nic->tx[nic->tx_dirty].opts1 & DESC_OWN)) {
		nic->tx_dirty = (nic->tx_dirty + 1) % nic->ring;
		nic->tx_pending--;
		nic->tx_done++;
	}
}

void rtl_close(struct rtl8169 *nic)
{
	rtl_w16(nic, RTL_INTR_MASK, 0);
	rtl_w16(nic, RTL_INTR_STATUS, 0xFFFF);
	rtl_w8(nic, RTL_CHIP_CMD, 0);
}
