import { describe, expect, it } from 'vitest';
import { describeConformance, makeTestBoard, type TestBoard } from './conformance.js';
import {
  IIR_CTI, IIR_MSI, IIR_NO_INT, IIR_RDI, IIR_RLSI, IIR_THRI, LSR_DR, LSR_OE, LSR_TEMT, LSR_THRE,
  MSR_CTS, MSR_DCD, MSR_DCTS, MSR_DDCD, MSR_DDSR, MSR_DSR, MSR_RI, MSR_TERI, Uart16550,
} from '../../src/devices/uart16550.js';
import { BOARD } from '../../src/board/layout.js';

const COM1_PORT = BOARD.uart.ports.base;
const COM1_IRQ = BOARD.uart.irq;

const RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;
/** 8N1 at 115200 baud: 10 bits × 100e6 / 115200 instructions, floored. */
const CHAR_115200 = 8680;

function setup(): { board: TestBoard; uart: Uart16550; out(reg: number, v: number): void; inp(reg: number): number } {
  const board = makeTestBoard();
  const uart = new Uart16550(board.ctx, BOARD.uart);
  uart.id = board.bus.registerDevice(uart.name);
  board.bus.mapPorts(uart.id, COM1_PORT, 8, uart);
  uart.reset();
  return {
    board,
    uart,
    out: (reg, v) => board.bus.pioWrite(COM1_PORT + reg, 1, v),
    inp: (reg) => board.bus.pioRead(COM1_PORT + reg, 1),
  };
}

/** What guests/runtime/serial.c does: 115200 8N1, FIFOs on and cleared, DTR|RTS|OUT2. */
function init(u: ReturnType<typeof setup>, fcr = 0x07, ier = 0): void {
  u.out(IER, 0);
  u.out(LCR, 0x80);
  u.out(DLL, 1);
  u.out(DLM, 0);
  u.out(LCR, 0x03);
  u.out(FCR, fcr);
  u.out(MCR, 0x0b);
  u.out(IER, ier);
}

const irq = (u: ReturnType<typeof setup>): boolean => u.board.irqLevels[COM1_IRQ];

describe('16550A UART', () => {
  it('resets as the datasheet says: IIR 01, LSR 60, MCR 0, MSR shows a ready far end', () => {
    const u = setup();
    expect(u.inp(IIR)).toBe(0x01);
    expect(u.inp(LSR)).toBe(0x60);
    expect(u.inp(MCR)).toBe(0);
    expect(u.inp(MSR)).toBe(MSR_CTS | MSR_DSR | MSR_DCD);
    expect(u.inp(LCR)).toBe(0);
  });

  it('divisor latch: DLAB=1 maps DLL/DLM at offsets 0 and 1, DLAB=0 maps RBR/THR and IER', () => {
    const u = setup();
    u.out(LCR, 0x83);
    u.out(DLL, 0x34);
    u.out(DLM, 0x12);
    expect(u.inp(DLL)).toBe(0x34);
    expect(u.inp(DLM)).toBe(0x12);
    expect(u.board.serial).toEqual([]); // the DLL write did not transmit
    u.out(LCR, 0x03);
    u.out(IER, 0xff);
    expect(u.inp(IER)).toBe(0x0f); // bits 4-7 are always 0
    expect(u.inp(DLM)).toBe(0x0f); // offset 1 is IER again
    u.out(LCR, 0x83);
    expect(u.inp(DLM)).toBe(0x12);
    expect(u.uart.state.ier).toBe(0x0f);
  });

  it('the scratch register holds what was written', () => {
    const u = setup();
    u.out(SCR, 0xa5);
    expect(u.inp(SCR)).toBe(0xa5);
  });

  it('a character leaves the line one character time after it enters the shift register (8N1, 115200: 8680 instructions)', () => {
    const u = setup();
    init(u);
    expect(u.uart.characterTime()).toBe(CHAR_115200);
    u.out(THR, 0x41);
    u.board.advance(CHAR_115200 - 1);
    expect(u.board.serial).toEqual([]);
    u.board.advance(1);
    expect(u.board.serial).toEqual([0x41]);
  });

  it('back-to-back characters leave at the line rate', () => {
    const u = setup();
    init(u);
    const sentAt: number[] = [];
    u.board.ctx.output.serialByte = (b) => {
      sentAt.push(u.board.clock.icount);
      u.board.serial.push(b);
    };
    for (const c of [0x61, 0x62, 0x63]) u.out(THR, c);
    u.board.advance(10 * CHAR_115200);
    expect(u.board.serial).toEqual([0x61, 0x62, 0x63]);
    expect(sentAt).toEqual([CHAR_115200, 2 * CHAR_115200, 3 * CHAR_115200]);
  });

  it('character time follows the divisor and the word format (9600 8N1, 1200 7E2, 5 bits with 1.5 stop bits)', () => {
    const u = setup();
    u.out(LCR, 0x80);
    u.out(DLL, 12);
    u.out(LCR, 0x03);
    expect(u.uart.characterTime()).toBe(Math.floor((10 * 12 * 100e6) / 115200));
    u.out(LCR, 0x80);
    u.out(DLL, 96);
    u.out(LCR, 0x02 | 0x04 | 0x08 | 0x10); // 7 data bits, 2 stop, even parity: 11 bits
    expect(u.uart.characterTime()).toBe(Math.floor((11 * 96 * 100e6) / 115200));
    u.out(LCR, 0x80);
    u.out(DLL, 1);
    u.out(LCR, 0x04); // 5 data bits, 1.5 stop: 7.5 bits
    expect(u.uart.characterTime()).toBe(Math.floor((7.5 * 100e6) / 115200));
  });

  it('THRE sets as soon as the THR empties into the shift register; TEMT waits for the shift register', () => {
    const u = setup();
    init(u);
    u.out(THR, 0x31);
    expect(u.inp(LSR) & (LSR_THRE | LSR_TEMT)).toBe(LSR_THRE);
    u.out(THR, 0x32);
    expect(u.inp(LSR) & (LSR_THRE | LSR_TEMT)).toBe(0);
    u.board.advance(CHAR_115200);
    expect(u.inp(LSR) & (LSR_THRE | LSR_TEMT)).toBe(LSR_THRE);
    u.board.advance(CHAR_115200);
    expect(u.inp(LSR) & (LSR_THRE | LSR_TEMT)).toBe(LSR_THRE | LSR_TEMT);
    expect(u.board.serial).toEqual([0x31, 0x32]);
  });

  it('THRE interrupt: raised when ETBEI is enabled with the THR empty, cleared by reading IIR', () => {
    const u = setup();
    init(u);
    u.out(IER, 0x02);
    expect(irq(u)).toBe(true);
    expect(u.inp(IIR)).toBe(0xc0 | IIR_THRI);
    expect(irq(u)).toBe(false);
    expect(u.inp(IIR)).toBe(0xc0 | IIR_NO_INT);
  });

  it('THRE interrupt: cleared by writing THR, raised again when the THR empties', () => {
    const u = setup();
    init(u, 0x07, 0x02);
    u.out(THR, 0x41); // idle: goes straight to the TSR, THR empty again at once
    expect(u.inp(IIR) & 0x0f).toBe(IIR_THRI); // (this read clears it)
    u.out(THR, 0x42); // TSR busy: stays in the FIFO
    expect(irq(u)).toBe(false);
    expect(u.inp(IIR) & 0x0f).toBe(IIR_NO_INT);
    u.board.advance(CHAR_115200 - 1);
    expect(irq(u)).toBe(false);
    u.board.advance(1); // 0x41 done, 0x42 moves into the TSR: THR empty
    expect(irq(u)).toBe(true);
    expect(u.inp(IIR) & 0x0f).toBe(IIR_THRI);
    u.out(IER, 0x00);
    u.out(IER, 0x02); // re-enabling ETBEI with THR empty raises it again
    expect(irq(u)).toBe(true);
    u.out(THR, 0x43);
    expect(irq(u)).toBe(false);
  });

  for (const [fcr, level] of [[0x01, 1], [0x41, 4], [0x81, 8], [0xc1, 14]] as const) {
    it(`FIFO trigger level ${level} raises received-data-available at exactly ${level} bytes`, () => {
      const u = setup();
      init(u, fcr | 0x06, 0x01);
      for (let i = 0; i < level - 1; i++) u.uart.receiveByte(0x30 + i);
      if (level > 1) {
        expect(u.inp(IIR) & 0x0f).toBe(IIR_NO_INT);
        expect(irq(u)).toBe(false);
        expect(u.inp(LSR) & LSR_DR).toBe(LSR_DR);
      }
      u.uart.receiveByte(0x7a);
      expect(u.inp(IIR) & 0x0f).toBe(IIR_RDI);
      expect(irq(u)).toBe(true);
      u.inp(RBR); // below the trigger again
      if (level > 1) expect(u.inp(IIR) & 0x0f).toBe(IIR_NO_INT);
    });
  }

  it('IIR reports sources in priority order: line status > data > THR empty > modem status', () => {
    const u = setup();
    init(u, 0x07, 0x0f);
    // A modem status delta: loopback flips the inputs; back out again.
    u.out(MCR, 0x10);
    u.out(MCR, 0x0b);
    expect(u.inp(IIR) & 0x0f).toBe(IIR_THRI); // THRE (set by enabling ETBEI) outranks MSI
    expect(u.inp(IIR) & 0x0f).toBe(IIR_MSI); // that read cleared THRE
    u.out(IER, 0x0d);
    u.out(IER, 0x0f); // THRE pending again
    for (let i = 0; i < 17; i++) u.uart.receiveByte(i); // 16 in the FIFO, the 17th overruns
    expect(u.inp(IIR) & 0x0f).toBe(IIR_RLSI);
    expect(u.inp(LSR) & LSR_OE).toBe(LSR_OE); // reading LSR clears OE
    expect(u.inp(IIR) & 0x0f).toBe(IIR_RDI);
    for (let i = 0; i < 16; i++) expect(u.inp(RBR)).toBe(i);
    expect(u.inp(IIR) & 0x0f).toBe(IIR_THRI);
    expect(u.inp(IIR) & 0x0f).toBe(IIR_MSI);
    expect(u.inp(MSR) & 0x0f).not.toBe(0); // reading MSR clears the deltas
    expect(u.inp(IIR)).toBe(0xc0 | IIR_NO_INT);
    expect(irq(u)).toBe(false);
  });

  it('character timeout: data below the trigger level and 4 quiet character times give IIR 0x0C; reading RBR clears it', () => {
    const u = setup();
    init(u, 0x87, 0x01); // trigger 8
    u.uart.receiveByte(1);
    u.uart.receiveByte(2);
    u.uart.receiveByte(3);
    u.board.advance(4 * CHAR_115200 - 1);
    expect(u.inp(IIR) & 0x0f).toBe(IIR_NO_INT);
    u.board.advance(1);
    expect(u.inp(IIR) & 0x0f).toBe(IIR_CTI);
    expect(irq(u)).toBe(true);
    expect(u.inp(RBR)).toBe(1);
    expect(u.inp(IIR) & 0x0f).toBe(IIR_NO_INT); // cleared, and the count restarted
    u.board.advance(4 * CHAR_115200 - 1);
    expect(u.inp(IIR) & 0x0f).toBe(IIR_NO_INT);
    u.board.advance(1);
    expect(u.inp(IIR) & 0x0f).toBe(IIR_CTI);
    expect(u.inp(RBR)).toBe(2);
    expect(u.inp(RBR)).toBe(3);
    u.board.advance(10 * CHAR_115200); // an empty FIFO never times out
    expect(u.inp(IIR) & 0x0f).toBe(IIR_NO_INT);
  });

  it('a received character restarts the timeout count', () => {
    const u = setup();
    init(u, 0x87, 0x01);
    u.uart.receiveByte(1);
    u.board.advance(3 * CHAR_115200);
    u.uart.receiveByte(2);
    u.board.advance(3 * CHAR_115200);
    expect(u.inp(IIR) & 0x0f).toBe(IIR_NO_INT);
    u.board.advance(CHAR_115200);
    expect(u.inp(IIR) & 0x0f).toBe(IIR_CTI);
  });

  it('loopback: transmitted bytes are received one character time later, not sent; MSR mirrors MCR', () => {
    const u = setup();
    init(u, 0x07, 0x01);
    u.out(MCR, 0x10 | 0x0f);
    expect(u.inp(MSR) & 0xf0).toBe(MSR_CTS | MSR_DSR | MSR_RI | MSR_DCD);
    u.out(MCR, 0x10 | 0x0a); // RTS and OUT2: Linux's loopback probe expects CTS | DCD
    expect(u.inp(MSR) & 0xf0).toBe(MSR_CTS | MSR_DCD);
    u.out(THR, 0x55);
    u.uart.receiveByte(0x99); // SIN is disconnected in loopback
    expect(u.inp(LSR) & LSR_DR).toBe(0);
    u.board.advance(CHAR_115200);
    expect(u.inp(LSR) & LSR_DR).toBe(LSR_DR);
    expect(u.inp(IIR) & 0x0f).toBe(IIR_RDI);
    expect(irq(u)).toBe(false); // the OUT2 pin is forced inactive in loopback: no IRQ on a PC
    expect(u.inp(RBR)).toBe(0x55);
    expect(u.board.serial).toEqual([]);
  });

  it('loopback modem deltas: DCTS/DDSR/DDCD on any change, TERI only on RI falling', () => {
    const u = setup();
    u.out(MCR, 0x10 | 0x04); // loop, OUT1 → RI; CTS, DSR, DCD drop
    expect(u.inp(MSR)).toBe(MSR_RI | MSR_DCTS | MSR_DDSR | MSR_DDCD);
    expect(u.inp(MSR)).toBe(MSR_RI); // deltas cleared by the read
    u.out(MCR, 0x10); // RI falls
    expect(u.inp(MSR)).toBe(MSR_TERI);
    u.out(MCR, 0x10 | 0x04); // RI rises: no TERI
    expect(u.inp(MSR)).toBe(MSR_RI);
  });

  it('OUT2 gates the IRQ line as on a PC', () => {
    const u = setup();
    init(u, 0x07, 0x01);
    u.out(MCR, 0x03);
    u.uart.receiveByte(0x41);
    expect(u.inp(IIR) & 0x0f).toBe(IIR_RDI);
    expect(irq(u)).toBe(false);
    u.out(MCR, 0x0b);
    expect(irq(u)).toBe(true);
  });

  it('overrun: a full FIFO keeps its 16 bytes, drops the 17th and sets OE until LSR is read', () => {
    const u = setup();
    init(u);
    for (let i = 0; i < 17; i++) u.uart.receiveByte(0x40 + i);
    expect(u.inp(LSR) & (LSR_OE | LSR_DR)).toBe(LSR_OE | LSR_DR);
    expect(u.inp(LSR) & LSR_OE).toBe(0);
    const got: number[] = [];
    while (u.inp(LSR) & LSR_DR) got.push(u.inp(RBR));
    expect(got).toEqual(Array.from({ length: 16 }, (_, i) => 0x40 + i));
  });

  it('16450 mode (FIFOs off): an unread RBR is overwritten and OE set; RDI on every byte', () => {
    const u = setup();
    init(u, 0x00, 0x01);
    expect(u.inp(IIR)).toBe(0x01); // no FIFO bits
    u.uart.receiveByte(1);
    expect(u.inp(IIR)).toBe(IIR_RDI);
    u.uart.receiveByte(2);
    expect(u.inp(LSR) & LSR_OE).toBe(LSR_OE);
    expect(u.inp(RBR)).toBe(2);
    expect(u.inp(LSR) & LSR_DR).toBe(0);
  });

  it('FCR RX reset empties the receive FIFO; disabling the FIFOs empties both', () => {
    const u = setup();
    init(u);
    u.uart.receiveByte(1);
    u.uart.receiveByte(2);
    u.out(FCR, 0x03);
    expect(u.inp(LSR) & LSR_DR).toBe(0);
    u.out(THR, 0x10);
    u.out(THR, 0x11);
    u.out(THR, 0x12);
    u.uart.receiveByte(3);
    u.out(FCR, 0x00);
    expect(u.uart.state.tx_count).toBe(0);
    expect(u.uart.state.rx_count).toBe(0);
    u.board.advance(5 * CHAR_115200);
    expect(u.board.serial).toEqual([0x10]); // only the byte already in the shift register
  });

  it('stableRead is what a read returns wherever reading changes nothing, and -1 wherever it would change something', () => {
    const u = setup();
    const stable: string[] = [];
    const check = (when: string): void => {
      for (let reg = 0; reg < 8; reg++) {
        const before = JSON.stringify(u.uart.state);
        const irqs = u.board.irqLog.length;
        const s = u.board.bus.pioStableRead(COM1_PORT + reg, 1);
        const v = u.inp(reg);
        const changed = JSON.stringify(u.uart.state) !== before || u.board.irqLog.length !== irqs;
        if (s === -1) {
          // Said unstable: only RBR, or a register whose read clears something.
          if (!changed) expect([RBR, IIR, LSR, MSR]).toContain(reg);
        } else {
          expect(`${when} reg ${reg}: ${v}, changed ${changed}`).toBe(`${when} reg ${reg}: ${s}, changed false`);
          stable.push(`${when}:${reg}`);
        }
      }
    };
    check('reset'); // MSR: no deltas yet
    init(u, 0x07, 0x02); // THRE interrupt enabled: pending, cleared by reading IIR
    check('init');
    u.out(THR, 0x41);
    u.out(THR, 0x42);
    check('sending'); // LSR without THRE: what a guest polls
    u.board.advance(CHAR_115200);
    check('one sent');
    for (let i = 0; i < 17; i++) u.uart.receiveByte(0x40 + i); // overrun: OE until LSR is read
    check('overrun');
    u.out(LCR, 0x83); // DLAB
    check('dlab');
    u.out(LCR, 0x03);
    u.out(MCR, 0x10 | 0x04); // loopback: modem deltas until MSR is read
    check('loopback');
    expect(stable).toContain('sending:5');
    expect(stable).toContain('dlab:0');
    expect(stable).not.toContain('overrun:0');
  });

  it('transmitBusy holds while bytes the guest wrote are not all on the line, without changing state', () => {
    const u = setup();
    init(u);
    expect(u.uart.transmitBusy()).toBe(false);
    u.out(THR, 0x61);
    u.out(THR, 0x62);
    const before = u.uart.snapshot();
    expect(u.uart.transmitBusy()).toBe(true);
    expect(u.uart.snapshot()).toEqual(before);
    u.board.advance(3 * CHAR_115200);
    expect(u.board.serial).toEqual([0x61, 0x62]);
    expect(u.uart.transmitBusy()).toBe(false);
  });
});

describeConformance({
  name: '16550A UART',
  create(board) {
    const uart = new Uart16550(board.ctx, BOARD.uart);
    uart.id = board.bus.registerDevice(uart.name);
    board.bus.mapPorts(uart.id, COM1_PORT, 8, uart);
    uart.reset();
    return { device: uart, windows: [{ space: 'pio', base: COM1_PORT, length: 8 }] };
  },
  exercise(board, device) {
    const uart = device as unknown as Uart16550;
    const out = (r: number, v: number) => board.bus.pioWrite(COM1_PORT + r, 1, v);
    out(LCR, 0x80);
    out(DLL, 1);
    out(LCR, 0x03);
    out(FCR, 0x47); // trigger 4
    out(MCR, 0x0b);
    out(IER, 0x0f);
    out(SCR, 0x5a);
    for (const c of [0x68, 0x65, 0x6c, 0x6c, 0x6f]) out(THR, c); // TSR busy, 4 in the TX FIFO
    uart.receiveByte(0x31);
    uart.receiveByte(0x32);
    uart.receiveByte(0x33); // below trigger: timeout timer armed
    board.advance(1000);
  },
  probe(board, device) {
    const uart = device as unknown as Uart16550;
    const inp = (r: number) => board.bus.pioRead(COM1_PORT + r, 1);
    const seen: number[] = [];
    seen.push(inp(IIR), inp(LSR), inp(MSR));
    board.advance(4 * CHAR_115200);
    seen.push(inp(IIR), inp(RBR), inp(IIR), inp(LSR));
    uart.receiveByte(0x34);
    board.advance(3 * CHAR_115200);
    seen.push(inp(IIR), inp(LSR));
    board.bus.pioWrite(COM1_PORT + THR, 1, 0x21);
    board.advance(10 * CHAR_115200);
    seen.push(inp(IIR), inp(IIR), inp(LSR), inp(RBR), inp(RBR), inp(RBR), inp(LSR));
    return seen;
  },
});
