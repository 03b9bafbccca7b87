/** Issue 2 figures: guest MIPS on a compute-bound guest, dirty-page tracking on. */
import { resolveImage } from '../src/guests/catalog.js';
import { Machine } from '../src/machine/machine.js';
import { referenceOpsPerSecond, timed, type Figure } from './harness.js';

/** Run a guest for `instructions` and return instructions per second (best of `runs`). */
export function guestMips(guest: string, args: string | undefined, instructions: number, runs = 3): number {
  let best = 0;
  for (let i = 0; i < runs; i++) {
    const image = resolveImage(guest);
    const machine = Machine.boot(image.bytes, { memory: 64 * 1024 * 1024, args });
    const { result, seconds } = timed(() => machine.run({ maxInstructions: instructions }));
    best = Math.max(best, result.icount / seconds / 1e6);
  }
  return best;
}

export function benchMachine(): Figure[] {
  const reference = referenceOpsPerSecond() / 1e6;
  // memtouch with a long spin between stores is a compute-bound C loop that still dirties pages.
  const compute = guestMips('memtouch', 'base=1 mb=1 passes=0 spin=2000', 200_000_000);
  const selftest = guestMips('cpu-selftest', undefined, 200_000_000);
  return [
    { name: 'guest MIPS, compute-bound loop (memtouch spin=2000)', value: compute, unit: 'MIPS', target: '>= 50' },
    { name: 'guest MIPS, cpu-selftest', value: selftest, unit: 'MIPS', note: '(short guest: startup-heavy)' },
    { name: 'reference JS switch loop', value: reference, unit: 'M ops/s' },
    { name: 'interpreter ÷ reference', value: compute / reference, unit: '' },
  ];
}
