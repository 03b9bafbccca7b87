/**
 * kernels (guests/src/kernels.c), the second compute guest: its known answers and checksums
 * with the compiler on and off (the same as under QEMU: qemu.test.ts), the same instruction
 * count both ways, and with the compiler's default thresholds most of a run compiled.
 */
import { describe, expect, it } from 'vitest';
import { EXIT_FAILURE, EXIT_SUCCESS, KERNELS_2, guestImage } from './expectations.js';
import { Machine } from '../../src/board/machine.js';

function run(args: string | undefined, compiler: boolean) {
  const machine = Machine.boot(guestImage('kernels'), args === undefined ? {} : { args });
  machine.cpu.setCompiler(compiler);
  const result = machine.run({ maxInstructions: 200_000_000 });
  return { result, stats: machine.cpu.compilerStats };
}

describe('kernels', () => {
  it('prints the expected checksums with the compiler on and off, in the same number of instructions', () => {
    const interpreted = run('iterations=2', false);
    const compiled = run('iterations=2', true);
    for (const { result } of [interpreted, compiled]) {
      expect(result.status, result.message).toBe('exited');
      expect(result.exitStatus).toBe(EXIT_SUCCESS);
      expect(result.serial).toBe(KERNELS_2);
    }
    expect(interpreted.stats).toBeNull();
    expect(compiled.stats!.compiles).toBeGreaterThan(0);
    expect(compiled.result.icount).toBe(interpreted.result.icount);
  });

  it('runs compiled: at 10 iterations, under a quarter of its instructions are left to the interpreter', () => {
    const { result, stats } = run(undefined, true);
    expect(result.serial.trimEnd().split('\n').pop()).toBe('kernels done: 10 iterations, crc 0x376b302c');
    // The interpreter runs an entry point ~12,000 times before it becomes a block (jit.ts
    // BLOCK_HOT): ~4.8 M of 23.5 M instructions here, ~5 M of 110 M at 50 iterations.
    expect(stats!.interpreted).toBeGreaterThan(0);
    expect(stats!.interpreted / result.icount).toBeLessThan(0.25);
  });

  it('rejects an unknown argument', () => {
    const { result } = run('iteration=5', true);
    expect(result.exitStatus).toBe(EXIT_FAILURE);
    expect(result.serial).toMatch(/^args: unknown key "iteration"/);
  });
});
