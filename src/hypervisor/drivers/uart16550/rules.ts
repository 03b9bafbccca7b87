/**
 * 16550A rules the hypervisor needs as the datasheet states them (PC16550D): interrupt
 * identification priority (Table IV) and the receiver FIFO trigger levels (8.5, FCR bits 6–7).
 */
import {
  IER_EDSSI, IER_ELSI, IER_ERBFI, IER_ETBEI, LSR_BI, LSR_DR, LSR_FE, LSR_OE, LSR_PE,
} from '../../../devices/uart16550.js';

// Register bits are the datasheet module's (src/devices/uart16550.ts), as the NIC's and the RTC's are.
export { IER_EDSSI, IER_ELSI, IER_ERBFI, IER_ETBEI, LSR_DR, LSR_TEMT, LSR_THRE, MCR_LOOP, MCR_OUT2 } from '../../../devices/uart16550.js';
export const RX_TRIGGER = [1, 4, 8, 14];
export const LSR_ERRORS = LSR_OE | LSR_PE | LSR_FE | LSR_BI;

export interface UartIrqInputs {
  ier: number;
  lsr: number;
  fcr: number;
  rxCount: number;
  msr: number;
  thrPending: number;
  timeoutPending: number;
}

/** IIR for the given sources: the highest-priority pending one, FIFO bits 6–7 when FIFOs are on. */
export function interruptIdentification(x: UartIrqInputs): number {
  const fifo = (x.fcr & 1) !== 0;
  let id = 0x01;
  if (x.ier & IER_ELSI && x.lsr & LSR_ERRORS) id = 0x06;
  else if (x.ier & IER_ERBFI && x.timeoutPending) id = 0x0c;
  else if (x.ier & IER_ERBFI && x.lsr & LSR_DR && (!fifo || x.rxCount >= RX_TRIGGER[x.fcr >> 6])) id = 0x04;
  else if (x.ier & IER_ETBEI && x.thrPending) id = 0x02;
  else if (x.ier & IER_EDSSI && x.msr & 0x0f) id = 0x00;
  return id | (fifo ? 0xc0 : 0);
}
