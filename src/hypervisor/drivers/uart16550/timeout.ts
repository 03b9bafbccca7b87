/**
 * Measuring the 16550A's character-timeout timer from the bus (PC16550D 8.6.3: in FIFO mode,
 * with data in the receive FIFO, the timeout indication is set when no character has been
 * received and none read for 4 character times; a received byte or an RBR read restarts it).
 *
 * The timer is internal: no register shows when the last byte arrived or the guest last read
 * RBR (RBR reads are not trapped). But it can be watched: with the guest paused nothing reads
 * RBR, and with the line cut off nothing arrives, so the timer runs out undisturbed and IIR
 * shows 0x0C (with ERBFI set) at exactly the instruction it does. Watching IIR one instruction
 * at a time from the switch-over therefore gives the instructions the timer had left. The
 * receive FIFO must not be read before that (a read would restart the timer): capture reads
 * it out when the watch ends.
 *
 * Cutting the line off: loopback (8.6.4, MCR bit 4) disconnects SIN, so the far end's bytes
 * are dropped (as any byte the far end sends while the source is stopped is lost to it); we
 * enter it with RTS, DTR and OUT2 on and OUT1 off, which the loopback inputs mirror as the
 * far end's CTS, DSR, DCD and RI, so no MSR delta is set. In loopback the transmitter feeds
 * the receiver, so whenever the guest's transmitter (shadow.ts models it exactly)
 * finishes a byte we leave loopback for that one instruction: the byte goes out on the line,
 * as it would have, and does not land in the receive FIFO.
 *
 * IER is ERBFI only while we watch, so IIR reports nothing but the receiver and an IIR read
 * cannot retire a THR-empty indication; capture settles that indication afterwards.
 */
import type { HvIo } from '../../hv-io.js';
import type { Probe } from '../driver.js';
import { COM1, type UartShadow } from './shadow.js';
import { IER_ERBFI, MCR_LOOP } from './rules.js';

/**
 * How a note names a timer the capture could not pin down exactly, or the destination cannot
 * rebuild exactly (the verifier quotes the source's notes on the field: verify/capture-notes.ts).
 */
export const TIMER_INEXACT = 'uart.fifo_timeout_timer: inferred; not exactly reconstructible';
/** The residual both sides foresee: no spare byte for an RBR read, no free transmitter for a byte. */
export const TIMER_FULL_FIFO = `${TIMER_INEXACT} (a full receive FIFO while the transmitter is busy: the destination restarts it up to a character time early)`;

const MCR_QUIET = 0x0b; // DTR | RTS | OUT2: what CTS, DSR and DCD see from the far end
const IIR_CTI = 0x0c;

export interface TimeoutMeasurement {
  /** The indication was already set at the switch-over (the timer had run out). */
  pending: boolean;
  /** Instructions the timer had left at the switch-over; -1 when pending or not measured. */
  remaining: number;
  /** Why the measurement is not exact (null: it is). */
  inexact: string | null;
}

export interface UartRegisters {
  lcr: number;
  ier: number;
  mcr: number;
}

/**
 * A probe that watches IIR from the switch-over until the character timeout shows, then calls
 * `done` (at that icount, with the UART still cut off and IER = ERBFI; `done` must read the FIFO
 * out and put LCR, MCR and IER back — see `restoreRegisters`).
 */
export function timeoutProbe(
  io: HvIo, shadow: UartShadow, regs: UartRegisters, characterTime: number, done: (m: TimeoutMeasurement) => void,
): Probe {
  const guestLoop = (regs.mcr & MCR_LOOP) !== 0;
  let outOfLoop = false;
  let finished = false;
  const finish = (m: TimeoutMeasurement) => {
    finished = true;
    done(m);
  };
  return {
    // The timer is at most 4 character times from running out; two instructions to spare.
    limit: 4 * characterTime + 2,
    check(elapsed: number): boolean {
      if (elapsed === 0) {
        io.out8(COM1 + 3, regs.lcr & 0x7f);
        if (!guestLoop) io.out8(COM1 + 4, MCR_QUIET | MCR_LOOP);
        io.out8(COM1 + 1, IER_ERBFI);
      } else if (outOfLoop) {
        io.out8(COM1 + 4, MCR_QUIET | MCR_LOOP);
        outOfLoop = false;
      }
      if ((io.in8(COM1 + 2) & 0x0f) === IIR_CTI) {
        finish({ pending: elapsed === 0, remaining: elapsed === 0 ? -1 : elapsed, inexact: null });
        return true;
      }
      // The guest's transmitter finishes a byte in the next instruction: let it go out on the line.
      shadow.advance(io.now);
      if (shadow.tsrDoneAt === io.now + 1) {
        if (guestLoop) {
          // The guest's own loopback: that byte is received and restarts the timer (on the
          // destination too); how long the timer had left is then not observable.
          finish({ pending: false, remaining: 4 * characterTime, inexact: 'a byte the guest sent in loopback arrived before the timeout' });
          return true;
        }
        io.out8(COM1 + 4, regs.mcr);
        outOfLoop = true;
      }
      return false;
    },
    giveUp(): void {
      if (!finished) finish({ pending: false, remaining: 4 * characterTime, inexact: 'the timeout indication never showed' });
    },
  };
}

/** Put back what the probe changed: MCR (line reconnected), IER, LCR. */
export function restoreRegisters(io: HvIo, regs: UartRegisters): void {
  io.out8(COM1 + 3, regs.lcr & 0x7f);
  io.out8(COM1 + 4, regs.mcr);
  io.out8(COM1 + 1, regs.ier);
  io.out8(COM1 + 3, regs.lcr);
}
