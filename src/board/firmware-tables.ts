/**
 * What a PC BIOS leaves in memory for the operating system, written by the board at boot in
 * every boot mode (there is no BIOS to do it):
 *
 * - BIOS data area (IBM PC/AT Technical Reference, "BIOS Data Area"): COM1's base at 0x400,
 *   the EBDA segment at 0x40E, the base memory size in KiB at 0x413, the video mode (3), its
 *   columns (80) and the CRTC's port at 0x449 / 0x44A / 0x463;
 * - an MP floating pointer structure ("_MP_") in the first KiB of the EBDA (at 0x9FC10) and,
 *   behind it, an
 *   MP configuration table ("PCMP", Intel MultiProcessor Specification 1.4, chapter 4) for the
 *   one CPU: the processor (local APIC 0, bootstrap, enabled, the CPUID signature), the PCI and
 *   ISA buses, the IOAPIC, an I/O interrupt entry per ISA IRQ (on its pin: isaIrqToGsi) and
 *   for the NIC's INTA# (PCI, level, active low), and the local interrupts (ExtINT on LINT0:
 *   the 8259A's INT; NMI on LINT1). No IMCR (virtual-wire mode: feature byte 2 bit 7 clear).
 *
 * xv6 (mp.c: mpsearch looks in the EBDA's first KiB, then the last KiB of base memory, then
 * 0xF0000-0xFFFFF; a 16-byte pointer whose bytes sum to 0; a table "PCMP" of version 1 or 4
 * summing to 0) and Linux (arch/x86/kernel/mpparse.c: smp_scan_config over 0-1 KiB, 639 KiB
 * and the BIOS area, then the EBDA; the same checks, entry sizes 20 and 8) take it.
 */
import { BOARD, isaIrqToGsi } from './layout.js';
import { LAPIC_VERSION } from '../devices/lapic.js';
import { IOAPIC_VERSION } from '../devices/ioapic.js';
import { CPU_FEATURES_EDX, CPU_SIGNATURE } from '../machine/cpu/ops-msr.js';

/**
 * The processor entry's CPU signature and feature flags: CPUID leaf 1's EAX and EDX, taken
 * from the CPU (src/machine/cpu/ops-msr.ts), so the table cannot disagree with CPUID.
 */
export const MP_CPU_SIGNATURE = CPU_SIGNATURE;
export const MP_CPU_FEATURES = CPU_FEATURES_EDX;

export const BDA_COM1 = 0x400;
export const BDA_EBDA_SEGMENT = 0x40e;
export const BDA_BASE_MEMORY_KIB = 0x413;
export const BDA_VIDEO_MODE = 0x449;
export const BDA_VIDEO_COLUMNS = 0x44a;
export const BDA_CRTC_PORT = 0x463;

/** 639 KiB of base memory, the top KiB the EBDA (as most BIOSes leave it). */
export const BASE_MEMORY_KIB = 639;
export const EBDA_ADDRESS = BASE_MEMORY_KIB * 1024;
/** EBDA byte 0 is its size in KiB; the pointer takes the next 16-byte paragraph, the table the one after. */
export const MP_FLOATING_POINTER = EBDA_ADDRESS + 16;
export const MP_CONFIG_TABLE = EBDA_ADDRESS + 32;

/** Bus ids in the MP table (PCI first, as SeaBIOS numbers them). */
export const MP_BUS_PCI = 0;
export const MP_BUS_ISA = 1;
export const MP_IOAPIC_ID = 0; // the IOAPIC's ID register at power-on: xv6 checks they agree
export const MP_ENTRY_PROCESSOR = 0;
export const MP_ENTRY_BUS = 1;
export const MP_ENTRY_IOAPIC = 2;
export const MP_ENTRY_IO_INTERRUPT = 3;
export const MP_ENTRY_LOCAL_INTERRUPT = 4;
export const MP_INT = 0;
export const MP_NMI = 1;
export const MP_EXTINT = 3;
/** I/O interrupt flags: polarity active low (bits 1-0 = 3), trigger level (bits 3-2 = 3). */
export const MP_FLAGS_LEVEL_LOW = 0x000f;
/** The ISA IRQs with an I/O interrupt entry: all but the cascade (2) and the NIC's line (its entry is PCI). */
export const MP_ISA_IRQS = [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15].filter((irq) => irq !== BOARD.nic.irq);

/** Where the tables go. */
export interface FirmwareMemory {
  writeBytes(addr: number, data: Uint8Array): void;
}

class Bytes {
  private readonly out: number[] = [];
  u8(v: number): this {
    this.out.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }
  u32(v: number): this {
    return this.u16(v).u16(v >>> 16);
  }
  text(s: string, length: number): this {
    for (let i = 0; i < length; i++) this.u8(i < s.length ? s.charCodeAt(i) : 0x20);
    return this;
  }
  zeros(n: number): this {
    for (let i = 0; i < n; i++) this.u8(0);
    return this;
  }
  get length(): number {
    return this.out.length;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

/** The byte that makes `data`'s bytes sum to 0 modulo 256, with data[at] counted as 0. */
function checksumByte(data: Uint8Array, at: number): number {
  let sum = 0;
  data.forEach((b, i) => {
    if (i !== at) sum += b;
  });
  return (256 - (sum & 0xff)) & 0xff;
}

/** The MP configuration table (base table only: no extended entries, no OEM table). */
export function buildMpConfigTable(): Uint8Array {
  const entries = new Bytes();
  let count = 0;
  const entry = (fill: (b: Bytes) => void) => {
    fill(entries);
    count++;
  };
  entry((b) => b.u8(MP_ENTRY_PROCESSOR).u8(0).u8(LAPIC_VERSION & 0xff).u8(0x03).u32(MP_CPU_SIGNATURE).u32(MP_CPU_FEATURES).zeros(8));
  entry((b) => b.u8(MP_ENTRY_BUS).u8(MP_BUS_PCI).text('PCI', 6));
  entry((b) => b.u8(MP_ENTRY_BUS).u8(MP_BUS_ISA).text('ISA', 6));
  entry((b) => b.u8(MP_ENTRY_IOAPIC).u8(MP_IOAPIC_ID).u8(IOAPIC_VERSION & 0xff).u8(0x01).u32(BOARD.ioapic.mmioBase));
  for (const irq of MP_ISA_IRQS) {
    entry((b) => b.u8(MP_ENTRY_IO_INTERRUPT).u8(MP_INT).u16(0).u8(MP_BUS_ISA).u8(irq).u8(MP_IOAPIC_ID).u8(isaIrqToGsi(irq)));
  }
  // PCI source bus IRQ: device number in bits 6-2, INTA# = 0 in bits 1-0.
  entry((b) => b.u8(MP_ENTRY_IO_INTERRUPT).u8(MP_INT).u16(MP_FLAGS_LEVEL_LOW).u8(MP_BUS_PCI).u8(BOARD.nic.slot << 2).u8(MP_IOAPIC_ID).u8(isaIrqToGsi(BOARD.nic.irq)));
  entry((b) => b.u8(MP_ENTRY_LOCAL_INTERRUPT).u8(MP_EXTINT).u16(0).u8(MP_BUS_ISA).u8(0).u8(0xff).u8(0));
  entry((b) => b.u8(MP_ENTRY_LOCAL_INTERRUPT).u8(MP_NMI).u16(0).u8(MP_BUS_ISA).u8(0).u8(0xff).u8(1));

  const header = new Bytes()
    .text('PCMP', 4)
    .u16(44 + entries.length)
    .u8(4) // specification 1.4
    .u8(0) // checksum, below
    .text('MIGTRACE', 8)
    .text('MIGTRACE-PC', 12)
    .u32(0) // no OEM table
    .u16(0)
    .u16(count)
    .u32(BOARD.lapic.mmioBase)
    .u16(0) // no extended table
    .u8(0)
    .u8(0);
  const table = new Uint8Array(header.length + entries.length);
  table.set(header.bytes());
  table.set(entries.bytes(), header.length);
  table[7] = checksumByte(table, 7);
  return table;
}

/** The MP floating pointer structure for a configuration table at `tableAddress`. */
export function buildMpFloatingPointer(tableAddress: number): Uint8Array {
  const p = new Bytes().text('_MP_', 4).u32(tableAddress).u8(1).u8(4).u8(0).u8(0).u8(0).zeros(3).bytes();
  p[10] = checksumByte(p, 10);
  return p;
}

/** BIOS data area words and bytes, as [address, bytes]. */
export function biosDataArea(): Array<[number, Uint8Array]> {
  return [
    [BDA_COM1, new Bytes().u16(BOARD.uart.ports.base).u16(0).u16(0).u16(0).bytes()],
    [BDA_EBDA_SEGMENT, new Bytes().u16(EBDA_ADDRESS >>> 4).bytes()],
    [BDA_BASE_MEMORY_KIB, new Bytes().u16(BASE_MEMORY_KIB).bytes()],
    [BDA_VIDEO_MODE, new Bytes().u8(3).u16(80).bytes()],
    [BDA_CRTC_PORT, new Bytes().u16(BOARD.crtc.index).bytes()],
  ];
}

/** Write the BIOS data area, the EBDA's size word (1 KiB) and the MP tables into guest memory. */
export function writeFirmwareTables(memory: FirmwareMemory): void {
  for (const [addr, bytes] of biosDataArea()) memory.writeBytes(addr, bytes);
  memory.writeBytes(EBDA_ADDRESS, new Uint8Array(1024)); // the EBDA's first KiB: the tables only
  memory.writeBytes(EBDA_ADDRESS, new Bytes().u8(1).bytes()); // EBDA byte 0: its size in KiB
  memory.writeBytes(MP_FLOATING_POINTER, buildMpFloatingPointer(MP_CONFIG_TABLE));
  memory.writeBytes(MP_CONFIG_TABLE, buildMpConfigTable());
}
