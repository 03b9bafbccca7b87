import { describe, expect, it } from 'vitest';
import { A20_DISABLED_MASK, PAGE_SIZE, PhysicalMemory } from '../../src/machine/memory.js';
import { Bus, SIZE_8 } from '../../src/machine/bus.js';

describe('physical memory', () => {
  it('marks the page of every store dirty, and only those', () => {
    const m = new PhysicalMemory(1024 * 1024);
    const client = m.dirty.createClient('precopy');
    m.write8(0x1234, 1);
    m.write16(0x5ffe, 0xabcd);
    m.write32(0x9ffe, 0x11223344); // crosses into page 0xa
    expect(Array.from(client.takeAndClear())).toEqual([0x1, 0x5, 0x9, 0xa]);
    expect(client.count()).toBe(0);
  });

  it('gives each dirty-log client its own pages: one take does not steal another\'s', () => {
    const m = new PhysicalMemory(1024 * 1024);
    const precopy = m.dirty.createClient('precopy');
    const checkpoints = m.dirty.createClient('checkpoints');
    m.write8(3 * PAGE_SIZE, 1);
    expect(Array.from(precopy.takeAndClear())).toEqual([3]);
    m.write8(7 * PAGE_SIZE, 1);
    expect(Array.from(checkpoints.takeAndClear())).toEqual([3, 7]);
    expect(Array.from(precopy.takeAndClear())).toEqual([7]);
  });

  it('reads unaligned words across pages little-endian, and a word spanning into unmapped memory reads all-ones there', () => {
    const m = new PhysicalMemory(2 * PAGE_SIZE);
    m.write32(PAGE_SIZE - 2, 0x44332211);
    expect(m.read32(PAGE_SIZE - 2) >>> 0).toBe(0x44332211);
    m.write16(2 * PAGE_SIZE - 1, 0xbbaa);
    expect(m.read16(2 * PAGE_SIZE - 1)).toBe(0xffaa);
  });

  it('lets an MMIO window take precedence over RAM under it', () => {
    const m = new PhysicalMemory(1024 * 1024);
    const bus = new Bus(m);
    m.write8(0x80000, 0x42);
    const id = bus.registerDevice('probe');
    bus.mapMmio(id, 0x80000, 16, { sizes: SIZE_8, read: (off) => 0x10 + off, write: () => {} });
    expect(m.read8(0x80003)).toBe(0x13);
    expect(m.read8(0x80010)).toBe(0xff); // in the page, past the region: unmapped
  });

  it('A20 disabled wraps bit 20 of the addresses the CPU forms', () => {
    expect((0x100000 & A20_DISABLED_MASK) >>> 0).toBe(0);
    expect((0x1fffff & A20_DISABLED_MASK) >>> 0).toBe(0x0fffff);
  });

  it('refuses a size that is not whole pages up to 4 GiB, with one clear line', () => {
    expect(() => new PhysicalMemory(1000)).toThrow(/not a whole number of 4 KiB pages/);
    expect(() => new PhysicalMemory(2 ** 33)).toThrow(/between 4 KiB and 4 GiB/);
  });
});
