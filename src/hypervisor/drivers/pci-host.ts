/**
 * The PCI host bridge (device `pci`): CONFIG_ADDRESS of configuration mechanism #1 is
 * readable, its own header (slot 0) goes through configuration space. Every configuration
 * cycle the hypervisor makes puts CONFIG_ADDRESS back, but reconstruction writes it last
 * anyway, at the switch-over after everything else (ranks.ts): that is the guest's value.
 */
import { BOARD } from '../../board/layout.js';
import type { DeviceDriver } from './driver.js';
import { DeviceCaptureBuilder } from '../captured.js';
import { PCI_ADDRESS, pciRead, pciWrite } from '../pci-access.js';
import { RANK } from './ranks.js';

/** The host bridge's slot on bus 0. */
const HOST_SLOT = 0;
const REG_COMMAND = 0x04;
/** Cache line size (byte 0), latency timer (byte 1). */
const REG_CACHE_LATENCY = 0x0c;
const REG_INTERRUPT_LINE = 0x3c;

export const pciHostDriver: DeviceDriver<void> = {
  devices: ['pci'],
  ports: [BOARD.pci.config],
  mmio: [],
  irqs: [],
  faults: [],
  captureStage: 'instant',

  capture(ctx) {
    const { io } = ctx;
    const b = new DeviceCaptureBuilder(ctx.schema('pci'));
    b.set('config_address', io.in32(PCI_ADDRESS), 'read');
    const cmd = pciRead(io, HOST_SLOT, REG_COMMAND) & 0xffff;
    const c = pciRead(io, HOST_SLOT, REG_CACHE_LATENCY);
    b.set('pci_command', cmd, 'read');
    b.set('pci_cache_line_size', c & 0xff, 'read');
    b.set('pci_latency_timer', (c >>> 8) & 0xff, 'read');
    b.set('pci_interrupt_line', pciRead(io, HOST_SLOT, REG_INTERRUPT_LINE) & 0xff, 'read');
    return { builders: [b] };
  },

  reconstruct: [
    {
      rank: RANK.pciHostHeader,
      plan(ctx) {
        const t = ctx.must('pci');
        ctx.timeline.at(ctx.timeline.start, 'pci: host bridge header', () => {
          const io = ctx.io;
          pciWrite(io, HOST_SLOT, REG_CACHE_LATENCY, (t.num('pci_latency_timer') << 8) | t.num('pci_cache_line_size'));
          pciWrite(io, HOST_SLOT, REG_INTERRUPT_LINE, t.num('pci_interrupt_line'));
          pciWrite(io, HOST_SLOT, REG_COMMAND, t.num('pci_command'));
        });
      },
    },
    {
      rank: RANK.pciConfigAddress,
      plan(ctx) {
        const t = ctx.must('pci');
        ctx.timeline.at(ctx.timeline.end, 'pci: CONFIG_ADDRESS', () => ctx.io.out32(PCI_ADDRESS, t.num('config_address')));
      },
    },
  ],
};
