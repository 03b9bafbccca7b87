/**
 * PCI configuration mechanism #1 (PCI Local Bus 3.0, 3.2.2.3.2) as the hypervisor uses it:
 * CONFIG_ADDRESS selects, CONFIG_DATA moves the dword. CONFIG_ADDRESS is
 * guest state (readable): every access here puts the guest's value back.
 */
import type { HvIo } from './hv-io.js';
import { BOARD } from '../board/layout.js';

/** CONFIG_ADDRESS and CONFIG_DATA (base + 4), where the board puts mechanism #1. */
export const PCI_ADDRESS = BOARD.pci.config.base;
export const PCI_DATA = BOARD.pci.config.base + 4;

function address(slot: number, reg: number): number {
  return (0x80000000 | (slot << 11) | (reg & 0xfc)) >>> 0;
}

export function pciRead(io: HvIo, slot: number, reg: number): number {
  const saved = io.in32(PCI_ADDRESS);
  io.out32(PCI_ADDRESS, address(slot, reg));
  const v = io.in32(PCI_DATA);
  io.out32(PCI_ADDRESS, saved);
  return v >>> 0;
}

export function pciWrite(io: HvIo, slot: number, reg: number, value: number): void {
  const saved = io.in32(PCI_ADDRESS);
  io.out32(PCI_ADDRESS, address(slot, reg));
  io.out32(PCI_DATA, value >>> 0);
  io.out32(PCI_ADDRESS, saved);
}

/** The writable type-0 header fields (the schema's pci_* names). */
export interface PciHeader {
  pci_command: number;
  pci_cache_line_size: number;
  pci_latency_timer: number;
  pci_interrupt_line: number;
  pci_bars: number[];
}

export function readHeader(io: HvIo, slot: number, bars: number): PciHeader {
  const cmd = pciRead(io, slot, 0x04) & 0xffff;
  const c = pciRead(io, slot, 0x0c);
  const line = pciRead(io, slot, 0x3c) & 0xff;
  const list: number[] = [];
  for (let i = 0; i < bars; i++) list.push(pciRead(io, slot, 0x10 + 4 * i));
  return { pci_command: cmd, pci_cache_line_size: c & 0xff, pci_latency_timer: (c >>> 8) & 0xff, pci_interrupt_line: line, pci_bars: list };
}

export function writeHeader(io: HvIo, slot: number, h: PciHeader): void {
  for (let i = 0; i < h.pci_bars.length; i++) pciWrite(io, slot, 0x10 + 4 * i, h.pci_bars[i]);
  pciWrite(io, slot, 0x0c, (h.pci_latency_timer << 8) | h.pci_cache_line_size);
  pciWrite(io, slot, 0x3c, h.pci_interrupt_line);
  pciWrite(io, slot, 0x04, h.pci_command);
}
