/**
 * System Control Port A (device `sysctl`): readable. Bit 1 is fast A20; bit 0 would reset the
 * CPU, so reconstruction writes it 0.
 */
import type { DeviceDriver } from './driver.js';
import { DeviceCaptureBuilder } from '../captured.js';
import { BOARD } from '../../board/layout.js';
import { RANK } from './ranks.js';

const PORT = BOARD.sysctl.port;
const A20_SHIFT = 1;

export const systemControlDriver: DeviceDriver<void> = {
  devices: ['sysctl'],
  ports: [{ base: PORT, count: 1 }],
  mmio: [],
  irqs: [],
  faults: [],
  captureStage: 'instant',

  capture(ctx) {
    return { builders: [new DeviceCaptureBuilder(ctx.schema('sysctl')).set('a20', (ctx.io.in8(PORT) >> A20_SHIFT) & 1, 'read')] };
  },

  reconstruct: [
    {
      rank: RANK.systemControl,
      plan(ctx) {
        const t = ctx.must('sysctl');
        ctx.timeline.at(ctx.timeline.start, 'sysctl: A20', () => ctx.io.out8(PORT, t.num('a20') << A20_SHIFT));
      },
    },
  ],
};
