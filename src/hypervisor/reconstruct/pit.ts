/**
 * 8254 reconstruction: the control word and count are replayed (datasheet, "Programming the
 * 8254"), and the count is written at a time that gives the counting element the captured
 * phase. A running counter cannot be written (the count element is internal), so we load the
 * count register and time the write: the CE then runs in step with the source's from the
 * next CLK edge (BLMVisor 3.4, reconstructing an unwritable state by triggering the
 * transition that sets it).
 *
 * Phase: modes 2 and 3 repeat every N CLK edges, so a load k·N edges before the source's
 * (at the same offset within the PIT clock period) is indistinguishable from it; modes 0, 1,
 * 4 and 5 wrap through the 65536 (10000 BCD) modulus after terminal count. When the source's
 * load lies inside the window we write at exactly its icount and count_load_time is equal;
 * otherwise count_load_time differs by whole periods — a residual the report names, with no
 * effect on OUT, IRQ0 or any count the guest can read.
 *
 * Then, at the switch-over, what the guest left half-done: a pending reload (a count written
 * mid-period), the low byte of a word write (write flip-flop), a read flip-flop after the
 * low byte of a word read, count and status latches not yet read (latched at a time where
 * the count / status had the captured value), GATE2 and port 0x61.
 */
import type { ReconstructContext } from './context.js';
import type { CapturedView } from '../captured.js';
import {
  PIT_CHANNELS, binaryToBcd, effectiveMode, icountAtTick, modulus, nullCount, outLevel, pitTicks, readableCount,
  type Pit8254State,
} from '../../devices/pit8254-channel.js';

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
  const port = 0x40 + i;
  if (rw === RW_LSB) ctx.io.out8(port, raw & 0xff);
  else if (rw === RW_MSB) ctx.io.out8(port, (raw >> 8) & 0xff);
  else {
    ctx.io.out8(port, raw & 0xff);
    ctx.io.out8(port, (raw >> 8) & 0xff);
  }
}

/** Is channel `i` exactly as power-on left it (then the destination's own reset already matches)? */
function untouched(t: CapturedView, i: number): boolean {
  return t.at('mode', i) === 3 && t.at('rw_mode', i) === 3 && t.at('bcd', i) === 0 && t.at('count', i) === 0x10000
    && t.at('active_count', i) === 0x10000 && t.at('counting', i) === 1 && t.at('cr_pending', i) === 0
    && t.at('count_load_time', i) === 0 && t.at('gate_fall_time', i) === 0 && t.at('write_state', i) === 3
    && t.at('read_state', i) === 3 && t.at('count_latched', i) === 0 && t.at('status_latched', i) === 0;
}

/** The load time to use: the source's, or an equivalent one inside the window. */
function equivalentLoad(ctx: ReconstructContext, t: CapturedView, i: number): number {
  const hz = ctx.io.hz;
  const L = t.at('count_load_time', i);
  const start = ctx.timeline.start;
  const end = ctx.timeline.end;
  if (L >= start) return L;
  const m = effectiveMode(t.at('mode', i));
  const N = t.at('active_count', i) || modulus(t.at('bcd', i));
  const periodic = m === 2 || m === 3;
  const period = periodic ? N : modulus(t.at('bcd', i));
  const baseTick = pitTicks(L, hz);
  const offset = L - icountAtTick(baseTick, hz);
  const endTick = pitTicks(end, hz);
  // One-shot modes: the equivalence holds only once terminal count has passed on both sides.
  const needEdges = periodic ? 0 : N + 2;
  const edgesAtSwitch = endTick - baseTick;
  if (!periodic && edgesAtSwitch < needEdges) return L; // cannot be moved: the timeline records it as late
  // The latest equivalent load that still leaves a whole period (and TC for one-shots) before the switch.
  let k = Math.floor((endTick - baseTick - Math.max(period, needEdges)) / period);
  if (k < 0) k = 0;
  const tick = baseTick + k * period;
  let at = icountAtTick(tick, hz) + offset;
  if (pitTicks(at, hz) !== tick) at = icountAtTick(tick, hz);
  if (at < start) {
    ctx.notes.push(`pit: channel ${i}: no load time equivalent to the source's fits the window; phase is off`);
  } else if (at !== L) {
    ctx.notes.push(`pit: channel ${i} count_load_time ${at} instead of ${L} (${k} periods of ${period} CLK edges later: same OUT and counts)`);
  }
  return at;
}

export function reconstructPit(ctx: ReconstructContext, t: CapturedView): void {
  const io = ctx.io;
  const tl = ctx.timeline;
  for (let i = 0; i < PIT_CHANNELS; i++) {
    if (untouched(t, i)) continue;
    const rw = t.at('rw_mode', i);
    const control = (i << 6) | (rw << 4) | (t.at('mode', i) << 1) | t.at('bcd', i);
    const bcd = t.at('bcd', i);
    const counting = t.at('counting', i) === 1;
    const pending = t.at('cr_pending', i) === 1;
    const m = effectiveMode(t.at('mode', i));
    let loadAt = -1;
    if (counting) {
      loadAt = equivalentLoad(ctx, t, i);
      tl.at(loadAt, `pit ch${i}: control word and count (phase)`, () => {
        io.out8(0x43, control);
        writeCount(ctx, i, rw, rawCount(t.at('active_count', i), bcd));
      });
    } else if (t.at('count_load_time', i) !== 0 || t.at('active_count', i) !== 0x10000) {
      // Stopped by a control word (or a mode-0 low byte) after an earlier count: the CE keeps
      // that count's load time. Load it as it was, then stop the channel the way the guest did.
      loadAt = t.at('count_load_time', i);
      tl.at(loadAt, `pit ch${i}: the earlier count (stale phase)`, () => {
        io.out8(0x43, (i << 6) | 0x34);
        writeCount(ctx, i, RW_WORD0, rawCount(t.at('active_count', i), 0));
      });
    }
    tl.at(tl.end, `pit ch${i}: control word, pending count, flip-flops`, () => {
      if (!counting) {
        io.out8(0x43, control);
        if (pending && (m === 1 || m === 5)) writeCount(ctx, i, rw, rawCount(t.at('count', i), bcd));
      }
      finishChannel(ctx, t, i);
    });
    if (counting) scheduleLatches(ctx, t, i, loadAt);
  }
  tl.at(tl.end, 'pit: port 0x61', () => {
    const gate2 = t.at('gate', 2);
    io.out8(0x61, gate2 | (t.num('speaker_data') << 1) | (t.num('nmi_check') << 2));
  });
}

/** The target channel as a Pit8254State-shaped record with our load time, for the datasheet timing functions. */
function targetState(t: CapturedView, loadAt: number): Pit8254State {
  const arr = (f: string) => t.arr(f, [0, 0, 0]).slice();
  const s = {
    count: arr('count'), latched_count: arr('latched_count'), count_latched: arr('count_latched'),
    status_latched: arr('status_latched'), status: arr('status'), read_state: arr('read_state'),
    write_state: arr('write_state'), write_latch: arr('write_latch'), rw_mode: arr('rw_mode'), mode: arr('mode'),
    bcd: arr('bcd'), gate: arr('gate'), count_load_time: arr('count_load_time'), active_count: arr('active_count'),
    counting: arr('counting'), cr_pending: arr('cr_pending'), gate_fall_time: arr('gate_fall_time'),
    irq_level: t.num('irq_level'), speaker_data: t.num('speaker_data'), nmi_check: t.num('nmi_check'),
  };
  if (loadAt >= 0) for (let i = 0; i < PIT_CHANNELS; i++) s.count_load_time[i] = loadAt;
  return s;
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
  const port = 0x40 + i;
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
function scheduleLatches(ctx: ReconstructContext, t: CapturedView, i: number, loadAt: number): void {
  const io = ctx.io;
  const hz = io.hz;
  const tl = ctx.timeline;
  const rw = t.at('rw_mode', i);
  const bcd = t.at('bcd', i);
  const port = 0x40 + i;
  const s = targetState(t, loadAt);
  const endTick = pitTicks(tl.end, hz);
  const loadTick = pitTicks(loadAt, hz);
  const N = t.at('active_count', i) || modulus(bcd);
  const span = Math.min(endTick - loadTick - 1, Math.max(N, 2) + 2);
  const latched = t.at('count_latched', i);
  const count = t.at('latched_count', i);
  if (latched || count !== 0) {
    const at = lastTickWith(ctx, endTick, span, count, (tick) => readableCount(s, i, tick, hz));
    if (at < 0 || at < loadAt) {
      ctx.notes.push(`pit: channel ${i}: the latched count ${count} does not occur in the window; latched_count differs`);
    } else {
      tl.at(at, `pit ch${i}: count latch (${latched ? 'pending' : 'already read'})`, () => {
        if (t.at('read_state', i) === RW_WORD1 && latched) io.in8(port); // the read flip-flop first
        io.out8(0x43, i << 6);
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
    const at = lastTickWith(ctx, endTick, span, status, value);
    if (at < 0 || at < loadAt) {
      ctx.notes.push(`pit: channel ${i}: the latched status 0x${status.toString(16)} does not occur in the window; status differs`);
    } else {
      tl.at(at, `pit ch${i}: status latch (${statusLatched ? 'pending' : 'already read'})`, () => {
        io.out8(0x43, 0xe0 | (2 << i));
        if (!statusLatched) io.in8(port);
      });
    }
  }
}
