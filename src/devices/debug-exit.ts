/**
 * QEMU's isa-debug-exit (hw/misc/debugexit.c): a write of v to its ports stops the machine
 * with exit status (v << 1) | 1, so a guest can never exit with status 0. Reads return 0.
 * It has no state.
 */
import { SIZES_ALL, type IoHandler } from '../machine/bus.js';
import { Device, type DeviceContext } from './device.js';
import type { StateSchema } from './schema.js';

const SCHEMA: StateSchema = { device: 'debug-exit', version: 1, fields: [] };

export class DebugExit extends Device<Record<string, never>> implements IoHandler {
  readonly schema = SCHEMA;
  state: Record<string, never> = {};
  readonly sizes = SIZES_ALL;

  constructor(
    ctx: DeviceContext,
    private readonly onExit: (status: number) => void,
  ) {
    super(ctx);
  }

  reset(): void {}

  read(): number {
    return 0;
  }

  write(_port: number, _size: number, value: number): void {
    this.onExit(((value << 1) | 1) >>> 0);
  }
}
