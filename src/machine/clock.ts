/**
 * Virtual time. The clock is the instruction count (icount): the number of instructions the
 * CPU has retired. Nothing in the simulation reads a wall clock, so the same guest with the
 * same inputs always sees the same time.
 *
 * Devices post events at future icounts through timers. A pending timer is derived state:
 * a device saves it as an offset from "now" (`Timer.remaining`) and re-arms it on restore
 * (`Timer.armIn`), the way jsbeeb's scheduler does.
 */

/**
 * Virtual instructions per virtual second: the rate at which device clocks (the PIT's
 * 1.193182 MHz, the RTC's seconds, the LAPIC timer) advance against the icount.
 * One instruction is 10 ns of virtual time.
 */
export const DEFAULT_INSTRUCTIONS_PER_SECOND = 100_000_000;

/** floor(value * mul / div) for non-negative integers, exact even when the product exceeds 2^53. */
export function mulDivFloor(value: number, mul: number, div: number): number {
  const p = value * mul;
  if (p <= Number.MAX_SAFE_INTEGER) return Math.floor(p / div);
  return Number((BigInt(value) * BigInt(mul)) / BigInt(div));
}

export type TimerCallback = (now: number) => void;

export class Timer {
  /** Absolute icount at which the timer fires, or -1 when disarmed. */
  at = -1;
  /** Arming order; breaks ties between timers due at the same icount, deterministically. */
  seq = 0;

  constructor(
    private readonly clock: Clock,
    readonly name: string,
    readonly callback: TimerCallback,
  ) {}

  get armed(): boolean {
    return this.at >= 0;
  }

  /** Fire at absolute icount `at` (clamped to now: a past deadline fires at the next check). */
  arm(at: number): void {
    this.clock.schedule(this, Math.max(at, this.clock.icount));
  }

  /** Fire `delta` instructions from now. */
  armIn(delta: number): void {
    this.arm(this.clock.icount + delta);
  }

  cancel(): void {
    this.clock.unschedule(this);
  }

  /** Instructions until the timer fires, or -1 when disarmed: what a snapshot saves. */
  remaining(): number {
    return this.at < 0 ? -1 : this.at - this.clock.icount;
  }
}

export class Clock {
  constructor(
    /** Instructions per virtual second (machine configuration; recorded in trace headers). */
    readonly hz: number = DEFAULT_INSTRUCTIONS_PER_SECOND,
  ) {}

  /** Instructions retired so far. The CPU advances it; HLT may skip it forward to an event. */
  icount = 0;
  /** The earliest armed timer's deadline, or Infinity. The CPU runs slices up to it. */
  nextEventAt = Infinity;

  private readonly armed: Timer[] = [];
  private seqCounter = 0;

  createTimer(name: string, callback: TimerCallback): Timer {
    return new Timer(this, name, callback);
  }

  /** @internal use Timer.arm */
  schedule(timer: Timer, at: number): void {
    if (timer.at < 0) this.armed.push(timer);
    timer.at = at;
    timer.seq = this.seqCounter++;
    if (at < this.nextEventAt) this.nextEventAt = at;
    else this.recompute();
  }

  /** @internal use Timer.cancel */
  unschedule(timer: Timer): void {
    if (timer.at < 0) return;
    // Swap-remove: the order of `armed` means nothing (runDue picks by deadline, then arming
    // order), and splice was a visible cost at two PIT events per timer tick.
    const armed = this.armed;
    const i = armed.indexOf(timer);
    if (i >= 0) {
      armed[i] = armed[armed.length - 1];
      armed.pop();
    }
    timer.at = -1;
    this.recompute();
  }

  /** Fire every timer due at or before the current icount, earliest first, ties in arming order. */
  runDue(): void {
    while (this.nextEventAt <= this.icount) {
      let due: Timer | null = null;
      for (const t of this.armed) {
        if (t.at <= this.icount && (due === null || t.at < due.at || (t.at === due.at && t.seq < due.seq))) due = t;
      }
      if (due === null) break;
      this.unschedule(due);
      due.callback(this.icount);
    }
  }

  /** Names and deadlines of the armed timers, earliest first (for inspection and tests). */
  pending(): { name: string; at: number }[] {
    return [...this.armed].sort((a, b) => a.at - b.at || a.seq - b.seq).map((t) => ({ name: t.name, at: t.at }));
  }

  private recompute(): void {
    let next = Infinity;
    for (const t of this.armed) if (t.at < next) next = t.at;
    this.nextEventAt = next;
  }
}
