/**
 * 8259A reconstruction (Intel 8259A datasheet, "Programming the 8259A").
 *
 * At the window's start: the full ICW1–ICW4 sequence with the captured configuration, then
 * every IR masked and the ELCR written. Then the in-service register: the ISR is set only by
 * an INTA (or a poll) of a requested IR, so for each IR in service — lowest priority first,
 * so fully nested mode accepts each next one — the device behind the line raises it
 * (its driver's irqLine), a poll acknowledges it, the line drops again. The cascade IR2 of the master
 * is put in service by a slave request. Then the devices are reconstructed, and their lines
 * take their captured levels (edges become requests).
 *
 * At the switch-over: IRR is compared with the capture; a surplus edge request is removed by
 * acknowledging it (special mask mode + poll) and retiring it (specific EOI); a missing one is
 * raised through the ELCR where the IR has an ELCR bit and the line is high (as level-
 * triggered the IR takes its input level and keeps it when switched back to edge). Then OCW2
 * priority and rotation, OCW1 mask, OCW3 special mask / read select / poll, and — if the guest
 * was in the middle of an ICW sequence — the sequence replayed up to the same ICW.
 */
import type { ReconstructContext } from '../driver.js';
import type { CapturedView } from '../../captured.js';
import type { HvIo } from '../../hv-io.js';
import { BOARD } from '../../../board/layout.js';
import { MASTER, SLAVE, type PicChip } from './chips.js';

interface Chip extends PicChip {
  t: CapturedView;
}

const CASCADE_IR = BOARD.pic.cascadeIrq;

function icw1(t: CapturedView): number {
  return 0x10 | (t.num('ltim') << 3) | (t.num('single_mode') << 1) | t.num('init4');
}

function icw4(t: CapturedView): number {
  return (t.num('special_fully_nested_mode') << 4) | (t.num('buffered_mode') << 2) | (t.num('auto_eoi') << 1) | t.num('microprocessor_mode');
}

/** Priority order of the IRs, highest first, for a given priority_add (IR `pa` is highest). */
function priorityOrder(pa: number): number[] {
  return [0, 1, 2, 3, 4, 5, 6, 7].map((p) => (p + pa) & 7);
}

function readIrr(io: HvIo, base: number): number {
  io.out8(base, 0x0a);
  return io.in8(base);
}

function readIsr(io: HvIo, base: number): number {
  io.out8(base, 0x0b);
  return io.in8(base);
}

/** Full ICW sequence with the captured configuration (ICW1 resets the chip: datasheet, ICW1). */
function initialise(io: HvIo, c: Chip, isMaster: boolean): void {
  const t = c.t;
  io.out8(c.base, icw1(t));
  io.out8(c.base + 1, t.num('irq_base'));
  if (!t.num('single_mode')) io.out8(c.base + 1, t.known('icw3') ? t.num('icw3') : isMaster ? 0x04 : 0x02);
  if (t.num('init4')) io.out8(c.base + 1, icw4(t));
  io.out8(c.base + 1, 0xff);
  io.out8(c.elcrPort, t.num('elcr'));
  // OCW2 set priority (R SL EQ = 110): the IR after `pa - 1` is the highest, as captured.
  io.out8(c.base, 0xc0 | ((t.num('priority_add') - 1) & 7));
}

/** Acknowledge IR `k` with a poll (it must be requested); returns true when the poll answered k. */
function pollAck(io: HvIo, c: Chip, k: number): boolean {
  io.out8(c.base + 1, ~(1 << k) & 0xff);
  io.out8(c.base, 0x0c);
  const r = io.in8(c.base);
  return (r & 0x87) === (0x80 | k);
}

/**
 * A chip the guest never programmed is left as the destination's power-on left it: its
 * requests are then the same edges of the same lines (an ICW1 would clear them, and IRQ0's
 * has no ELCR bit to raise it again).
 */
export function atPowerOn(t: CapturedView, isMaster: boolean): boolean {
  const zero = ['irq_base', 'ltim', 'single_mode', 'init4', 'auto_eoi', 'special_fully_nested_mode', 'buffered_mode',
    'microprocessor_mode', 'init_state', 'priority_add', 'rotate_on_auto_eoi', 'special_mask', 'read_reg_select',
    'poll', 'imr', 'isr', 'elcr'];
  return zero.every((f) => t.num(f) === 0) && t.num('icw3') === (isMaster ? 0x04 : 0x02);
}

export function reconstructPicStart(ctx: ReconstructContext, master: CapturedView, slave: CapturedView): void {
  const io = ctx.io;
  const chips: [Chip, Chip] = [{ ...MASTER, t: master }, { ...SLAVE, t: slave }];
  if (!atPowerOn(master, true)) initialise(io, chips[0], true);
  if (!atPowerOn(slave, false)) initialise(io, chips[1], false);
}

/** The captured ISR bits, driven in once both chips are initialised (reconstructPicStart). */
export function reconstructPicInService(ctx: ReconstructContext, master: CapturedView, slave: CapturedView): void {
  putInService(ctx, { ...MASTER, t: master }, { ...SLAVE, t: slave });
}

/** Set the captured ISR bits by raising each line and polling it (auto-EOI chips never hold ISR bits). */
function putInService(ctx: ReconstructContext, m: Chip, s: Chip): void {
  const io = ctx.io;
  const wantM = m.t.num('isr');
  const wantS = s.t.num('isr');
  if (wantM === 0 && wantS === 0) return;
  const cascade = !m.t.num('single_mode') && (m.t.num('icw3') & (1 << CASCADE_IR)) !== 0;
  const lowFirst = (c: Chip) => priorityOrder(c.t.num('priority_add')).reverse();

  const slaveInService = (): void => {
    for (const j of lowFirst(s)) {
      if (!(wantS & (1 << j))) continue;
      serve(ctx, s, j, s.isa + j);
    }
  };

  for (const k of lowFirst(m)) {
    if (!(wantM & (1 << k))) continue;
    if (k === CASCADE_IR && cascade) {
      // The cascade: a slave request raises the slave's INT, which is the master's IR2 edge.
      const j = lowFirst(s).find((x) => ctx.irqLine(s.isa + x) !== null && (wantS & (1 << x)) !== 0)
        ?? lowFirst(s).find((x) => ctx.restoreSafeLine(s.isa + x))
        ?? lowFirst(s).find((x) => ctx.irqLine(s.isa + x) !== null);
      if (j === undefined) {
        ctx.notes.push(`pic.master: IR${CASCADE_IR} (cascade) in service could not be reconstructed: no slave line can be raised`);
        continue;
      }
      const driver = ctx.irqLine(s.isa + j)!;
      io.out8(s.base + 1, ~(1 << j) & 0xff);
      driver.raise();
      if (!pollAck(io, m, CASCADE_IR)) ctx.notes.push(`pic.master: IR${CASCADE_IR} (cascade) did not answer the poll`);
      if (wantS & (1 << j)) {
        if (!pollAck(io, s, j)) ctx.notes.push(`pic.slave: IR${j} did not answer the poll`);
      } else if (pollAck(io, s, j)) {
        if (!s.t.num('auto_eoi')) io.out8(s.base, 0x60 | j); // it was only the cascade's carrier
      }
      driver.lower();
      slaveInService();
      continue;
    }
    serve(ctx, m, k, m.isa + k);
  }
  if (!(wantM & (1 << CASCADE_IR))) slaveInService();
  io.out8(m.base + 1, 0xff);
  io.out8(s.base + 1, 0xff);
  const gotM = readIsr(io, m.base);
  const gotS = readIsr(io, s.base);
  if (gotM !== wantM || gotS !== wantS) {
    ctx.notes.push(`8259A ISR reconstructed as master 0x${gotM.toString(16)} / slave 0x${gotS.toString(16)}, captured 0x${wantM.toString(16)} / 0x${wantS.toString(16)}`);
  }
}

function serve(ctx: ReconstructContext, c: Chip, k: number, irq: number): void {
  const io = ctx.io;
  if (c.t.num('auto_eoi')) return;
  const driver = ctx.irqLine(irq);
  if (driver === null) {
    ctx.notes.push(`${c.device}: IR${k} in service cannot be reconstructed (no device drives IRQ${irq})`);
    return;
  }
  driver.raise();
  if (!pollAck(io, c, k)) ctx.notes.push(`${c.device}: IR${k} did not answer the poll`);
  driver.lower();
}

/**
 * At the switch window's start: edge requests the switch-over cannot make. An edge request
 * stays in IRR until an INTA, a poll or ICW1 — for as long as the guest keeps the IR masked
 * (a guest that routes the device through the IOAPIC leaves it there from boot) — but at the
 * switch-over only a restore-safe device or an ELCR bit can raise it. A line whose device is
 * rebuilt after this step is pulsed now; the master's cascade IR2 then takes its edge from
 * the slave's INT, raised by unmasking a slave IR that is requested.
 */
export function reconstructPicEdgeRequests(ctx: ReconstructContext, master: CapturedView, slave: CapturedView): void {
  const io = ctx.io;
  const m: Chip = { ...MASTER, t: master };
  const s: Chip = { ...SLAVE, t: slave };
  // Only masked IRs: an unmasked request is served within moments, and a device still
  // holding its line makes the edge again at the switch-over (its own reconstruction).
  const stale = (c: Chip) => c.t.num('irr') & c.t.num('imr') & ~(c.t.num('ltim') ? 0xff : c.t.num('elcr'));
  for (const c of [s, m]) {
    const want = stale(c) & ~(c.isMaster ? 1 << CASCADE_IR : 0);
    for (let k = 0; k < 8; k++) {
      if (!(want & (1 << k))) continue;
      const line = ctx.switchLine(c.isa + k); // null (and no access) unless its device is rebuilt at the switch
      if (line === null || readIrr(io, c.base) & (1 << k)) continue;
      line.raise();
      line.lower();
    }
  }
  // The cascade: the slave's INT was low at the capture (every request masked), so IR2's
  // request is an old edge; make it by unmasking a requested slave IR for a moment.
  const cascade = !master.num('single_mode') && (master.num('icw3') & (1 << CASCADE_IR)) !== 0;
  if (!cascade || !(stale(m) & (1 << CASCADE_IR)) || (slave.num('irr') & ~slave.num('imr')) !== 0) return;
  if (readIrr(io, m.base) & (1 << CASCADE_IR)) return;
  const requested = readIrr(io, s.base);
  const j = priorityOrder(slave.num('priority_add')).find((x) => requested & (1 << x));
  if (j === undefined) return; // reconstructPicEnd names what is missing
  const imr = io.in8(s.base + 1);
  io.out8(s.base + 1, ~(1 << j) & 0xff); // the slave's INT rises: the master latches IR2's edge
  io.out8(s.base + 1, imr);
}

/** Injected faults (pic8259/index.ts) that act at the switch-over. */
export interface PicEndFaults {
  /** pic-request-dropped: every edge request found is retired as the window's own; none is re-raised. */
  readonly dropRequests: boolean;
}

/** At the switch-over: requests, priority, masks, OCW3, and a half-done ICW sequence. */
export function reconstructPicEnd(ctx: ReconstructContext, master: CapturedView, slave: CapturedView, faults: PicEndFaults = { dropRequests: false }): void {
  const chips: Chip[] = [{ ...MASTER, t: master }, { ...SLAVE, t: slave }];
  // Slave first: clearing its requests may drop its INT, the master's IR2.
  for (const c of [chips[1], chips[0]]) fixRequests(ctx, c, faults.dropRequests);
  for (const c of chips) finish(ctx, c, atPowerOn(c.t, c.isMaster));
}

function fixRequests(ctx: ReconstructContext, c: Chip, dropRequests: boolean): void {
  const io = ctx.io;
  const t = c.t;
  const want = t.num('irr');
  const level = t.num('ltim') ? 0xff : t.num('elcr');
  let irr = readIrr(io, c.base);
  // pic-request-dropped: the captured requests are forgotten — every edge request is surplus.
  const surplus = irr & ~(dropRequests ? 0 : want) & ~level;
  if (surplus !== 0) {
    const isr = readIsr(io, c.base);
    io.out8(c.base, 0x68); // OCW3: special mask mode on — masked in-service IRs do not block
    for (let k = 0; k < 8; k++) {
      if (!(surplus & (1 << k))) continue;
      const inService = (isr & (1 << k)) !== 0;
      if (inService) io.out8(c.base, 0x60 | k); // make room: the poll re-sets it
      if (pollAck(io, c, k)) {
        if (!inService && !t.num('auto_eoi')) io.out8(c.base, 0x60 | k);
      }
    }
    io.out8(c.base, 0x48); // special mask mode off
  }
  irr = readIrr(io, c.base);
  if (dropRequests) return;
  const missing = want & ~irr & ~level;
  for (let k = 0; k < 8; k++) {
    if (!(missing & (1 << k))) continue;
    if (c.elcrMask & (1 << k)) {
      io.out8(c.elcrPort, t.num('elcr') | (1 << k));
      io.out8(c.elcrPort, t.num('elcr'));
      if (readIrr(io, c.base) & (1 << k)) continue;
    }
    // The line is low: pulse it where the device can be put back exactly (an edge is an edge).
    if (ctx.restoreSafeLine(c.isa + k)) {
      const d = ctx.irqLine(c.isa + k)!;
      d.raise();
      d.lower();
    }
  }
  irr = readIrr(io, c.base);
  if (irr !== want) {
    ctx.notes.push(`${c.device}: IRR reconstructed as 0x${irr.toString(16)}, captured 0x${want.toString(16)} (an edge request needs an edge on its line)`);
  }
}

function finish(ctx: ReconstructContext, c: Chip, powerOn: boolean): void {
  const io = ctx.io;
  const t = c.t;
  if (powerOn) {
    // Only what fixRequests may have touched (IMR, OCW3 select); ICW-era state is the chip's own.
    io.out8(c.base + 1, t.num('imr'));
    io.out8(c.base, 0x0a | t.num('read_reg_select'));
    return;
  }
  // OCW2: rotate in auto-EOI mode (set 100 / clear 000); set priority (110).
  io.out8(c.base, t.num('rotate_on_auto_eoi') ? 0x80 : 0x00);
  io.out8(c.base, 0xc0 | ((t.num('priority_add') - 1) & 7));
  io.out8(c.base + 1, t.num('imr'));
  io.out8(c.base, 0x40 | (t.num('special_mask') << 5) | 0x08);
  io.out8(c.base, 0x0a | t.num('read_reg_select'));
  const initState = t.num('init_state');
  if (initState !== 0) {
    // The guest was in the middle of its ICW sequence: replay it up to the same ICW.
    io.out8(c.base, icw1(t));
    if (initState >= 2) io.out8(c.base + 1, t.num('irq_base'));
    if (initState === 3 && !t.num('single_mode')) io.out8(c.base + 1, t.num('icw3'));
    // ICW1 cleared IMR; a poll or OCW3 written after ICW1 is repeated below.
    io.out8(c.base, 0x0a | t.num('read_reg_select'));
    if (t.num('special_mask')) io.out8(c.base, 0x68);
  }
  if (t.num('poll')) io.out8(c.base, 0x0c);
}
