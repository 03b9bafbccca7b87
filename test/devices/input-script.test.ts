import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeConformance, makeTestBoard } from './conformance.js';
import { InputScheduler, loadInputScript, parseInputScript, type InputScript } from '../../src/devices/input-script.js';
import { Uart16550 } from '../../src/devices/uart16550.js';
import { InputError } from '../../src/errors.js';
import { BOARD } from '../../src/board/layout.js';

const COM1_PORT = BOARD.uart.ports.base;

const FRAME_HEX = 'ffffffffffff 525400123456 0806' + ' 00'.repeat(46); // broadcast ARP-type, 60 bytes

function parseError(text: string): string {
  try {
    parseInputScript(text, 'in.txt');
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a parse error');
}

const bytes = (s: InputScript, i: number): number[] => [...s.events[i].data];

describe('input script parsing', () => {
  it('reads serial strings with escapes, hex bytes, frames and comments', () => {
    const s = parseInputScript(
      [
        '# a comment',
        '1000 serial "hi\\r\\n\\x01\\"#"   # trailing comment',
        '',
        '2_000 serial-hex 0a 0D:ff',
        `1e4 frame ${FRAME_HEX}`,
        '+5 nic \\',
        `  ${FRAME_HEX}`,
      ].join('\n'),
      'in.txt',
    );
    expect(s.events.map((e) => [e.icount, e.target])).toEqual([
      [1000, 'serial'], [2000, 'serial'], [10000, 'nic'], [10005, 'nic'],
    ]);
    expect(bytes(s, 0)).toEqual([0x68, 0x69, 0x0d, 0x0a, 0x01, 0x22, 0x23]);
    expect(bytes(s, 1)).toEqual([0x0a, 0x0d, 0xff]);
    expect(s.events[2].data.length).toBe(60);
    expect(bytes(s, 3)).toEqual(bytes(s, 2));
  });

  it('non-ASCII text is sent as UTF-8', () => {
    expect(bytes(parseInputScript('0 serial "é"', 'x'), 0)).toEqual([0xc3, 0xa9]);
  });

  it('"every N" spaces serial bytes N instructions apart, merging in time order with later lines', () => {
    const s = parseInputScript('100 serial "abc" every 50\n150 serial-hex 7a', 'x');
    expect(s.events.map((e) => [e.icount, ...e.data])).toEqual([[100, 0x61], [150, 0x62], [150, 0x7a], [200, 0x63]]);
  });

  it('the content hash ignores spelling and comments but not content or timing', () => {
    const a = parseInputScript('1000 serial "A\\n"', 'a');
    const b = parseInputScript('# same thing\n1_000 serial-hex 41 0a', 'b');
    const c = parseInputScript('1001 serial "A\\n"', 'c');
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.hash).toBe(a.hash);
    expect(c.hash).not.toBe(a.hash);
    expect(parseInputScript('', 'e').events).toEqual([]);
  });

  const bad: [string, string, RegExp][] = [
    ['an unknown target', '10 serail "x"', /^in\.txt:1: unknown target "serail"/],
    ['a negative icount', '# c\n-5 serial "x"', /^in\.txt:2: icount "-5" is negative/],
    ['a decreasing icount', '100 serial "a"\n\n50 serial "b"', /^in\.txt:3: icount 50 is before the previous line's 100/],
    ['an icount that is not a number', '1k serial "a"', /^in\.txt:1: icount "1k" is not a number/],
    ['a fractional icount', '1.5 serial "a"', /^in\.txt:1: icount "1.5" is not a whole number/],
    ['a short frame', '0 frame 0011223344', /^in\.txt:1: frame of 5 bytes: an Ethernet frame is 14 to 1518 bytes/],
    ['a long frame', `0 frame ${'ab'.repeat(1519)}`, /frame of 1519 bytes/],
    ['an odd number of hex digits', '0 frame 0011223344556677889900aabbc', /^in\.txt:1: odd number of hex digits/],
    ['a non-hex digit', '0 serial-hex 0g', /^in\.txt:1: "g" is not a hex digit/],
    ['an unterminated string', '0 serial "abc', /^in\.txt:1: unterminated string/],
    ['an unknown escape', '0 serial "\\q"', /^in\.txt:1: unknown escape "\\q"/],
    ['a bad \\x escape', '0 serial "\\x4"', /^in\.txt:1: bad escape/],
    ['a missing target', '0', /^in\.txt:1: nothing scheduled/],
    ['serial without a string', '0 serial 41', /^in\.txt:1: serial takes one quoted string/],
    ['an empty string', '0 serial ""', /^in\.txt:1: empty serial data/],
    ['every on a frame', `0 frame ${FRAME_HEX} every 5`, /^in\.txt:1: "every" applies to serial data/],
    ['every 0', '0 serial "ab" every 0', /^in\.txt:1: "every 0"/],
  ];
  for (const [what, text, message] of bad) {
    it(`rejects ${what} with one line naming the line`, () => {
      expect(parseError(text)).toMatch(message);
    });
  }

  it('the example in docs/input-script.md parses', () => {
    const doc = readFileSync(new URL('../../docs/input-script.md', import.meta.url), 'utf8');
    const example = /```\n([\s\S]*?)```/.exec(doc)![1];
    const s = parseInputScript(example, 'docs/input-script.md');
    expect(s.events.filter((e) => e.target === 'serial')).toHaveLength(6);
    const frame = s.events.find((e) => e.target === 'nic')!;
    expect(frame.icount).toBe(3e6);
    expect(frame.data.length).toBe(60);
    expect(s.events.filter((e) => e.target === 'keyboard').map((e) => e.icount)).toEqual([4e6, 5e6, 6e6, 6e6]) // +N counts from the previous line's WHEN;
  });

  it('loadInputScript reports a missing file as an InputError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'migtrace-input-'));
    try {
      expect(() => loadInputScript(join(dir, 'none.txt'))).toThrow(/none\.txt: no such file/);
      writeFileSync(join(dir, 'ok.txt'), '5 serial "z"\n');
      expect(loadInputScript(join(dir, 'ok.txt')).events).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('input scheduler', () => {
  function rigWith(text: string) {
    const board = makeTestBoard();
    const got: [number, string, number[]][] = [];
    const input = new InputScheduler(board.ctx, parseInputScript(text, 'x'), {
      serial: (b) => got.push([board.clock.icount, 'serial', [b]]),
      frame: (f) => got.push([board.clock.icount, 'nic', [...f]]),
    });
    input.attach(board.bus);
    input.reset();
    return { board, input, got };
  }

  it('delivers each event at exactly its icount', () => {
    const { board, got } = rigWith(`0 serial "a"\n1000 serial "bc"\n1000 frame ${FRAME_HEX}\n5000 serial-hex 7a`);
    board.advance(999);
    expect(got.map((g) => g[0])).toEqual([0]);
    board.advance(1);
    expect(got.map((g) => [g[0], g[1]])).toEqual([[0, 'serial'], [1000, 'serial'], [1000, 'serial'], [1000, 'nic']]);
    board.advance(3999);
    expect(got).toHaveLength(4);
    board.advance(1);
    expect(got[4]).toEqual([5000, 'serial', [0x7a]]);
    expect(board.clock.pending()).toEqual([]); // nothing left to deliver
  });

  it('a script with frames needs a frame sink, reported at construction', () => {
    const board = makeTestBoard();
    const script = parseInputScript(`10 frame ${FRAME_HEX}`, 'net.txt');
    expect(() => new InputScheduler(board.ctx, script, { serial: () => {} })).toThrow(/net\.txt sends a frame at icount 10/);
  });

  it('serial bytes of one event reach the UART together; its FIFO and overrun rules apply', () => {
    const board = makeTestBoard();
    const uart = new Uart16550(board.ctx, BOARD.uart);
    uart.id = board.bus.registerDevice(uart.name);
    board.bus.mapPorts(uart.id, COM1_PORT, 8, uart);
    uart.reset();
    board.bus.pioWrite(COM1_PORT + 2, 1, 0x07);
    const input = new InputScheduler(board.ctx, parseInputScript('100 serial "0123456789abcdefXY"', 'x'), {
      serial: (b) => uart.receiveByte(b),
    });
    input.attach(board.bus);
    input.reset();
    board.advance(100);
    expect(board.bus.pioRead(COM1_PORT + 5, 1) & 0x03).toBe(0x03); // DR and OE: 18 bytes into 16
    let text = '';
    while (board.bus.pioRead(COM1_PORT + 5, 1) & 1) text += String.fromCharCode(board.bus.pioRead(COM1_PORT, 1));
    expect(text).toBe('0123456789abcdef');
  });

  it('a restored position continues the script where the snapshot left it', () => {
    const a = rigWith('10 serial "a"\n20 serial "b"\n30 serial "c"');
    a.board.advance(15);
    const snap = a.input.snapshot();
    expect(snap).toEqual({ next_event: 1, delivery_timer: 5 });
    const b = rigWith('10 serial "a"\n20 serial "b"\n30 serial "c"');
    b.board.clock.icount = 15;
    b.got.length = 0;
    b.input.restore(snap);
    b.board.advance(100);
    expect(b.got).toEqual([[20, 'serial', [0x62]], [30, 'serial', [0x63]]]);
  });
});

const CONFORMANCE_SCRIPT = parseInputScript(`100 serial "ab"\n200 frame ${FRAME_HEX}\n300 serial "c" \n400 serial-hex 00 ff`, 'conformance');

describeConformance({
  name: 'input scheduler',
  create(board) {
    const input = new InputScheduler(board.ctx, CONFORMANCE_SCRIPT, {
      serial: (b) => board.serial.push(b),
      frame: (f) => board.frames.push(f),
    });
    input.attach(board.bus);
    input.reset();
    return { device: input, windows: [] };
  },
  exercise(board) {
    board.advance(150); // first event delivered, the frame pending at 200
  },
  probe(board) {
    const seen: number[] = [];
    const serial0 = board.serial.length;
    const frames0 = board.frames.length;
    for (let i = 0; i < 4; i++) {
      board.advance(100);
      seen.push(board.serial.length - serial0, board.frames.length - frames0, board.clock.pending().length);
    }
    return seen;
  },
});
