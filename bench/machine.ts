/**
 * Issue 2 figures: guest MIPS on a compute-bound guest, dirty-page tracking on.
 *
 * The host is shared and its speed drifts from second to second, so every timed run is paired
 * with a run of the reference loop right before it, and the ratio interpreter ÷ reference is
 * taken per pair: the best pair's ratio is steadier than MIPS alone.
 */
import { resolveImage } from '../src/guests/catalog.js';
import { benchCpuLoop } from './cpu-loop.js';
import { Machine } from '../src/board/machine.js';
import { referenceOpsPerSecond, timed, type Figure } from './harness.js';

interface Paired {
  /** Best guest MIPS over the runs. */
  mips: number;
  /** Best interpreter ÷ reference over the runs (each measured in one pair). */
  ratio: number;
  /** Reference M ops/s of the best pair. */
  reference: number;
}

/** `runs` pairs of (reference loop, `run` returning guest MIPS). */
function paired(runs: number, run: () => number): Paired {
  const best: Paired = { mips: 0, ratio: 0, reference: 0 };
  for (let i = 0; i < runs; i++) {
    const reference = referenceOpsPerSecond() / 1e6;
    const mips = run();
    best.mips = Math.max(best.mips, mips);
    if (mips / reference > best.ratio) {
      best.ratio = mips / reference;
      best.reference = reference;
    }
  }
  return best;
}

/** Run a guest for `instructions` and return instructions per second (best of `runs`; boot not timed). */
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
  // memtouch with a long spin between stores is a compute-bound C loop that still dirties pages.
  const compute = paired(3, () => guestMips('memtouch', 'base=1 mb=1 passes=0 spin=2000', 200_000_000, 1));
  // The CPU alone on a gcc-like instruction mix (loads, stores, ALU, LEA, Jcc, CALL/RET) in flat
  // protected mode: bench/cpu-loop.ts.
  const cpuLoop = paired(3, () => benchCpuLoop(100_000_000).mips);
  // The same loop with paging on: every access through the software TLB (src/machine/cpu/paging.ts).
  const pagedLoop = paired(3, () => benchCpuLoop(100_000_000, true).mips);
  const selftest = paired(1, () => guestMips('cpu-selftest', undefined, 200_000_000, 1));
  return [
    { name: 'guest MIPS, compute-bound loop (memtouch spin=2000)', value: compute.mips, unit: 'MIPS', target: '>= 50' },
    { name: '  interpreter ÷ reference (best pair)', value: compute.ratio, unit: '', note: `(reference ${compute.reference.toFixed(0)} M ops/s)` },
    { name: 'CPU loop MIPS (gcc-like mix, no devices)', value: cpuLoop.mips, unit: 'MIPS' },
    { name: '  interpreter ÷ reference (best pair)', value: cpuLoop.ratio, unit: '' },
    { name: 'CPU loop MIPS, paging on (4 KiB pages)', value: pagedLoop.mips, unit: 'MIPS' },
    { name: '  interpreter ÷ reference (best pair)', value: pagedLoop.ratio, unit: '' },
    { name: '  paging on ÷ paging off', value: pagedLoop.ratio / cpuLoop.ratio, unit: '' },
    { name: 'guest MIPS, cpu-selftest', value: selftest.mips, unit: 'MIPS', note: '(short guest: startup-heavy)' },
  ];
}
