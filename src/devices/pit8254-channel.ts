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
 *
 * Canonical state (settleChannel): two channels that behave the same from now on hold the same
 * fields, whatever their history. Modes 2 and 3 reload the CE from the count register at each
 * terminal count ("Modes of Operation": the counter reloads itself and continues), so what
 * matters is the latest reload, not the guest's original write; one-shot modes wrap through
 * the modulus once OUT has settled. count_load_time is therefore re-based to the latest reload
 * (the latest wrap), a stopped channel has none, and a frozen one keeps only how far it got.
 * (QEMU's i8254 keeps the guest's load time and migrates it verbatim; KVM's in-kernel PIT reads
 * channel 0's elapsed time from its periodic timer, i.e. since the latest reload.)
 * These functions assume clock.hz >= the PIT clock (one edge per instruction at most); the
 * default 100 M instructions per second is 84 instructions per PIT tick.
 */
import { mulDivFloor } from '../machine/clock.js';
import { arrayReader } from './tracked-state.js';

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

// Readers of each field that do not mark it (tracked-state.ts): every CLK-driven event reads
// most of a channel's fields and the control logic most of the rest on each access, and a
// marked array costs the recorder a comparison of all its elements. Every element written is
// written through the state's own getter (which marks it); settleChannel writes its canonical
// phase only where it moves.
export const countOf = arrayReader<Pit8254State, 'count'>('count');
export const latchedCountOf = arrayReader<Pit8254State, 'latched_count'>('latched_count');
export const countLatchedOf = arrayReader<Pit8254State, 'count_latched'>('count_latched');
export const statusLatchedOf = arrayReader<Pit8254State, 'status_latched'>('status_latched');
export const statusOf = arrayReader<Pit8254State, 'status'>('status');
export const readStateOf = arrayReader<Pit8254State, 'read_state'>('read_state');
export const writeStateOf = arrayReader<Pit8254State, 'write_state'>('write_state');
export const writeLatchOf = arrayReader<Pit8254State, 'write_latch'>('write_latch');
export const rwModeOf = arrayReader<Pit8254State, 'rw_mode'>('rw_mode');
export const modeOf = arrayReader<Pit8254State, 'mode'>('mode');
export const bcdOf = arrayReader<Pit8254State, 'bcd'>('bcd');
export const gateOf = arrayReader<Pit8254State, 'gate'>('gate');
export const countLoadTimeOf = arrayReader<Pit8254State, 'count_load_time'>('count_load_time');
export const activeCountOf = arrayReader<Pit8254State, 'active_count'>('active_count');
export const countingOf = arrayReader<Pit8254State, 'counting'>('counting');
export const crPendingOf = arrayReader<Pit8254State, 'cr_pending'>('cr_pending');
export const gateFallTimeOf = arrayReader<Pit8254State, 'gate_fall_time'>('gate_fall_time');

/** count_load_time[i] = t, marking the field only when it changes. */
function setLoadTime(s: Pit8254State, i: number, t: number): void {
  if (countLoadTimeOf(s)[i] !== t) s.count_load_time[i] = t;
}

/** gate_fall_time[i] = t, marking the field only when it changes. */
function setFallTime(s: Pit8254State, i: number, t: number): void {
  if (gateFallTimeOf(s)[i] !== t) s.gate_fall_time[i] = t;
}

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
  const n = activeCountOf(s)[i];
  return n > 0 ? n : modulus(bcdOf(s)[i]);
}

/** GATE low suspends counting (modes 0, 2, 3, 4). */
export function isSuspended(s: Pit8254State, i: number): boolean {
  if (gateOf(s)[i] !== 0) return false;
  const m = effectiveMode(modeOf(s)[i]);
  return m !== 1 && m !== 5;
}

/** Edges counted since count_load_time: 0 or less before the load edge; frozen while suspended. */
export function edgesCounted(s: Pit8254State, i: number, nowTick: number, hz: number): number {
  const base = pitTicks(countLoadTimeOf(s)[i], hz);
  const n = nowTick - base;
  if (!isSuspended(s, i)) return n;
  // The load edge is not gated; decrements stop at the GATE's falling edge.
  return Math.max(Math.min(n, 1), pitTicks(gateFallTimeOf(s)[i], hz) - base);
}

export function outLevel(s: Pit8254State, i: number, nowTick: number, hz: number): number {
  const m = effectiveMode(modeOf(s)[i]);
  if (countingOf(s)[i] === 0) return m === 0 ? 0 : 1;
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
  const M = modulus(bcdOf(s)[i]);
  const N = activeCount(s, i);
  const n = countingOf(s)[i] === 0 ? 0 : edgesCounted(s, i, nowTick, hz);
  if (n < 1) return N % M;
  const k = n - 1;
  switch (effectiveMode(modeOf(s)[i])) {
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
  return bcdOf(s)[i] ? binaryToBcd(v % 10000) : v & 0xffff;
}

/** Status byte bit 6: a count was written (or a control word) and is not yet in the CE. */
export function nullCount(s: Pit8254State, i: number, nowTick: number, hz: number): number {
  if (countingOf(s)[i] === 0 || crPendingOf(s)[i] !== 0) return 1;
  return nowTick - pitTicks(countLoadTimeOf(s)[i], hz) < 1 ? 1 : 0;
}

/** The absolute CLK edge at which OUT next changes, or -1 if it will not without a write or a GATE edge. */
export function nextTransitionTick(s: Pit8254State, i: number, nowTick: number, hz: number): number {
  if (countingOf(s)[i] === 0 || isSuspended(s, i)) return -1;
  const base = pitTicks(countLoadTimeOf(s)[i], hz);
  const n = nowTick - base;
  const k = n - 1;
  const N = activeCount(s, i);
  let next: number;
  switch (effectiveMode(modeOf(s)[i])) {
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

/**
 * Edges after the load at which a channel's behaviour becomes periodic, and that period:
 * modes 2/3 from the load edge on, every N; modes 0/1 once OUT went high at terminal count,
 * modes 4/5 once the strobe is over, then every modulus (the CE wraps, OUT stays high).
 */
function settledPhase(s: Pit8254State, i: number): { from: number; period: number } {
  const N = activeCount(s, i);
  switch (effectiveMode(modeOf(s)[i])) {
    case 2:
    case 3:
      return { from: 1, period: N };
    case 4:
    case 5:
      return { from: N + 2, period: modulus(bcdOf(s)[i]) };
    default:
      return { from: N + 1, period: modulus(bcdOf(s)[i]) };
  }
}

/**
 * Modes 2/3: a count written while counting is taken at the period's reload edge (datasheet,
 * mode 2: "a new count is loaded at the end of the current counting cycle"). Mutates `s`.
 */
export function takePendingReload(s: Pit8254State, i: number, nowTick: number, hz: number): void {
  if (!countingOf(s)[i] || !crPendingOf(s)[i] || isSuspended(s, i)) return;
  const m = effectiveMode(modeOf(s)[i]);
  if (m !== 2 && m !== 3) return;
  const N = activeCount(s, i);
  const base = pitTicks(countLoadTimeOf(s)[i], hz);
  if (nowTick - base >= N + 1) {
    s.active_count[i] = countOf(s)[i];
    s.count_load_time[i] = icountAtTick(base + N, hz);
    s.cr_pending[i] = 0;
  }
}

/**
 * Bring channel `i` to its canonical form at `nowTick` without changing anything it will do
 * (OUT, IRQ0, every count and status a read can return, every later transition). Mutates `s`.
 *
 * - Not counting (a control word, or the low byte of a mode-0 word, stopped it): no phase,
 *   count_load_time = gate_fall_time = 0.
 * - Counting, not held by GATE: count_load_time = the latest reload (modes 2/3) or wrap
 *   (one-shot modes after OUT settled) at or before now — the icount of that CLK edge; before
 *   the first one, the guest's own write. gate_fall_time = 0 (it only matters while GATE is low).
 * - Counting, held by GATE low (modes 0, 2, 3, 4): only the edges counted before the fall
 *   matter (reduced by whole periods once settled); count_load_time = 0 and gate_fall_time =
 *   the icount of that edge number, so `edgesCounted` gives the same frozen count.
 */
export function settleChannel(s: Pit8254State, i: number, nowTick: number, hz: number): void {
  takePendingReload(s, i, nowTick, hz);
  if (countingOf(s)[i] === 0) {
    setLoadTime(s, i, 0);
    setFallTime(s, i, 0);
    return;
  }
  const base = pitTicks(countLoadTimeOf(s)[i], hz);
  const n = nowTick - base;
  if (n < 1) {
    // Not loaded yet (the null-count window): a fall before the load edge does not hold it.
    setFallTime(s, i, 0);
    return;
  }
  const { from, period } = settledPhase(s, i);
  if (isSuspended(s, i)) {
    const frozen = edgesCounted(s, i, nowTick, hz);
    const f = frozen < from ? frozen : from + ((frozen - from) % period);
    setLoadTime(s, i, 0);
    setFallTime(s, i, icountAtTick(f, hz));
    return;
  }
  setFallTime(s, i, 0);
  if (n >= from + period) {
    const periods = Math.floor((n - from) / period);
    setLoadTime(s, i, icountAtTick(base + periods * period, hz));
  }
}

/** The canonical form of every channel at `nowTick` (settleChannel). Mutates `s`. */
export function settleChannels(s: Pit8254State, nowTick: number, hz: number): void {
  for (let i = 0; i < PIT_CHANNELS; i++) settleChannel(s, i, nowTick, hz);
}

/**
 * The state a PC leaves the 8254 in when reset at `poweredOnAt` (every channel in mode 3 with
 * count 65536, word access, counting; GATE0/1 tied high, GATE2 low), settled at `at`: what the
 * device holds if nobody programs it, and what a hypervisor expects of such a chip.
 */
export function powerOnPitState(poweredOnAt: number, hz: number, at = poweredOnAt): Pit8254State {
  const now = poweredOnAt;
  const three = (v: number) => [v, v, v];
  const s: Pit8254State = {
    count: three(0x10000), latched_count: three(0), count_latched: three(0), status_latched: three(0), status: three(0),
    read_state: three(3), write_state: three(3), write_latch: three(0), rw_mode: three(3), mode: three(3), bcd: three(0),
    gate: [1, 1, 0], count_load_time: three(now), active_count: three(0x10000), counting: three(1), cr_pending: three(0),
    gate_fall_time: three(now), irq_level: 0, speaker_data: 0, nmi_check: 0,
  };
  settleChannels(s, pitTicks(at, hz), hz);
  s.irq_level = outLevel(s, 0, pitTicks(at, hz), hz);
  return s;
}

/** The per-channel fields of Pit8254State (one array element per channel). */
export const PIT_CHANNEL_STATE_FIELDS = [
  'count', 'latched_count', 'count_latched', 'status_latched', 'status', 'read_state', 'write_state', 'write_latch',
  'rw_mode', 'mode', 'bcd', 'gate', 'count_load_time', 'active_count', 'counting', 'cr_pending', 'gate_fall_time',
] as const;
