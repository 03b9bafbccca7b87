/**
 * The CGA's 6845 CRT controller at 0x3D4 (index) / 0x3D5 (data), as a PC BIOS leaves it in
 * 80x25 text mode 3 (IBM CGA Technical Reference, "6845 CRT Controller"; the values are the
 * BIOS's mode-3 table). The text buffer at 0xB8000 is plain RAM in this machine (no MMIO
 * window there), so migration carries it as any dirty page.
 *
 * Registers: R0-R11 (timing, cursor shape) are write-only on the 6845; R12-R15 (start address,
 * cursor address) read and write, as on the CGA's HD6845 and on a VGA — the ones guests touch
 * (xv6's cgaputc and Linux's vgacon read and write R14/R15); R16-R17 (light pen) are read-only
 * and stay 0 (no light pen). The index register is write-only (reading 0x3D4 gives 0xFF);
 * an index past R17 selects nothing (reads 0xFF, writes ignored). Only bits 4-0 of the index
 * are decoded.
 */
import { SIZE_8, type Bus } from '../machine/bus.js';
import { Device, type DeviceContext } from './device.js';
import type { StateSchema } from './schema.js';
import { trackedState } from './tracked-state.js';

/** Where the board puts the CRTC: index and data ports. */
export interface CrtcWiring {
  readonly index: number;
  readonly data: number;
}

export const CRTC_REGISTERS = 18;
export const CRTC_WRITE_ONLY = 12; // R0-R11
export const CRTC_CURSOR_HIGH = 14;
export const CRTC_CURSOR_LOW = 15;
/** The BIOS's mode-3 (80x25 colour text) values of R0-R11. */
export const MODE3_TIMING = [0x71, 0x50, 0x5a, 0x0a, 0x1f, 0x06, 0x19, 0x1c, 0x02, 0x07, 0x06, 0x07] as const;

const SCHEMA: StateSchema = {
  device: 'crtc',
  version: 1,
  fields: [
    { name: 'index', width: 8, access: 'wo', role: 'config', doc: 'address register (0x3D4, write-only): the register 0x3D5 reaches' },
    { name: 'timing', width: 8, length: CRTC_WRITE_ONLY, access: 'wo', role: 'config', doc: 'R0-R11: horizontal/vertical timing, interlace, max scan line, cursor start/end (write-only on the 6845)' },
    { name: 'address', width: 8, length: 4, access: 'rw', role: 'config', doc: 'R12-R15: start address high/low, cursor address high/low' },
    { name: 'light_pen', width: 8, length: 2, access: 'ro', role: 'processing', doc: 'R16-R17: light pen address (read-only; no light pen, so 0)' },
  ],
};

export type CrtcState = { index: number; timing: number[]; address: number[]; light_pen: number[] };

export class CgaCrtc extends Device<CrtcState> {
  readonly schema = SCHEMA;
  state: CrtcState = trackedState(SCHEMA, { index: 0, timing: [...MODE3_TIMING], address: [0, 0, 0, 0], light_pen: [0, 0] });

  constructor(ctx: DeviceContext, readonly wiring: CrtcWiring) {
    super(ctx);
  }

  mapPorts(bus: Bus): void {
    this.id = bus.registerDevice(this.name);
    const handler = { sizes: SIZE_8, read: (port: number) => this.read(port), write: (port: number, _size: number, value: number) => this.write(port, value) };
    bus.mapPorts(this.id, this.wiring.index, 1, handler);
    bus.mapPorts(this.id, this.wiring.data, 1, handler);
  }

  reset(): void {
    const s = this.state;
    s.index = 0;
    s.timing = [...MODE3_TIMING];
    s.address = [0, 0, 0, 0];
    s.light_pen = [0, 0];
  }

  read(port: number): number {
    const s = this.state;
    if (port === this.wiring.index) return 0xff;
    const r = s.index;
    if (r >= CRTC_WRITE_ONLY && r < 16) return s.address[r - CRTC_WRITE_ONLY];
    if (r === 16 || r === 17) return s.light_pen[r - 16];
    return r < CRTC_WRITE_ONLY ? 0x00 : 0xff;
  }

  write(port: number, value: number): void {
    const s = this.state;
    value &= 0xff;
    if (port === this.wiring.index) {
      s.index = value & 0x1f;
      return;
    }
    const r = s.index;
    if (r < CRTC_WRITE_ONLY) s.timing[r] = value;
    else if (r < 16) s.address[r - CRTC_WRITE_ONLY] = value;
  }

  protected override derived(): Record<string, number | string> {
    const a = this.state.address;
    return { start_address: (a[0] << 8) | a[1], cursor: (a[2] << 8) | a[3] };
  }
}
