/**
 * Reconstruction of the small devices and the APICs.
 * - PCI host bridge: its header through configuration space, CONFIG_ADDRESS (0xCF8) last.
 * - System Control Port A: A20 (bit 1); bit 0 would reset the CPU, so it is written 0.
 * - POST code: written to port 0x80.
 * - IOAPIC (82093AA): ID and redirection entries through IOREGSEL/IOWIN, IOREGSEL last. A
 *   level entry whose pin is asserted and unmasked is sent as soon as it is written; that is
 *   how remote IRR (read-only) comes back — for a pin that is no longer asserted it cannot.
 * - Local APIC (SDM 10): registers written (SVR first, so LVT masks stay as written; the ICR
 *   low word — writing it sends an IPI — while the APIC is software-disabled, so nothing is
 *   sent); the timer started at the icount that leaves the captured time on it; ESR by the
 *   errors that set it; IRR/ISR: requests are drained (INTA + EOI), in-service vectors put
 *   back lowest class first by a self-IPI and an INTA — the CPU's "acknowledge interrupt on
 *   exit" (VT-x) — and pending ones by self-IPIs.
 */
import type { ReconstructContext } from './context.js';
import type { CapturedView } from '../captured.js';
import { PCI_ADDRESS, pciWrite } from '../pci-access.js';
import { IOAPIC_BASE, IOAPIC_PINS, LAPIC_BASE, lapicDivisor } from '../capture/apic.js';
import { RESTORE_SAFE_LINES, irqLineDriver, type IrqLineDriver } from './irq-lines.js';

export function reconstructPciHost(ctx: ReconstructContext, t: CapturedView): void {
  const io = ctx.io;
  pciWrite(io, 0, 0x0c, (t.num('pci_latency_timer') << 8) | t.num('pci_cache_line_size'));
  pciWrite(io, 0, 0x3c, t.num('pci_interrupt_line'));
  pciWrite(io, 0, 0x04, t.num('pci_command'));
}

export function reconstructPciAddress(ctx: ReconstructContext, t: CapturedView): void {
  ctx.io.out32(PCI_ADDRESS, t.num('config_address'));
}

export function reconstructSysctl(ctx: ReconstructContext, t: CapturedView): void {
  ctx.io.out8(0x92, t.num('a20') << 1);
}

export function reconstructPost(ctx: ReconstructContext, t: CapturedView): void {
  if (t.known('code')) ctx.io.out8(0x80, t.num('code'));
}

const REMOTE_IRR = 0x4000;
const LEVEL = 0x8000;

export function reconstructIoapic(ctx: ReconstructContext, t: CapturedView): void {
  const io = ctx.io;
  const w = (index: number, value: number) => {
    io.mmioWrite(IOAPIC_BASE, 4, index);
    io.mmioWrite(IOAPIC_BASE + 0x10, 4, value >>> 0);
  };
  w(0, t.num('id') << 24);
  if (!ctx.options.faults.has('ioapic-redirection-forgotten')) {
    const lo = t.arr('ioredtbl_lo');
    const hi = t.arr('ioredtbl_hi');
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      w(0x11 + 2 * pin, hi[pin] ?? 0);
      w(0x10 + 2 * pin, lo[pin] ?? 0x10000);
    }
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      io.mmioWrite(IOAPIC_BASE, 4, 0x10 + 2 * pin);
      const got = io.mmioRead(IOAPIC_BASE + 0x10, 4) >>> 0;
      if ((got & REMOTE_IRR) !== ((lo[pin] ?? 0) & REMOTE_IRR) && (lo[pin] ?? 0) & LEVEL) {
        ctx.notes.push(`ioapic.ioredtbl_lo[${pin}]: remote IRR ${got & REMOTE_IRR ? 1 : 0}, captured ${(lo[pin] ?? 0) & REMOTE_IRR ? 1 : 0} (set only by a level interrupt a LAPIC accepts, which needs the pin asserted)`);
      }
    }
  }
  io.mmioWrite(IOAPIC_BASE, 4, t.num('ioregsel'));
}

function bitsOf(words: number[]): number[] {
  const out: number[] = [];
  for (let v = 0; v < 256; v++) if ((words[v >> 5] ?? 0) & (1 << (v & 31))) out.push(v);
  return out;
}

/** Registers and the timer; timed so the timer has its captured time left at the switch-over. */
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
    w(0x3e0, t.num('divide_conf'));
    w(0x80, t.num('tpr'));
    if (!enabled && r(0xf0) !== svr) w(0xf0, svr);
  });
  const initial = t.num('initial_count');
  const remaining = t.num('timer', -1);
  const d = lapicDivisor(t.num('divide_conf'));
  if (initial !== 0) {
    if (remaining >= 0) {
      const at = tl.end - (initial * d - remaining);
      tl.at(at, 'lapic: timer initial count (phase)', () => w(0x380, initial));
    } else {
      // Expired one-shot: start it early enough to expire before the switch-over, LVT masked.
      const at = tl.end - initial * d - 1;
      tl.at(at, 'lapic: timer initial count (expired one-shot)', () => {
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
      const irq = p === 2 ? 0 : p;
      if (((lo[p] ?? 0) & 0xff) !== v || !((lo[p] ?? 0) & LEVEL) || !RESTORE_SAFE_LINES.has(irq)) continue;
      pulse = irqLineDriver(io, irq);
      pin = p;
      own = true;
    }
    if (pulse === null) return false;
    pulse.raise();
  }
  const wr = (index: number, value: number) => {
    io.mmioWrite(IOAPIC_BASE, 4, index);
    io.mmioWrite(IOAPIC_BASE + 0x10, 4, value >>> 0);
  };
  const id = io.mmioRead(LAPIC_BASE + 0x20, 4) >>> 24;
  wr(0x11 + 2 * pin, own ? hi[pin] ?? 0 : id << 24);
  wr(0x10 + 2 * pin, own ? (lo[pin] ?? 0) & ~0x10000 & ~REMOTE_IRR : v | LEVEL);
  wr(0x10 + 2 * pin, (own ? (lo[pin] ?? 0) : v | LEVEL) | 0x10000);
  const got = io.machine.cpu.interruptAcknowledge() & 0xff;
  pulse?.lower();
  if (got !== v) return false;
  if (!keepInService) io.mmioWrite(LAPIC_BASE + 0xb0, 4, 0);
  if (!own) wr(0x10 + 2 * pin, 0x10000); // back to reset (edge: remote IRR cleared)
  return true;
}

/** IRR, ISR, TMR and TPR at the switch-over. */
export function reconstructLapicEnd(ctx: ReconstructContext, t: CapturedView, ioapic: CapturedView | null, ioapicAfter: () => void): void {
  const io = ctx.io;
  const cpu = io.machine.cpu;
  const w = (off: number, v: number) => io.mmioWrite(LAPIC_BASE + off, 4, v >>> 0);
  const r = (off: number) => io.mmioRead(LAPIC_BASE + off, 4) >>> 0;
  const lvt = t.arr('lvt');
  const svr = t.num('spurious_vec');
  const spurious = svr & 0xff;
  if (!(svr & 0x100)) {
    // A software-disabled APIC takes no interrupts: no IRR or ISR to rebuild.
    ioapicAfter();
    return;
  }
  w(0xf0, svr | 0x100);
  w(0x350, (lvt[3] ?? 0) | 0x10000); // LINT0 masked: INTA answers from the LAPIC, not the 8259A
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
  ioapicAfter();
  for (const v of bitsOf(t.arr('irr'))) {
    if (r(0x200 + 16 * (v >> 5)) & (1 << (v & 31))) continue;
    w(0x300, 0x00044000 | v);
  }
  w(0x350, lvt[3] ?? 0);
  w(0x80, t.num('tpr'));
}
