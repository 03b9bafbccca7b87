import { describe, expect, it } from 'vitest';
import { RunExit } from '../../src/machine/cpu/cpu.js';
import { boot, read16, read32, RES, runToHalt, type TestMachine } from './helpers.js';
import { privV86 } from './programs.js';

const LOG = RES + 0x100;
const VM = 0x20000;

function run(): TestMachine {
  const m = boot(privV86);
  const exit = runToHalt(m);
  if (exit !== RunExit.HALTED) throw new Error(`stopped: ${m.cpu.fault?.message}`);
  return m;
}

describe('virtual-8086 mode', () => {
  it('IRETD with VM at CPL 0 enters V86 mode; segment loads are real-mode style', () => {
    const m = run();
    expect(read16(m, RES)).toBe(RES >> 4);
    expect(read16(m, RES + 0x10)).toBe(0x1234);
    expect(m.memory.ram[RES + 4]).toBe(0xff); // IN from a port the bitmap allows
  });

  it('at IOPL 0, CLI PUSHF POPF INT n and a port the bitmap denies raise #GP(0)', () => {
    const m = run();
    const n = read32(m, LOG);
    const opcodes: number[] = [];
    for (let i = 0; i < n; i++) {
      expect(read32(m, LOG + 4 + 8 * i)).toBe(0);
      opcodes.push(m.memory.ram[read32(m, LOG + 8 + 8 * i)]);
    }
    expect(opcodes).toEqual([0xfa, 0x9c, 0x9d, 0xcd, 0xe4]);
  });

  it('an interrupt from V86 mode to ring 0 pushes GS FS DS ES SS ESP EFLAGS CS EIP, then nulls the data segments', () => {
    const m = run();
    const frame = Array.from({ length: 9 }, (_, i) => read32(m, RES + 0x40 + 4 * i));
    expect(frame[1]).toBe(0); // CS
    expect(frame[2] & VM).toBe(VM);
    expect(frame[3]).toBe(0x1000);
    expect(frame[4]).toBe(0x5000);
    expect(frame.slice(5)).toEqual([(RES >> 4) + 1, RES >> 4, 0x0ff1, 0x0ff0]); // ES was reloaded in V86 mode
    expect(m.memory.ram[frame[0] - 1]).toBe(0xcc); // INT3 is a trap: EIP after it
    expect([0, 2, 4, 6].map((o) => read16(m, RES + 0x70 + o))).toEqual([0, 0, 0, 0]);
  });

  it('at IOPL 3, CLI STI PUSHFD work (VM not visible) and INT n reaches a DPL-3 gate', () => {
    const m = run();
    const pushed = read32(m, RES + 0x20);
    expect(pushed & VM).toBe(0);
    expect(pushed & 0x3200).toBe(0x3200); // IOPL 3, IF
    expect(read32(m, RES + 0x90) & (VM | 0x3000)).toBe(VM | 0x3000);
  });
});
