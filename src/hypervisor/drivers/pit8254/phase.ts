/**
 * The 8254's phase, inferred from what the guest wrote (write-log.ts) — the PIT driver's
 * capture runs this over the recorded accesses, it is not kept up to date on every exit.
 *
 * The counting element's phase — when the count was loaded, the count it runs with, a reload
 * pending, where GATE held it — and the latched values are not registers anyone wrote: they
 * follow from the recorded writes, their icounts and the datasheet: its control logic and
 * timing are pit8254-control.ts and pit8254-channel.ts, the device model's own — one reading
 * of the datasheet, not a second copy of it. The inference folds the log in order,
 * settling the channels at each access's icount as the chip does, so it arrives at exactly the
 * state the chip holds — however long the log was folded in pieces (a full log is folded early
 * to bound its memory).
 */
import { powerOnPitState, settleChannels, type Pit8254State } from '../../../devices/pit8254-channel.js';
import { Pit8254Control } from '../../../devices/pit8254-control.js';
import { PIT_CHANNEL_FIELDS, PIT_EVENT, type PitWriteLog } from './write-log.js';

export interface PitPhaseOptions {
  /** Fault `pit-latch-lost`: counter-latch commands are not tracked. */
  loseLatch: boolean;
  /** Fault `pit-flipflop-lost`: the write flip-flop is not tracked. */
  loseFlipFlop: boolean;
}

/**
 * The datasheet's control logic (the device model's own, pit8254-control.ts) applied to the
 * chip as the hypervisor infers it; the two PIT faults act on what it tracks.
 */
export class PitPhase extends Pit8254Control {
  /** The chip as the hypervisor infers it (same layout as the device's declared state). */
  readonly s: Pit8254State;

  constructor(
    hz: number,
    attachIcount: number,
    private readonly options: PitPhaseOptions,
  ) {
    // Power-on state (8254 + a PC's reset, as the device documents it): mode 3, count 65536, word access.
    const s = powerOnPitState(attachIcount, hz);
    super(() => s, hz);
    this.s = s;
  }

  /** Fault `pit-latch-lost`: counter-latch commands are not tracked. */
  protected override latchCount(i: number, now: number): void {
    if (!this.options.loseLatch) super.latchCount(i, now);
  }

  /** Fault `pit-flipflop-lost`: the write flip-flop is not tracked. */
  protected override firstByteWritten(i: number): void {
    if (!this.options.loseFlipFlop) super.firstByteWritten(i);
  }

  /** Take in every access the log holds, in order, and empty it. */
  apply(log: PitWriteLog): void {
    for (let k = 0; k < log.length; k++) {
      const now = log.icount[k];
      const kind = log.kind[k];
      const a = log.arg[k];
      const v = log.value[k];
      if (kind === PIT_EVENT.supply) {
        (this.s[PIT_CHANNEL_FIELDS[a >> 2]] as number[])[a & 3] = v;
        continue;
      }
      this.settleAll(now);
      if (kind === PIT_EVENT.read) this.readCounter(a, now);
      else if (kind === PIT_EVENT.control) this.writeControl(v, now);
      else if (kind === PIT_EVENT.counter) this.writeCounter(a, v, now);
      else this.setGate(2, v & 1, now);
      this.settleAll(now);
    }
    log.clear();
  }

  /**
   * The chip's canonical state at `now` (pit8254-channel.ts, settleChannel): pending reloads
   * taken, the phase re-based to the latest reload — what the device itself holds, so a
   * capture describes the phase as the chip does, however long ago the guest loaded it.
   */
  settleAll(now: number): void {
    settleChannels(this.s, this.ticks(now), this.hz);
  }
}
