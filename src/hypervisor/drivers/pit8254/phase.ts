/**
 * The 8254's phase, inferred from what the guest wrote (write-log.ts) — the PIT driver's
 * capture runs this over the recorded accesses, it is not kept up to date on every exit.
 *
 * The counting element's phase — when the count was loaded, the count it runs with, a reload
 * pending, where GATE held it — and the latched values are not registers anyone wrote: they
 * follow from the recorded writes, their icounts and the datasheet's timing (Intel 8254,
 * "Modes of Operation", "Counter Latch Command", "Read-Back Command"; pit8254-channel.ts holds
 * that timing as pure functions of a channel's registers and the PIT clock, shared with the
 * device model so both read the datasheet the same way). The inference folds the log in order,
 * settling the channels at each access's icount as the chip does, so it arrives at exactly the
 * state the chip holds — however long the log was folded in pieces (a full log is folded early
 * to bound its memory).
 */
import {
  PIT_CHANNELS, activeCount, bcdToBinary, edgesCounted, effectiveMode, icountAtTick, isSuspended, modulus,
  nullCount, outLevel, pitTicks, powerOnPitState, readableCount, settleChannels, takePendingReload, type Pit8254State,
} from '../../../devices/pit8254-channel.js';
import { PIT_CHANNEL_FIELDS, PIT_EVENT, type PitWriteLog } from './write-log.js';

const RW_LSB = 1;
const RW_MSB = 2;
const RW_WORD0 = 3;
const RW_WORD1 = 4;

export interface PitPhaseOptions {
  /** Fault `pit-latch-lost`: counter-latch commands are not tracked. */
  loseLatch: boolean;
  /** Fault `pit-flipflop-lost`: the write flip-flop is not tracked. */
  loseFlipFlop: boolean;
}

export class PitPhase {
  /** The chip as the hypervisor infers it (same layout as the device's declared state). */
  readonly s: Pit8254State;

  constructor(
    private readonly hz: number,
    attachIcount: number,
    private readonly options: PitPhaseOptions,
  ) {
    // Power-on state (8254 + a PC's reset, as the device documents it): mode 3, count 65536, word access.
    this.s = powerOnPitState(attachIcount, hz);
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
      if (kind === PIT_EVENT.read) this.read(a, now);
      else if (kind === PIT_EVENT.control) this.writeControl(v, now);
      else if (kind === PIT_EVENT.counter) this.writeCounter(a, v, now);
      else this.setGate(2, v & 1, now);
      this.settleAll(now);
    }
    log.clear();
  }

  private ticks(icount: number): number {
    return pitTicks(icount, this.hz);
  }

  // The control logic follows the datasheet as the device model does (pit8254.ts): the same
  // transitions, so the inferred internal phase is exact.

  private setGate(i: number, level: number, now: number): void {
    const s = this.s;
    if (s.gate[i] === level) return;
    this.sync(i, now);
    if (level === 0) {
      s.gate_fall_time[i] = now;
      s.gate[i] = 0;
    } else {
      this.gateRisingEdge(i, now);
      s.gate[i] = 1;
    }
  }

  private gateRisingEdge(i: number, now: number): void {
    const s = this.s;
    switch (effectiveMode(s.mode[i])) {
      case 1:
      case 5:
        if (s.counting[i] || s.cr_pending[i]) this.startPhase(i, now);
        break;
      case 2:
      case 3:
        if (s.counting[i]) this.startPhase(i, now);
        break;
      default: {
        if (!s.counting[i]) break;
        const nowTick = this.ticks(now);
        if (nowTick === this.ticks(s.count_load_time[i])) break;
        const frozen = edgesCounted(s, i, nowTick, this.hz);
        s.count_load_time[i] = icountAtTick(nowTick - frozen, this.hz);
      }
    }
  }

  private startPhase(i: number, now: number): void {
    const s = this.s;
    s.active_count[i] = s.count[i];
    s.count_load_time[i] = now;
    s.counting[i] = 1;
    s.cr_pending[i] = 0;
  }

  /** Modes 2/3: a count written while counting is taken at the period's reload edge. */
  sync(i: number, now: number): void {
    takePendingReload(this.s, i, this.ticks(now), this.hz);
  }

  private writeControl(value: number, now: number): void {
    const s = this.s;
    const i = value >> 6;
    if (i === 3) {
      for (let c = 0; c < PIT_CHANNELS; c++) {
        if ((value & (2 << c)) === 0) continue;
        this.sync(c, now);
        if ((value & 0x20) === 0) this.latchCount(c, now);
        if ((value & 0x10) === 0) this.latchStatus(c, now);
      }
      return;
    }
    this.sync(i, now);
    const access = (value >> 4) & 3;
    if (access === 0) {
      this.latchCount(i, now);
      return;
    }
    s.rw_mode[i] = access;
    s.read_state[i] = access;
    s.write_state[i] = access;
    s.mode[i] = (value >> 1) & 7;
    s.bcd[i] = value & 1;
    s.counting[i] = 0;
    s.cr_pending[i] = 0;
  }

  private latchCount(i: number, now: number): void {
    const s = this.s;
    if (this.options.loseLatch) return;
    if (s.count_latched[i]) return;
    s.latched_count[i] = readableCount(s, i, this.ticks(now), this.hz);
    s.count_latched[i] = s.rw_mode[i];
  }

  private latchStatus(i: number, now: number): void {
    const s = this.s;
    if (s.status_latched[i]) return;
    const nowTick = this.ticks(now);
    s.status[i] = (outLevel(s, i, nowTick, this.hz) << 7) | (nullCount(s, i, nowTick, this.hz) << 6)
      | (s.rw_mode[i] << 4) | (s.mode[i] << 1) | s.bcd[i];
    s.status_latched[i] = 1;
  }

  private writeCounter(i: number, value: number, now: number): void {
    if (i > 2) return;
    const s = this.s;
    switch (s.write_state[i]) {
      case RW_MSB:
        this.loadCount(i, value << 8, now);
        break;
      case RW_WORD0:
        s.write_latch[i] = value;
        if (!this.options.loseFlipFlop) s.write_state[i] = RW_WORD1;
        if (effectiveMode(s.mode[i]) === 0 && s.counting[i]) s.counting[i] = 0;
        break;
      case RW_WORD1:
        s.write_state[i] = RW_WORD0;
        this.loadCount(i, s.write_latch[i] | (value << 8), now);
        break;
      default:
        this.loadCount(i, value, now);
    }
  }

  private loadCount(i: number, raw: number, now: number): void {
    const s = this.s;
    this.sync(i, now);
    const value = s.bcd[i] ? bcdToBinary(raw) : raw;
    s.count[i] = value === 0 ? modulus(s.bcd[i]) : value;
    switch (effectiveMode(s.mode[i])) {
      case 0:
      case 4:
        this.startPhase(i, now);
        break;
      case 1:
      case 5:
        s.cr_pending[i] = 1;
        break;
      default: {
        if (!s.counting[i]) {
          this.startPhase(i, now);
        } else if (isSuspended(s, i)) {
          s.cr_pending[i] = 1;
        } else {
          const base = this.ticks(s.count_load_time[i]);
          const n = this.ticks(now) - base;
          if (n < 1) {
            s.active_count[i] = s.count[i];
          } else {
            const N = activeCount(s, i);
            const periods = Math.floor((n - 1) / N);
            if (periods > 0) s.count_load_time[i] = icountAtTick(base + periods * N, this.hz);
            s.cr_pending[i] = 1;
          }
        }
      }
    }
  }

  private read(i: number, now: number): void {
    if (i > 2) return;
    const s = this.s;
    this.sync(i, now);
    if (s.status_latched[i]) {
      s.status_latched[i] = 0;
      return;
    }
    const latched = s.count_latched[i];
    if (latched) {
      if (latched === RW_MSB) s.count_latched[i] = 0;
      else s.count_latched[i] = latched === RW_WORD0 ? RW_MSB : 0;
      return;
    }
    if (s.read_state[i] === RW_WORD0) s.read_state[i] = RW_WORD1;
    else if (s.read_state[i] === RW_WORD1) s.read_state[i] = RW_WORD0;
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
