/**
 * coremark (guests/src/coremark.c) on migtrace's machine with the CPU's compiler on and off:
 * the output and CRC are the expected ones (the same as under QEMU: qemu.test.ts), and the
 * two ways retire exactly the same number of instructions, so a run is a fixed amount of work
 * for `npm run bench -- speed`.
 */
import { describe, expect, it } from 'vitest';
import { COREMARK_10, EXIT_FAILURE, EXIT_SUCCESS, guestImage } from './expectations.js';
import { Machine } from '../../src/board/machine.js';

const MAX_INSTRUCTIONS = 100_000_000;

function run(args: string | undefined, compiler: boolean) {
  const machine = Machine.boot(guestImage('coremark'), args === undefined ? {} : { args });
  machine.cpu.setCompiler(compiler);
  const result = machine.run({ maxInstructions: MAX_INSTRUCTIONS });
  return { result, stats: machine.cpu.compilerStats };
}

describe('coremark', () => {
  it('prints the expected CRCs with the compiler on and off, in the same number of instructions', () => {
    const interpreted = run('iterations=10', false);
    const compiled = run('iterations=10', true);
    for (const { result } of [interpreted, compiled]) {
      expect(result.status, result.message).toBe('exited');
      expect(result.exitStatus).toBe(EXIT_SUCCESS);
      expect(result.serial).toBe(COREMARK_10);
    }
    expect(interpreted.stats).toBeNull();
    expect(compiled.stats!.compiles).toBeGreaterThan(0);
    expect(compiled.result.icount).toBe(interpreted.result.icount);
  });

  it('runs 10 iterations by default; iterations=1 has its own CRC and the same count both ways', () => {
    const byDefault = run(undefined, true).result;
    expect(byDefault.serial).toBe(COREMARK_10);
    const one = run('iterations=1', true).result;
    expect(one.serial.trimEnd().split('\n').pop()).toBe('coremark done: 1 iterations, crc 0x7594');
    expect(run('iterations=1', false).result.icount).toBe(one.icount);
    // An iteration is some 200 k instructions.
    expect(byDefault.icount).toBeGreaterThan(one.icount + 9 * 100_000);
  });

  it('rejects an unknown argument', () => {
    const { result } = run('iteration=5', true);
    expect(result.exitStatus).toBe(EXIT_FAILURE);
    expect(result.serial).toMatch(/^args: unknown key "iteration"/);
  });
});
