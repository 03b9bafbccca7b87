/**
 * The destination's reconstruction window as a list of timed hypervisor actions. Some device
 * state is a phase in time rather than a register value — when a PIT count was loaded, where
 * the RTC's divider second falls, how far the UART's shift register has got — and is
 * reconstructed by doing the right thing at the right virtual time (BLMVisor 3.4: "triggering
 * a state transition"). Actions run in icount order — ties by rank (the driver step's place
 * among all steps: drivers/driver.ts, ReconstructStep), then in the order they were added — with
 * Machine.advancePaused between them; the window ends exactly at the switch-over icount.
 */
import type { DriverTimeline, Placement } from './drivers/driver.js';
import type { HvIo } from './hv-io.js';

export interface TimedAction {
  readonly at: number;
  readonly label: string;
  readonly run: () => void;
  readonly rank: number;
  readonly seq: number;
  /** DriverTimeline.at: ahead of the stop, at the switch, or pinned to its time. */
  readonly placement: Placement;
}

export class Timeline {
  private readonly actions: TimedAction[] = [];
  private seq = 0;
  /** Actions that wanted an earlier time than the window allowed (residuals for the report). */
  readonly late: string[] = [];
  /** Port/MMIO accesses made by actions that need the switch-over state (set by run). */
  switchAccesses = 0;

  constructor(
    /** The earliest icount an action may run at (the destination's clock when reconstruction began). */
    readonly start: number,
    /** The switch-over icount: everything is done by then. */
    readonly end: number,
    /** The least time the actions that need the switch-over state get before it (switchStart). */
    readonly switchFloor = end - start,
  ) {}

  /** Run `fn` at icount `at` (clamped into the window; a clamp is recorded). */
  at(at: number, label: string, run: () => void, rank = 0, placement: Placement = 'switch'): void {
    let t = Math.floor(at);
    if (t < this.start) {
      this.late.push(`${label}: wanted icount ${t}, the window starts at ${this.start}`);
      t = this.start;
    }
    if (t > this.end) t = this.end;
    this.actions.push({ at: t, label, run, rank, seq: this.seq++, placement });
  }

  /**
   * Where the actions that need the switch-over state begin: `switchFloor` before the
   * switch-over (their own device work needs it: dummy frames, a drive's command, loopback
   * bytes), or earlier where one asks for an earlier time of its own.
   */
  get switchStart(): number {
    let t = Math.max(this.start, this.end - this.switchFloor);
    for (const a of this.actions) if (a.placement !== 'ahead' && (a.at > this.start || a.placement === 'pinned')) t = Math.min(t, a.at);
    return t;
  }

  /** The actions at the times they run: those that only want to come first, at `switchStart`. */
  private placed(): (TimedAction & { timed: boolean })[] {
    const s = this.switchStart;
    return this.actions.map((a) => (a.placement === 'switch' && a.at === this.start ? { ...a, at: s, timed: false } : { ...a, timed: a.at > this.start }));
  }

  /**
   * How the window splits (docs/migration-figures.md). `aheadInstructions`: from the earliest
   * ahead action to the switch-over (0 if none): configuration and time-driven state a
   * destination sets while pre-copy runs. `residualInstructions`: from `switchStart` to the
   * switch-over — downtime.
   */
  split(): { aheadInstructions: number; residualInstructions: number } {
    let ahead = this.end;
    for (const a of this.actions) if (a.placement === 'ahead') ahead = Math.min(ahead, a.at);
    return { aheadInstructions: this.end - ahead, residualInstructions: this.end - this.switchStart };
  }

  /** The window as one reconstruction step sees it: its actions carry `rank`. */
  forRank(rank: number): DriverTimeline {
    return { start: this.start, end: this.end, at: (at, label, run, placement) => this.at(at, label, run, rank, placement ?? 'switch') };
  }

  /** The earliest action time asked for (before clamping), for budget reports. */
  get size(): number {
    return this.actions.length;
  }

  /** Run every action in time order, then wait until the window's end. Returns the labels run, in order. */
  run(io: HvIo): string[] {
    const order = this.placed().sort((a, b) => a.at - b.at || a.rank - b.rank || a.seq - b.seq);
    const done: string[] = [];
    for (const a of order) {
      // An earlier action's device work ran past this one's time: name it (a timed action's phase is then off).
      if (a.timed && io.now > a.at) this.late.push(`${a.label}: wanted icount ${a.at}, ran at ${io.now} (earlier actions' device work)`);
      io.waitUntil(a.at);
      const before = io.accesses;
      a.run();
      if (a.placement !== 'ahead') this.switchAccesses += io.accesses - before;
      done.push(a.label);
    }
    io.waitUntil(this.end);
    return done;
  }
}
