/**
 * 8254 reconstruction: the control word and count are replayed (datasheet, "Programming the
 * 8254"), and the count is written at a time that gives the counting element the captured
 * phase. A running counter cannot be written (the count element is internal), so we load the
 * count register and time the write: the CE then runs in step with the source's from the
 * next CLK edge (BLMVisor 3.4, reconstructing an unwritable state by triggering the
 * transition that sets it).
 *
 * Phase: the captured phase is canonical (pit8254-channel.ts, settleChannel): count_load_time
 * is the latest reload (modes 2/3) or wrap (one-shot modes after OUT settled), so it lies
 * less than `from + period` CLK edges before the switch-over, and a load there — or whole
 * periods earlier, when it is a reload edge — leaves the destination's own chip, settled at
 * the switch-over, with the very same count_load_time. The window (pitWindow) covers that.
 * A count held by GATE low is rebuilt by counting the same number of edges with GATE high
 * and dropping GATE; a stopped channel only needs its count element's last count.
 *
 * Then, at the switch-over, what the guest left half-done: a pending reload (a count written
 * mid-period), the low byte of a word write (write flip-flop), a read flip-flop after the
 * low byte of a word read, count and status latches not yet read (latched at a time where
 * the count / status had the captured value), GATE2 and port B.
 */
import type { ReconstructContext } from '../driver.js';
import type { CapturedView } from '../../captured.js';
import type { CapturedDevice } from '../../api.js';
import { BOARD } from '../../../board/layout.js';
import { CONTROL_PORT, PORT_B, counterPort } from './ports.js';
import {
  PIT_CHANNELS, PIT_CHANNEL_STATE_FIELDS, activeCount, binaryToBcd, effectiveMode, icountAtTick, isSuspended, modulus,
  nullCount, outLevel, pitTicks, powerOnPitState, readableCount, type Pit8254State,
} from '../../../devices/pit8254-channel.js';

const RW_LSB = 1;
const RW_MSB = 2;
const RW_WORD0 = 3;
const RW_WORD1 = 4;

function rawCount(n: number, bcd: number): number {
  const M = modulus(bcd);
  const v = n % M; // the modulus itself is written as 0
  return bcd ? binaryToBcd(v) : v;
}

function writeCount(ctx: ReconstructContext, i: number, rw: number, raw: number): void {
  const port = counterPort(i);
  if (rw === RW_LSB) ctx.io.out8(port, raw & 0xff);
  else if (rw === RW_MSB) ctx.io.out8(port, (raw >> 8) & 0xff);
  else {
    ctx.io.out8(port, raw & 0xff);
    ctx.io.out8(port, (raw >> 8) & 0xff);
  }
}

/** The captured fields as a Pit8254State (unknown fields as power-on), for the datasheet timing functions. */
function capturedState(fields: CapturedDevice['fields'], switchIcount: number, hz: number): Pit8254State {
  const s = powerOnPitState(0, hz, switchIcount);
  for (const f of PIT_CHANNEL_STATE_FIELDS) {
    const v = fields[f];
    if (Array.isArray(v)) (s[f] as number[]) = v.slice();
  }
  return s;
}

/** Is channel `i` exactly what power-on leaves (then the destination's own chip already matches)? */
function untouched(target: Pit8254State, powerOn: Pit8254State, i: number): boolean {
  return PIT_CHANNEL_STATE_FIELDS.every((f) => (target[f] as number[])[i] === (powerOn[f] as number[])[i]);
}

/** How a counting channel's phase is rebuilt. */
type PhasePlan =
  | { kind: 'load'; at: number }
  | { kind: 'held'; at: number; edges: number };

/**
 * When to load channel `i` (see the header): at the captured load time, or one period earlier
 * when that is a reload / wrap edge (so the window shows a whole period: latches), or, for a
 * count held by GATE, `edges` + 2 CLK edges before the switch-over.
 */
function phasePlan(s: Pit8254State, i: number, switchIcount: number, hz: number): PhasePlan {
  const endTick = pitTicks(switchIcount, hz);
  if (isSuspended(s, i) && s.count_load_time[i] === 0 && s.gate_fall_time[i] !== 0) {
    const edges = pitTicks(s.gate_fall_time[i], hz);
    return { kind: 'held', at: icountAtTick(endTick - edges - 2, hz), edges };
  }
  const L = s.count_load_time[i];
  const baseTick = pitTicks(L, hz);
  const N = activeCount(s, i);
  const m = effectiveMode(s.mode[i]);
  const periodic = m === 2 || m === 3;
  const period = periodic ? N : modulus(s.bcd[i]);
  const from = periodic ? 1 : m === 4 || m === 5 ? N + 2 : N + 1;
  const onEdge = L === icountAtTick(baseTick, hz);
  if (onEdge && endTick - baseTick >= from) return { kind: 'load', at: icountAtTick(baseTick - period, hz) };
  return { kind: 'load', at: L };
}

/**
 * Instructions of window the PIT needs: back to every running channel's load (phasePlan), a
 * few edges spare. Bounded by the canonical phase: under 2 × (N + 2 + 65536) CLK edges.
 */
export function pitWindow(pit: CapturedDevice, switchIcount: number, hz: number): number {
  const s = capturedState(pit.fields, switchIcount, hz);
  const powerOn = powerOnPitState(0, hz, switchIcount);
  let need = 0;
  for (let i = 0; i < PIT_CHANNELS; i++) {
    if (s.counting[i] !== 1 || untouched(s, powerOn, i)) continue;
    const plan = phasePlan(s, i, switchIcount, hz);
    need = Math.max(need, switchIcount - plan.at + Math.ceil((4 * hz) / BOARD.pit.clockHz));
  }
  return need;
}

export function reconstructPit(ctx: ReconstructContext, t: CapturedView): void {
  const io = ctx.io;
  const hz = io.hz;
  const tl = ctx.timeline;
  const target = capturedState(t.dev.fields, tl.end, hz);
  // The destination is a fresh machine, powered on at icount 0 (api.ts).
  const powerOn = powerOnPitState(0, hz, tl.end);
  const portB = (gate2: number) => gate2 | (t.num('speaker_data') << 1) | (t.num('nmi_check') << 2);
  for (let i = 0; i < PIT_CHANNELS; i++) {
    if (untouched(target, powerOn, i)) continue;
    const rw = t.at('rw_mode', i);
    const control = (i << 6) | (rw << 4) | (t.at('mode', i) << 1) | t.at('bcd', i);
    const bcd = t.at('bcd', i);
    const counting = t.at('counting', i) === 1;
    const pending = t.at('cr_pending', i) === 1;
    const m = effectiveMode(t.at('mode', i));
    const oneShotTrigger = m === 1 || m === 5;
    let loadAt = -1;
    if (counting) {
      let plan = phasePlan(target, i, tl.end, hz);
      // A short window: the captured load time itself still gives the same phase (latches may miss).
      if (plan.kind === 'load' && plan.at < tl.start && target.count_load_time[i] >= tl.start) plan = { kind: 'load', at: target.count_load_time[i] };
      loadAt = plan.at;
      if (plan.at < tl.start) ctx.notes.push(`pit: channel ${i}: the window starts after the load time its phase needs (${plan.at}); phase is off`);
      tl.at(plan.at, `pit ch${i}: control word and count (phase${plan.kind === 'held' ? `, then ${plan.edges} edges before GATE falls` : ''})`, () => {
        // GATE2 high first, so the count runs from its load (a power-on GATE2 is low).
        if (i === 2 && (plan.kind === 'held' || t.at('gate', 2) === 1) && !oneShotTrigger) io.out8(PORT_B, portB(1));
        io.out8(CONTROL_PORT, control);
        writeCount(ctx, i, rw, rawCount(t.at('active_count', i), bcd));
        // Modes 1 and 5 start on a GATE rising edge (only GATE2 is wired to anything).
        if (oneShotTrigger && i === 2) {
          io.out8(PORT_B, portB(0));
          io.out8(PORT_B, portB(1));
        }
      }, 'ahead'); // the phase: from the guest's control word, count and GATE2 edges, all trapped
      if (plan.kind === 'held') {
        const fallAt = icountAtTick(pitTicks(plan.at, hz) + plan.edges, hz);
        tl.at(fallAt, `pit ch2: GATE low after ${plan.edges} edges (count held)`, () => io.out8(PORT_B, portB(0)), 'ahead');
      }
    } else if (t.at('active_count', i) !== 0x10000) {
      // Stopped by a control word (or a mode-0 low byte) after an earlier count: the CE holds
      // that count, with no phase. Load it, then stop the channel the way the guest did (below).
      tl.at(tl.end, `pit ch${i}: the earlier count`, () => {
        io.out8(CONTROL_PORT, (i << 6) | 0x34);
        writeCount(ctx, i, RW_WORD0, rawCount(t.at('active_count', i), 0));
      });
    }
    tl.at(tl.end, `pit ch${i}: control word, pending count, flip-flops`, () => {
      if (!counting) {
        io.out8(CONTROL_PORT, control);
        if (pending && oneShotTrigger) writeCount(ctx, i, rw, rawCount(t.at('count', i), bcd));
      }
      finishChannel(ctx, t, i);
    });
    if (counting) scheduleLatches(ctx, t, i, target, loadAt);
  }
  tl.at(tl.end, 'pit: port B', () => io.out8(PORT_B, portB(t.at('gate', 2))));
}

/**
 * The latest icount at or before the switch-over at which `value(tick)` matches `want`, within
 * one counter period (the guest latched then: a latch holds the count of its own time).
 */
function lastTickWith(ctx: ReconstructContext, fromTick: number, span: number, want: number, value: (tick: number) => number): number {
  const hz = ctx.io.hz;
  const startTick = pitTicks(ctx.timeline.start, hz);
  for (let tick = fromTick; tick >= Math.max(startTick, fromTick - span); tick--) {
    if (value(tick) === want) return Math.max(icountAtTick(tick, hz), ctx.timeline.start);
  }
  return -1;
}

function finishChannel(ctx: ReconstructContext, t: CapturedView, i: number): void {
  const io = ctx.io;
  const rw = t.at('rw_mode', i);
  const bcd = t.at('bcd', i);
  const port = counterPort(i);
  const m = effectiveMode(t.at('mode', i));
  // A count written mid-period (modes 2/3) waits for the reload edge; a one-shot waits for GATE.
  if (t.at('counting', i) === 1 && t.at('cr_pending', i) === 1) {
    writeCount(ctx, i, rw, rawCount(t.at('count', i), bcd));
  } else if (t.at('counting', i) === 1 && t.at('count', i) !== t.at('active_count', i) && (m === 1 || m === 5)) {
    writeCount(ctx, i, rw, rawCount(t.at('count', i), bcd));
  }
  // Write flip-flop: the guest wrote the low byte of a word and the high byte is still to come.
  if (t.at('write_state', i) === RW_WORD1) io.out8(port, t.at('write_latch', i));
  // Read flip-flop: the guest read the low byte of a live word count (a pending latch would
  // take this read instead: then it was done before the latch, see scheduleLatches).
  if (t.at('read_state', i) === RW_WORD1 && !t.at('count_latched', i)) io.in8(port);
}

/**
 * Latches hold the value of their time (datasheet, "Counter Latch Command", "Read-Back
 * Command"), and keep it after it was read until the next latch. So the guest's last latch —
 * pending or already read — is re-issued at an icount where the count (status) had the
 * captured value, within the last counter period, and read out as far as the guest had.
 */
function scheduleLatches(ctx: ReconstructContext, t: CapturedView, i: number, target: Pit8254State, loadAt: number): void {
  const io = ctx.io;
  const hz = io.hz;
  const tl = ctx.timeline;
  const rw = t.at('rw_mode', i);
  const bcd = t.at('bcd', i);
  const port = counterPort(i);
  // The channel as the destination will run it: loaded at `loadAt` (a held count keeps its canonical form).
  const s: Pit8254State = { ...target, count_load_time: target.count_load_time.slice() };
  if (!(isSuspended(s, i) && s.count_load_time[i] === 0)) s.count_load_time[i] = loadAt;
  const endTick = pitTicks(tl.end, hz);
  const loadTick = pitTicks(loadAt, hz);
  const N = t.at('active_count', i) || modulus(bcd);
  // From the load's own tick on: a guest that latches right after writing the count (null
  // count still set) latched in that tick, and the latch is re-issued right after the load.
  const span = Math.min(endTick - loadTick, Math.max(N, 2) + 2);
  const notBeforeLoad = (at: number) => (at >= icountAtTick(loadTick, hz) && at < loadAt ? loadAt : at);
  const latched = t.at('count_latched', i);
  const count = t.at('latched_count', i);
  if (latched || count !== 0) {
    const at = notBeforeLoad(lastTickWith(ctx, endTick, span, count, (tick) => readableCount(s, i, tick, hz)));
    if (at < 0 || at < loadAt) {
      ctx.notes.push(`pit: channel ${i}: the latched count ${count} does not occur in the window; latched_count differs`);
    } else {
      tl.at(at, `pit ch${i}: count latch (${latched ? 'pending' : 'already read'})`, () => {
        if (t.at('read_state', i) === RW_WORD1 && latched) io.in8(port); // the read flip-flop first
        io.out8(CONTROL_PORT, i << 6);
        const reads = latched === 0 ? (rw === RW_WORD0 ? 2 : 1) : latched === RW_MSB && rw === RW_WORD0 ? 1 : 0;
        for (let k = 0; k < reads; k++) io.in8(port);
      });
    }
  }
  const statusLatched = t.at('status_latched', i) === 1;
  const status = t.at('status', i);
  if (statusLatched || status !== 0) {
    const mode = t.at('mode', i);
    const value = (tick: number) => (outLevel(s, i, tick, hz) << 7) | (nullCount(s, i, tick, hz) << 6) | (rw << 4) | (mode << 1) | bcd;
    const at = notBeforeLoad(lastTickWith(ctx, endTick, span, status, value));
    if (at < 0 || at < loadAt) {
      ctx.notes.push(`pit: channel ${i}: the latched status 0x${status.toString(16)} does not occur in the window; status differs`);
    } else {
      tl.at(at, `pit ch${i}: status latch (${statusLatched ? 'pending' : 'already read'})`, () => {
        io.out8(CONTROL_PORT, 0xe0 | (2 << i));
        if (!statusLatched) io.in8(port);
      });
    }
  }
}
