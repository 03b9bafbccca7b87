import { describe, expect, it } from 'vitest';
import { I8042, POWER_ON_COMMAND_BYTE, STATUS_OBF } from '../../src/devices/i8042.js';
import type { AnyDevice } from '../../src/board/board.js';
import { BOARD } from '../../src/board/layout.js';
import { describeConformance, makeTestBoard, type TestBoard } from './conformance.js';
import { parseInputScript } from '../../src/devices/input-script.js';

const DATA = BOARD.i8042.data;
const CMD = BOARD.i8042.command;

function setup(): { board: TestBoard; kbc: I8042; a20: boolean[]; resets: number[] } {
  const board = makeTestBoard();
  const a20: boolean[] = [];
  const resets: number[] = [];
  const kbc = new I8042(board.ctx, BOARD.i8042, { a20: (o) => a20.push(o), resetRequest: () => resets.push(board.clock.icount) });
  kbc.mapPorts(board.bus);
  kbc.reset();
  return { board, kbc, a20, resets };
}

const status = (b: TestBoard) => b.bus.pioRead(CMD, 1);
const data = (b: TestBoard) => b.bus.pioRead(DATA, 1);
const command = (b: TestBoard, c: number) => b.bus.pioWrite(CMD, 1, c);
const send = (b: TestBoard, v: number) => b.bus.pioWrite(DATA, 1, v);
/** Every byte waiting in the output buffer, read the way a polling driver reads them. */
function drain(b: TestBoard): number[] {
  const out: number[] = [];
  while (status(b) & STATUS_OBF) out.push(data(b));
  return out;
}

describeConformance({
  name: '8042 keyboard controller',
  create(board) {
    const kbc = new I8042(board.ctx, BOARD.i8042, { a20: () => {}, resetRequest: () => {} });
    kbc.mapPorts(board.bus);
    kbc.reset();
    return { device: kbc as unknown as AnyDevice, windows: [{ space: 'pio', base: DATA, length: 1 }, { space: 'pio', base: CMD, length: 1 }] };
  },
  exercise(board, device) {
    command(board, 0xd1); // half-written output-port command
    board.bus.pioWrite(CMD, 1, 0x60);
    send(board, 0x47);
    send(board, 0xf2); // identify: ACK, AB, 83 queued
    (device as unknown as I8042).typeCodes(Uint8Array.of(0x1e, 0x9e));
    send(board, 0xed); // keyboard waits for the LED byte
  },
  probe(board) {
    const out = [status(board)];
    send(board, 0x02);
    out.push(...drain(board), status(board), board.irqLevels[1] ? 1 : 0);
    command(board, 0x20);
    out.push(data(board));
    return out;
  },
});

describe('8042 keyboard controller', () => {
  it('comes up as a PC BIOS leaves it: keyboard on, IRQ1 on, translation on, SYS set, nothing to read', () => {
    const { board } = setup();
    expect(status(board)).toBe(0x14);
    command(board, 0x20);
    expect(status(board) & 0x09).toBe(0x09); // OBF, and A2: the last write was a command
    expect(data(board)).toBe(POWER_ON_COMMAND_BYTE);
    expect(POWER_ON_COMMAND_BYTE).toBe(0x65);
    command(board, 0xd0);
    expect(data(board)).toBe(0xcf);
  });

  it('opens A20 the way xv6 bootasm.S does: poll IBF, 0xD1 to 0x64, 0xDF to 0x60', () => {
    const { board, kbc, a20, resets } = setup();
    expect(status(board) & 0x02).toBe(0); // IBF never set: writes are taken at once
    command(board, 0xd1);
    send(board, 0xdd);
    expect(a20.at(-1)).toBe(false);
    command(board, 0xd1);
    send(board, 0xdf);
    expect(a20.at(-1)).toBe(true);
    expect(kbc.state.output_port).toBe(0xdf);
    command(board, 0xdd);
    expect(a20.at(-1)).toBe(false);
    command(board, 0xdf);
    expect(a20.at(-1)).toBe(true);
    expect(resets).toEqual([]);
  });

  it('resets the CPU through the output port: 0xD1 with bit 0 clear, or the 0xFE pulse', () => {
    const { board, resets } = setup();
    command(board, 0xfe);
    expect(resets.length).toBe(1);
    command(board, 0xd1);
    send(board, 0xde);
    expect(resets.length).toBe(2);
    command(board, 0xff); // pulses nothing
    expect(resets.length).toBe(2);
  });

  it('answers the controller tests Linux i8042 runs: self-test 0x55, interface test 0x00', () => {
    const { board } = setup();
    command(board, 0xaa);
    expect(drain(board)).toEqual([0x55]);
    command(board, 0xab);
    expect(drain(board)).toEqual([0x00]);
  });

  it('writes the command byte with 0x60; 0xA7/0xA8 and 0xAD/0xAE flip the disable bits', () => {
    const { board } = setup();
    command(board, 0x60);
    send(board, 0x00);
    expect(status(board) & 0x04).toBe(0); // SYS follows the command byte
    for (const [c, want] of [[0xa8, 0x00], [0xa7, 0x20], [0xad, 0x30], [0xae, 0x20]] as const) {
      command(board, c);
      command(board, 0x20);
      expect(data(board)).toBe(want);
    }
  });

  it('answers keyboard commands; translation turns the identity 0x83 into 0x41', () => {
    const { board, kbc } = setup();
    send(board, 0xff);
    expect(drain(board)).toEqual([0xfa, 0xaa]);
    send(board, 0xf2);
    expect(drain(board)).toEqual([0xfa, 0xab, 0x41]);
    command(board, 0x60);
    send(board, 0x05); // translation off
    send(board, 0xf2);
    expect(drain(board)).toEqual([0xfa, 0xab, 0x83]);
    send(board, 0xed);
    send(board, 0x07);
    expect(drain(board)).toEqual([0xfa, 0xfa]);
    expect(kbc.state.kbd_leds).toBe(7);
    send(board, 0xf0);
    send(board, 0x00);
    expect(drain(board)).toEqual([0xfa, 0xfa, 0x02]);
    send(board, 0xf5);
    send(board, 0xf4);
    send(board, 0x12); // unknown: ACK
    expect(drain(board)).toEqual([0xfa, 0xfa, 0xfa]);
  });

  it('delivers typed keys as set-1 codes with IRQ1, one byte per output buffer fill', () => {
    const { board, kbc } = setup();
    kbc.typeCodes(Uint8Array.of(0x2a, 0x23, 0xa3, 0xaa, 0xe0, 0x48, 0xe0, 0xc8)); // shift-h, up arrow
    expect(board.irqLevels[1]).toBe(true);
    const got: number[] = [];
    while (status(board) & STATUS_OBF) {
      expect(board.irqLevels[1]).toBe(true);
      got.push(data(board));
    }
    expect(board.irqLevels[1]).toBe(false);
    expect(got).toEqual([0x2a, 0x23, 0xa3, 0xaa, 0xe0, 0x48, 0xe0, 0xc8]);
    command(board, 0x60);
    send(board, 0x04); // untranslated, IRQ1 off: the keyboard's own set 2
    kbc.typeCodes(Uint8Array.of(0x1e, 0x9e));
    expect(board.irqLevels[1]).toBe(false);
    expect(drain(board)).toEqual([0x1c, 0xf0, 0x1c]);
  });

  it('holds keyboard bytes while its interface is disabled, and ignores keys while scanning is off', () => {
    const { board, kbc } = setup();
    command(board, 0xad);
    kbc.typeCodes(Uint8Array.of(0x1e, 0x9e));
    expect(status(board) & STATUS_OBF).toBe(0);
    command(board, 0xae);
    expect(drain(board)).toEqual([0x1e, 0x9e]);
    send(board, 0xf5);
    drain(board);
    kbc.typeCodes(Uint8Array.of(0x1e));
    expect(drain(board)).toEqual([]);
  });

  it('has no mouse: a byte for the auxiliary device times out (0xFE, AUXB and TIMEOUT); 0xD3 loops back with IRQ12', () => {
    const { board } = setup();
    command(board, 0xd4);
    send(board, 0xf2);
    expect(status(board) & 0x61).toBe(0x61);
    expect(data(board)).toBe(0xfe);
    command(board, 0x60);
    send(board, 0x47); // AUX INT on
    command(board, 0xd3);
    send(board, 0x5a);
    expect(status(board) & 0x21).toBe(0x21);
    expect(board.irqLevels[12]).toBe(true);
    expect(board.irqLevels[1]).toBe(false);
    expect(data(board)).toBe(0x5a);
    expect(board.irqLevels[12]).toBe(false);
  });
});

describe('input script: key lines', () => {
  it('types text as set-1 make/break codes, a key at a time with every N', () => {
    const s = parseInputScript('100 key "Hi\\n" every 50\n200 key-hex e0 48 e0 c8\n', 't');
    expect(s.events.map((e) => [e.icount, e.target, [...e.data]])).toEqual([
      [100, 'keyboard', [0x2a, 0x23, 0xa3, 0xaa]],
      [150, 'keyboard', [0x17, 0x97]],
      [200, 'keyboard', [0x1c, 0x9c]], // the first line's newline comes first at the same icount
      [200, 'keyboard', [0xe0, 0x48, 0xe0, 0xc8]],
    ]);
  });

  it('refuses what no key types, and codes that are no key', () => {
    expect(() => parseInputScript('1 key "é"', 't')).toThrow(/^t:1: no key on a US keyboard types "é"/);
    expect(() => parseInputScript('1 key-hex 7f', 't')).toThrow(/^t:1: 0x7f is not a set-1 scan code/);
  });
});
