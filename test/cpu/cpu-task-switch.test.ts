import { describe, expect, it } from 'vitest';
import { RunExit } from '../../src/machine/cpu/cpu.js';
import { boot, read32, RES, runToHalt, type TestMachine } from './helpers.js';
import { privTasks } from './programs.js';

const BUSY = 0x8b;
const AVAILABLE = 0x89;
const TSS_A = 0x2000;

function run(): TestMachine {
  const m = boot(privTasks);
  const exit = runToHalt(m);
  if (exit !== RunExit.HALTED) throw new Error(`stopped: ${m.cpu.fault?.message}`);
  return m;
}

describe('hardware task switches', () => {
  it('CALL to a TSS nests: NT set, back link to the caller, both TSSs busy', () => {
    const m = run();
    expect(read32(m, RES + 0)).toBe(0x4000);
    expect(read32(m, RES + 4)).toBe(0x28);
    expect(read32(m, RES + 8)).toBe(BUSY);
    expect(read32(m, RES + 12)).toBe(BUSY);
    expect(read32(m, RES + 16)).toBe(0xb0b0b0b0);
    expect(read32(m, RES + 20)).toBe(0x30); // STR
  });

  it('IRET with NT returns to the caller task with its saved registers; the callee is available again; CR0.TS is set', () => {
    const m = run();
    expect(read32(m, RES + 24)).toBe(0xa0a0a0a0);
    expect(read32(m, RES + 28)).toBe(BUSY);
    expect(read32(m, RES + 32)).toBe(AVAILABLE);
    expect(read32(m, RES + 36)).toBe(8);
    expect(read32(m, RES + 40)).toBe(0);
  });

  it('JMP through a task gate leaves the old task available, sets no NT, and JMP back restores it', () => {
    const m = run();
    expect(read32(m, RES + 48)).toBe(0);
    expect(read32(m, RES + 52)).toBe(AVAILABLE);
    expect(read32(m, RES + 56)).toBe(BUSY);
    expect(read32(m, RES + 60)).toBe(BUSY);
    expect(read32(m, RES + 64)).toBe(AVAILABLE);
  });

  it('a double fault through a task gate pushes its error code on the new task stack and saves the faulting EIP', () => {
    const m = run();
    expect(read32(m, RES + 68)).toBe(0);
    expect(read32(m, RES + 72)).toBe(0x28);
    expect(read32(m, RES + 76)).toBe(0x4000);
    expect(read32(m, RES + 80)).toBe(read32(m, RES + 88));
    expect(read32(m, RES + 84)).toBe(0x60000 - 4);
    const s = m.cpu.getState();
    expect(s.tr.selector).toBe(0x40);
    expect(s.cr0 & 8).toBe(8);
    expect(read32(m, TSS_A + 0x28)).toBe(AVAILABLE); // EAX saved in TSS A: the last value read there
  });
});
