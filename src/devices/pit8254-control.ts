/**
 * The 8254's control logic, once: what a control word, a count byte, a counter read, a
 * counter-latch or read-back command and a GATE edge do to a channel's registers and phase
 * (Intel 8254 datasheet, 231164: "Control Word Format", "Read-Back Command", "Counter Latch
 * Command", "Write Operations", "Read Operations", "Modes of Operation", "Gate").
 *
 * Two users read the datasheet through this one class, so they cannot read it differently:
 * the device model (pit8254.ts), which adds the ports, IRQ0 and its transition timer, and the
 * hypervisor's PIT driver, which infers the chip's internal phase from the accesses it watched
 * the guest make — a bare-metal hypervisor knows the datasheet, not the chip's state. Time is
 * the PIT clock (pit8254-channel.ts: counters are functions of the icount, never stepped).
 */
import {
  PIT_CHANNELS, activeCount, bcdToBinary, edgesCounted, effectiveMode, icountAtTick, isSuspended, modulus, nullCount,
  outLevel, pitTicks, readableCount, takePendingReload, type Pit8254State,
  bcdOf, countOf, countLatchedOf, countLoadTimeOf, countingOf, crPendingOf, gateOf, latchedCountOf, modeOf, readStateOf, rwModeOf, statusOf, statusLatchedOf, writeLatchOf, writeStateOf,
} from './pit8254-channel.js';

/** read_state / write_state / count_latched values (QEMU's RW_STATE_*): rw_mode 1–3, plus the second byte of a word. */
export const RW_LSB = 1;
export const RW_MSB = 2;
export const RW_WORD0 = 3;
export const RW_WORD1 = 4;

export class Pit8254Control {
  /**
   * @param state the registers acted on (a getter: a device's state object is replaced on restore)
   * @param hz instructions per virtual second (the icount ↔ PIT clock ratio)
   * @param outputMayChange called after an access that may have changed channel `i`'s OUT
   */
  constructor(
    private readonly state: () => Pit8254State,
    protected readonly hz: number,
    private readonly outputMayChange: (i: number, now: number) => void = () => {},
  ) {}

  ticks(icount: number): number {
    return pitTicks(icount, this.hz);
  }

  /** Modes 2/3: a count written while counting is loaded at the period's reload edge. */
  sync(i: number, now: number): void {
    takePendingReload(this.state(), i, this.ticks(now), this.hz);
  }

  /** GATE input of channel `i` (on a PC, port 0x61 bit 0 for channel 2; GATE0/1 are tied high). */
  setGate(i: number, level: number, now: number): void {
    const s = this.state();
    if (gateOf(s)[i] === level) return;
    this.sync(i, now);
    if (level === 0) {
      s.gate_fall_time[i] = now;
      s.gate[i] = 0;
    } else {
      this.gateRisingEdge(i, now);
      s.gate[i] = 1;
    }
    this.outputMayChange(i, now);
  }

  /** A write to the control word register: a control word, a counter latch or a read-back command. */
  writeControl(value: number, now: number): void {
    const s = this.state();
    const i = value >> 6;
    if (i === 3) {
      // Read-back (8254 only): bit 5 = 0 latches counts, bit 4 = 0 latches status, bits 3–1 select.
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
    // A control word resets the channel's control logic; OUT goes to its mode's initial level.
    s.rw_mode[i] = access;
    s.read_state[i] = access;
    s.write_state[i] = access;
    s.mode[i] = (value >> 1) & 7;
    s.bcd[i] = value & 1;
    s.counting[i] = 0;
    s.cr_pending[i] = 0;
    this.outputMayChange(i, now);
  }

  /** A count byte written to channel `i`'s data port. */
  writeCounter(i: number, value: number, now: number): void {
    if (i > 2) return;
    const s = this.state();
    switch (writeStateOf(s)[i]) {
      case RW_MSB:
        this.loadCount(i, value << 8, now);
        break;
      case RW_WORD0:
        s.write_latch[i] = value;
        this.firstByteWritten(i);
        // Mode 0: writing the first byte stops counting and sets OUT low (datasheet, mode 0).
        if (effectiveMode(modeOf(s)[i]) === 0 && countingOf(s)[i]) {
          s.counting[i] = 0;
          this.outputMayChange(i, now);
        }
        break;
      case RW_WORD1:
        s.write_state[i] = RW_WORD0;
        this.loadCount(i, writeLatchOf(s)[i] | (value << 8), now);
        break;
      default: // RW_LSB
        this.loadCount(i, value, now);
    }
  }

  /** A read of channel `i`'s data port: the byte read, with the read flip-flop and latches advanced. */
  readCounter(i: number, now: number): number {
    if (i > 2) return 0xff;
    const s = this.state();
    this.sync(i, now);
    if (statusLatchedOf(s)[i]) {
      s.status_latched[i] = 0;
      return statusOf(s)[i];
    }
    const latched = countLatchedOf(s)[i];
    if (latched) {
      const v = latchedCountOf(s)[i];
      if (latched === RW_MSB) {
        s.count_latched[i] = 0;
        return (v >> 8) & 0xff;
      }
      s.count_latched[i] = latched === RW_WORD0 ? RW_MSB : 0;
      return v & 0xff;
    }
    const v = readableCount(s, i, this.ticks(now), this.hz);
    switch (readStateOf(s)[i]) {
      case RW_MSB:
        return (v >> 8) & 0xff;
      case RW_WORD0:
        s.read_state[i] = RW_WORD1;
        return v & 0xff;
      case RW_WORD1:
        s.read_state[i] = RW_WORD0;
        return (v >> 8) & 0xff;
      default:
        return v & 0xff;
    }
  }

  /** The first byte of a word write: the write flip-flop now waits for the second. */
  protected firstByteWritten(i: number): void {
    this.state().write_state[i] = RW_WORD1;
  }

  /** Counter latch command: the first latch holds until read; later ones are ignored. */
  protected latchCount(i: number, now: number): void {
    const s = this.state();
    if (countLatchedOf(s)[i]) return;
    s.latched_count[i] = readableCount(s, i, this.ticks(now), this.hz);
    s.count_latched[i] = rwModeOf(s)[i];
  }

  private latchStatus(i: number, now: number): void {
    const s = this.state();
    if (statusLatchedOf(s)[i]) return;
    const nowTick = this.ticks(now);
    s.status[i] = (outLevel(s, i, nowTick, this.hz) << 7) | (nullCount(s, i, nowTick, this.hz) << 6)
      | (rwModeOf(s)[i] << 4) | (modeOf(s)[i] << 1) | bcdOf(s)[i];
    s.status_latched[i] = 1;
  }

  /** Datasheet, "Gate": a rising edge triggers modes 1/5, reloads modes 2/3 and resumes modes 0/4. */
  private gateRisingEdge(i: number, now: number): void {
    const s = this.state();
    switch (effectiveMode(modeOf(s)[i])) {
      case 1:
      case 5:
        if (countingOf(s)[i] || crPendingOf(s)[i]) this.startPhase(i, now);
        break;
      case 2:
      case 3:
        if (countingOf(s)[i]) this.startPhase(i, now);
        break;
      default: { // 0, 4: counting resumes from the frozen CE on the next CLK
        if (!countingOf(s)[i]) break;
        const nowTick = this.ticks(now);
        if (nowTick === this.ticks(countLoadTimeOf(s)[i])) break; // not even loaded yet: nothing was lost
        const frozen = edgesCounted(s, i, nowTick, this.hz); // gate is still 0 here
        s.count_load_time[i] = icountAtTick(nowTick - frozen, this.hz);
      }
    }
  }

  /** Transfer the count register to the CE at the next CLK edge. */
  private startPhase(i: number, now: number): void {
    const s = this.state();
    s.active_count[i] = countOf(s)[i];
    s.count_load_time[i] = now;
    s.counting[i] = 1;
    s.cr_pending[i] = 0;
  }

  /** A complete count written to the count register; when the CE takes it depends on the mode. */
  private loadCount(i: number, raw: number, now: number): void {
    const s = this.state();
    this.sync(i, now);
    const value = bcdOf(s)[i] ? bcdToBinary(raw) : raw;
    s.count[i] = value === 0 ? modulus(bcdOf(s)[i]) : value;
    switch (effectiveMode(modeOf(s)[i])) {
      case 0:
      case 4: // loaded on the next CLK, also while counting
        this.startPhase(i, now);
        break;
      case 1:
      case 5: // waits for a GATE trigger; a running one-shot is not affected
        s.cr_pending[i] = 1;
        break;
      default: { // 2, 3
        if (!countingOf(s)[i]) {
          this.startPhase(i, now);
        } else if (isSuspended(s, i)) {
          s.cr_pending[i] = 1; // the GATE's rising edge reloads
        } else {
          const base = this.ticks(countLoadTimeOf(s)[i]);
          const n = this.ticks(now) - base;
          if (n < 1) {
            s.active_count[i] = countOf(s)[i]; // the load edge has not come yet: it takes the new count
          } else {
            // Rebase onto the current period so that its reload edge is the next one.
            const N = activeCount(s, i);
            const periods = Math.floor((n - 1) / N);
            if (periods > 0) s.count_load_time[i] = icountAtTick(base + periods * N, this.hz);
            s.cr_pending[i] = 1;
          }
        }
      }
    }
    this.outputMayChange(i, now);
  }
}
