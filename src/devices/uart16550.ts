/**
 * 16550A UART (National PC16550D datasheet), as COM1 (the board's wiring: ports 0x3F8–0x3FF, ISA IRQ 4).
 *
 * Board wiring: `new Uart16550(ctx, BOARD.uart)` (optional 3rd argument `{ baudBase }`, default 115200 =
 * 1.8432 MHz / 16), mapped on the 8 ports of its wiring with 8-bit accesses. Its interrupt output
 * goes to ctx.irq.setIrq(wiring.irq, level), gated as on a PC by the OUT2 pin (MCR bit 3).
 * Bytes from the outside world arrive through `receiveByte(b)` (the input scheduler calls it
 * at their scheduled icount); bytes sent leave through ctx.output.serialByte at the line rate.
 *
 * Model:
 * - Transmit: THR/TX FIFO (16 bytes, 1 when FIFOs are off) → transmit shift register (TSR).
 *   A byte moves into the TSR as soon as the TSR is free; it leaves the TSR one character
 *   time later (the `transmit_timer`), into the output sink, or into the receiver in loopback.
 *   THRE = THR/TX FIFO empty; TEMT = that and the TSR empty (datasheet 8.4, LSR bits 5–6).
 * - Character time = (start + data + parity + stop bits) × divisor / baudBase seconds, in
 *   virtual time (clock.hz instructions per second). 1.5 stop bits for 5-bit words.
 *   A divisor of 0 counts as 65536 (the baud generator's 16-bit counter wraps).
 * - Receive: `receiveByte` puts the byte straight into the RX FIFO (or RBR when FIFOs are
 *   off). A full FIFO (or an unread RBR) sets OE and drops the byte: FIFO contents are never
 *   overwritten (datasheet 8.4, LSR bit 1). In loopback SIN is disconnected: external bytes
 *   are dropped and the TSR output is received instead.
 * - Character timeout (datasheet 8.6.3): in FIFO mode, when the RX FIFO holds data and
 *   nothing was received or read for 4 character times, IIR reports 0x0C; reading RBR clears it.
 * - Interrupt priority (datasheet Table IV): receiver line status > received data available /
 *   character timeout > THR empty > modem status. The THRE interrupt is raised when the THR
 *   empties (or when ETBEI is enabled while it is empty) and cleared by reading IIR while it
 *   is the reported source, or by writing THR.
 * - Modem lines: the far end holds CTS, DSR and DCD asserted and RI off. In loopback
 *   (MCR bit 4) the inputs follow the outputs (CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2), with
 *   delta bits, and the output pins go inactive, so on a PC the IRQ (gated by OUT2) is off.
 *
 * State follows QEMU's vmstate_serial (divider as dll/dlm, rbr, ier, iir, lcr, mcr, lsr, msr,
 * scr, fcr) plus what QEMU keeps outside its VMState and v86 forgot: both FIFOs, the TSR, the
 * pending THRE and timeout indications, and the two timers.
 */
import { SIZE_8, type Bus, type IoHandler, type PortRange } from '../machine/bus.js';
import { mulDivFloor, type Timer } from '../machine/clock.js';
import { Device, type DeviceContext } from './device.js';
import type { StateSchema } from './schema.js';
import { trackedState } from './tracked-state.js';

/** Where the board puts a UART: its 8 ports and the ISA line its INTR drives (through OUT2). */
export interface UartWiring {
  readonly ports: PortRange;
  readonly irq: number;
}
/** Receive and transmit FIFO depth. */
export const UART_FIFO_SIZE = 16;
/** 1.8432 MHz crystal / 16: the baud rate at divisor 1. */
export const UART_DEFAULT_BAUD_BASE = 115200;

// Register bits (PC16550D datasheet, section 8).
export const IER_ERBFI = 0x01; // received data available
export const IER_ETBEI = 0x02; // transmitter holding register empty
export const IER_ELSI = 0x04; // receiver line status
export const IER_EDSSI = 0x08; // modem status

export const IIR_NO_INT = 0x01;
export const IIR_MSI = 0x00;
export const IIR_THRI = 0x02;
export const IIR_RDI = 0x04;
export const IIR_RLSI = 0x06;
export const IIR_CTI = 0x0c;
const IIR_FIFO_ENABLED = 0xc0;

export const FCR_ENABLE = 0x01;
export const FCR_RX_RESET = 0x02;
export const FCR_TX_RESET = 0x04;
const FCR_STORED = 0xc9; // enable, DMA mode, trigger level

export const LCR_DLAB = 0x80;

export const MCR_DTR = 0x01;
export const MCR_RTS = 0x02;
export const MCR_OUT1 = 0x04;
export const MCR_OUT2 = 0x08;
export const MCR_LOOP = 0x10;

export const LSR_DR = 0x01;
export const LSR_OE = 0x02;
export const LSR_PE = 0x04;
export const LSR_FE = 0x08;
export const LSR_BI = 0x10;
export const LSR_THRE = 0x20;
export const LSR_TEMT = 0x40;
const LSR_ERRORS = LSR_OE | LSR_PE | LSR_FE | LSR_BI;

export const MSR_DCTS = 0x01;
export const MSR_DDSR = 0x02;
export const MSR_TERI = 0x04;
export const MSR_DDCD = 0x08;
export const MSR_CTS = 0x10;
export const MSR_DSR = 0x20;
export const MSR_RI = 0x40;
export const MSR_DCD = 0x80;
const MSR_DELTAS = 0x0f;
/** What the far end of the line holds: a ready terminal (CTS, DSR, DCD on; RI off). */
const MSR_EXTERNAL_INPUTS = MSR_CTS | MSR_DSR | MSR_DCD;

const RX_TRIGGER = [1, 4, 8, 14];

const SCHEMA: StateSchema = {
  device: 'uart',
  version: 2,
  fields: [
    { name: 'dll', width: 8, access: 'rw', role: 'config', doc: 'divisor latch low byte (offset 0 with DLAB=1)' },
    { name: 'dlm', width: 8, access: 'rw', role: 'config', doc: 'divisor latch high byte (offset 1 with DLAB=1)' },
    { name: 'ier', width: 8, access: 'rw', role: 'config', doc: 'interrupt enable register (bits 0-3)' },
    { name: 'iir', width: 8, access: 'ro', role: 'processing', doc: 'interrupt identification: highest-priority pending source, FIFO-enabled bits 6-7' },
    { name: 'fcr', width: 8, access: 'wo', role: 'config', doc: 'FIFO control (write-only): enable, DMA mode, RX trigger level (bits 0, 3, 6-7)' },
    { name: 'lcr', width: 8, access: 'rw', role: 'config', doc: 'line control: word length, stop bits, parity, break, DLAB' },
    { name: 'mcr', width: 8, access: 'rw', role: 'config', doc: 'modem control: DTR, RTS, OUT1, OUT2 (PC IRQ gate), loopback' },
    { name: 'lsr', width: 8, access: 'ro', role: 'processing', doc: 'line status: DR, OE, THRE, TEMT (reading clears OE)' },
    { name: 'msr', width: 8, access: 'ro', role: 'processing', doc: 'modem status: input levels (bits 4-7) and delta bits (0-3, cleared by reading)' },
    { name: 'scr', width: 8, access: 'rw', role: 'config', doc: 'scratch register' },
    { name: 'rbr', width: 8, length: UART_FIFO_SIZE, access: 'internal', role: 'processing', doc: 'receive FIFO (RBR when FIFOs are off), oldest first, unused slots 0; readable only destructively through RBR' },
    { name: 'rx_count', width: 8, access: 'internal', role: 'processing', doc: 'bytes in the receive FIFO (0-16)' },
    { name: 'thr', width: 8, length: UART_FIFO_SIZE, access: 'internal', role: 'processing', doc: 'transmit FIFO (THR when FIFOs are off), oldest first, unused slots 0' },
    { name: 'tx_count', width: 8, access: 'internal', role: 'processing', doc: 'bytes in the transmit FIFO (0-16)' },
    { name: 'tsr', width: 8, access: 'internal', role: 'processing', doc: 'transmit shift register: the byte on the line while transmit_timer is armed' },
    { name: 'thr_ipending', width: 1, access: 'internal', role: 'processing', doc: 'THR-empty interrupt pending (set when THR empties, cleared by IIR read or THR write)' },
    { name: 'timeout_ipending', width: 1, access: 'internal', role: 'processing', doc: 'character timeout indication pending (datasheet 8.6.3)' },
    { name: 'transmit_timer', width: 64, access: 'internal', role: 'processing', timer: true, doc: 'the byte in the TSR finishes leaving the line' },
    { name: 'fifo_timeout_timer', width: 64, access: 'internal', role: 'processing', timer: true, doc: '4 character times without RX FIFO activity' },
  ],
};

export type UartState = {
  dll: number;
  dlm: number;
  ier: number;
  iir: number;
  fcr: number;
  lcr: number;
  mcr: number;
  lsr: number;
  msr: number;
  scr: number;
  rbr: number[];
  rx_count: number;
  thr: number[];
  tx_count: number;
  tsr: number;
  thr_ipending: number;
  timeout_ipending: number;
};

export interface UartOptions {
  /** Baud rate at divisor 1 (crystal / 16). Default 115200. */
  baudBase?: number;
}

export class Uart16550 extends Device<UartState> implements IoHandler {
  readonly schema = SCHEMA;
  readonly sizes = SIZE_8;
  state: UartState = trackedState(SCHEMA, {
    dll: 0, dlm: 0, ier: 0, iir: IIR_NO_INT, fcr: 0, lcr: 0, mcr: 0, lsr: LSR_THRE | LSR_TEMT,
    msr: MSR_EXTERNAL_INPUTS, scr: 0,
    rbr: new Array<number>(UART_FIFO_SIZE).fill(0), rx_count: 0,
    thr: new Array<number>(UART_FIFO_SIZE).fill(0), tx_count: 0, tsr: 0,
    thr_ipending: 0, timeout_ipending: 0,
  });
  readonly baudBase: number;
  private readonly transmitTimer: Timer;
  private readonly fifoTimeoutTimer: Timer;
  /** Level last driven on the IRQ line (a cache; re-driven in afterRestore). */
  private irqLine = false;

  constructor(ctx: DeviceContext, readonly wiring: UartWiring, options: UartOptions = {}) {
    super(ctx);
    this.baudBase = options.baudBase ?? UART_DEFAULT_BAUD_BASE;
    this.transmitTimer = this.addTimer('transmit_timer', () => this.transmitDone());
    this.fifoTimeoutTimer = this.addTimer('fifo_timeout_timer', () => this.fifoTimeout());
  }

  /** Register on the bus and map the wiring's 8 ports. */
  mapPorts(bus: Bus): void {
    this.id = bus.registerDevice(this.name);
    bus.mapPorts(this.id, this.wiring.ports.base, this.wiring.ports.count, this);
  }

  /** Master reset (datasheet Table III); the divisor is left at 12 (9600 baud), as a BIOS sets it. */
  reset(): void {
    this.transmitTimer.cancel();
    this.fifoTimeoutTimer.cancel();
    const s = this.state;
    s.dll = 0x0c;
    s.dlm = 0;
    s.ier = 0;
    s.fcr = 0;
    s.lcr = 0;
    s.mcr = 0;
    s.lsr = LSR_THRE | LSR_TEMT;
    s.msr = MSR_EXTERNAL_INPUTS;
    s.scr = 0;
    s.rbr.fill(0);
    s.rx_count = 0;
    s.thr.fill(0);
    s.tx_count = 0;
    s.tsr = 0;
    s.thr_ipending = 0;
    s.timeout_ipending = 0;
    s.iir = IIR_NO_INT;
    this.driveIrq(true);
  }

  // ------------------------------------------------------------------ the outside world

  /** A byte arrives on SIN from the outside world. Ignored in loopback (SIN is disconnected). */
  receiveByte(byte: number): void {
    if (this.state.mcr & MCR_LOOP) return;
    this.receive(byte & 0xff);
  }

  /** Instructions one character takes on the line with the current divisor and LCR. */
  characterTime(): number {
    const s = this.state;
    const divisor = ((s.dlm << 8) | s.dll) || 0x10000;
    const dataBits = (s.lcr & 3) + 5;
    const parity = (s.lcr >> 3) & 1;
    const stopHalfBits = s.lcr & 4 ? (dataBits === 5 ? 3 : 4) : 2;
    const halfBits = 2 * (1 + dataBits + parity) + stopHalfBits;
    return Math.max(1, mulDivFloor(halfBits * divisor, this.ctx.clock.hz, 2 * this.baudBase));
  }

  /** True while bytes the guest wrote have not all left the line (the TSR shifting, or the FIFO holding some). */
  transmitBusy(): boolean {
    const s = this.state;
    return s.tx_count > 0 || ((s.lsr & LSR_TEMT) === 0 && this.transmitTimer.armed);
  }

  // ------------------------------------------------------------------ registers

  read(port: number): number {
    const stable = this.stableRead(port);
    if (stable >= 0) return stable;
    // What stableRead leaves out: RBR, and the registers a read clears something in.
    const s = this.state;
    switch (port & 7) {
      case 0:
        return this.readRbr();
      case 2: {
        const iir = s.iir; // a THRE interrupt, which reading IIR acknowledges
        s.thr_ipending = 0;
        this.updateIrq();
        return iir;
      }
      case 5: {
        const lsr = s.lsr; // error bits
        s.lsr &= ~LSR_ERRORS;
        this.updateIrq();
        return lsr;
      }
      default: {
        const msr = s.msr; // modem deltas
        s.msr &= ~MSR_DELTAS;
        this.updateIrq();
        return msr;
      }
    }
  }

  /**
   * IoHandler.stableRead, and read() where reading changes nothing: every register but RBR, and
   * IIR, LSR and MSR while they hold nothing a read clears (a THRE interrupt, error bits, modem
   * deltas). They change only at the UART's own events (a character sent or received, the
   * input scheduler's bytes) and accesses: a guest polling LSR for THRE reads one value until
   * the transmit event.
   */
  stableRead(port: number): number {
    const s = this.state;
    switch (port & 7) {
      case 0:
        return s.lcr & LCR_DLAB ? s.dll : -1;
      case 1:
        return s.lcr & LCR_DLAB ? s.dlm : s.ier;
      case 2:
        return (s.iir & 0x0f) === IIR_THRI ? -1 : s.iir;
      case 3:
        return s.lcr;
      case 4:
        return s.mcr;
      case 5:
        return s.lsr & LSR_ERRORS ? -1 : s.lsr;
      case 6:
        return s.msr & MSR_DELTAS ? -1 : s.msr;
      default:
        return s.scr;
    }
  }

  write(port: number, _size: number, value: number): void {
    const s = this.state;
    const dlab = (s.lcr & LCR_DLAB) !== 0;
    switch (port & 7) {
      case 0:
        if (dlab) s.dll = value;
        else this.writeThr(value);
        break;
      case 1:
        if (dlab) s.dlm = value;
        else this.writeIer(value & 0x0f);
        break;
      case 2:
        this.writeFcr(value);
        break;
      case 3:
        s.lcr = value;
        break;
      case 4:
        this.writeMcr(value & 0x1f);
        break;
      case 5:
      case 6:
        break; // LSR and MSR are read-only (writes are "factory test" on the 16550; ignored)
      default:
        s.scr = value;
    }
  }

  private readRbr(): number {
    const s = this.state;
    const fifo = (s.fcr & FCR_ENABLE) !== 0;
    if (s.rx_count === 0) return s.rbr[0];
    const value = s.rbr[0];
    for (let i = 1; i < s.rx_count; i++) s.rbr[i - 1] = s.rbr[i];
    s.rx_count--;
    s.rbr[s.rx_count] = 0;
    if (s.rx_count === 0) {
      s.lsr &= ~LSR_DR;
      this.fifoTimeoutTimer.cancel();
    } else if (fifo) {
      // A CPU read restarts the timeout count (datasheet 8.6.3).
      this.fifoTimeoutTimer.armIn(4 * this.characterTime());
    }
    s.timeout_ipending = 0;
    this.updateIrq();
    return value;
  }

  private writeThr(value: number): void {
    const s = this.state;
    const idle = (s.lsr & LSR_TEMT) !== 0;
    const depth = s.fcr & FCR_ENABLE ? UART_FIFO_SIZE : 1;
    if (s.tx_count < depth) s.thr[s.tx_count++] = value;
    else if (depth === 1) s.thr[0] = value; // 16450 mode: THR overwritten
    // else: a write to a full TX FIFO is lost.
    s.lsr &= ~(LSR_THRE | LSR_TEMT);
    s.thr_ipending = 0;
    if (idle) this.loadShiftRegister();
    this.updateIrq();
  }

  private writeIer(value: number): void {
    const s = this.state;
    const enabledThre = value & ~s.ier & IER_ETBEI;
    s.ier = value;
    // Enabling ETBEI while THR is empty raises the THRE interrupt at once (as drivers expect).
    if (enabledThre && s.lsr & LSR_THRE) s.thr_ipending = 1;
    this.updateIrq();
  }

  private writeFcr(value: number): void {
    const s = this.state;
    // FCR bits 1-7 are programmed only together with bit 0 (datasheet 8.5).
    const next = value & FCR_ENABLE ? value & FCR_STORED : 0;
    let command = value & FCR_ENABLE ? value & (FCR_RX_RESET | FCR_TX_RESET) : 0;
    // Changing bit 0 clears both FIFOs.
    if ((next ^ s.fcr) & FCR_ENABLE) command |= FCR_RX_RESET | FCR_TX_RESET;
    s.fcr = next;
    if (command & FCR_RX_RESET) {
      s.rbr.fill(0);
      s.rx_count = 0;
      s.lsr &= ~LSR_DR;
      s.timeout_ipending = 0;
      this.fifoTimeoutTimer.cancel();
    }
    if (command & FCR_TX_RESET) {
      const hadData = s.tx_count > 0;
      s.thr.fill(0);
      s.tx_count = 0;
      s.lsr |= LSR_THRE;
      if (!this.transmitTimer.armed) s.lsr |= LSR_TEMT;
      if (hadData) s.thr_ipending = 1;
    }
    this.updateIrq();
  }

  private writeMcr(value: number): void {
    const s = this.state;
    s.mcr = value;
    const inputs = value & MCR_LOOP
      ? ((value & MCR_RTS) << 3) | ((value & MCR_DTR) << 5) | ((value & MCR_OUT1) << 4) | ((value & MCR_OUT2) << 4)
      : MSR_EXTERNAL_INPUTS;
    const old = s.msr & 0xf0;
    const changed = old ^ inputs;
    let deltas = s.msr & MSR_DELTAS;
    if (changed & MSR_CTS) deltas |= MSR_DCTS;
    if (changed & MSR_DSR) deltas |= MSR_DDSR;
    if (changed & MSR_DCD) deltas |= MSR_DDCD;
    if (old & MSR_RI && !(inputs & MSR_RI)) deltas |= MSR_TERI; // trailing edge of RI only
    s.msr = inputs | deltas;
    this.updateIrq();
  }

  // ------------------------------------------------------------------ transmitter and receiver

  /** Move the oldest THR/FIFO byte into the TSR and start shifting it out. */
  private loadShiftRegister(): void {
    const s = this.state;
    s.tsr = s.thr[0];
    for (let i = 1; i < s.tx_count; i++) s.thr[i - 1] = s.thr[i];
    s.tx_count--;
    s.thr[s.tx_count] = 0;
    if (s.tx_count === 0) {
      s.lsr |= LSR_THRE;
      s.thr_ipending = 1;
    }
    this.transmitTimer.armIn(this.characterTime());
  }

  private transmitDone(): void {
    const s = this.state;
    const byte = s.tsr;
    s.tsr = 0;
    if (s.mcr & MCR_LOOP) this.receive(byte);
    else this.ctx.output.serialByte(byte);
    if (s.tx_count > 0) this.loadShiftRegister();
    else s.lsr |= LSR_TEMT;
    this.updateIrq();
  }

  private receive(byte: number): void {
    const s = this.state;
    if (s.fcr & FCR_ENABLE) {
      if (s.rx_count < UART_FIFO_SIZE) s.rbr[s.rx_count++] = byte;
      else s.lsr |= LSR_OE; // the character in the shift register is lost, the FIFO kept
      this.fifoTimeoutTimer.armIn(4 * this.characterTime());
    } else {
      if (s.rx_count > 0) s.lsr |= LSR_OE; // 16450 mode: the unread RBR is overwritten
      s.rbr[0] = byte;
      s.rx_count = 1;
    }
    s.lsr |= LSR_DR;
    this.updateIrq();
  }

  private fifoTimeout(): void {
    const s = this.state;
    if (s.rx_count > 0 && s.fcr & FCR_ENABLE) {
      s.timeout_ipending = 1;
      this.updateIrq();
    }
  }

  // ------------------------------------------------------------------ interrupts

  /** Recompute IIR from the sources in priority order (datasheet Table IV) and drive the line. */
  private updateIrq(): void {
    const s = this.state;
    const fifo = (s.fcr & FCR_ENABLE) !== 0;
    let id = IIR_NO_INT;
    if (s.ier & IER_ELSI && s.lsr & LSR_ERRORS) {
      id = IIR_RLSI;
    } else if (s.ier & IER_ERBFI && s.timeout_ipending) {
      id = IIR_CTI;
    } else if (s.ier & IER_ERBFI && s.lsr & LSR_DR && (!fifo || s.rx_count >= RX_TRIGGER[s.fcr >> 6])) {
      id = IIR_RDI;
    } else if (s.ier & IER_ETBEI && s.thr_ipending) {
      id = IIR_THRI;
    } else if (s.ier & IER_EDSSI && s.msr & MSR_DELTAS) {
      id = IIR_MSI;
    }
    s.iir = id | (fifo ? IIR_FIFO_ENABLED : 0);
    this.driveIrq(false);
  }

  /** INTR gated by the OUT2 pin, which loopback forces inactive (a PC's IRQ buffer enable). */
  private irqLevel(): boolean {
    const s = this.state;
    return (s.iir & IIR_NO_INT) === 0 && (s.mcr & (MCR_OUT2 | MCR_LOOP)) === MCR_OUT2;
  }

  private driveIrq(force: boolean): void {
    const level = this.irqLevel();
    if (force || level !== this.irqLine) {
      this.irqLine = level;
      this.ctx.irq.setIrq(this.wiring.irq, level);
    }
  }

  protected override afterRestore(): void {
    this.driveIrq(true);
  }

  protected override derived(): Record<string, number | string> {
    const s = this.state;
    const divisor = ((s.dlm << 8) | s.dll) || 0x10000;
    return {
      divisor,
      baud: this.baudBase / divisor,
      character_time: this.characterTime(),
      rx_trigger: RX_TRIGGER[s.fcr >> 6],
      irq_line: this.irqLevel() ? 1 : 0,
    };
  }
}
