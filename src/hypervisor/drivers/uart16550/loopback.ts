/**
 * Putting bytes into a 16550A's receive FIFO from the host side: loopback mode (PC16550D
 * 8.6.4, MCR bit 4) connects the transmitter's output to the receiver, so each byte written
 * to THR arrives in the RX FIFO one character time later. Used to refill the FIFO on the
 * source after capture read it out, and to reconstruct it on the destination.
 *
 * The modem inputs follow the outputs in loopback (CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2): we
 * enter and leave loopback with RTS, DTR, OUT2 on and OUT1 off — the levels the far end
 * holds — so no MSR delta bit is set by the switch. The interrupt output is forced off in
 * loopback (the PC's OUT2 gate), so IRQ4 may drop for the duration; callers mask it upstream.
 */
import type { HvIo } from '../../hv-io.js';
import { COM1 } from './shadow.js';

export interface UartRegs {
  lcr: number;
  dll: number;
  dlm: number;
  mcr: number;
  ier: number;
  fcr: number;
}

const MCR_QUIET = 0x0b; // DTR | RTS | OUT2: what CTS, DSR and DCD see from the far end
const MCR_LOOP = 0x10;

/** Character time in instructions (datasheet 8.1; a zero divisor counts as 65536). */
export function characterTime(hz: number, lcr: number, dll: number, dlm: number): number {
  const divisor = ((dlm << 8) | dll) || 0x10000;
  const dataBits = (lcr & 3) + 5;
  const parity = (lcr >> 3) & 1;
  const stopHalfBits = lcr & 4 ? (dataBits === 5 ? 3 : 4) : 2;
  const halfBits = 2 * (1 + dataBits + parity) + stopHalfBits;
  return Math.max(1, Math.floor((halfBits * divisor * hz) / (2 * 115200)));
}

/**
 * Send `bytes` through loopback into the receiver and wait until they have all arrived, with
 * the given line settings; afterwards MCR and IER are as in `regs`. With `overrun`, one byte
 * more than the FIFO holds is sent first and read back out, leaving LSR.OE set.
 */
export function refillReceiver(io: HvIo, regs: UartRegs, bytes: number[], overrun: boolean): void {
  const ct = characterTime(io.hz, regs.lcr, regs.dll, regs.dlm);
  io.out8(COM1 + 1, 0); // IER off while we work (LCR.DLAB is clear: callers restore LCR)
  io.out8(COM1 + 3, regs.lcr & 0x7f);
  io.out8(COM1 + 4, MCR_QUIET);
  io.out8(COM1 + 4, MCR_QUIET | MCR_LOOP);
  const send = (list: number[]) => {
    for (const v of list) {
      io.out8(COM1, v);
      io.wait(ct + 1);
    }
  };
  if (overrun) {
    const depth = regs.fcr & 1 ? 16 : 1;
    send(new Array<number>(depth + 1).fill(0));
    for (let i = 0; i < depth; i++) io.in8(COM1);
  }
  send(bytes);
  io.out8(COM1 + 4, MCR_QUIET);
  io.out8(COM1 + 4, regs.mcr);
  io.out8(COM1 + 1, regs.ier);
  io.out8(COM1 + 3, regs.lcr);
}

/**
 * Make the THR-empty indication (an internal flag, PC16550D 8.6.4) what it should be: set by
 * enabling ETBEI while THR is empty, cleared by reading IIR while it is the reported source.
 * Leaves IER = `ier`; LCR.DLAB must be clear.
 */
export function settleThrIndication(io: HvIo, ier: number, want: number): void {
  if (want) {
    io.out8(COM1 + 1, ier & ~0x02);
    io.out8(COM1 + 1, ier | 0x02);
  } else {
    io.out8(COM1 + 1, 0x02);
    io.in8(COM1 + 2);
  }
  io.out8(COM1 + 1, ier);
}
