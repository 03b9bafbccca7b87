/**
 * The earliest state difference behind a divergence, by re-execution: the reference
 * re-executed from boot and the destination re-executed from its switch-over snapshot run in
 * lockstep, compared (essential state: CPU, devices by schema, memory by page hash) at each
 * stop — the destination's checkpoints, then where the streams part. The first window whose
 * end differs is bisected, both machines going back to the window's start through
 * MachineKeeper (dirty pages only), down to one instruction: the report names the
 * instruction both machines executed and every field that differs after it.
 *
 * If the two re-executions never part, the recorded destination departed from a
 * re-execution of its own snapshot: something outside the guest changed the destination
 * after the switch-over (a hypervisor write, a page served wrong by post-copy).
 */
import type { Machine } from '../src/board/machine.js';
import type { StateSchema } from '../src/devices/schema.js';
import { restoreMachineSnapshot } from '../src/trace/machine-snapshot.js';
import { LivePageHashes, MachineKeeper, WrittenPages } from './machine-state.js';
import { compareStates, fromMachine } from './state-point.js';
import type { DeviceState, StateDifference } from './state-compare.js';
import type { MachineFactory } from './trace-machine.js';
import type { TracePair } from './trace-pair.js';

export interface BisectionResult {
  /** First icount at which the re-executed machines' essential state differs; null: they agree up to `agreedUpTo`. */
  readonly icount: number | null;
  readonly agreedUpTo: number;
  /** Differences at `icount` (essential and not). */
  readonly differences: readonly StateDifference[];
  /** The re-executed reference's device states at `icount` (root-cause ordering reads vectors from them). */
  readonly referenceDevices: readonly DeviceState[];
  /** The instruction each machine executed last before the difference (cs:eip). */
  readonly instruction: { readonly reference: string; readonly destination: string } | null;
  /** Lockstep stops and bisection steps taken. */
  readonly steps: number;
  /** Instructions executed by both machines together (the cost, in instructions). */
  readonly instructionsRun: number;
}

/** One machine under bisection: its keeper, its live page hashes, how to build a fresh one. */
class Runner {
  machine: Machine;
  readonly keeper: MachineKeeper;
  private hashes: LivePageHashes;
  ended = false;
  executed = 0;

  /** `nonZero`: the pages of `machine` that may be non-zero (see LivePageHashes). */
  constructor(
    machine: Machine,
    private readonly factory: MachineFactory,
    readonly side: string,
    nonZero: readonly number[],
  ) {
    this.machine = machine;
    this.keeper = new MachineKeeper(machine, nonZero);
    this.hashes = new LivePageHashes(machine, nonZero);
  }

  get icount(): number {
    return this.machine.clock.icount;
  }

  advanceTo(icount: number): void {
    const before = this.icount;
    if (before < icount && !this.ended) {
      const r = this.machine.run({ maxInstructions: icount });
      if (r.status !== 'limit') this.ended = true;
    }
    this.executed += this.icount - before;
  }

  save(): void {
    this.keeper.save();
  }

  restore(): void {
    const m = this.keeper.restore(() => this.factory.build());
    if (m !== this.machine) {
      this.hashes.dispose();
      this.machine = m;
      this.hashes = new LivePageHashes(m);
    }
    this.ended = false;
  }

  point() {
    return fromMachine(this.machine, `${this.side} re-executed`, this.hashes);
  }

  dispose(): void {
    this.hashes.dispose();
  }
}

async function essentialDifferences(schemas: ReadonlyMap<string, StateSchema>, ref: Runner, dst: Runner): Promise<StateDifference[]> {
  return (await compareStates(schemas, ref.point(), dst.point())).filter((d) => d.essential);
}

/**
 * Find the first instruction after which the re-executed reference and destination differ,
 * between the switch-over and `limit`. `stops` are coarse icounts to compare at first
 * (ascending; those past `limit` are ignored). Needs the destination's switch-over snapshot.
 */
export async function bisectFirstDifference(
  pair: TracePair,
  schemas: ReadonlyMap<string, StateSchema>,
  stops: readonly number[],
  limit: number,
): Promise<BisectionResult> {
  if (pair.snapshot === null) throw new Error('bisection needs the destination\'s switch-over snapshot');
  const T = pair.switchIcount;
  const refMachine = pair.reference.factory.build();
  const written = new WrittenPages(refMachine, pair.reference.factory.bootPages);
  refMachine.run({ maxInstructions: T });
  const refPages = written.take();
  written.dispose();
  const dstMachine = pair.destination.factory.build();
  restoreMachineSnapshot(dstMachine, pair.snapshot);
  const ref = new Runner(refMachine, pair.reference.factory, 'reference', refPages);
  const dst = new Runner(dstMachine, pair.destination.factory, 'destination', [...pair.snapshot.pages]);
  ref.executed = T;
  let steps = 0;
  try {
    let a = T;
    let b: number | null = null;
    const coarse = [...new Set([...stops.filter((s) => s > T && s < limit), limit])].sort((x, y) => x - y);
    for (const s of coarse) {
      ref.advanceTo(s);
      dst.advanceTo(s);
      steps++;
      const at = Math.min(ref.icount, dst.icount);
      const diffs = ref.icount !== dst.icount ? [{ essential: true }] : await essentialDifferences(schemas, ref, dst);
      if (diffs.length > 0) {
        b = Math.max(at, a + 1);
        break;
      }
      ref.save();
      dst.save();
      a = at;
      if (ref.ended || dst.ended) break;
    }
    if (b === null) {
      return { icount: null, agreedUpTo: a, differences: [], referenceDevices: [], instruction: null, steps, instructionsRun: ref.executed + dst.executed };
    }
    while (b - a > 1) {
      const mid = Math.floor((a + b) / 2);
      ref.restore();
      dst.restore();
      ref.advanceTo(mid);
      dst.advanceTo(mid);
      steps++;
      const same = ref.icount === dst.icount && (await essentialDifferences(schemas, ref, dst)).length === 0;
      if (same && ref.icount === mid) {
        ref.save();
        dst.save();
        a = mid;
      } else {
        b = mid;
      }
    }
    ref.restore();
    dst.restore();
    const instruction = { reference: ref.machine.cpu.describeLocation(), destination: dst.machine.cpu.describeLocation() };
    ref.advanceTo(b);
    dst.advanceTo(b);
    const refPoint = ref.point();
    const differences = await compareStates(schemas, refPoint, dst.point());
    return { icount: b, agreedUpTo: a, differences, referenceDevices: refPoint.devices, instruction, steps, instructionsRun: ref.executed + dst.executed };
  } finally {
    ref.dispose();
    dst.dispose();
  }
}
