/**
 * 8254 counter timing: a channel's counting element (CE) and OUT pin as pure functions of its
 * state and the PIT clock, so nothing is stepped per instruction.
 *
 * The PIT clock is 1,193,182 Hz; CLK edge number `t` happens at the first icount where
 * `pitTicks(icount) >= t` (pitTicks = mulDivFloor(icount, 1193182, clock.hz)). A channel's
 * phase starts at `count_load_time` (L): the first CLK edge after L loads the CE with N (the
 * datasheet's "the count is loaded on the next CLK pulse"), every later edge decrements it.
 * So with n = edges since L, the CE has been decremented k = n - 1 times (n < 1: not yet
 * loaded, the null-count window). Per mode (datasheet 231164, "Modes of Operation"):
 *
 *   0  OUT low; high when the CE reaches 0 (N+1 edges after the write); CE wraps on.
 *   1  OUT goes low on the edge after a GATE trigger, high again N edges later.
 *   2  OUT high; low for the one edge where CE = 1, reload at the next; period N.
 *   3  OUT high for ceil(N/2) edges, low for floor(N/2); period N (CE counts down by 2).
 *   4  OUT high; low for the one edge where CE = 0 (N+1 edges after the write).
 *   5  as 4, started by a GATE trigger.
 *
 * GATE low suspends counting in modes 0, 2, 3, 4 (and holds OUT high in 2 and 3): the CE is
 * frozen at the edges counted up to `gate_fall_time`. Modes 6 and 7 are modes 2 and 3.
 * These functions assume clock.hz >= the PIT clock (one edge per instruction at most); the
 * default 100 M instructions per second is 84 instructions per PIT tick.
 */
import { mulDivFloor } from '../machine/clock.js';

export const PIT_HZ = 1_193_182;
export const PIT_CHANNELS = 3;

/** Count register and latch state of all three channels (QEMU's names), one array element per channel. */
export type Pit8254State = {
  count: number[];
  latched_count: number[];
  count_latched: number[];
  status_latched: number[];
  status: number[];
  read_state: number[];
  write_state: number[];
  write_latch: number[];
  rw_mode: number[];
  mode: number[];
  bcd: number[];
  gate: number[];
  count_load_time: number[];
  active_count: number[];
  counting: number[];
  cr_pending: number[];
  gate_fall_time: number[];
  irq_level: number;
  speaker_data: number;
  nmi_check: number;
};

/**
 * PIT clock edges up to `icount`: floor(icount · 1193182 / hz), computed per whole virtual
 * second (q·hz instructions are exactly q·1193182 edges) so it stays in exact doubles.
 */
export function pitTicks(icount: number, hz: number): number {
  const seconds = Math.floor(icount / hz);
  return seconds * PIT_HZ + mulDivFloor(icount - seconds * hz, PIT_HZ, hz);
}

/** The first icount at which CLK edge `tick` has happened. */
export function icountAtTick(tick: number, hz: number): number {
  if (tick <= 0) return 0;
  const seconds = Math.floor(tick / PIT_HZ);
  const i = seconds * hz + mulDivFloor(tick - seconds * PIT_HZ, hz, PIT_HZ);
  return pitTicks(i, hz) >= tick ? i : i + 1;
}

/** Modes 6 and 7 are modes 2 and 3 (datasheet, control word M2–M0). */
export function effectiveMode(mode: number): number {
  return mode > 5 ? mode - 4 : mode;
}

/** CE modulus: 2^16 in binary, 10^4 in BCD. */
export function modulus(bcd: number): number {
  return bcd ? 10000 : 0x10000;
}

/** Four BCD digits to binary (digits above 9 are taken at face value, as a counter would). */
export function bcdToBinary(v: number): number {
  return ((v >> 12) & 15) * 1000 + ((v >> 8) & 15) * 100 + ((v >> 4) & 15) * 10 + (v & 15);
}

export function binaryToBcd(v: number): number {
  return ((Math.floor(v / 1000) % 10) << 12) | ((Math.floor(v / 100) % 10) << 8) | ((Math.floor(v / 10) % 10) << 4) | (v % 10);
}

/** N, the count the CE works with; 0 means the full modulus. */
export function activeCount(s: Pit8254State, i: number): number {
  const n = s.active_count[i];
  return n > 0 ? n : modulus(s.bcd[i]);
}

/** GATE low suspends counting (modes 0, 2, 3, 4). */
export function isSuspended(s: Pit8254State, i: number): boolean {
  if (s.gate[i] !== 0) return false;
  const m = effectiveMode(s.mode[i]);
  return m !== 1 && m !== 5;
}

/** Edges counted since count_load_time: 0 or less before the load edge; frozen while suspended. */
export function edgesCounted(s: Pit8254State, i: number, nowTick: number, hz: number): number {
  const base = pitTicks(s.count_load_time[i], hz);
  const n = nowTick - base;
  if (!isSuspended(s, i)) return n;
  // The load edge is not gated; decrements stop at the GATE's falling edge.
  return Math.max(Math.min(n, 1), pitTicks(s.gate_fall_time[i], hz) - base);
}

export function outLevel(s: Pit8254State, i: number, nowTick: number, hz: number): number {
  const m = effectiveMode(s.mode[i]);
  if (s.counting[i] === 0) return m === 0 ? 0 : 1;
  if ((m === 2 || m === 3) && isSuspended(s, i)) return 1;
  const n = edgesCounted(s, i, nowTick, hz);
  if (n < 1) return m === 0 ? 0 : 1;
  const k = n - 1;
  const N = activeCount(s, i);
  switch (m) {
    case 0:
    case 1:
      return k >= N ? 1 : 0;
    case 2:
      return k % N === N - 1 ? 0 : 1;
    case 3:
      return k % N < (N + 1) >> 1 ? 1 : 0;
    default: // 4, 5
      return k === N ? 0 : 1;
  }
}

/** The CE value (binary, 0 ≤ v < modulus). */
export function counterValue(s: Pit8254State, i: number, nowTick: number, hz: number): number {
  const M = modulus(s.bcd[i]);
  const N = activeCount(s, i);
  const n = s.counting[i] === 0 ? 0 : edgesCounted(s, i, nowTick, hz);
  if (n < 1) return N % M;
  const k = n - 1;
  switch (effectiveMode(s.mode[i])) {
    case 2:
      return (N - (k % N)) % M;
    case 3: {
      // The CE counts down by two each half-cycle, from N (even) or N-1 (odd) (datasheet, mode 3).
      const high = (N + 1) >> 1;
      const p = k % N;
      const q = p < high ? p : p - high;
      return ((N & ~1) - 2 * q) % M;
    }
    default: // 0, 1, 4, 5: wrap through the modulus after terminal count
      return (((N - k) % M) + M) % M;
  }
}

/** What a read of the counter returns: 16 bits, BCD-encoded in BCD mode. */
export function readableCount(s: Pit8254State, i: number, nowTick: number, hz: number): number {
  const v = counterValue(s, i, nowTick, hz);
  return s.bcd[i] ? binaryToBcd(v % 10000) : v & 0xffff;
}

/** Status byte bit 6: a count was written (or a control word) and is not yet in the CE. */
export function nullCount(s: Pit8254State, i: number, nowTick: number, hz: number): number {
  if (s.counting[i] === 0 || s.cr_pending[i] !== 0) return 1;
  return nowTick - pitTicks(s.count_load_time[i], hz) < 1 ? 1 : 0;
}

/** The absolute CLK edge at which OUT next changes, or -1 if it will not without a write or a GATE edge. */
export function nextTransitionTick(s: Pit8254State, i: number, nowTick: number, hz: number): number {
  if (s.counting[i] === 0 || isSuspended(s, i)) return -1;
  const base = pitTicks(s.count_load_time[i], hz);
  const n = nowTick - base;
  const k = n - 1;
  const N = activeCount(s, i);
  let next: number;
  switch (effectiveMode(s.mode[i])) {
    case 0:
      if (k >= N) return -1;
      next = N + 1;
      break;
    case 1:
      if (k < 0) next = 1;
      else if (k < N) next = N + 1;
      else return -1;
      break;
    case 2:
      if (N === 1) { // illegal count: OUT goes low at the load and stays
        if (k >= 0) return -1;
        next = 1;
      } else if (k < 0) {
        next = N;
      } else {
        const r = k % N;
        next = r < N - 1 ? n + (N - 1 - r) : n + 1;
      }
      break;
    case 3: {
      const high = (N + 1) >> 1;
      if (high === N) return -1; // N = 1: always high
      if (k < 0) {
        next = high + 1;
      } else {
        const p = k % N;
        next = p < high ? n + (high - p) : n + (N - p);
      }
      break;
    }
    default: // 4, 5
      if (k < N) next = N + 1;
      else if (k === N) next = N + 2;
      else return -1;
  }
  return base + next;
}
