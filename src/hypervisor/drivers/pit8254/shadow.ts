/**
 * Shadow of the 8254 (Intel 8254 datasheet 231164) and port 0x61's GATE2, kept from trapped
 * accesses to 0x40–0x43 (reads and writes) and 0x61 (writes).
 *
 * The count register, the control word (RW, mode, BCD) and the lobyte/hibyte write flip-flop
 * are write-only (BLMVisor 4.4.1: "the frequency-setting register is write-only"); the read
 * flip-flop and the latches change on reads. Beyond them, the counting element's phase —
 * when the count was loaded — is what makes IRQ0 fire at the same icount on the destination;
 * a VM exit carries its time (a real hypervisor reads the TSC), so the shadow knows when each
 * count went in. The shadow therefore mirrors the chip's control logic exactly, using the
 * datasheet's timing (pit8254-channel.ts: pure functions of a channel's registers and the
 * PIT clock, shared with the device model so both read the datasheet the same way).
 *
 * Capture cross-checks the shadow with the read-back command (status byte: OUT, null count,
 * RW, mode, BCD), which is readable without disturbing the chip (capture/pit.ts).
 */
import { DIR_READ, DIR_WRITE, type Intercepts, type TrappedAccess } from '../../intercepts.js';
import {
  PIT_CHANNELS, activeCount, bcdToBinary, edgesCounted, effectiveMode, icountAtTick, isSuspended, modulus,
  nullCount, outLevel, pitTicks, powerOnPitState, readableCount, settleChannels, takePendingReload, type Pit8254State,
} from '../../../devices/pit8254-channel.js';
import { KnownFields } from '../../known-fields.js';
import { CONTROL_PORT as PIT_CONTROL, PORT_B, counterPort } from './ports.js';

const PIT_PORT = counterPort(0);

const RW_LSB = 1;
const RW_MSB = 2;
const RW_WORD0 = 3;
const RW_WORD1 = 4;

/** Per-channel write-only or internal fields the shadow supplies. */
export const PIT_CHANNEL_FIELDS = [
  'count', 'latched_count', 'count_latched', 'status_latched', 'status', 'read_state', 'write_state', 'write_latch',
  'rw_mode', 'mode', 'bcd', 'count_load_time', 'active_count', 'counting', 'cr_pending', 'gate_fall_time',
] as const;

export interface PitShadowOptions {
  knownAtStart: boolean;
  /** Fault `pit-latch-lost`: counter-latch commands are not tracked. */
  loseLatch: boolean;
  /** Fault `pit-flipflop-lost`: the write flip-flop is not tracked. */
  loseFlipFlop: boolean;
}

export class PitShadow {
  /** The chip as the hypervisor believes it is (same layout as the device's declared state). */
  readonly s: Pit8254State;
  /** One KnownFields per channel: after a late attach a channel is known from its next control word. */
  readonly known: KnownFields[];
  /** When each channel's last control word and count were written (for reports). */
  readonly lastControlAt = [-1, -1, -1];

  constructor(
    intercepts: Intercepts,
    private readonly hz: number,
    now: number,
    private readonly options: PitShadowOptions,
  ) {
    // Power-on state (8254 + a PC's reset, as the device documents it): mode 3, count 65536, word access.
    const s = powerOnPitState(now, hz);
    this.s = s;
    this.known = [0, 1, 2].map(() => new KnownFields(PIT_CHANNEL_FIELDS, options.knownAtStart));
    for (let p = PIT_PORT; p <= PIT_CONTROL; p++) {
      intercepts.onPort(p, (a) => this.onAccess(a));
      intercepts.trapPort(p, DIR_WRITE);
      if (p !== PIT_CONTROL) intercepts.trapPort(p, DIR_READ);
    }
    intercepts.onPort(PORT_B, (a) => this.onPortB(a));
    intercepts.trapPort(PORT_B, DIR_WRITE);
  }

  private ticks(icount: number): number {
    return pitTicks(icount, this.hz);
  }

  private onPortB(a: TrappedAccess): void {
    if (a.dir !== DIR_WRITE) return;
    this.settleAll(a.icount);
    this.setGate(2, a.value & 1, a.icount);
    this.settleAll(a.icount);
  }

  private onAccess(a: TrappedAccess): void {
    const now = a.icount;
    this.settleAll(now);
    if (a.dir === DIR_READ) {
      this.read(a.addr & 3, now);
    } else if (a.addr === PIT_CONTROL) {
      this.writeControl(a.value & 0xff, now);
    } else {
      this.writeCounter(a.addr & 3, a.value & 0xff, now);
    }
    this.settleAll(now);
  }

  // The control logic below follows the datasheet as the device model does (pit8254.ts):
  // the same transitions, so the shadow's view of the internal phase is exact.

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
    this.lastControlAt[i] = now;
    // A control word resets the channel's control logic: from here the shadow knows it all.
    this.known[i].learn(...PIT_CHANNEL_FIELDS);
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

  /** OUT of channel `i` at `now` per the shadow. */
  out(i: number, now: number): number {
    return outLevel(this.s, i, this.ticks(now), this.hz);
  }

  nullCount(i: number, now: number): number {
    return nullCount(this.s, i, this.ticks(now), this.hz);
  }

  /** The agent (late attach) supplies the count register (and, with it, the channel's phase). */
  supply(i: number, field: (typeof PIT_CHANNEL_FIELDS)[number], value: number): void {
    (this.s[field] as number[])[i] = value;
    this.known[i].learn(field);
  }
}
