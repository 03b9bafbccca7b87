import { describe, expect, it } from 'vitest';
import { RunExit } from '../../src/machine/cpu/cpu.js';
import { boot, read16, read32, RES, runToHalt, type TestMachine } from './helpers.js';
import { privSelectors } from './programs.js';

function run(): TestMachine {
  const m = boot(privSelectors);
  const exit = runToHalt(m);
  if (exit !== RunExit.HALTED) throw new Error(`stopped: ${m.cpu.fault?.message}`);
  return m;
}

/** `count` (value, ZF) results from `at`. */
function pairs(m: TestMachine, at: number, count: number): [number, number][] {
  return Array.from({ length: count }, (_, i) => [read32(m, at + 8 * i), m.memory.ram[at + 8 * i + 4]]);
}

/** `count` (VERR ZF, VERW ZF) results from `at`. */
function verifies(m: TestMachine, at: number, count: number): [number, number][] {
  return Array.from({ length: count }, (_, i) => [m.memory.ram[at + 4 * i], m.memory.ram[at + 4 * i + 1]]);
}

describe('selector instructions', () => {
  it('LLDT loads LDTR, SLDT reads it back, and a selector with TI=1 loads from the LDT', () => {
    const m = run();
    expect(read32(m, RES)).toBe(0x30);
    expect(read16(m, RES + 0x10)).toBe(0x5555);
    const s = m.cpu.getState();
    expect(s.ldtr.selector).toBe(0x30);
    expect(s.ldtr.limit).toBe(15);
  });

  it('LAR: access rights of code and system descriptors, ZF=0 (value kept) for null and out-of-table selectors', () => {
    const m = run();
    expect(pairs(m, RES + 0x20, 5)).toEqual([
      [0x00cf9b00, 1],
      [0xdeadbeef, 0],
      [0x00008b00, 1], // the TSS, busy after LTR
      [0x0000ec00, 1], // a call gate
      [0xdeadbeef, 0],
    ]);
  });

  it('LSL: limits scaled by G, TSS and LDT limits, ZF=0 for a gate', () => {
    const m = run();
    expect(pairs(m, RES + 0x48, 5)).toEqual([
      [0xffffffff, 1],
      [0x1234, 1],
      [0x67, 1],
      [0xdeadbeef, 0],
      [0x4321, 1],
    ]);
  });

  it('VERR / VERW by segment type', () => {
    const m = run();
    // data, read-only data, readable code, conforming code, past the GDT
    expect(verifies(m, RES + 0x70, 5)).toEqual([[1, 1], [1, 0], [1, 0], [1, 0], [0, 0]]);
  });

  it('at CPL 3, more privileged descriptors are invisible except conforming code', () => {
    const m = run();
    expect(pairs(m, RES + 0xa0, 2)).toEqual([[0xdeadbeef, 0], [0x00cffb00, 1]]);
    expect(verifies(m, RES + 0xb0, 3)).toEqual([[0, 0], [1, 0], [1, 1]]);
  });

  it('ARPL raises the destination RPL to the source RPL and reports it in ZF', () => {
    const m = run();
    expect(read16(m, RES + 0xc0)).toBe(0xfff2);
    expect(m.memory.ram[RES + 0xc2]).toBe(1);
    expect(m.memory.ram[RES + 0xc3]).toBe(0);
    expect(read16(m, RES + 0xc4)).toBe(0xfff3);
    expect(m.memory.ram[RES + 0xc6]).toBe(1);
  });
});
