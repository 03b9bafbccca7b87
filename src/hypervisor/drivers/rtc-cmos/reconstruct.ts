/**
 * MC146818A reconstruction. Registers A, B, the alarms and NVRAM are written; what is not a
 * register is reproduced by timing (datasheet, "Register A", "Update Cycle", "Register C"):
 *
 * - the divider phase: DV is held in reset (110) and released at an icount L with
 *   (L + hz/2) mod hz = the captured phase — the first update comes 500 ms after release —
 *   so update cycles and periodic edges fall at the source's icounts;
 * - the time bytes: written at L as the captured time minus the updates that will still
 *   happen before the switch-over, which then advance them to the captured time, checking
 *   the alarm on the way exactly as on the source;
 * - register C (read-only, read-to-clear): read at an icount after which exactly the captured
 *   flags' events (periodic edge, update, alarm match) still happen before the switch-over;
 * - the index and NMI bit at the index port (write-only), written last.
 * The window must reach back far enough for the release (up to one second); otherwise the
 * phase and the flags are residuals the report names.
 */
import type { ReconstructContext } from '../driver.js';
import type { CapturedView } from '../../captured.js';
import { CMOS_DATA_PORT, CMOS_INDEX_PORT, REG_A, REG_B, REG_C, dividerRunning } from './shadow.js';
import { REG_B_SET, REG_C_AF, REG_C_PF, REG_C_UF } from '../../../devices/rtc-cmos.js';
import {
  alarmMatches, lastPeriodicAtOrBefore, lastUpdateAtOrBefore, periodicTicks, previousSecond, readTime, type TimeBytes,
} from './time.js';

const TIME_INDEX = [0, 2, 4, 6, 7, 8, 9] as const;

function timeValues(t: TimeBytes): number[] {
  return [t.sec, t.min, t.hour, t.dow, t.date, t.month, t.year];
}

/** The release time L ≡ phase − hz/2 (mod hz): the latest one at or before `latest`, if ≥ `earliest`. */
function releaseTime(phase: number, hz: number, earliest: number, latest: number): number {
  const want = (((phase - Math.floor(hz / 2)) % hz) + hz) % hz;
  let L = latest - ((((latest - want) % hz) + hz) % hz);
  if (L < earliest) L = -1;
  return L;
}

/** The capture says the RTC's timing state is still the power-on one (capture.ts: divider_phase from the shadow). */
export function timingAtPowerOn(t: CapturedView): boolean {
  return t.dev.provenance.divider_phase === 'shadow';
}

export function reconstructRtc(ctx: ReconstructContext, t: CapturedView): void {
  const io = ctx.io;
  const tl = ctx.timeline;
  const hz = io.hz;
  const W = tl.start;
  const end = tl.end;
  const cmos = t.arr('cmos', new Array<number>(128).fill(0));
  const regA = cmos[REG_A];
  const regB = cmos[REG_B];
  const regC = cmos[REG_C];
  const phaseKnown = t.known('divider_phase');
  const phase = t.num('divider_phase');
  const running = dividerRunning(regA);
  const set = (regB & REG_B_SET) !== 0;
  const period = periodicTicks(regA & 15);

  const write = (index: number, value: number) => {
    io.out8(CMOS_INDEX_PORT, index);
    io.out8(CMOS_DATA_PORT, value);
  };

  if (timingAtPowerOn(t)) {
    // The destination's own divider, time, A, B, alarms and C are the source's (capture.ts):
    // only NVRAM (written without a trap) and the index need writing, at no particular time.
    tl.at(end, 'rtc: NVRAM (timing state untouched since power-on, as on this fresh chip)', () => {
      for (let i = 0x0e; i < 128; i++) write(i, cmos[i]);
    });
    if (!ctx.options.faults.has('cmos-index-forgotten')) {
      tl.at(end, 'rtc: index and NMI bit (index port, last)', () => {
        io.out8(CMOS_INDEX_PORT, (t.num('nmi_disable') << 7) | t.num('cmos_index'));
      });
    }
    return;
  }

  // Events the captured flags depend on, as they fall on the source's timeline.
  const lastUpdate = running && !set && phaseKnown ? lastUpdateAtOrBefore(end, phase, hz) : -Infinity;
  const lastPeriodic = running && period > 0 && phaseKnown ? lastPeriodicAtOrBefore(end, phase, hz, period) : -Infinity;
  // The last update whose time matched the alarm (time bytes one second apart going back).
  let lastAlarm = -Infinity;
  if (lastUpdate > -Infinity) {
    let tb = readTime(cmos);
    let u = lastUpdate;
    for (let n = 0; n < 4 && u >= W - hz; n++) {
      if (alarmMatches(cmos, tb)) {
        lastAlarm = u;
        break;
      }
      tb = previousSecond(tb, regB);
      u -= hz;
    }
  }

  // The divider: a fresh destination's runs from its power-on at icount 0, as the source's did
  // from its own; if the captured phase is that one, nothing needs doing. Otherwise hold it in
  // reset and release it at the right icount, early enough for the flags' events.
  const destinationPhase = 0;
  const needUpdate = (regC & (REG_C_UF | REG_C_AF)) !== 0;
  const samePhase = phaseKnown && running && phase % hz === destinationPhase;
  let L = W;
  if (phaseKnown && !samePhase) {
    let latestRelease = end;
    if (needUpdate && lastUpdate > -Infinity) latestRelease = Math.min(end, lastUpdate - Math.floor(hz / 2));
    L = releaseTime(phase, hz, W, latestRelease);
    if (L < 0) {
      ctx.notes.push('rtc: the window is too short to release the divider at the captured phase (it needs up to 1 s): divider_phase and the timers differ');
      L = W;
    }
  }
  const firstUpdate = running && !set && phaseKnown ? (samePhase ? lastUpdateAtOrBefore(W, phase, hz) + hz : L + Math.floor(hz / 2)) : Infinity;

  // Time bytes at L: the captured time minus the updates still to come before the switch-over.
  let tb = readTime(cmos);
  if (firstUpdate <= end) {
    const updates = Math.floor((lastUpdate - firstUpdate) / hz) + 1;
    for (let n = 0; n < updates; n++) tb = previousSecond(tb, regB);
  }

  if (!samePhase) {
    tl.at(W, 'rtc: hold the divider, halt updates', () => {
      write(REG_A, 0x60 | (regA & 0x0f));
      write(REG_B, REG_B_SET | (regB & 0x0f & ~0x08));
    }, 'ahead');
  }
  tl.at(W, 'rtc: NVRAM and alarms', () => {
    for (let i = 0x0e; i < 128; i++) write(i, cmos[i]);
    for (const i of [1, 3, 5]) write(i, cmos[i]);
  });
  tl.at(L, samePhase ? 'rtc: time bytes, registers A and B (the divider already has the phase)' : 'rtc: release the divider at the captured phase, time bytes, registers A and B', () => {
    if (samePhase) write(REG_B, REG_B_SET | (regB & 0x0f & ~0x08));
    const values = timeValues(tb);
    TIME_INDEX.forEach((idx, k) => write(idx, values[k]));
    if (samePhase) {
      write(REG_A, regA);
    } else {
      write(REG_A, running ? regA : (regA & 0x0f) | 0x20);
      if (!running) write(REG_A, regA); // the phase is set by the release; the captured A holds it again
    }
    write(REG_B, regB);
  }, 'ahead');

  // Register C: clear it after the last event whose flag the capture does not have, before the
  // first one whose flag it has.
  const events: { at: number; flag: number }[] = [
    { at: lastPeriodic, flag: REG_C_PF },
    { at: lastUpdate, flag: REG_C_UF },
    { at: lastAlarm, flag: REG_C_AF },
  ];
  let clearAt = L;
  let before = Infinity;
  for (const e of events) {
    if (e.at === -Infinity || e.at < L) continue;
    if (regC & e.flag) before = Math.min(before, e.at);
    else clearAt = Math.max(clearAt, e.at);
  }
  for (const e of events) {
    if (regC & e.flag && (e.at === -Infinity || e.at < L)) {
      ctx.notes.push(`rtc.cmos[12]: register C flag 0x${e.flag.toString(16)} needs an event before the window: not reconstructed`);
    }
  }
  if (clearAt >= before) {
    ctx.notes.push(`rtc.cmos[12]: register C 0x${regC.toString(16)} cannot be reproduced exactly in this window`);
  }
  tl.at(clearAt, 'rtc: read register C (clears the flags the capture does not have)', () => {
    io.out8(CMOS_INDEX_PORT, REG_C);
    io.in8(CMOS_DATA_PORT);
  }, 'ahead');
  if (!ctx.options.faults.has('cmos-index-forgotten')) {
    tl.at(end, 'rtc: index and NMI bit (index port, last)', () => {
      io.out8(CMOS_INDEX_PORT, (t.num('nmi_disable') << 7) | t.num('cmos_index'));
    });
  }
}
