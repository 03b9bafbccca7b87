/**
 * The firmware tables parsed back the way xv6's mp.c and Linux's mpparse.c read them.
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/board/machine.js';
import { BOARD, isaIrqToGsi } from '../../src/board/layout.js';
import { MP_CPU_FEATURES, MP_CPU_SIGNATURE, buildMpConfigTable, buildMpFloatingPointer } from '../../src/board/firmware-tables.js';
import { cpuid } from '../../src/machine/cpu/ops-msr.js';

const sum = (b: Uint8Array) => b.reduce((a, x) => a + x, 0) & 0xff;
const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (u16(b, o) | (u16(b, o + 2) << 16)) >>> 0;
const text = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));

/** xv6 mp.c mpsearch1: a 16-byte "_MP_" structure summing to 0, at a 16-byte step in [a, a+len). */
function mpsearch1(mem: Uint8Array, a: number, len: number): number {
  for (let p = a; p < a + len; p += 16) if (text(mem, p, 4) === '_MP_' && sum(mem.subarray(p, p + 16)) === 0) return p;
  return -1;
}

/** xv6 mp.c mpsearch: the EBDA's first KiB (BDA 0x40E), else base memory's last KiB (BDA 0x413), else 0xF0000. */
function mpsearch(mem: Uint8Array): number {
  const ebda = u16(mem, 0x40e) << 4;
  if (ebda !== 0) {
    const p = mpsearch1(mem, ebda, 1024);
    if (p >= 0) return p;
  } else {
    const p = mpsearch1(mem, u16(mem, 0x413) * 1024 - 1024, 1024);
    if (p >= 0) return p;
  }
  return mpsearch1(mem, 0xf0000, 0x10000);
}

interface Entry { type: number; bytes: Uint8Array }

function entries(conf: Uint8Array): Entry[] {
  const out: Entry[] = [];
  let p = 44;
  for (let i = 0; i < u16(conf, 34); i++) {
    const size = conf[p] === 0 ? 20 : 8; // Linux smp_read_mpc: a processor entry is 20 bytes, the rest 8
    out.push({ type: conf[p], bytes: conf.subarray(p, p + size) });
    p += size;
  }
  expect(p).toBe(u16(conf, 4)); // the entries fill the base table exactly
  return out;
}

/** A machine as every boot mode but a ROM's starts (Machine.beginBoot writes the tables). */
function bootedMachine(): Machine {
  const m = new Machine();
  m.beginBoot('disk');
  return m;
}

describe('firmware tables', () => {
  const m = bootedMachine();
  const mem = m.memory.readBytes(0, 0x100000);

  it('BIOS data area: COM1 at 0x400, EBDA segment at 0x40E, 639 KiB of base memory at 0x413, text mode 3', () => {
    expect(u16(mem, 0x400)).toBe(BOARD.uart.ports.base);
    expect(u16(mem, 0x40e)).toBe(0x9fc0);
    expect(u16(mem, 0x413)).toBe(639);
    expect([mem[0x449], u16(mem, 0x44a), u16(mem, 0x463)]).toEqual([3, 80, BOARD.crtc.index]);
    expect(mem[0x9fc00]).toBe(1); // the EBDA's size in KiB
  });

  it('xv6 mpsearch finds the floating pointer in the EBDA; Linux smp_scan_config finds it at 639 KiB too', () => {
    const p = mpsearch(mem);
    expect(p).toBe(0x9fc10);
    expect(mpsearch1(mem, 639 * 0x400, 0x400)).toBe(p);
    expect(mem[p + 8]).toBe(1); // length in paragraphs (Linux: mpf_length == 1)
    expect(mem[p + 9]).toBe(4); // specification 1.4
    expect(mem[p + 11]).toBe(0); // feature 1: a configuration table follows, no default configuration
    expect(mem[p + 12] & 0x80).toBe(0); // no IMCR: xv6 leaves ports 0x22/0x23 alone
  });

  it('the configuration table: "PCMP", version 4, checksum, local APIC address', () => {
    const conf = mem.subarray(u32(mem, mpsearch(mem) + 4));
    const length = u16(conf, 4);
    expect(text(conf, 0, 4)).toBe('PCMP');
    expect(conf[6]).toBe(4);
    expect(sum(conf.subarray(0, length))).toBe(0);
    expect(text(conf, 8, 8)).toBe('MIGTRACE');
    expect(u32(conf, 36)).toBe(BOARD.lapic.mmioBase);
    expect(u16(conf, 40)).toBe(0); // no extended table
  });

  it('lists one enabled bootstrap processor with the CPU\'s CPUID signature, the buses and the IOAPIC', () => {
    const conf = mem.subarray(u32(mem, mpsearch(mem) + 4));
    const list = entries(conf);
    const procs = list.filter((e) => e.type === 0);
    expect(procs.length).toBe(1);
    const proc = procs[0].bytes;
    expect([proc[1], proc[3]]).toEqual([0, 0x03]); // LAPIC id 0; enabled, bootstrap
    m.cpu.regs[0] = 1;
    cpuid(m.cpu);
    expect(u32(proc, 4)).toBe(m.cpu.regs[0] >>> 0); // the constant follows CPUID leaf 1 (change both)
    expect(u32(proc, 8)).toBe(m.cpu.regs[2] >>> 0);
    expect([MP_CPU_SIGNATURE, MP_CPU_FEATURES]).toEqual([m.cpu.regs[0], m.cpu.regs[2]]);
    expect(list.filter((e) => e.type === 1).map((e) => [e.bytes[1], text(e.bytes, 2, 6)])).toEqual([[0, 'PCI   '], [1, 'ISA   ']]);
    const ioapics = list.filter((e) => e.type === 2);
    expect(ioapics.map((e) => [e.bytes[1], e.bytes[3], u32(e.bytes, 4)])).toEqual([[0, 1, BOARD.ioapic.mmioBase]]);
    // xv6 ioapicinit: the table's IOAPIC id is the one its ID register reports.
    m.bus.mmioWrite(BOARD.ioapic.mmioBase, 4, 0);
    expect(m.bus.mmioRead(BOARD.ioapic.mmioBase + 0x10, 4) >>> 24).toBe(ioapics[0].bytes[1]);
  });

  it('routes every ISA IRQ but the cascade to its IOAPIC pin, the NIC as PCI level/low, ExtINT on LINT0 and NMI on LINT1', () => {
    const conf = mem.subarray(u32(mem, mpsearch(mem) + 4));
    const list = entries(conf);
    const isa = list.filter((e) => e.type === 3 && e.bytes[4] === 1).map((e) => [e.bytes[5], e.bytes[7], u16(e.bytes, 2)]);
    expect(isa.map(([irq]) => irq)).toEqual([0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15]);
    for (const [irq, pin, flags] of isa) expect([pin, flags]).toEqual([isaIrqToGsi(irq), 0]);
    const pci = list.filter((e) => e.type === 3 && e.bytes[4] === 0).map((e) => [e.bytes[5], e.bytes[7], u16(e.bytes, 2)]);
    expect(pci).toEqual([[BOARD.nic.slot << 2, BOARD.nic.irq, 0x0f]]);
    const local = list.filter((e) => e.type === 4).map((e) => [e.bytes[1], e.bytes[6], e.bytes[7]]);
    expect(local).toEqual([[3, 0xff, 0], [1, 0xff, 1]]);
  });

  it('builds the same bytes every time, and the pointer\'s checksum covers its 16 bytes', () => {
    expect(buildMpConfigTable()).toEqual(buildMpConfigTable());
    const p = buildMpFloatingPointer(0x12345);
    expect(sum(p)).toBe(0);
    expect(u32(p, 4)).toBe(0x12345);
  });

  it('leaves no page dirty: a freshly booted machine starts with a clean log', () => {
    const log = bootedMachine().memory.dirty.createClient('t');
    expect(log.isDirty(0)).toBe(false);
    expect(log.isDirty(0x9f)).toBe(false);
  });
});

describe('firmware pages', () => {
  it('counts as loaded at boot: loadedPages lists exactly the pages the tables make non-zero (the trace\'s first checkpoint hashes only those and the image\'s)', () => {
    const m = bootedMachine();
    const nonZero: number[] = [];
    for (let p = 0; p < 0x100; p++) if (m.memory.readBytes(p * 4096, 4096).some((b) => b !== 0)) nonZero.push(p);
    expect([...m.loadedPages()]).toEqual(nonZero);
    expect(nonZero).toEqual([0, 0x9f]);
  });

  it('are not written for a ROM boot: the ROM is the firmware', () => {
    const m = new Machine();
    m.beginBoot('rom');
    expect(m.memory.readBytes(0, 0x100000).some((b) => b !== 0)).toBe(false);
    expect([...m.loadedPages()]).toEqual([]);
  });
});
