/**
 * RTL8169 register access for the hypervisor (RTL8169 datasheet rev 1.21, section 6): through
 * the memory BAR (BAR1) as the guest programmed it, found in PCI configuration space. When the
 * guest has the memory space disabled, the hypervisor enables it for the duration and puts the
 * command register back (the caller does, via `withRegisters`).
 */
import type { HvIo } from '../../hv-io.js';
import { pciRead, pciWrite } from '../../pci-access.js';
import { BOARD } from '../../../board/layout.js';
import { PCI_COMMAND_MASTER, PCI_COMMAND_MEMORY } from '../../../devices/pci-config.js';

/** The NIC's PCI slot on bus 0, as the board wires it. */
export const NIC_SLOT = BOARD.nic.slot;
/** Type-0 header registers the hypervisor uses (PCI Local Bus 3.0, 6.1). */
export const PCI_REG_COMMAND = 0x04;
/** BAR1: the memory-mapped register window. */
export const PCI_REG_BAR1 = 0x14;

/** The memory BAR's base as the guest (or reset) placed it. */
export function nicMmioBase(io: HvIo): number {
  return (pciRead(io, NIC_SLOT, PCI_REG_BAR1) & 0xfffffff0) >>> 0;
}

export class NicRegs {
  constructor(
    readonly io: HvIo,
    readonly base: number,
  ) {}

  r8(off: number): number {
    return this.io.mmioRead(this.base + off, 1);
  }
  r16(off: number): number {
    return this.io.mmioRead(this.base + off, 2);
  }
  r32(off: number): number {
    return this.io.mmioRead(this.base + off, 4) >>> 0;
  }
  w8(off: number, v: number): void {
    this.io.mmioWrite(this.base + off, 1, v & 0xff);
  }
  w16(off: number, v: number): void {
    this.io.mmioWrite(this.base + off, 2, v & 0xffff);
  }
  w32(off: number, v: number): void {
    this.io.mmioWrite(this.base + off, 4, v >>> 0);
  }
}

/**
 * Run `fn` with the NIC's registers reachable and bus mastering on (DMA for the dummy frames),
 * whatever the guest's PCI command register says; the command register is put back after.
 */
export function withRegisters<T>(io: HvIo, fn: (regs: NicRegs) => T): T {
  const cmd = pciRead(io, NIC_SLOT, PCI_REG_COMMAND) & 0xffff;
  const needed = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
  if ((cmd & needed) !== needed) pciWrite(io, NIC_SLOT, PCI_REG_COMMAND, cmd | needed);
  try {
    return fn(new NicRegs(io, nicMmioBase(io)));
  } finally {
    if ((cmd & needed) !== needed) pciWrite(io, NIC_SLOT, PCI_REG_COMMAND, cmd);
  }
}
