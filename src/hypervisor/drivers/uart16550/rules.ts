/**
 * 16550A rules the hypervisor needs as the datasheet states them (PC16550D): interrupt
 * identification priority (Table IV) and the receiver FIFO trigger levels (8.5, FCR bits 6–7).
 */
export const RX_TRIGGER = [1, 4, 8, 14];
export const IER_ERBFI = 0x01;
export const IER_ETBEI = 0x02;
export const IER_ELSI = 0x04;
export const IER_EDSSI = 0x08;
export const LSR_DR = 0x01;
export const LSR_ERRORS = 0x1e;
export const LSR_THRE = 0x20;
export const LSR_TEMT = 0x40;
export const MCR_LOOP = 0x10;
export const MCR_OUT2 = 0x08;

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
