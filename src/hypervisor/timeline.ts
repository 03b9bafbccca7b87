/**
 * The destination's reconstruction window as a list of timed hypervisor actions. Some device
 * state is a phase in time rather than a register value — when a PIT count was loaded, where
 * the RTC's divider second falls, how far the UART's shift register has got — and is
 * reconstructed by doing the right thing at the right virtual time (BLMVisor 3.4: "triggering
 * a state transition"). Actions run in icount order — ties by rank (the driver step's place
 * among all steps: drivers/driver.ts, ReconstructStep), then in the order they were added — with
 * Machine.advancePaused between them; the window ends exactly at the switch-over icount.
 */
import type { DriverTimeline } from './drivers/driver.js';
import type { HvIo } from './hv-io.js';

export interface TimedAction {
  readonly at: number;
  readonly label: string;
  readonly run: () => void;
  readonly rank: number;
  readonly seq: number;
}

export class Timeline {
  private readonly actions: TimedAction[] = [];
  private seq = 0;
  /** Actions that wanted an earlier time than the window allowed (residuals for the report). */
  readonly late: string[] = [];

  constructor(
    /** The earliest icount an action may run at (the destination's clock when reconstruction began). */
    readonly start: number,
    /** The switch-over icount: everything is done by then. */
    readonly end: number,
  ) {}

  /** Run `fn` at icount `at` (clamped into the window; a clamp is recorded). */
  at(at: number, label: string, run: () => void, rank = 0): void {
    let t = Math.floor(at);
    if (t < this.start) {
      this.late.push(`${label}: wanted icount ${t}, the window starts at ${this.start}`);
      t = this.start;
    }
    if (t > this.end) t = this.end;
    this.actions.push({ at: t, label, run, rank, seq: this.seq++ });
  }

  /** The window as one reconstruction step sees it: its actions carry `rank`. */
  forRank(rank: number): DriverTimeline {
    return { start: this.start, end: this.end, at: (at, label, run) => this.at(at, label, run, rank) };
  }

  /** The earliest action time asked for (before clamping), for budget reports. */
  get size(): number {
    return this.actions.length;
  }

  /** Run every action in time order, then wait until the window's end. Returns the labels run, in order. */
  run(io: HvIo): string[] {
    const order = this.actions.slice().sort((a, b) => a.at - b.at || a.rank - b.rank || a.seq - b.seq);
    const done: string[] = [];
    for (const a of order) {
      io.waitUntil(a.at);
      a.run();
      done.push(a.label);
    }
    io.waitUntil(this.end);
    return done;
  }
}
