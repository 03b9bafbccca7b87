/**
 * Local APIC capture (Intel SDM vol. 3A ch. 10): everything is readable (BLMVisor 4.6: no
 * write-only state, so no VM exits). Registers are read in place (ISR, TMR, IRR, LVT, ICR,
 * timer). The timer's remaining time comes from the current count (10.5.4): exact with
 * divide-by-1, otherwise pinned down by watching the count tick while the guest is paused.
 * LINT0's level is a line: the master 8259A's INT, inferred by the driver (index.ts).
 */
import type { CaptureContext } from '../driver.js';
import { DeviceCaptureBuilder } from '../../captured.js';
import { LAPIC_BASE, lapicDivisor } from './registers.js';

export function captureLapic(ctx: CaptureContext): DeviceCaptureBuilder {
  const { io, notes } = ctx;
  const b = new DeviceCaptureBuilder(ctx.schema('lapic'));
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
  b.set('lint0_level', 0, 'inferred'); // the driver's inferInputs
  return b;
}
