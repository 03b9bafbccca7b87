/**
 * A trace's machine, re-executed: built fresh from the trace (trace-machine.ts) and run
 * forward to the icounts the verifier asks about. Running forward only; going back is
 * MachineKeeper's job (bisect.ts).
 */
import type { Machine } from '../src/board/machine.js';
import { LivePageHashes, WrittenPages } from './machine-state.js';
import { fromMachine, type StatePoint } from './state-point.js';
import type { MachineFactory } from './trace-machine.js';

/** Instructions between looks at the event loop (~10–20 ms of machine time). */
const REPLAY_SLICE = 2_000_000;

export class Replay {
  readonly machine: Machine;
  /** Set once the run stopped on its own (exit, halt for good, fault) before an asked-for icount. */
  ended: { readonly status: string; readonly icount: number; readonly message: string } | null = null;
  private hashes: LivePageHashes | null = null;
  /** Pages written since power-on: page hashes start from these, not from all of RAM. */
  private written: WrittenPages | null;

  constructor(
    factory: MachineFactory,
    readonly side: string,
  ) {
    this.machine = factory.build();
    this.written = new WrittenPages(this.machine, factory.bootPages);
  }

  get icount(): number {
    return this.machine.clock.icount;
  }

  /**
   * Run to `icount`, in slices with the event loop let through between them (so a stream
   * comparison reading the traces meanwhile gets its LevelDB reads answered while the machine
   * runs). False when the run stopped before `icount` (see `ended`).
   */
  async advanceTo(icount: number): Promise<boolean> {
    const m = this.machine;
    while (m.clock.icount < icount && this.ended === null) {
      const r = m.run({ maxInstructions: Math.min(icount, m.clock.icount + REPLAY_SLICE) });
      if (r.status !== 'limit') this.ended = { status: r.status, icount: m.clock.icount, message: r.message };
      else if (m.clock.icount < icount) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return m.clock.icount === icount;
  }

  /** The state now, with page hashes kept current from the dirty log. */
  point(): StatePoint {
    if (this.hashes === null) {
      this.hashes = new LivePageHashes(this.machine, this.written?.take());
      this.written?.dispose();
      this.written = null;
    }
    return fromMachine(this.machine, `${this.side} re-executed`, this.hashes);
  }

  dispose(): void {
    this.hashes?.dispose();
    this.hashes = null;
    this.written?.dispose();
    this.written = null;
  }
}
