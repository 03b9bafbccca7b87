/**
 * System Control Port A at 0x92 (PS/2 "fast A20"): bit 1 opens the A20 gate, writing bit 0
 * as 1 requests a fast CPU reset. Reads return the A20 bit (bit 0 reads back 0, as QEMU's
 * port92 does once the reset pulse is over).
 *
 * The gate is one latch, held here: the 8042's output port drives the same line (QEMU wires
 * both to one A20 line), so the last of the two to write decides, and port 0x92 reads back
 * what the 8042 set too (`setA20`, called by the board).
 */
import { SIZE_8, type IoHandler } from '../machine/bus.js';
import { Device, type DeviceContext } from './device.js';
import type { StateSchema } from './schema.js';
import { trackedState } from './tracked-state.js';

const SCHEMA: StateSchema = {
  device: 'sysctl',
  version: 1,
  fields: [{ name: 'a20', width: 1, access: 'rw', role: 'config', doc: 'A20 gate open (port 0x92 bit 1)' }],
};

export type SystemControlState = { a20: number };

export class SystemControlPort extends Device<SystemControlState> implements IoHandler {
  readonly schema = SCHEMA;
  state: SystemControlState = trackedState(SCHEMA, { a20: 1 });
  readonly sizes = SIZE_8;

  constructor(
    ctx: DeviceContext,
    private readonly onResetRequest: () => void,
  ) {
    super(ctx);
  }

  /** A PC BIOS hands over with A20 open; so does our boot. */
  reset(): void {
    this.state.a20 = 1;
    this.applyA20();
  }

  read(): number {
    return this.state.a20 << 1;
  }

  write(_port: number, _size: number, value: number): void {
    this.state.a20 = (value >> 1) & 1;
    this.applyA20();
    if (value & 1) this.onResetRequest();
  }

  /** The 8042's output port wrote the A20 line. */
  setA20(open: boolean): void {
    this.state.a20 = open ? 1 : 0;
    this.applyA20();
  }

  protected override afterRestore(): void {
    this.applyA20();
  }

  private applyA20(): void {
    this.ctx.memory.setA20(this.state.a20 === 1);
  }
}
