/**
 * 16550A reconstruction (PC16550D datasheet, section 8).
 *
 * Registers: FCR (write-only, from the shadow; with both FIFO resets first), the divisor
 * latch behind LCR.DLAB, LCR, MCR, SCR, IER — written. The rest is internal and rebuilt by
 * driving the chip:
 * - the receive FIFO: its bytes sent through loopback (uart-loopback.ts) so they arrive in
 *   order; an overrun (LSR.OE) by sending one byte more than the FIFO holds first. Timed so
 *   the character-timeout timer (8.6.3: restarted by each byte received and each RBR read)
 *   has exactly the captured time left at the switch-over: the last byte arrives 4 character
 *   times before the timer runs out; when the transmitter is needed for the guest's own byte
 *   by then, the bytes go in earlier behind one extra byte, and reading that byte out (an RBR
 *   read) restarts the timer at the right instruction. With the indication set, the last
 *   byte arrives more than 4 character times before the switch-over;
 * - the transmitter: the byte in the shift register written to THR at the icount that leaves
 *   it the captured time to finish, the TX FIFO's bytes right behind it;
 * - MSR delta bits: made by toggling the loopback outputs (loopback inputs follow them);
 * - the THR-empty indication: set by enabling ETBEI with THR empty, cleared by an IIR read.
 */
import type { ReconstructContext } from '../driver.js';
import type { CapturedView } from '../../captured.js';
import { COM1 } from './shadow.js';
import { characterTime, refillReceiver, settleThrIndication } from './loopback.js';
import { LSR_ERRORS } from './rules.js';
import { TIMER_FULL_FIFO } from './timeout.js';

const MCR_QUIET = 0x0b;
const MCR_LOOP = 0x10;

export function reconstructUart(ctx: ReconstructContext, t: CapturedView): void {
  const io = ctx.io;
  const tl = ctx.timeline;
  const dropDivisor = ctx.options.faults.has('uart-divisor-dropped');
  const lcr = t.num('lcr');
  const dll = dropDivisor ? 0x0c : t.num('dll');
  const dlm = dropDivisor ? 0 : t.num('dlm');
  const fcr = t.num('fcr');
  const ier = t.num('ier');
  const mcr = t.num('mcr');
  const { rx, overrun, txTimer, txBytes, tsrAt, restartAt, byRead, fullFifo, sent, refillBytes, refillTime, refillEnd } =
    uartSchedule(t, io.hz, tl.end, dll, dlm);
  if (fullFifo) ctx.notes.push(TIMER_FULL_FIFO);
  const regs = { lcr, dll, dlm, mcr, ier, fcr };

  tl.at(tl.start, 'uart: FIFOs reset, FCR, divisor latch, LCR', () => {
    io.out8(COM1 + 1, 0);
    io.out8(COM1 + 2, 0x07);
    io.out8(COM1 + 2, fcr & 1 ? fcr | 0x06 : 0);
    io.out8(COM1 + 3, 0x80 | lcr);
    io.out8(COM1, dll);
    io.out8(COM1 + 1, dlm);
    io.out8(COM1 + 3, lcr & 0x7f);
    io.out8(COM1 + 4, mcr);
  });
  if (refillBytes > 0) {
    tl.at(refillEnd - refillTime, `uart: ${rx.length} byte(s) into the receive FIFO through loopback${overrun ? ', after an overrun' : ''}`, () => {
      refillReceiver(io, regs, sent, overrun);
      io.out8(COM1 + 3, lcr & 0x7f);
    });
  }
  if (byRead) {
    tl.at(restartAt, 'uart: RBR read (restarts the character timeout)', () => {
      io.out8(COM1 + 3, lcr & 0x7f);
      io.in8(COM1);
      io.out8(COM1 + 3, lcr);
    });
  }
  if (txTimer >= 0) {
    tl.at(tsrAt, `uart: transmitter (${1 + txBytes.length} byte(s), shift register ${txTimer} instructions from done)`, () => {
      io.out8(COM1 + 3, lcr & 0x7f);
      io.out8(COM1, t.num('tsr'));
      for (const v of txBytes) io.out8(COM1, v);
    });
  }
  tl.at(tl.end, 'uart: modem status deltas, THR-empty indication, IER, MCR, LCR, SCR', () => {
    io.out8(COM1 + 3, lcr & 0x7f);
    const deltas = t.num('msr') & 0x0f;
    io.in8(COM1 + 6);
    if (deltas) {
      io.out8(COM1 + 4, MCR_QUIET);
      io.out8(COM1 + 4, MCR_QUIET | MCR_LOOP);
      if (deltas & 1) { io.out8(COM1 + 4, (MCR_QUIET & ~0x02) | MCR_LOOP); io.out8(COM1 + 4, MCR_QUIET | MCR_LOOP); }
      if (deltas & 2) { io.out8(COM1 + 4, (MCR_QUIET & ~0x01) | MCR_LOOP); io.out8(COM1 + 4, MCR_QUIET | MCR_LOOP); }
      if (deltas & 4) { io.out8(COM1 + 4, MCR_QUIET | 0x04 | MCR_LOOP); io.out8(COM1 + 4, MCR_QUIET | MCR_LOOP); }
      if (deltas & 8) { io.out8(COM1 + 4, (MCR_QUIET & ~0x08) | MCR_LOOP); io.out8(COM1 + 4, MCR_QUIET | MCR_LOOP); }
      io.out8(COM1 + 4, MCR_QUIET);
    }
    io.out8(COM1 + 4, mcr);
    settleThrIndication(io, ier, t.num('thr_ipending'));
    io.out8(COM1 + 7, t.num('scr'));
    io.out8(COM1 + 3, lcr);
    if (t.num('lsr') & LSR_ERRORS & ~0x02) ctx.notes.push('uart: LSR parity/framing/break bits cannot be produced on a simulated line');
  });
}

/**
 * When the timed actions happen, for the switch-over at `end` and the divisor the destination
 * writes (reconstructUart; uart16550Driver.window sizes the window from it).
 */
export function uartSchedule(t: CapturedView, hz: number, end: number, dll: number, dlm: number) {
  const ct = characterTime(hz, t.num('lcr'), dll, dlm);
  const rxCount = t.num('rx_count');
  const rx = t.arr('rbr').slice(0, rxCount);
  const overrun = (t.num('lsr') & 0x02) !== 0;
  const txTimer = t.num('transmit_timer', -1);
  const txBytes = t.arr('thr').slice(0, t.num('tx_count'));
  const tsrAt = txTimer >= 0 ? end - (ct - txTimer) : end;
  const timeoutPending = t.num('timeout_ipending') === 1;
  const fifoTimer = t.num('fifo_timeout_timer', -1);
  const fcr = t.num('fcr');
  const depth = fcr & 1 ? 16 : 1;
  // When the character-timeout timer last restarted (the last byte's arrival or an RBR read).
  const restartAt = fcr & 1 && fifoTimer >= 0 && rx.length > 0 ? end + fifoTimer - 4 * ct : -1;
  // The transmitter is free for loopback until the guest's own byte goes into it (tsrAt).
  const byRead = restartAt >= 0 && restartAt + 1 > tsrAt && rx.length < depth;
  const fullFifo = restartAt >= 0 && restartAt + 1 > tsrAt && !byRead;
  const sent = byRead ? [0, ...rx] : rx; // a leading byte for the RBR read to take
  const refillBytes = sent.length + (overrun ? depth + 1 : 0);
  const refillTime = refillBytes * (ct + 1);
  // refillReceiver's last byte arrives one instruction before the refill ends.
  const refillEnd = timeoutPending ? Math.min(tsrAt, end - 4 * ct - 2)
    : byRead ? Math.min(tsrAt, restartAt)
    : restartAt >= 0 ? Math.min(restartAt + 1, tsrAt)
    : Math.min(tsrAt, end) - 1;
  return { ct, rx, overrun, txTimer, txBytes, tsrAt, restartAt, byRead, fullFifo, sent, refillBytes, refillTime, refillEnd };
}

/** Instructions before the switch-over the earliest timed action needs (0: none). */
export function uartWindow(t: CapturedView, hz: number, dll: number, dlm: number): number {
  const end = 0;
  const s = uartSchedule(t, hz, end, dll, dlm);
  let earliest = end;
  if (s.refillBytes > 0) earliest = Math.min(earliest, s.refillEnd - s.refillTime);
  if (s.byRead) earliest = Math.min(earliest, s.restartAt);
  if (s.txTimer >= 0) earliest = Math.min(earliest, s.tsrAt);
  return end - earliest;
}
