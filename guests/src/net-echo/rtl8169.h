/*
 * RTL8169 driver: the basics of Linux's r8169 for an RTL8169S (TxConfig XID 008,
 * RTL_GIGA_MAC_VER_02), memory-mapped through BAR1. RTL8169 datasheet rev 1.21: section 6
 * (registers), section 7 (descriptors).
 */
#ifndef NET_ECHO_RTL8169_H
#define NET_ECHO_RTL8169_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTL_VENDOR_ID		0x10EC
#define RTL_DEVICE_ID		0x8169

/* Registers (r8169 names). */
#define RTL_MAC0		0x00	/* IDR0-5 */
#define RTL_MAR0		0x08	/* multicast hash filter, 8 bytes */
#define RTL_TX_DESC_LO		0x20	/* TxDescStartAddrLow: normal-priority ring */
#define RTL_TX_DESC_HI		0x24
#define RTL_CHIP_CMD		0x37
#define RTL_TX_POLL		0x38
#define RTL_INTR_MASK		0x3C
#define RTL_INTR_STATUS		0x3E
#define RTL_TX_CONFIG		0x40
#define RTL_RX_CONFIG		0x44
#define RTL_RX_MISSED		0x4C
#define RTL_CFG9346		0x50
#define RTL_PHY_STATUS		0x6C
#define RTL_RX_MAX_SIZE		0xDA
#define RTL_CPLUS_CMD		0xE0
#define RTL_INTR_MITIGATE	0xE2
#define RTL_RX_DESC_LO		0xE4
#define RTL_RX_DESC_HI		0xE8
#define RTL_EARLY_TX_THRES	0xEC

#define CMD_RESET		0x10
#define CMD_RX_ENABLE		0x08
#define CMD_TX_ENABLE		0x04
#define TXPOLL_NPQ		0x40
#define CFG9346_LOCK		0x00
#define CFG9346_UNLOCK		0xC0

/* IntrStatus / IntrMask. */
#define INTR_ROK		0x0001
#define INTR_RER		0x0002
#define INTR_TOK		0x0004
#define INTR_TER		0x0008
#define INTR_RDU		0x0010	/* r8169: RxOverflow (no descriptor) */
#define INTR_LINK_CHG		0x0020
#define INTR_FOVW		0x0040	/* r8169: RxFIFOOver */
#define INTR_SYS_ERR		0x8000

#define RX_ACCEPT_MY_PHYS	0x02
#define RX_ACCEPT_BROADCAST	0x08
#define RX_FIFO_NO_THRESHOLD	(7u << 13)
#define RX_DMA_UNLIMITED	(7u << 8)
#define TX_IFG_NORMAL		(3u << 24)
#define TX_DMA_UNLIMITED	(7u << 8)
#define CPLUS_PCI_MUL_RW	0x0008
#define CPLUS_BIT14		0x4000	/* r8169: "bit 3 and bit 14 MUST be 1" on the 8169S */
#define NO_EARLY_TX		0x3F
#define PHY_LINK		0x02
#define PHY_1000MF		0x10
#define PHY_FULL_DUPLEX		0x01

/* Descriptors (datasheet section 7). */
#define DESC_OWN		0x80000000u
#define DESC_EOR		0x40000000u
#define DESC_FS			0x20000000u
#define DESC_LS			0x10000000u
#define RX_MAR			0x08000000u	/* multicast */
#define RX_PAM			0x04000000u	/* physical address matched */
#define RX_BAR			0x02000000u	/* broadcast */
#define RX_RES			0x00200000u	/* receive error summary */
#define RX_LENGTH_MASK		0x00003FFFu
#define RTL_FCS_LEN		4

#define RTL_BUF_SIZE		2048		/* per descriptor, RX and TX */
#define RTL_RING_MAX		1024		/* descriptors per ring, datasheet maximum */

struct rtl_desc {
	volatile uint32_t opts1;
	volatile uint32_t opts2;
	volatile uint32_t addr_lo;
	volatile uint32_t addr_hi;
};

struct rtl8169 {
	volatile uint8_t *mmio;
	uint8_t mac[6];
	unsigned ring;			/* descriptors per ring */
	struct rtl_desc *rx, *tx;	/* 256-byte aligned */
	uint8_t *rx_buf, *tx_buf;	/* ring * RTL_BUF_SIZE each */
	unsigned rx_cur;		/* next RX descriptor to look at */
	unsigned tx_cur;		/* next TX descriptor to fill */
	unsigned tx_dirty;		/* oldest TX descriptor not yet reclaimed */
	unsigned tx_pending;		/* descriptors handed to the NIC, not yet reclaimed */
	uint32_t tx_done;		/* frames the NIC has sent */
};

/* A received frame, still in its RX buffer (the descriptor stays ours until rtl_rx_release). */
struct rtl_rx_frame {
	const uint8_t *data;
	size_t length;			/* without the FCS */
	uint32_t status;		/* opts1 */
};

static inline uint8_t rtl_r8(struct rtl8169 *nic, unsigned reg) { return *(volatile uint8_t *)(nic->mmio + reg); }
static inline uint16_t rtl_r16(struct rtl8169 *nic, unsigned reg) { return *(volatile uint16_t *)(nic->mmio + reg); }
static inline uint32_t rtl_r32(struct rtl8169 *nic, unsigned reg) { return *(volatile uint32_t *)(nic->mmio + reg); }
static inline void rtl_w8(struct rtl8169 *nic, unsigned reg, uint8_t v) { *(volatile uint8_t *)(nic->mmio + reg) = v; }
static inline void rtl_w16(struct rtl8169 *nic, unsigned reg, uint16_t v) { *(volatile uint16_t *)(nic->mmio + reg) = v; }
static inline void rtl_w32(struct rtl8169 *nic, unsigned reg, uint32_t v) { *(volatile uint32_t *)(nic->mmio + reg) = v; }

/*
 * Reset the chip and bring it up: rings of `ring` descriptors in the DMA area at `dma`
 * (which must hold rtl_dma_size(ring) bytes), receiver accepting our unicast and broadcast,
 * interrupts `intr_mask` enabled. Returns false (with a message) if the reset never completes.
 */
bool rtl_open(struct rtl8169 *nic, uintptr_t mmio, unsigned ring, uintptr_t dma, uint16_t intr_mask);
size_t rtl_dma_size(unsigned ring);
/* Read and acknowledge (write 1 to clear) the pending interrupt causes. */
uint16_t rtl_ack_interrupts(struct rtl8169 *nic);
/* The frame in the next RX descriptor, if the NIC has handed it back. */
bool rtl_rx_peek(struct rtl8169 *nic, struct rtl_rx_frame *frame);
/* Give the current RX descriptor back to the NIC (OWN, buffer size) and move on. */
void rtl_rx_release(struct rtl8169 *nic);
/* A free TX buffer, or NULL when every TX descriptor is still the NIC's. */
uint8_t *rtl_tx_buffer(struct rtl8169 *nic);
/* Hand the frame in the buffer rtl_tx_buffer gave to the NIC (FS, LS, OWN) and poll NPQ. */
void rtl_tx_send(struct rtl8169 *nic, size_t length);
/* Reclaim TX descriptors the NIC has finished with. */
void rtl_tx_reclaim(struct rtl8169 *nic);
/* Interrupts off, receiver and transmitter off. */
void rtl_close(struct rtl8169 *nic);

#endif
