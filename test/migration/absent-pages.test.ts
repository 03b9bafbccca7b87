import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PhysicalMemory, type AbsentPageHandler } from '../../src/machine/memory.js';
import { MachineFault } from '../../src/errors.js';
import { bootGuest } from './helpers.js';

/** A handler serving pages from a copy of what memory should hold. */
function server(memory: PhysicalMemory, truth: Uint8Array, log: string[]): AbsentPageHandler {
  return {
    fault(page) {
      log.push(`fault ${page}`);
      memory.installPage(page, truth.subarray(page * PAGE_SIZE, (page + 1) * PAGE_SIZE));
    },
    observe(page) {
      log.push(`observe ${page}`);
      memory.ram.set(truth.subarray(page * PAGE_SIZE, (page + 1) * PAGE_SIZE), page * PAGE_SIZE);
    },
  };
}

describe('absent pages (post-copy)', () => {
  it('fetch a page on the first CPU-side read or write, and only once', () => {
    const m = new PhysicalMemory(16 * PAGE_SIZE);
    const truth = new Uint8Array(16 * PAGE_SIZE).map((_, i) => (i * 7) & 0xff);
    const log: string[] = [];
    expect(m.markAbsent([2, 3, 5], server(m, truth, log))).toBe(3);
    expect(m.read8(2 * PAGE_SIZE + 1)).toBe(truth[2 * PAGE_SIZE + 1]);
    expect(m.read32(2 * PAGE_SIZE + 8) >>> 0).toBe(Buffer.from(truth).readUInt32LE(2 * PAGE_SIZE + 8));
    m.write16(3 * PAGE_SIZE - 1, 0xbeef); // straddles pages 2 and 3
    expect(m.read8(3 * PAGE_SIZE)).toBe(0xbe);
    expect(m.read8(3 * PAGE_SIZE + 1)).toBe(truth[3 * PAGE_SIZE + 1]);
    expect(log).toEqual(['fault 2', 'fault 3']);
    expect(m.absentPages).toBe(1);
  });

  it('fetch pages a DMA transfer touches', () => {
    const m = new PhysicalMemory(16 * PAGE_SIZE);
    const truth = new Uint8Array(16 * PAGE_SIZE).fill(9);
    const log: string[] = [];
    m.markAbsent([4, 5, 6], server(m, truth, log));
    expect(Array.from(m.readBytes(5 * PAGE_SIZE - 2, 4))).toEqual([9, 9, 9, 9]);
    m.writeBytes(6 * PAGE_SIZE + 10, Uint8Array.of(1, 2));
    expect(Array.from(m.readBytes(6 * PAGE_SIZE + 9, 4))).toEqual([9, 1, 2, 9]);
    expect(log).toEqual(['fault 4', 'fault 5', 'fault 6']);
  });

  it('let observers read an absent page without making it present', () => {
    const m = new PhysicalMemory(16 * PAGE_SIZE);
    const truth = new Uint8Array(16 * PAGE_SIZE).fill(3);
    const log: string[] = [];
    m.markAbsent([7], server(m, truth, log));
    expect(m.page(7)[100]).toBe(3);
    expect(m.isAbsent(7)).toBe(true);
    m.read8(7 * PAGE_SIZE);
    expect(log).toEqual(['observe 7', 'fault 7']);
  });

  it('stop the machine with a fault when a page never arrives', () => {
    const m = new PhysicalMemory(16 * PAGE_SIZE);
    m.markAbsent([1], { fault() {}, observe() {} });
    expect(() => m.read8(PAGE_SIZE)).toThrow(MachineFault);
  });

  it('trap instruction fetches and stack accesses of a running guest', () => {
    const source = bootGuest('hello', undefined);
    const dest = bootGuest('hello', undefined);
    const truth = dest.memory.ram.slice();
    dest.memory.ram.fill(0);
    const log: string[] = [];
    const all = Array.from({ length: dest.memory.ramPages }, (_, i) => i);
    dest.memory.markAbsent(all, server(dest.memory, truth, log));
    const a = source.run({ maxInstructions: 5_000_000 });
    const b = dest.run({ maxInstructions: 5_000_000 });
    expect(b).toEqual(a);
    expect(log.length).toBeGreaterThan(0);
    expect(log.every((l) => l.startsWith('fault'))).toBe(true);
  });
});
