/**
 * The RTL8169 NIC in its PCI slot (device `rtl8169`), INTA# on ISA IRQ11. Everything is
 * readable except the ring pointers, which are probed with dummy frames (BLMVisor 4.4.2):
 * freezing the NIC for that drops and raises its line, so its capture runs with IRQ11 masked
 * upstream. Its software interrupt makes a line generator that puts the NIC back exactly.
 */
import type { DeviceDriver, FaultSpec } from '../driver.js';
import { BOARD } from '../../../board/layout.js';
import { PCI_COMMAND_INTX_DISABLE } from '../../../devices/pci-config.js';
import { INTR_SWINT, REG_INTR_MASK, REG_INTR_STATUS, REG_TX_POLL, TXPOLL_FSWINT } from '../../../devices/rtl8169-regs.js';
import { captureNic } from './capture.js';
import { reconstructNic } from './reconstruct.js';
import { nicMmioBase } from './regs.js';
import { RANK } from '../ranks.js';

export const NIC_RX_POINTER_OFF_BY_ONE: FaultSpec = {
  name: 'nic-rx-pointer-off-by-one',
  side: 'reconstruct',
  device: 'rtl8169',
  effect: 'one dummy frame too many is received while driving the RTL8169 RX head (BLMVisor 4.5, figure 4.2): rx_head is one descriptor ahead, so the next frame lands in the wrong descriptor',
};

export const rtl8169Driver: DeviceDriver<void> = {
  devices: ['rtl8169'],
  // Reached through its memory BAR (relocatable: the guest's value is read from configuration space).
  ports: [],
  mmio: [BOARD.nic.mmioBase],
  irqs: [BOARD.nic.irq],
  faults: [NIC_RX_POINTER_OFF_BY_ONE],
  captureStage: 'disturbs-line',

  capture(ctx) {
    return { builders: [captureNic(ctx)] };
  },

  lineLevels(captured) {
    const nic = captured('rtl8169');
    return nic && nic.num('intr_status') & nic.num('intr_mask') && !(nic.num('pci_command') & PCI_COMMAND_INTX_DISABLE) ? 1 << BOARD.nic.irq : 0;
  },

  // The software interrupt (TxPoll FSWInt, IntrMask SWInt); writing 1 to IntrStatus.SWInt drops
  // it. Restore-safe: IntrMask and a SWInt the guest had are put back, so this also works on a
  // NIC that is already reconstructed.
  irqLine: {
    irq: BOARD.nic.irq,
    restoreSafe: true,
    create(io) {
      const base = nicMmioBase(io);
      let mask = 0;
      let had = 0;
      return {
        raise() {
          mask = io.mmioRead(base + REG_INTR_MASK, 2);
          had = io.mmioRead(base + REG_INTR_STATUS, 2) & INTR_SWINT;
          io.mmioWrite(base + REG_INTR_MASK, 2, INTR_SWINT);
          io.mmioWrite(base + REG_TX_POLL, 1, TXPOLL_FSWINT);
        },
        lower() {
          if (!had) io.mmioWrite(base + REG_INTR_STATUS, 2, INTR_SWINT);
          io.mmioWrite(base + REG_INTR_MASK, 2, 0);
          io.mmioWrite(base + REG_INTR_MASK, 2, mask);
        },
      };
    },
  },

  reconstruct: [{ rank: RANK.rtl8169, plan: (ctx) => reconstructNic(ctx, ctx.must('rtl8169')) }],
};
