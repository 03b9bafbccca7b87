/**
 * 16550A capture (PC16550D datasheet, section 8).
 *
 * Read: LCR, the divisor latch (LCR.DLAB set, DLL/DLM read, LCR put back), IER (with DLAB
 * clear), MCR, SCR, LSR, MSR, IIR — in an order that disturbs least: IIR first (reading it
 * clears a THR-empty indication it reports; we re-raise that by re-enabling ETBEI, 8.6.4),
 * LSR (reading clears the error bits: noted), MSR (clears the delta bits: noted).
 * The receive FIFO is internal and readable only destructively through RBR: we read it out,
 * then refill it on the source through loopback (MCR bit 4: the transmitter feeds the
 * receiver, 8.6.4 "Loop") when the transmitter is idle; the report notes when it is not.
 * Shadow: FCR (write-only) and the transmitter — THR/TX FIFO contents and the shift
 * register with its remaining time — from the trapped THR writes (shadow.ts).
 * Inferred: IIR from the sources (Table IV). The character-timeout timer and indication are
 * measured (timeout.ts): with the guest paused and the line cut off, IIR is
 * watched one instruction at a time until the timeout shows; the receive FIFO is read out
 * only then, since a read restarts the timer.
 */
import type { CaptureContext } from '../driver.js';
import { DeviceCaptureBuilder } from '../../captured.js';
import { COM1, UART_FIFO, type UartShadow } from './shadow.js';
import { IER_ETBEI, LSR_DR, LSR_ERRORS, LSR_THRE, MCR_LOOP, interruptIdentification } from './rules.js';
import { refillReceiver, settleThrIndication } from './loopback.js';
import { TIMER_FULL_FIFO, TIMER_INEXACT, restoreRegisters, timeoutProbe, type TimeoutMeasurement } from './timeout.js';

export function captureUart(ctx: CaptureContext, shadow: UartShadow): DeviceCaptureBuilder {
  const { io, notes } = ctx;
  const b = new DeviceCaptureBuilder(ctx.schema('uart'));
  // The transmitter as it was at the switch-over (other capture steps may have let time pass).
  const now = ctx.switchIcount;
  shadow.advance(now);
  // The THR-empty indication as the shadow followed it, before our own IIR read can retire it.
  const trackedThr = shadow.known.has('thr_ipending') ? shadow.thrPending : null;

  const lcr = io.in8(COM1 + 3);
  io.out8(COM1 + 3, lcr | 0x80);
  const dll = io.in8(COM1);
  const dlm = io.in8(COM1 + 1);
  io.out8(COM1 + 3, lcr & 0x7f);
  const ier = io.in8(COM1 + 1);
  const iir = io.in8(COM1 + 2);
  if ((iir & 0x0f) === 0x02) {
    // Reading IIR retired the THR-empty indication: re-enabling ETBEI with THR empty raises it again.
    io.out8(COM1 + 1, ier & ~IER_ETBEI);
    io.out8(COM1 + 1, ier);
  }
  io.out8(COM1 + 3, lcr);
  const mcr = io.in8(COM1 + 4);
  const scr = io.in8(COM1 + 7);
  const lsr = io.in8(COM1 + 5);
  if (lsr & LSR_ERRORS) notes.push(`uart: LSR error bits 0x${(lsr & LSR_ERRORS).toString(16)} cleared on the source by the capture's read`);
  const msr = io.in8(COM1 + 6);
  if (msr & 0x0f) notes.push(`uart: MSR delta bits 0x${(msr & 0x0f).toString(16)} cleared on the source by the capture's read`);

  const fcr = shadow.fcr;
  const thrPending = thrIndication(iir, ier, lsr, trackedThr, notes);
  const charTime = shadow.characterTime(lcr, dll, dlm);
  const thr = new Array<number>(UART_FIFO).fill(0);
  shadow.fifo.forEach((v, i) => (thr[i] = v));
  b.set('dll', dll, 'read').set('dlm', dlm, 'read').set('ier', ier, 'read').set('lcr', lcr, 'read');
  b.set('mcr', mcr, 'read').set('scr', scr, 'read').set('lsr', lsr, 'read').set('msr', msr, 'read');
  if (shadow.known.has('fcr')) b.set('fcr', fcr, 'shadow');
  else b.markUnknown('fcr');
  // After a late attach the transmitter model knows nothing of bytes written before it: it is
  // trusted once the transmitter has been seen empty (LSR.TEMT), which also resets the model.
  if (!shadow.known.has('tsr') && lsr & 0x40 && shadow.tsrDoneAt < 0 && shadow.fifo.length === 0) {
    shadow.known.learn('thr', 'tx_count', 'tsr', 'transmit_timer');
  }
  if (shadow.known.has('tsr')) {
    b.set('thr', thr, 'shadow').set('tx_count', shadow.fifo.length, 'shadow').set('tsr', shadow.tsr, 'shadow');
    b.set('transmit_timer', shadow.tsrDoneAt < 0 ? -1 : shadow.tsrDoneAt - now, 'inferred');
  } else {
    for (const f of ['thr', 'tx_count', 'tsr', 'transmit_timer']) b.markUnknown(f);
    notes.push('uart: the transmitter was busy with bytes written before the hypervisor attached: its contents are unknown');
  }
  // The transmitter at the switch-over (the shadow moves on while the timeout is watched).
  const txDoneAt = shadow.tsrDoneAt;
  const txBusy = txDoneAt >= 0;

  /** The receive side, once known: FIFO contents, the timeout indication and timer, IIR. */
  const receiver = (rx: number[], timeout: TimeoutMeasurement) => {
    const rbr = new Array<number>(UART_FIFO).fill(0);
    rx.forEach((v, i) => (rbr[i] = v));
    const timeoutPending = timeout.pending ? 1 : 0;
    b.set('rbr', rbr, 'read').set('rx_count', rx.length, 'read');
    b.set('thr_ipending', thrPending, 'inferred').set('timeout_ipending', timeoutPending, 'inferred');
    b.set('fifo_timeout_timer', timeout.remaining, 'inferred');
    if (timeout.inexact !== null) {
      notes.push(`${TIMER_INEXACT} (${timeout.inexact}): taken as ${timeout.remaining} instructions`);
    } else if (!timeoutPending && timeout.remaining >= 0 && rx.length >= UART_FIFO && txDoneAt >= 0
      && timeout.remaining > 3 * charTime + (txDoneAt - now) - 1) {
      // Measured exactly, but the destination cannot restart the timer at that instruction: the
      // last byte must arrive through loopback while the guest's byte is in the transmitter,
      // and a full FIFO leaves no spare byte for an RBR read to take (reconstruct/uart.ts).
      notes.push(TIMER_FULL_FIFO);
    }
    const sources = interruptIdentification({ ier, lsr, fcr, rxCount: rx.length, msr, thrPending, timeoutPending });
    b.set('iir', sources, 'inferred');
    if (iir !== sources && (iir & 0x0f) !== 0x02) {
      notes.push(`uart: IIR read 0x${iir.toString(16)}, the sources give 0x${sources.toString(16)}`);
    }
    if (rx.length > 0) ctx.after.push(() => refillSource(rx, timeoutPending));
  };

  /** RBR with DLAB clear, oldest first, while LSR.DR says there is more. */
  const readFifo = (): number[] => {
    const rx: number[] = [];
    io.out8(COM1 + 3, lcr & 0x7f);
    for (let i = 0; i < UART_FIFO && io.in8(COM1 + 5) & LSR_DR; i++) rx.push(io.in8(COM1));
    io.out8(COM1 + 3, lcr);
    return rx;
  };

  /** Put the receive FIFO back on the source — later, with the steps that let time pass. */
  const refillSource = (rx: number[], timeoutPending: number) => {
    // The transmitter first finishes what the guest gave it (as it would while paused),
    // so loopback carries only our bytes.
    for (let i = 0; i < 64 && !(io.in8(COM1 + 5) & 0x40); i++) io.wait(charTime);
    const txIdle = (io.in8(COM1 + 5) & 0x40) !== 0;
    if (txIdle && !(mcr & MCR_LOOP)) {
      refillReceiver(io, { lcr, dll, dlm, mcr, ier, fcr }, rx, false);
      io.out8(COM1 + 3, lcr & 0x7f);
      // A transmitter that emptied meanwhile raised the THR-empty indication, as on a twin.
      settleThrIndication(io, ier, txBusy ? 1 : thrPending);
      io.out8(COM1 + 3, lcr);
      if (timeoutPending) io.wait(4 * charTime + 1);
    } else {
      notes.push(`uart: ${rx.length} received byte(s) could not be put back on the source (its transmitter is busy)`);
    }
  };

  const none: TimeoutMeasurement = { pending: false, remaining: -1, inexact: null };
  if (!(lsr & LSR_DR)) {
    receiver([], none);
  } else if (!(fcr & 1)) {
    receiver(readFifo(), none); // 16450 mode: no FIFO, no character timeout
  } else {
    const regs = { lcr, ier, mcr };
    ctx.probes.push(timeoutProbe(io, shadow, regs, charTime, (timeout) => {
      const rx = readFifo();
      restoreRegisters(io, regs);
      receiver(rx, timeout);
    }));
  }
  return b;
}

/**
 * The THR-empty indication at the switch-over. IIR shows it when ETBEI is set and nothing of
 * higher priority is pending; otherwise it is what the shadow followed from the guest's
 * accesses (shadow.ts). Only after a late attach, before any defining event, is it unknown:
 * then it is taken as LSR.THRE (set whenever THR has emptied since the last THR write), noted.
 */
export function thrIndication(iir: number, ier: number, lsr: number, tracked: number | null, notes: string[]): number {
  const id = iir & 0x0f;
  if (id === 0x02) {
    if (tracked === 0) notes.push('uart: IIR reports the THR-empty indication the shadow had as clear; taken from IIR');
    return 1;
  }
  // ETBEI set and IIR reports nothing: the indication is clear.
  if (ier & IER_ETBEI && id === 0x01) {
    if (tracked === 1) notes.push('uart: IIR reports no THR-empty indication where the shadow had one; taken from IIR');
    return 0;
  }
  if (tracked !== null) return tracked;
  const guess = lsr & LSR_THRE ? 1 : 0;
  notes.push(`uart: the THR-empty indication is not observable (ETBEI off or a higher-priority source pending) and the hypervisor attached late, before the guest's accesses defined it; taken as LSR.THRE (${guess})`);
  return guess;
}
