/**
 * Local APIC reconstruction (SDM 10): registers written (SVR first, so LVT masks stay as
 * written; the ICR low word — writing it sends an IPI — while the APIC is software-disabled,
 * so nothing is sent); the timer started at the icount that leaves the captured time on it;
 * ESR by the errors that set it. At the switch-over, in two steps around the IOAPIC's own
 * (ranks.ts): requests are drained (INTA + EOI) and in-service vectors put back lowest class
 * first by a self-IPI and an INTA — the CPU's "acknowledge interrupt on exit" (VT-x) — level
 * ones through an asserted IOAPIC pin with a temporary entry; after the IOAPIC has its real
 * entries, pending vectors by self-IPIs, then LINT0 and TPR.
 */
import type { ReconstructContext } from '../driver.js';
import type { CapturedView } from '../../captured.js';
import type { IrqLineDriver } from '../driver.js';
import {
  IOAPIC_PINS, REDIR_LEVEL as LEVEL, REDIR_MASKED, REDIR_REMOTE_IRR as REMOTE_IRR, ioapicWrite, isaIrqOfPin, redirectionHigh,
  redirectionLow,
} from '../ioapic.js';
import { LAPIC_BASE, LVT_LINT0_OFFSET, lapicDivisor } from './registers.js';

function bitsOf(words: number[]): number[] {
  const out: number[] = [];
  for (let v = 0; v < 256; v++) if ((words[v >> 5] ?? 0) & (1 << (v & 31))) out.push(v);
  return out;
}

/**
 * Reconstructions (by the object every step of one shares, `counts`) whose divide
 * configuration is written: by the timer step or the registers step, whichever runs first —
 * once, with no read, so the accesses are the ones the registers step always made.
 */
const divideWritten = new WeakSet<object>();

function writeDivideOnce(ctx: ReconstructContext, t: CapturedView): void {
  if (divideWritten.has(ctx.counts)) return;
  divideWritten.add(ctx.counts);
  ctx.io.mmioWrite(LAPIC_BASE + 0x3e0, 4, t.num('divide_conf'));
}

/**
 * Whether the timer is started by its own early step (RANK.lapicTimer) rather than with the
 * registers: always, except when ESR's receive-illegal-vector bit is made by firing the timer
 * (the registers step then restarts the timer after that).
 */
export function timerStartsEarly(t: CapturedView): boolean {
  return (t.num('esr') & 0x40) === 0;
}

/** Registers (and the timer, when it does not start early); the timer timed so it has its captured time left at the switch-over. */
export function reconstructLapicStart(ctx: ReconstructContext, t: CapturedView): void {
  const io = ctx.io;
  const tl = ctx.timeline;
  const w = (off: number, v: number) => io.mmioWrite(LAPIC_BASE + off, 4, v >>> 0);
  const r = (off: number) => io.mmioRead(LAPIC_BASE + off, 4) >>> 0;
  const lvt = t.arr('lvt');
  const svr = t.num('spurious_vec');
  const enabled = (svr & 0x100) !== 0;
  tl.at(tl.start, 'lapic: ID, LDR, DFR, ICR (APIC still disabled: no IPI), ESR, SVR, LVT, divide', () => {
    w(0x20, t.num('id') << 24);
    w(0xd0, t.num('log_dest') << 24);
    w(0xe0, (t.num('dest_mode') << 28) | 0x0fffffff);
    // A fresh LAPIC is software-disabled: the ICR low word can be written without sending.
    w(0x310, t.at('icr', 1));
    if (r(0x300) !== t.at('icr', 0)) w(0x300, t.at('icr', 0));
    w(0x280, 0); // any write clears ESR (as QEMU); the captured bits are made below
    // ESR bits come from errors: an illegal vector sent (0x20) or received (0x40).
    const esr = t.num('esr');
    if (esr & 0x40) {
      w(0x320, 0x10005); // the timer's LVT with an illegal vector (masked: no request, the error still counts)
      w(0x3e0, 0x0b);
      w(0x380, 1);
      io.wait(2);
      if (!(r(0x280) & 0x40)) ctx.notes.push('lapic: ESR receive-illegal-vector could not be produced');
    }
    if (esr & 0x20) w(0x300, 0x00040000); // self IPI, vector 0: send illegal
    if (enabled) w(0xf0, svr);
    // LVT entries (while disabled a write keeps the mask set, as the target has it — except
    // LINT0's power-on virtual wire, which only a fresh APIC has: then it is left alone).
    for (let i = 0; i < 6; i++) {
      const want = lvt[i] ?? 0x10000;
      if (r(0x320 + 16 * i) >>> 0 !== want >>> 0) w(0x320 + 16 * i, want);
    }
    // Once: a divide write re-times a running count (the early timer step's, when it came first).
    writeDivideOnce(ctx, t);
    w(0x80, t.num('tpr'));
    if (!enabled && r(0xf0) !== svr) w(0xf0, svr);
  });
  if (!timerStartsEarly(t)) reconstructLapicTimer(ctx, t);
}

/**
 * The timer: its initial count written at the icount that leaves the captured time on it at
 * the switch-over (the divide configuration first). It runs in its own step, before every
 * other device's (RANK.lapicTimer): actions that only want to come first are placed at the
 * earliest timed action's icount (Timeline.switchStart), which is often this one, and ran
 * before it by rank — the RTL8169's dummy frames and the ATA's commands took thousands of
 * instructions there, the count started that much late, and the guest's next timer interrupt
 * came that much late on the destination (Linux, migrated mid-traffic).
 */
export function reconstructLapicTimer(ctx: ReconstructContext, t: CapturedView): void {
  const io = ctx.io;
  const tl = ctx.timeline;
  const w = (off: number, v: number) => io.mmioWrite(LAPIC_BASE + off, 4, v >>> 0);
  const lvt = t.arr('lvt');
  const initial = t.num('initial_count');
  const remaining = t.num('timer', -1);
  const d = lapicDivisor(t.num('divide_conf'));
  const divide = () => writeDivideOnce(ctx, t);
  if (initial !== 0) {
    if (remaining >= 0) {
      // Not ahead: the LAPIC's page is not trapped, so the source cannot tell when the guest
      // last wrote the count — as late as where the current period began, which is when the
      // destination must start it (the time from there to the switch-over is downtime).
      if (ctx.options.faults.has('lapic-timer-not-rearmed')) {
        // The injected bug: the current count "restored" like any readable register.
        tl.at(tl.end, 'lapic: timer current count (0x390, read-only: the write is ignored)', () => {
          divide();
          w(0x390, Math.ceil(remaining / d));
        });
        return;
      }
      const at = tl.end - (initial * d - remaining);
      tl.at(at, 'lapic: timer initial count (phase)', () => {
        divide();
        w(0x380, initial);
      });
    } else {
      // Expired one-shot: start it early enough to expire before the switch-over, LVT masked.
      const at = tl.end - initial * d - 1;
      tl.at(at, 'lapic: timer initial count (expired one-shot)', () => {
        divide();
        w(0x320, (lvt[0] ?? 0) | 0x10000);
        w(0x380, initial);
      });
      tl.at(tl.end, 'lapic: timer LVT', () => w(0x320, lvt[0] ?? 0x10000));
    }
  }
}

/**
 * A level-triggered acceptance (TMR = 1) happens only for a message from a level-triggered
 * IOAPIC entry (SDM 10.8.4), and an IOAPIC sends one only while its pin is asserted. For a
 * vector the capture has with TMR set, we send it through the pin its own entry routes it on
 * when that pin is asserted, else through any asserted pin with a temporary entry, then mask
 * the entry (remote IRR stays) so the EOI broadcast cannot make it send again.
 */
function levelDelivery(ctx: ReconstructContext, v: number, ioapic: CapturedView | null, keepInService: boolean): boolean {
  const io = ctx.io;
  if (ioapic === null) return false;
  const pins = ioapic.num('pin_level');
  const lo = ioapic.arr('ioredtbl_lo');
  const hi = ioapic.arr('ioredtbl_hi');
  let pin = -1;
  let own = false;
  for (let p = 0; p < IOAPIC_PINS; p++) {
    if (!(pins & (1 << p))) continue;
    if (((lo[p] ?? 0) & 0xff) === v && (lo[p] ?? 0) & LEVEL) {
      pin = p;
      own = true;
      break;
    }
    if (pin < 0) pin = p;
  }
  let pulse: IrqLineDriver | null = null;
  if (pin < 0) {
    // No asserted pin: raise the line of the pin that routes v, if its device can be put back.
    for (let p = 0; p < IOAPIC_PINS && pulse === null; p++) {
      const irq = isaIrqOfPin(p);
      if (((lo[p] ?? 0) & 0xff) !== v || !((lo[p] ?? 0) & LEVEL) || !ctx.restoreSafeLine(irq)) continue;
      pulse = ctx.irqLine(irq);
      pin = p;
      own = true;
    }
    if (pulse === null) return false;
    pulse.raise();
  }
  const wr = (index: number, value: number) => ioapicWrite(io, index, value);
  const id = io.mmioRead(LAPIC_BASE + 0x20, 4) >>> 24;
  wr(redirectionHigh(pin), own ? hi[pin] ?? 0 : id << 24);
  wr(redirectionLow(pin), own ? (lo[pin] ?? 0) & ~REDIR_MASKED & ~REMOTE_IRR : v | LEVEL);
  wr(redirectionLow(pin), (own ? (lo[pin] ?? 0) : v | LEVEL) | REDIR_MASKED);
  const got = io.machine.cpu.interruptAcknowledge() & 0xff;
  pulse?.lower();
  if (got !== v) return false;
  if (!keepInService) io.mmioWrite(LAPIC_BASE + 0xb0, 4, 0);
  if (!own) wr(redirectionLow(pin), REDIR_MASKED); // back to reset (edge: remote IRR cleared)
  return true;
}

/** At the switch-over, before the IOAPIC's entries: requests drained, TMR bits, in-service vectors. */
export function reconstructLapicInService(ctx: ReconstructContext, t: CapturedView, ioapic: CapturedView | null): void {
  const io = ctx.io;
  const cpu = io.machine.cpu;
  const w = (off: number, v: number) => io.mmioWrite(LAPIC_BASE + off, 4, v >>> 0);
  const r = (off: number) => io.mmioRead(LAPIC_BASE + off, 4) >>> 0;
  const lvt = t.arr('lvt');
  const svr = t.num('spurious_vec');
  const spurious = svr & 0xff;
  // A software-disabled APIC takes no interrupts: no IRR or ISR to rebuild.
  if (!(svr & 0x100)) return;
  w(0xf0, svr | 0x100);
  w(LVT_LINT0_OFFSET, (lvt[3] ?? 0) | 0x10000); // LINT0 masked: INTA answers from the LAPIC, not the 8259A
  w(0x80, 0);
  // Drain what the window's own events requested.
  for (let guard = 0; guard < 256; guard++) {
    const v = cpu.interruptAcknowledge() & 0xff;
    if (v === spurious && !(r(0x100 + 16 * (v >> 5)) & (1 << (v & 31)))) break;
    w(0xb0, 0);
  }
  for (let guard = 0; guard < 256 && bitsOf(Array.from({ length: 8 }, (_, i) => r(0x100 + 16 * i))).length > 0; guard++) w(0xb0, 0);
  const isr = bitsOf(t.arr('isr'));
  const tmr = t.arr('tmr');
  const level = (v: number) => ((tmr[v >> 5] ?? 0) & (1 << (v & 31))) !== 0;
  // TMR bits of vectors no longer requested or in service: a level acceptance, retired.
  for (const v of bitsOf(tmr)) {
    if (isr.includes(v) || bitsOf(t.arr('irr')).includes(v)) continue;
    if (!levelDelivery(ctx, v, ioapic, false)) ctx.notes.push(`lapic: TMR bit of vector 0x${v.toString(16)} not reproduced (no asserted IOAPIC pin)`);
  }
  for (const v of isr) {
    if (level(v)) {
      if (levelDelivery(ctx, v, ioapic, true)) continue;
      ctx.notes.push(`lapic: in-service vector 0x${v.toString(16)} was level-triggered; no asserted pin: rebuilt as edge (TMR 0)`);
    }
    w(0x300, 0x00044000 | v); // fixed, self
    const got = cpu.interruptAcknowledge() & 0xff;
    if (got !== v) ctx.notes.push(`lapic: vector 0x${v.toString(16)} could not be put in service (INTA gave 0x${got.toString(16)})`);
  }
}

/** At the switch-over, after the IOAPIC has its entries: pending vectors, LINT0, TPR. */
export function reconstructLapicPending(ctx: ReconstructContext, t: CapturedView): void {
  const io = ctx.io;
  const w = (off: number, v: number) => io.mmioWrite(LAPIC_BASE + off, 4, v >>> 0);
  const r = (off: number) => io.mmioRead(LAPIC_BASE + off, 4) >>> 0;
  const lvt = t.arr('lvt');
  if (!(t.num('spurious_vec') & 0x100)) return;
  for (const v of bitsOf(t.arr('irr'))) {
    if (r(0x200 + 16 * (v >> 5)) & (1 << (v & 31))) continue;
    w(0x300, 0x00044000 | v);
  }
  w(LVT_LINT0_OFFSET, lvt[3] ?? 0);
  // lapic-tpr-lost: the write that undoes the in-service step's TPR 0 is the one left out.
  if (!ctx.options.faults.has('lapic-tpr-lost')) w(0x80, t.num('tpr'));
}
