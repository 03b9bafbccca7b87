/**
 * MC146818A timing as the datasheet gives it, for capture (inferring register C and the
 * timers) and reconstruction (timing the divider and the flags): update cycles at the
 * divider's second boundaries, periodic flags at the register A rate, the time bytes'
 * formats (BCD / binary, 12 / 24 hour) and stepping them by whole seconds.
 */
// Register bits as the datasheet gives them (shared with the device model: facts, not state).
import { REG_B_24H, REG_B_DM_BINARY, periodicTicks } from '../../../devices/rtc-cmos.js';

export const DIVIDER_HZ = 32768;

export { periodicTicks };

/** Instructions into the divider second at `icount`. */
export function phaseOffset(icount: number, phase: number, hz: number): number {
  const r = (icount - (phase % hz)) % hz;
  return r < 0 ? r + hz : r;
}

/** The last update boundary at or before `icount` (updates happen at phase + k·hz). */
export function lastUpdateAtOrBefore(icount: number, phase: number, hz: number): number {
  return icount - phaseOffset(icount, phase, hz);
}

/** The next update boundary strictly after `icount`. */
export function nextUpdateAfter(icount: number, phase: number, hz: number): number {
  return icount + hz - phaseOffset(icount, phase, hz);
}

/** The icount of the first periodic edge strictly after `icount` (the device's nextPeriodic). */
export function nextPeriodicAfter(icount: number, phase: number, hz: number, period: number): number {
  const r = phaseOffset(icount, phase, hz);
  const tick = Math.floor((r * DIVIDER_HZ) / hz);
  const target = (Math.floor(tick / period) + 1) * period;
  const product = target * hz;
  const ceil = Math.floor(product / DIVIDER_HZ) + (product % DIVIDER_HZ === 0 ? 0 : 1);
  return icount - r + ceil;
}

/** Offset of periodic edge `k` within a divider second: ceil(k·period·hz / 32768), exact in doubles. */
function edgeOffset(k: number, period: number, hz: number): number {
  const p = k * period * hz;
  return Math.floor(p / DIVIDER_HZ) + (p % DIVIDER_HZ === 0 ? 0 : 1);
}

/** The last periodic edge at or before `icount` (edges sit at k·period divider ticks into each second). */
export function lastPeriodicAtOrBefore(icount: number, phase: number, hz: number, period: number): number {
  const r = phaseOffset(icount, phase, hz);
  let k = Math.floor(Math.floor((r * DIVIDER_HZ) / hz) / period);
  while (k > 0 && edgeOffset(k, period, hz) > r) k--;
  return icount - r + edgeOffset(k, period, hz);
}

function toBcd(v: number): number {
  return ((Math.floor(v / 10) % 10) << 4) | (v % 10);
}

function fromBcd(v: number): number {
  return (v >> 4) * 10 + (v & 15);
}

function daysInMonth(month: number, year: number): number {
  if (month === 2) return year % 4 === 0 ? 29 : 28; // MC146818: divisible by 4
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Time bytes 0x00–0x09 (seconds, minutes, hours, day of week, date, month, year at 0/2/4/6/7/8/9). */
export interface TimeBytes {
  sec: number;
  min: number;
  hour: number;
  dow: number;
  date: number;
  month: number;
  year: number;
}

export function readTime(cmos: number[]): TimeBytes {
  return { sec: cmos[0], min: cmos[2], hour: cmos[4], dow: cmos[6], date: cmos[7], month: cmos[8], year: cmos[9] };
}

/** Step the time bytes back by one second, in register B's format (the inverse of an update cycle). */
export function previousSecond(t: TimeBytes, regB: number): TimeBytes {
  const binary = (regB & REG_B_DM_BINARY) !== 0;
  const h24 = (regB & REG_B_24H) !== 0;
  const dec = (v: number) => (binary ? v : fromBcd(v));
  const enc = (v: number) => (binary ? v : toBcd(v));
  const out = { ...t };
  const sec = dec(t.sec);
  if (sec > 0) {
    out.sec = enc(sec - 1);
    return out;
  }
  out.sec = enc(59);
  const min = dec(t.min);
  if (min > 0) {
    out.min = enc(min - 1);
    return out;
  }
  out.min = enc(59);
  const hour = h24 ? dec(t.hour) : (dec(t.hour & 0x7f) % 12) + (t.hour & 0x80 ? 12 : 0);
  if (hour > 0) {
    const h = hour - 1;
    out.hour = h24 ? enc(h) : enc(h % 12 || 12) | (h >= 12 ? 0x80 : 0);
    return out;
  }
  out.hour = h24 ? enc(23) : enc(11) | 0x80;
  out.dow = t.dow <= 1 ? 7 : t.dow - 1;
  const day = dec(t.date);
  if (day > 1) {
    out.date = enc(day - 1);
    return out;
  }
  let month = dec(t.month) - 1;
  let year = dec(t.year);
  if (month < 1) {
    month = 12;
    year = year === 0 ? 99 : year - 1;
    out.year = enc(year);
  }
  out.month = enc(month);
  out.date = enc(daysInMonth(month, year));
  return out;
}

/** Does the alarm (0xC0–0xFF = don't care) match these time bytes (datasheet, "Alarm")? */
export function alarmMatches(cmos: number[], t: TimeBytes): boolean {
  const match = (alarm: number, value: number) => (alarm & 0xc0) === 0xc0 || alarm === value;
  return match(cmos[1], t.sec) && match(cmos[3], t.min) && match(cmos[5], t.hour);
}
