/**
 * PCI configuration space, type 0 header (PCI Local Bus Specification 3.0, section 6.1), for
 * the functions behind the host bridge (see pci-host.ts).
 *
 * A function's identity (vendor/device ids, class code, revision, header type, interrupt pin,
 * BAR sizes) is a constant; what software can change (command, cache line size, latency
 * timer, BAR addresses, interrupt line) is state and lives in the OWNING device's `state`,
 * declared by `pciHeaderFields()` in its schema, so the function's config space migrates
 * with the device. `PciConfigHeader` reads and writes that state at the spec's offsets;
 * everything it does not implement reads as 0 (no capabilities list, no expansion ROM).
 *
 * BARs (section 6.2.5.1): the low bits that encode the type are read-only and the address
 * bits below the size read as 0, so writing all-ones and reading back gives the size.
 */
import type { FieldSpec } from './schema.js';

export const PCI_COMMAND_IO = 0x0001;
export const PCI_COMMAND_MEMORY = 0x0002;
export const PCI_COMMAND_MASTER = 0x0004;
export const PCI_COMMAND_INTX_DISABLE = 0x0400;
/** Command bits a function implements: I/O, memory, bus master, MWI, parity, SERR#, INTx disable. */
export const PCI_COMMAND_WRITABLE = 0x0557;
/** Status bit 3: the function's INTx is asserted (section 6.2.3). */
export const PCI_STATUS_INTERRUPT = 0x0008;

export const PCI_BAR_IO = 0x1;
/** Offsets in the type 0 header. */
export const PCI_VENDOR_ID = 0x00;
export const PCI_COMMAND = 0x04;
export const PCI_BAR0 = 0x10;
export const PCI_INTERRUPT_LINE = 0x3c;

export type PciBarSpec = { readonly kind: 'io' | 'mmio'; readonly size: number };

export interface PciIdentity {
  readonly vendorId: number;
  readonly deviceId: number;
  readonly revision: number;
  /** 24 bits: class, subclass, programming interface. */
  readonly classCode: number;
  readonly headerType: number;
  readonly subsystemVendorId: number;
  readonly subsystemId: number;
  /** Status bits other than "interrupt status" (DEVSEL timing, fast back-to-back, 66 MHz). */
  readonly status: number;
  /** 0: none, 1–4: INTA#–INTD#. */
  readonly interruptPin: number;
  readonly minGnt: number;
  readonly maxLat: number;
  /** BAR0, BAR1, …: at most 6, each a power-of-two size. */
  readonly bars: readonly PciBarSpec[];
}

/** The writable part of a type 0 header, as it sits in the owning device's state. */
export type PciHeaderState = {
  pci_command: number;
  pci_cache_line_size: number;
  pci_latency_timer: number;
  pci_interrupt_line: number;
  /** Present (one per BAR) when the function has BARs; a function without BARs declares none. */
  pci_bars?: number[];
};

/** Schema fields for the writable header registers of a function with `barCount` BARs. */
export function pciHeaderFields(barCount: number): FieldSpec[] {
  const fields: FieldSpec[] = [
    { name: 'pci_command', width: 16, access: 'rw', role: 'config', doc: 'PCI command register (config 0x04): I/O, memory, bus master, INTx disable' },
    { name: 'pci_cache_line_size', width: 8, access: 'rw', role: 'config', doc: 'PCI cache line size (config 0x0C)' },
    { name: 'pci_latency_timer', width: 8, access: 'rw', role: 'config', doc: 'PCI latency timer (config 0x0D)' },
    { name: 'pci_interrupt_line', width: 8, access: 'rw', role: 'config', doc: 'PCI interrupt line (config 0x3C): the IRQ firmware assigned; informational' },
  ];
  if (barCount > 0) {
    fields.splice(3, 0, { name: 'pci_bars', width: 32, length: barCount, access: 'rw', role: 'config', doc: 'PCI base address registers (config 0x10…): address bits as written, type bits fixed' });
  }
  return fields;
}

export function pciHeaderReset(state: PciHeaderState): void {
  state.pci_command = 0;
  state.pci_cache_line_size = 0;
  state.pci_latency_timer = 0;
  state.pci_interrupt_line = 0;
  state.pci_bars?.fill(0);
}

/** A BAR's decoded address, or -1 when it is not decoded (space disabled, unassigned, out of range). */
export function pciBarAddress(identity: PciIdentity, state: PciHeaderState, index: number): number {
  const spec = identity.bars[index];
  const bar = (state.pci_bars?.[index] ?? 0) >>> 0;
  if (spec.kind === 'io') {
    if (!(state.pci_command & PCI_COMMAND_IO)) return -1;
    const base = (bar & ~(spec.size - 1) & ~3) >>> 0;
    // As QEMU's pci_bar_address: 0 means unassigned; x86 I/O space ends at 0xFFFF.
    return base === 0 || base + spec.size > 0x10000 ? -1 : base;
  }
  if (!(state.pci_command & PCI_COMMAND_MEMORY)) return -1;
  const base = (bar & ~(spec.size - 1) & ~0xf) >>> 0;
  return base === 0 || base + spec.size > 2 ** 32 ? -1 : base;
}

export class PciConfigHeader {
  constructor(
    readonly identity: PciIdentity,
    private readonly state: PciHeaderState,
    /** Called after a write that may have moved or enabled/disabled a BAR, or changed INTx disable. */
    private readonly onChange: () => void,
    /** Level of the function's interrupt request, for status bit 3. */
    private readonly interruptPending: () => boolean,
  ) {}

  /** The 32-bit register at a dword-aligned offset. */
  readDword(reg: number): number {
    const id = this.identity;
    const s = this.state;
    switch (reg) {
      case 0x00: return ((id.deviceId << 16) | id.vendorId) >>> 0;
      case 0x04: {
        const status = id.status | (this.interruptPending() ? PCI_STATUS_INTERRUPT : 0);
        return ((status << 16) | s.pci_command) >>> 0;
      }
      case 0x08: return ((id.classCode << 8) | id.revision) >>> 0;
      case 0x0c: return ((id.headerType << 16) | (s.pci_latency_timer << 8) | s.pci_cache_line_size) >>> 0;
      case 0x2c: return ((id.subsystemId << 16) | id.subsystemVendorId) >>> 0;
      case 0x3c: return ((id.maxLat << 24) | (id.minGnt << 16) | (id.interruptPin << 8) | s.pci_interrupt_line) >>> 0;
      default:
        if (reg >= 0x10 && reg < 0x28) {
          const i = (reg - 0x10) >> 2;
          return i < id.bars.length ? this.barValue(i) : 0;
        }
        return 0;
    }
  }

  /** Read `size` bytes at `offset` (within one dword). */
  read(offset: number, size: number): number {
    const v = this.readDword(offset & 0xfc) >>> ((offset & 3) * 8);
    return size === 4 ? v >>> 0 : v & ((1 << (8 * size)) - 1);
  }

  /** Write `size` bytes at `offset` (within one dword): only the byte lanes written change. */
  write(offset: number, size: number, value: number): void {
    const reg = offset & 0xfc;
    const shift = (offset & 3) * 8;
    const lanes = (size === 4 ? 0xffffffff : ((1 << (8 * size)) - 1) << shift) >>> 0;
    const merge = (old: number): number => ((old & ~lanes) | ((value << shift) & lanes)) >>> 0;
    const s = this.state;
    switch (reg) {
      case 0x04:
        // Status error bits are write-1-to-clear and never set here, so only the command half matters.
        s.pci_command = merge(s.pci_command) & PCI_COMMAND_WRITABLE;
        this.onChange();
        return;
      case 0x0c: {
        const v = merge((s.pci_latency_timer << 8) | s.pci_cache_line_size);
        s.pci_cache_line_size = v & 0xff;
        s.pci_latency_timer = (v >>> 8) & 0xff;
        return;
      }
      case 0x3c:
        s.pci_interrupt_line = merge(s.pci_interrupt_line) & 0xff;
        return;
      default:
        if (reg >= 0x10 && reg < 0x28) {
          const i = (reg - 0x10) >> 2;
          if (i >= this.identity.bars.length || s.pci_bars === undefined) return;
          s.pci_bars[i] = this.sanitizeBar(i, merge(this.barValue(i)));
          this.onChange();
        }
    }
  }

  /** The BAR as software reads it: address bits above the size, type bits fixed. */
  private barValue(i: number): number {
    return this.sanitizeBar(i, this.state.pci_bars?.[i] ?? 0);
  }

  private sanitizeBar(i: number, value: number): number {
    const spec = this.identity.bars[i];
    if (spec.kind === 'io') return ((value & ~(spec.size - 1) & ~3) | PCI_BAR_IO) >>> 0;
    // 32-bit, non-prefetchable memory BAR: type bits 0.
    return (value & ~(spec.size - 1) & ~0xf) >>> 0;
  }
}
