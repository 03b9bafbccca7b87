/** isa-debug-exit (device `debug-exit`): a write ends the run; it has no state to capture or rebuild. */
import { BOARD } from '../../board/layout.js';
import type { DeviceDriver } from './driver.js';
import { DeviceCaptureBuilder } from '../captured.js';

export const debugExitDriver: DeviceDriver<void> = {
  devices: ['debug-exit'],
  ports: [BOARD.debugExit.ports],
  mmio: [],
  irqs: [],
  faults: [],
  captureStage: 'instant',

  capture(ctx) {
    return { builders: [new DeviceCaptureBuilder(ctx.schema('debug-exit'))] };
  },

  reconstruct: [],
};
