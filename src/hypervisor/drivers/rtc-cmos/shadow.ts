/**
 * Shadow of the MC146818A's index port and the history register C depends on.
 *
 * The index port is write-only (index in bits 6–0, NMI disable in bit 7; BLMVisor 4.4.1 lists it):
 * trapped for writes always. The data port is trapped only while the index makes it matter,
 * re-armed on every index port exit (a dynamic I/O bitmap):
 * - writes to bytes 0x00–0x0B (time, alarm, A, B): register A's DV leaving divider reset
 *   fixes the divider phase (datasheet, "Register A": the first update comes 500 ms later),
 *   and time or A/B writes change what register C will hold;
 * - reads of register C: reading clears its flags (datasheet, "Register C"), so the shadow
 *   records when C was last read — capture then infers C from the events since, instead of
 *   reading it and losing the guest's flags.
 */
import { DIR_READ, DIR_WRITE, type Intercepts, type TrappedAccess } from '../../intercepts.js';
import type { HvIo } from '../../hv-io.js';
import { KnownFields } from '../../known-fields.js';
import { BOARD } from '../../../board/layout.js';

/** Index port (A0 = 0) and data port (A0 = 1), where the board puts them. */
export const CMOS_INDEX_PORT = BOARD.rtc.ports.base;
export const CMOS_DATA_PORT = BOARD.rtc.ports.base + 1;
export const REG_A = 0x0a;
export const REG_B = 0x0b;
export const REG_C = 0x0c;

/** The clock bytes: seconds, alarm seconds, minutes, …, year (0x00–0x09; the alarms come along). */
export const CLOCK_BYTES = 10;

/**
 * rtc-time-stale (index.ts): the clock bytes read once, at the attach, and the index port
 * put back as a boot attach has it (0, NMI enabled).
 */
export function readClockBytes(io: HvIo): number[] {
  const out: number[] = [];
  for (let i = 0; i < CLOCK_BYTES; i++) {
    io.out8(CMOS_INDEX_PORT, i);
    out.push(io.in8(CMOS_DATA_PORT));
  }
  io.out8(CMOS_INDEX_PORT, 0);
  return out;
}

export const CMOS_SHADOW_FIELDS = ['cmos_index', 'nmi_disable', 'divider_phase'] as const;

/** DV2–DV0 select a running time base (000–010). */
export function dividerRunning(regA: number): boolean {
  return (regA & 0x70) <= 0x20;
}

export class CmosShadow {
  index = 0;
  nmiDisable = 0;
  /** Register A as last written (the divider phase depends on when DV left reset). */
  regA = 0x26;
  /** icount of a divider second boundary, modulo clock.hz (the device's `divider_phase`). */
  dividerPhase = 0;
  /** When register C was last read (its flags then cleared); -1 if never seen (late attach). */
  lastCRead = -1;
  /** The last write to bytes 0x00–0x0B (time, alarms, A, B); C inference holds only for events after it. */
  lastConfigWrite = -1;
  readonly known: KnownFields;
  /** rtc-time-stale: the clock bytes as read at the attach, then as the guest last wrote them (null without the fault). */
  clock: number[] | null = null;

  constructor(
    private readonly intercepts: Intercepts,
    private readonly hz: number,
    attachIcount: number,
    bootAttach: boolean,
  ) {
    this.known = new KnownFields(CMOS_SHADOW_FIELDS, bootAttach);
    if (bootAttach) {
      // Power-on: the divider's seconds start at reset (the device's reset), C is 0.
      this.dividerPhase = attachIcount % hz;
      this.lastCRead = attachIcount;
    }
    intercepts.onPort(CMOS_INDEX_PORT, (a) => this.onIndex(a));
    intercepts.onPort(CMOS_DATA_PORT, (a) => this.onData(a));
    intercepts.trapPort(CMOS_INDEX_PORT, DIR_WRITE);
    this.retrap();
  }

  private onIndex(a: TrappedAccess): void {
    if (a.dir !== DIR_WRITE) return;
    this.index = a.value & 0x7f;
    this.nmiDisable = (a.value >> 7) & 1;
    this.known.learn('cmos_index', 'nmi_disable');
    this.retrap();
  }

  private onData(a: TrappedAccess): void {
    if (a.dir === DIR_READ) {
      if (this.index === REG_C) this.lastCRead = a.icount;
      return;
    }
    if (this.index > REG_B) return;
    this.lastConfigWrite = a.icount;
    if (this.clock !== null && this.index < CLOCK_BYTES) this.clock[this.index] = a.value & 0xff;
    if (this.index === REG_A) {
      const was = dividerRunning(this.regA);
      this.regA = a.value & 0x7f;
      if (!was && dividerRunning(this.regA)) {
        this.dividerPhase = (a.icount + Math.floor(this.hz / 2)) % this.hz;
        this.known.learn('divider_phase');
      }
    }
  }

  seedClock(bytes: number[]): void {
    this.clock = bytes.slice();
  }

  /** Data port exits only while the selected byte needs them. */
  private retrap(): void {
    this.intercepts.trapPort(CMOS_DATA_PORT, DIR_WRITE, this.index <= REG_B);
    this.intercepts.trapPort(CMOS_DATA_PORT, DIR_READ, this.index === REG_C);
  }

  supply(field: (typeof CMOS_SHADOW_FIELDS)[number], value: number): void {
    if (field === 'cmos_index') this.index = value & 0x7f;
    else if (field === 'nmi_disable') this.nmiDisable = value & 1;
    else this.dividerPhase = value;
    this.known.learn(field);
    this.retrap();
  }
}
