/**
 * Shadow of the 16550A (National PC16550D datasheet) as COM1 (BOARD.uart).
 *
 * - FCR (offset 2) is write-only (8.5): trapped, kept as the chip stores it (enable, DMA
 *   mode, trigger level; bits 1–2 are self-clearing commands).
 * - The transmitter is internal: THR/TX FIFO and the transmit shift register cannot be read
 *   back (LSR only says THRE/TEMT). The shadow therefore traps THR writes and models the
 *   transmitter in virtual time: a byte enters the TSR as soon as it is free and leaves one
 *   character time later (start + data + parity + stop bits × divisor / 115200 s). It also
 *   traps LCR, DLL/DLM, IER and MCR writes, which the model needs to tell THR from DLL and to
 *   know the character time when each byte started. RX state is captured by reading it
 *   (capture.ts).
 * - The THR-empty interrupt indication is internal (8.6.4 and Table IV: set when THR empties
 *   or ETBEI is enabled while it is empty; cleared by writing THR or by reading IIR while it is
 *   the reported source). It cannot be read with ETBEI off, and enabling ETBEI to look sets it,
 *   so the shadow follows it from the guest's own accesses: THR writes and the transmitter model
 *   (THR empties), IER writes (ETBEI 0→1 with THR empty), FCR writes (a TX FIFO reset that
 *   empties it) — all trapped already — and IIR reads, the only untrapped clearing event. An
 *   IIR read can report the indication only while ETBEI is set, so IIR (offset 2, read) is
 *   trapped only then (and, after a late attach, until the guest's first IER write tells us
 *   ETBEI).
 */
import { DIR_READ, DIR_WRITE, type Intercepts, type TrappedAccess } from '../../intercepts.js';
import { mulDivFloor } from '../../../machine/clock.js';
import { KnownFields } from '../../known-fields.js';
import { BOARD } from '../../../board/layout.js';
import { IER_ETBEI, IIR_THRI, UART_DEFAULT_BAUD_BASE, UART_FIFO_SIZE } from '../../../devices/uart16550.js';

/** COM1's register block, where the board puts it (registers at offsets 0–7). */
export const COM1 = BOARD.uart.ports.base;
/** The 16550A's FIFO depth (the datasheet's, as the device module states it). */
export const UART_FIFO = UART_FIFO_SIZE;

export const UART_SHADOW_FIELDS = ['fcr', 'thr', 'tx_count', 'tsr', 'transmit_timer', 'ier', 'thr_ipending'] as const;

export class UartShadow {
  fcr = 0;
  lcr = 0;
  dll = 0x0c;
  dlm = 0;
  mcr = 0;
  /** IER as last written (offset 1 with DLAB clear); known after a late attach once written. */
  ier = 0;
  /** The THR-empty interrupt indication (power-on: clear), known once a defining event is seen. */
  thrPending = 0;
  /** The byte in the transmit shift register and the icount it finishes leaving (-1: idle). */
  tsr = 0;
  tsrDoneAt = -1;
  /** Bytes waiting in THR / the TX FIFO, oldest first. */
  fifo: number[] = [];
  readonly known: KnownFields;

  constructor(
    private readonly intercepts: Intercepts,
    private readonly hz: number,
    bootAttach: boolean,
  ) {
    this.known = new KnownFields(UART_SHADOW_FIELDS, bootAttach);
    for (const off of [0, 1, 2, 3, 4]) {
      intercepts.onPort(COM1 + off, (a) => (a.dir === DIR_WRITE ? this.onWrite(a) : this.onIirRead(a)));
      intercepts.trapPort(COM1 + off, DIR_WRITE);
    }
    this.updateIirTrap();
  }

  /** IIR reads exit only while one could retire the THR-empty indication (ETBEI set, or IER unknown). */
  private updateIirTrap(): void {
    this.intercepts.trapPort(COM1 + 2, DIR_READ, !this.known.has('ier') || (this.ier & IER_ETBEI) !== 0);
  }

  /** THR (and the TX FIFO) empty: LSR.THRE as the chip has it, from the transmitter model. */
  get thrEmpty(): boolean {
    return this.fifo.length === 0;
  }

  private onIirRead(a: TrappedAccess): void {
    if (a.dir !== DIR_READ || a.addr !== COM1 + 2) return;
    this.advance(a.icount);
    // Reading IIR retires the indication exactly when IIR reports it (Table IV).
    if ((a.value & 0x0f) === IIR_THRI) {
      this.thrPending = 0;
      this.known.learn('thr_ipending');
    }
  }

  /** Instructions one character takes with the given LCR and divisor (datasheet 8.1; 0 counts as 65536). */
  characterTime(lcr = this.lcr, dll = this.dll, dlm = this.dlm): number {
    const divisor = ((dlm << 8) | dll) || 0x10000;
    const dataBits = (lcr & 3) + 5;
    const parity = (lcr >> 3) & 1;
    const stopHalfBits = lcr & 4 ? (dataBits === 5 ? 3 : 4) : 2;
    const halfBits = 2 * (1 + dataBits + parity) + stopHalfBits;
    return Math.max(1, mulDivFloor(halfBits * divisor, this.hz, 2 * UART_DEFAULT_BAUD_BASE));
  }

  /** Run the transmitter model up to `now`: bytes whose time is up leave, the next enters the TSR. */
  advance(now: number): void {
    while (this.tsrDoneAt >= 0 && this.tsrDoneAt <= now) {
      const done = this.tsrDoneAt;
      if (this.fifo.length > 0) {
        this.tsr = this.fifo.shift()!;
        this.tsrDoneAt = done + this.characterTime();
        if (this.fifo.length === 0) this.thrPending = 1; // THR empties: the indication is set
      } else {
        this.tsr = 0;
        this.tsrDoneAt = -1;
      }
    }
  }

  private onWrite(a: TrappedAccess): void {
    if (a.dir !== DIR_WRITE) return;
    this.advance(a.icount);
    const v = a.value & 0xff;
    const dlab = (this.lcr & 0x80) !== 0;
    switch (a.addr - COM1) {
      case 0:
        if (dlab) this.dll = v;
        else this.writeThr(v, a.icount);
        break;
      case 1:
        if (dlab) this.dlm = v;
        else this.writeIer(v);
        break;
      case 2:
        this.writeFcr(v);
        break;
      case 3:
        this.lcr = v;
        break;
      case 4:
        this.mcr = v & 0x1f;
        break;
    }
  }

  private writeThr(v: number, now: number): void {
    const depth = this.fcr & 1 ? UART_FIFO : 1;
    const idle = this.tsrDoneAt < 0 && this.fifo.length === 0;
    if (this.fifo.length < depth) this.fifo.push(v);
    else if (depth === 1) this.fifo[0] = v;
    // A THR write retires the indication; a byte that goes straight into the idle shift
    // register empties THR again at once, which sets it (8.6.4).
    this.thrPending = 0;
    if (idle) {
      this.tsr = this.fifo.shift()!;
      this.tsrDoneAt = now + this.characterTime();
      if (this.fifo.length === 0) this.thrPending = 1;
    }
    if (this.known.has('tsr')) this.known.learn('thr_ipending');
  }

  private writeIer(v: number): void {
    const enabled = v & ~this.ier & IER_ETBEI;
    const wasKnown = this.known.has('ier');
    this.ier = v;
    this.known.learn('ier');
    // Enabling ETBEI with THR empty sets the indication. After a late attach the previous IER is
    // unknown, so a write with ETBEI set defines it only when THR is known to be empty.
    if (enabled && wasKnown && this.thrEmpty) this.thrPending = 1;
    this.updateIirTrap();
  }

  private writeFcr(v: number): void {
    const next = v & 1 ? v & 0xc9 : 0;
    let command = v & 1 ? v & 6 : 0;
    if ((next ^ this.fcr) & 1) command |= 6;
    this.fcr = next;
    if (command & 4) {
      if (this.fifo.length > 0) this.thrPending = 1; // the TX reset empties THR (model: hadData)
      this.fifo = [];
    }
    this.known.learn('fcr');
  }

  supply(field: 'fcr', value: number): void {
    this.fcr = value;
    this.known.learn(field);
  }
}
