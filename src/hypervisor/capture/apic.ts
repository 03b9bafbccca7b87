/**
 * IOAPIC (82093AA) and local APIC (Intel SDM vol. 3A ch. 10) capture: everything is
 * readable (BLMVisor 4.6: "these mechanisms have no write-only states", so no VM exits).
 * - IOAPIC: IOREGSEL is read first and written back last; ID and each redirection entry
 *   through IOWIN. Input pin levels are lines, inferred from the devices (capture/lines.ts).
 * - LAPIC: registers read in place (ISR, TMR, IRR, LVT, ICR, timer). The timer's remaining
 *   time comes from the current count (10.5.4): exact with divide-by-1, otherwise known to
 *   within one divisor (a residual the report names).
 */
import type { CaptureContext } from './context.js';
import { DeviceCaptureBuilder } from '../captured.js';
import type { StateSchema } from '../../devices/schema.js';

export const IOAPIC_BASE = 0xfec00000;
export const LAPIC_BASE = 0xfee00000;
export const IOAPIC_PINS = 24;

export function captureIoapic(ctx: CaptureContext, schema: StateSchema): DeviceCaptureBuilder {
  const { io } = ctx;
  const b = new DeviceCaptureBuilder(schema);
  const sel = io.mmioRead(IOAPIC_BASE, 4) & 0xff;
  const indirect = (index: number) => {
    io.mmioWrite(IOAPIC_BASE, 4, index);
    return io.mmioRead(IOAPIC_BASE + 0x10, 4) >>> 0;
  };
  const id = (indirect(0) >>> 24) & 0xf;
  const lo: number[] = [];
  const hi: number[] = [];
  for (let pin = 0; pin < IOAPIC_PINS; pin++) {
    lo.push(indirect(0x10 + 2 * pin));
    hi.push(indirect(0x11 + 2 * pin));
  }
  io.mmioWrite(IOAPIC_BASE, 4, sel);
  b.set('id', id, 'read').set('ioregsel', sel, 'read').set('ioredtbl_lo', lo, 'read').set('ioredtbl_hi', hi, 'read');
  b.set('pin_level', 0, 'inferred'); // capture/lines.ts
  return b;
}

/** Divide configuration (10.5.4, figure 10-10): bits 3,1,0 → 2, 4, …, 128, 1. */
export function lapicDivisor(dc: number): number {
  const v = (dc & 3) | ((dc >>> 1) & 4);
  return 1 << ((v + 1) & 7);
}

export function captureLapic(ctx: CaptureContext, schema: StateSchema): DeviceCaptureBuilder {
  const { io, notes } = ctx;
  const b = new DeviceCaptureBuilder(schema);
  const r = (off: number) => io.mmioRead(LAPIC_BASE + off, 4) >>> 0;
  const eight = (off: number) => Array.from({ length: 8 }, (_, i) => r(off + 16 * i));
  b.set('id', r(0x20) >>> 24, 'read');
  b.set('tpr', r(0x80) & 0xff, 'read');
  b.set('spurious_vec', r(0xf0) & 0x3ff, 'read');
  b.set('log_dest', r(0xd0) >>> 24, 'read');
  b.set('dest_mode', r(0xe0) >>> 28, 'read');
  b.set('isr', eight(0x100), 'read');
  b.set('tmr', eight(0x180), 'read');
  b.set('irr', eight(0x200), 'read');
  b.set('lvt', Array.from({ length: 6 }, (_, i) => r(0x320 + 16 * i)), 'read');
  b.set('esr', r(0x280) & 0xff, 'read');
  b.set('icr', [r(0x300), r(0x310)], 'read');
  const dc = r(0x3e0) & 0xb;
  b.set('divide_conf', dc, 'read');
  const initial = r(0x380);
  b.set('initial_count', initial, 'read');
  const current = r(0x390);
  const d = lapicDivisor(dc);
  b.set('timer', current === 0 ? -1 : current * d, 'read');
  if (current !== 0 && d > 1) {
    // The current count is ceil(remaining / divisor) (10.5.4): exact to within the divisor. To
    // pin it down, watch the count tick (guest paused): it drops to c-1 when `remaining`
    // reaches (c-1)·divisor. Done first among the capture steps that take time (capture order).
    b.set('timer', -2, 'inferred');
    if (current > 1) {
      ctx.probes.push({
        limit: d + 1,
        check(elapsed) {
          if (r(0x390) >= current) return false;
          b.set('timer', (current - 1) * d + elapsed, 'inferred');
          return true;
        },
        giveUp() {
          b.set('timer', current * d, 'inferred');
          notes.push(`lapic: timer remaining known to within the divisor (${d} instructions): current count ${current}`);
        },
      });
    } else {
      b.set('timer', current * d, 'inferred');
      notes.push(`lapic: timer remaining known to within the divisor (${d} instructions): current count ${current}`);
    }
  }
  b.set('lint0_level', 0, 'inferred'); // capture/lines.ts
  return b;
}
