/**
 * MC146818A capture (Motorola MC146818A datasheet, "Address Map", "Register C").
 *
 * Read: the 128 CMOS bytes through the index/data ports — except register C, whose read
 * clears its flags and drops IRQ8. Register A reads with UIP computed (bit 7, not stored):
 * masked off. Register D reads VRT, as stored.
 * Shadow: the index and NMI-disable bit (the index port, write-only) — put back after our reads.
 * Inferred: the divider phase (from when DV last left reset, or power-on); register C from
 * the events since the guest last read it (shadows/cmos.ts): PF if a periodic edge came
 * since, UF if an update cycle did, AF if one of those updates matched the alarm, IRQF from
 * them and register B's enables. When the history is not known (late attach, or A/B/time
 * bytes written since the last C read) C is read after all, and the report says so: the
 * guest's flags are gone on the source (the destination gets them).
 * Timers: the next update and periodic edges, from the phase and registers A and B.
 */
import type { CaptureContext } from '../driver.js';
import { DeviceCaptureBuilder } from '../../captured.js';
import { CMOS_DATA_PORT, CMOS_INDEX_PORT, REG_A, REG_B, REG_C, dividerRunning, type CmosShadow } from './shadow.js';
import { REG_B_SET, REG_C_AF, REG_C_IRQF, REG_C_PF, REG_C_UF } from '../../../devices/rtc-cmos.js';
import {
  alarmMatches, lastPeriodicAtOrBefore, lastUpdateAtOrBefore, nextPeriodicAfter, nextUpdateAfter, periodicTicks,
  previousSecond, readTime,
} from './time.js';

const CMOS_SIZE = 128;
/** AF: how many past updates to check against the alarm (a day covers every h:m:s). */
const ALARM_LOOKBACK = 86400;

export function captureRtc(ctx: CaptureContext, shadow: CmosShadow): DeviceCaptureBuilder {
  const { io, notes } = ctx;
  const b = new DeviceCaptureBuilder(ctx.schema('rtc'));
  const hz = io.hz;
  const now = io.now;
  const indexKnown = shadow.known.has('cmos_index');
  const index = shadow.index;
  const nmi = shadow.nmiDisable;
  const nmiBit = nmi << 7;

  const cmos = new Array<number>(CMOS_SIZE).fill(0);
  for (let i = 0; i < CMOS_SIZE; i++) {
    if (i === REG_C) continue;
    io.out8(CMOS_INDEX_PORT, nmiBit | i);
    const v = io.in8(CMOS_DATA_PORT);
    cmos[i] = i === REG_A ? v & 0x7f : v;
  }
  const regA = cmos[REG_A];
  const regB = cmos[REG_B];
  const phaseKnown = shadow.known.has('divider_phase');
  const phase = shadow.dividerPhase;

  // Register C from the history, when the history is known.
  const since = shadow.lastCRead;
  const historyKnown = phaseKnown && since >= 0 && shadow.lastConfigWrite <= since;
  let regC: number;
  let cProvenance: 'inferred' | 'read';
  if (historyKnown) {
    regC = 0;
    const running = dividerRunning(regA) && (regB & REG_B_SET) === 0;
    const period = periodicTicks(regA & 15);
    if (dividerRunning(regA) && period > 0 && lastPeriodicAtOrBefore(now, phase, hz, period) > since) regC |= REG_C_PF;
    if (running) {
      let u = lastUpdateAtOrBefore(now, phase, hz);
      if (u > since) {
        regC |= REG_C_UF;
        // Walk back over the updates since the last read: each one's time bytes, one second apart.
        let t = readTime(cmos);
        for (let n = 0; n < ALARM_LOOKBACK && u > since; n++) {
          if (alarmMatches(cmos, t)) {
            regC |= REG_C_AF;
            break;
          }
          t = previousSecond(t, regB);
          u -= hz;
        }
      }
    }
    if (regC & regB & (REG_C_PF | REG_C_AF | REG_C_UF)) regC |= REG_C_IRQF;
    cProvenance = 'inferred';
  } else {
    io.out8(CMOS_INDEX_PORT, nmiBit | REG_C);
    regC = io.in8(CMOS_DATA_PORT);
    cProvenance = 'read';
    notes.push('rtc: register C read during capture (its history was not known): the source lost its flags and IRQ8');
  }
  cmos[REG_C] = regC;
  // rtc-time-stale: the clock bytes from the shadow's copy, which no update cycle advances.
  if (shadow.clock !== null) for (let i = 0; i < shadow.clock.length; i++) cmos[i] = shadow.clock[i];
  // Put the guest's index (and NMI bit) back: the index port is write-only, the shadow knows it.
  io.out8(CMOS_INDEX_PORT, nmiBit | index);

  b.set('cmos', cmos, 'read');
  if (indexKnown) {
    b.set('cmos_index', index, 'shadow');
    b.set('nmi_disable', nmi, 'shadow');
  } else {
    b.markUnknown('cmos_index');
    b.markUnknown('nmi_disable');
    notes.push(`rtc: the CMOS index and NMI bit were written before the hypervisor attached; capture wrote 0x${CMOS_INDEX_PORT.toString(16)} and the guest\'s values are lost`);
  }
  if (!phaseKnown) {
    b.markUnknown('divider_phase');
    b.markUnknown('update_timer');
    b.markUnknown('periodic_timer');
  } else {
    // Untouched since power-on (the shadow saw no write to bytes 0x00–0x0B and no read of C, and
    // the divider kept its power-on phase): the chip's timing state — time, A, B, alarms, C and
    // both timers — is the power-on one, which a fresh destination's own chip has at every icount
    // too. Said with provenance `shadow`; reconstruction then needs no time (reconstruct.ts).
    const untouched = shadow.known.has('divider_phase') && shadow.lastCRead === 0 && shadow.lastConfigWrite < 0 && phase === 0;
    b.set('divider_phase', phase, untouched ? 'shadow' : 'inferred');
    const running = dividerRunning(regA);
    b.set('update_timer', running && !(regB & REG_B_SET) ? nextUpdateAfter(now, phase, hz) - now : -1, 'inferred');
    const period = periodicTicks(regA & 15);
    b.set('periodic_timer', running && period > 0 ? nextPeriodicAfter(now, phase, hz, period) - now : -1, 'inferred');
  }
  if (cProvenance === 'inferred') {
    // Provenance is per field; C is one byte of `cmos`, so say how it was learned here.
    notes.push(`rtc: register C inferred as 0x${regC.toString(16)} from the events since the guest last read it`);
  }
  return b;
}
