/**
 * 16550A UART (COM1, 0x3F8). Early version: enough to transmit, with every register a real
 * driver's initialisation touches kept as state (divisor latch, IER, LCR, MCR, SCR). THR
 * writes go straight to the output sink; LSR always reports the transmitter empty.
 * The full model (FIFOs, receive, interrupts, loopback) replaces this with the devices issue.
 */
import { SIZE_8, type IoHandler } from '../machine/bus.js';
import { Device } from './device.js';
import type { StateSchema } from './schema.js';

export const COM1_PORT = 0x3f8;
export const COM1_IRQ = 4;

const LCR_DLAB = 0x80;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;

const SCHEMA: StateSchema = {
  device: 'uart',
  version: 1,
  fields: [
    { name: 'dll', width: 8, access: 'rw', role: 'config', doc: 'divisor latch low (DLAB=1, offset 0)' },
    { name: 'dlm', width: 8, access: 'rw', role: 'config', doc: 'divisor latch high (DLAB=1, offset 1)' },
    { name: 'ier', width: 8, access: 'rw', role: 'config', doc: 'interrupt enable register' },
    { name: 'lcr', width: 8, access: 'rw', role: 'config', doc: 'line control register (bit 7: DLAB)' },
    { name: 'mcr', width: 8, access: 'rw', role: 'config', doc: 'modem control register' },
    { name: 'scr', width: 8, access: 'rw', role: 'config', doc: 'scratch register' },
    { name: 'fcr', width: 8, access: 'wo', role: 'config', doc: 'FIFO control register (write-only)' },
  ],
};

export type UartState = { dll: number; dlm: number; ier: number; lcr: number; mcr: number; scr: number; fcr: number };

export class Uart16550 extends Device<UartState> implements IoHandler {
  readonly schema = SCHEMA;
  state: UartState = { dll: 0, dlm: 0, ier: 0, lcr: 0, mcr: 0, scr: 0, fcr: 0 };
  readonly sizes = SIZE_8;

  reset(): void {
    Object.assign(this.state, { dll: 0x0c, dlm: 0, ier: 0, lcr: 0, mcr: 0, scr: 0, fcr: 0 });
  }

  read(port: number): number {
    const s = this.state;
    const dlab = (s.lcr & LCR_DLAB) !== 0;
    switch (port & 7) {
      case 0: return dlab ? s.dll : 0;
      case 1: return dlab ? s.dlm : s.ier;
      case 2: return (s.fcr & 1 ? 0xc0 : 0) | 0x01; // no interrupt pending
      case 3: return s.lcr;
      case 4: return s.mcr;
      case 5: return LSR_THRE | LSR_TEMT;
      case 6: return 0;
      default: return s.scr;
    }
  }

  write(port: number, _size: number, value: number): void {
    const s = this.state;
    const dlab = (s.lcr & LCR_DLAB) !== 0;
    switch (port & 7) {
      case 0:
        if (dlab) s.dll = value;
        else this.ctx.output.serialByte(value);
        break;
      case 1:
        if (dlab) s.dlm = value;
        else s.ier = value & 0x0f;
        break;
      case 2: s.fcr = value & 0xc9; break;
      case 3: s.lcr = value; break;
      case 4: s.mcr = value & 0x1f; break;
      case 7: s.scr = value; break;
    }
  }
}
