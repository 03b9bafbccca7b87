/**
 * Migration at many instruction boundaries of the protection programs (about 25 per
 * program, every one for the short ones): a CPU captured in
 * ring 3, in virtual-8086 mode, inside a nested task or half-way through an exception
 * handler, encoded as the migration stream does (CPU_SCHEMA), and restored into a fresh
 * machine, finishes exactly as the uninterrupted run. Everything protection adds is either
 * declared state (CPL, TR, LDTR, EFLAGS.VM/NT, the segment caches) or guest memory.
 */
import { describe, expect, it } from 'vitest';
import { RunExit } from '../../src/machine/cpu/cpu.js';
import { decodeCpuState, encodeCpuState } from '../../src/machine/cpu/state.js';
import { LOAD, machine, runToHalt, type TestMachine } from './helpers.js';
import { privFaults, privRings, privSelectors, privTasks, privV86 } from './programs.js';

/** The programs stay below 1 MiB: a 2 MiB machine keeps the many copies cheap. */
const MEMORY = 2 * 1024 * 1024;

function boot(program: Uint8Array): TestMachine {
  const m = machine(MEMORY);
  m.memory.writeBytes(LOAD, program);
  m.cpu.bootAt(0, LOAD, 0x80);
  return m;
}

function migrate(m: TestMachine): TestMachine {
  const state = decodeCpuState(encodeCpuState(m.cpu.getState()), 'test');
  const dest = machine(m.memory.size);
  dest.memory.ram.set(m.memory.ram);
  dest.clock.icount = m.clock.icount;
  dest.cpu.setState(state);
  return dest;
}

const PROGRAMS = { privRings, privTasks, privV86, privFaults, privSelectors };

describe('protection state survives migration', () => {
  for (const [name, program] of Object.entries(PROGRAMS)) {
    it(`${name}: restored at instruction boundaries all through the run, it ends as the uninterrupted run`, () => {
      const reference = boot(program);
      expect(runToHalt(reference)).toBe(RunExit.HALTED);
      const total = reference.clock.icount;
      const want = reference.cpu.getState();
      // An odd stride, so the cut points fall on every kind of instruction across the run.
      const stride = Math.max(1, Math.floor(total / 25)) | 1;
      for (let at = 1; at < total; at += stride) {
        const source = boot(program);
        source.cpu.run(at);
        const dest = migrate(source);
        expect(runToHalt(dest)).toBe(RunExit.HALTED);
        expect(dest.cpu.getState()).toEqual(want);
        expect(dest.clock.icount).toBe(total);
        expect(Buffer.compare(dest.memory.ram, reference.memory.ram)).toBe(0);
      }
    });
  }
});
