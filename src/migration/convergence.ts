/**
 * Pre-copy that does not converge, and auto-converge (QEMU migration/ram.c,
 * `migration_trigger_throttle` and `mig_throttle_guest_down`; docs/migration-figures.md).
 *
 * A round that lasts T on the link sends B bytes; the guest dirties D bytes meanwhile. When D
 * exceeds half of B — the guest dirties memory at more than half the link's rate — in two
 * rounds in a row while the dirty set is still above the threshold, the next round will not
 * be much smaller: pre-copy is not converging. QEMU's defaults then: throttle the guest by 20%
 * and by 10 points more after every further such round, up to 99%.
 *
 * Throttling holds the source machine — CPU and devices, whose time is the instruction count —
 * for that share of each round while the link keeps sending: the guest runs fewer instructions
 * per second of link time and so dirties fewer pages per round. Its own timeline is unchanged
 * (what it sees happens at the same instruction counts), so the verifier still compares it with
 * the unmigrated run; the cost shows as a longer migration and a slower guest meanwhile.
 */
import { PAGE_SIZE } from '../machine/memory.js';
import type { NoConvergenceAction } from './options.js';

export const THROTTLE_INITIAL_PERCENT = 20;
export const THROTTLE_INCREMENT_PERCENT = 10;
export const THROTTLE_MAX_PERCENT = 99;
/** Dirtied bytes over sent bytes, in percent, above which a round counts against convergence. */
export const DIRTY_RATE_TRIGGER_PERCENT = 50;
/** Such rounds in a row before pre-copy is taken as not converging. */
export const DIRTY_RATE_HIGH_ROUNDS = 2;

export class ConvergenceWatch {
  private high = 0;
  /** The round after which pre-copy was found not to converge (0: not yet). */
  detectedRound = 0;
  /** The share of the next round the source machine is held, in percent. */
  throttlePercent = 0;

  constructor(
    readonly action: NoConvergenceAction,
    private readonly thresholdBytes: number,
  ) {}

  /**
   * After round `round`: `sentBytes` went out, `dirtiedPages` were dirtied meanwhile. Returns
   * true when pre-copy does not converge and the action is to fail.
   */
  afterRound(round: number, sentBytes: number, dirtiedPages: number): boolean {
    const dirtied = dirtiedPages * PAGE_SIZE;
    if (dirtied <= this.thresholdBytes) return false;
    if (dirtied * 100 > sentBytes * DIRTY_RATE_TRIGGER_PERCENT) this.high++;
    else this.high = 0;
    if (this.high < DIRTY_RATE_HIGH_ROUNDS) return false;
    this.high = 0;
    if (this.detectedRound === 0) this.detectedRound = round;
    if (this.action === 'fail') return true;
    this.throttlePercent = this.throttlePercent === 0
      ? THROTTLE_INITIAL_PERCENT
      : Math.min(THROTTLE_MAX_PERCENT, this.throttlePercent + THROTTLE_INCREMENT_PERCENT);
    return false;
  }

  /** Guest instructions in a round of `instructions` of link time at the current throttle. */
  guestInstructions(instructions: number): number {
    return Math.floor((instructions * (100 - this.throttlePercent)) / 100);
  }
}
