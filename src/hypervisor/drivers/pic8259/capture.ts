/**
 * 8259A capture (Intel 8259A datasheet, "Reading the 8259A Status"; BLMVisor 4.4).
 *
 * Read: IRR and ISR through OCW3 (RR=1, RIS selects) at A0=0, IMR at A0=1, ELCR at its port (chips.ts).
 * OCW3 changes the read-register select, which is itself state: we put the guest's value
 * back (from the shadow; after a late attach it is inferred by comparing a first, unselected
 * read with IRR and ISR). A pending poll (OCW3 P) turns any read into an INTA: then the first
 * read is the poll; if it acknowledged an IR we undo it (specific EOI; the edge request is
 * re-raised through the ELCR where the IR allows it) and re-issue the poll command.
 * Shadow: every ICW field, OCW3 special mask, rotate-in-auto-EOI, init_state and priority.
 * Inferred: last_irr (the input levels) — from the other devices' interrupt outputs, filled
 * in by the driver's inferInputs (int-output.ts) once they are captured.
 */
import type { CaptureContext } from '../driver.js';
import type { PicShadow } from './shadow.js';
import type { PicChip } from './chips.js';
import { DeviceCaptureBuilder } from '../../captured.js';

const OCW3_READ_IRR = 0x0a;
const OCW3_READ_ISR = 0x0b;
const OCW3_POLL = 0x0c;

export function captureOnePic(ctx: CaptureContext, chip: PicChip, shadow: PicShadow): DeviceCaptureBuilder {
  const { io, notes } = ctx;
  const schema = ctx.schema(chip.device);
  const b = new DeviceCaptureBuilder(schema);
  const base = chip.base;
  const { elcrPort, elcrMask } = chip;
  // The shadow also sees our own OCW3 writes: take the guest's values before we make any.
  const v = { ...shadow.v };
  const unknownBefore = new Set(shadow.known.unknown());
  const elcr = io.in8(elcrPort);
  b.set('elcr', elcr, 'read');

  let polled = -1;
  let pollKnown = shadow.known.has('poll');
  if (v.poll) {
    // The next read is the poll: take it ourselves and undo what it did.
    const r = io.in8(base);
    if (r & 0x80) {
      polled = r & 7;
      if (!v.auto_eoi) io.out8(base, 0x60 | polled); // specific EOI: ISR back as it was
      notes.push(`${schema.device}: a pending poll acknowledged IR${polled} during capture; its ISR bit was cleared again`);
    }
  }
  const first = io.in8(base);
  io.out8(base, OCW3_READ_IRR);
  let irr = io.in8(base);
  io.out8(base, OCW3_READ_ISR);
  const isr = io.in8(base);
  const imr = io.in8(base + 1);
  if (polled >= 0) {
    const bit = 1 << polled;
    if ((elcr | (v.ltim ? 0xff : 0)) & bit) {
      // Level-triggered: the request follows the line and is still there.
    } else if (elcrMask & bit) {
      // Re-raise the edge request: as level-triggered the IR takes its input level, then keeps it.
      io.out8(elcrPort, elcr | bit);
      io.out8(elcrPort, elcr);
      io.out8(base, OCW3_READ_IRR);
      irr = io.in8(base);
      if (!(irr & bit)) notes.push(`${schema.device}: the poll's edge request on IR${polled} could not be re-raised on the source`);
    } else {
      notes.push(`${schema.device}: the poll's edge request on IR${polled} is lost on the source (IR${polled} has no ELCR bit)`);
    }
    irr |= bit; // the capture describes the chip before the poll
  }

  let rs = v.read_reg_select;
  let rsProvenance: 'shadow' | 'inferred' = 'shadow';
  if (unknownBefore.has('read_reg_select') && polled < 0 && !v.poll) {
    if (irr !== isr) {
      rs = first === isr ? 1 : 0;
      rsProvenance = 'inferred';
      shadow.supply('read_reg_select', rs);
    }
  }
  io.out8(base, OCW3_READ_IRR | rs);
  if (v.poll || polled >= 0) {
    io.out8(base, OCW3_POLL); // the guest's poll is pending again
    pollKnown = true;
  }

  b.set('irr', irr, 'read');
  b.set('isr', isr, 'read');
  b.set('imr', imr, 'read');
  b.set('last_irr', 0, 'inferred'); // filled in from the devices' outputs (int-output.ts)

  const shadowed = [
    'irq_base', 'special_mask', 'init_state', 'auto_eoi', 'rotate_on_auto_eoi', 'special_fully_nested_mode',
    'init4', 'single_mode', 'ltim', 'icw3', 'buffered_mode', 'microprocessor_mode',
  ] as const;
  for (const f of shadowed) {
    if (unknownBefore.has(f) && !shadow.known.has(f)) b.markUnknown(f);
    else b.set(f, v[f], f === 'init_state' ? 'inferred' : 'shadow');
  }
  if (unknownBefore.has('read_reg_select') && rsProvenance !== 'inferred') b.markUnknown('read_reg_select');
  else b.set('read_reg_select', rs, rsProvenance);
  if (!pollKnown) b.markUnknown('poll');
  else b.set('poll', v.poll, 'shadow');
  if (unknownBefore.has('priority_add') && !shadow.known.has('priority_add')) b.markUnknown('priority_add');
  else b.set('priority_add', v.priority_add, 'inferred');
  if (shadow.priorityUncertain) {
    notes.push(`${schema.device}.priority_add: inferred; not exactly reconstructible (rotate on auto-EOI / rotating non-specific EOI: which IR it retired is not seen — INTA is no bus access, and the exit is seen after the EOI): the value is the last one known`);
  }
  return b;
}
