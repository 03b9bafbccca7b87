import { describe, expect, it } from 'vitest';
import { CgaCrtc, MODE3_TIMING } from '../../src/devices/cga-crtc.js';
import type { AnyDevice } from '../../src/board/board.js';
import { BOARD } from '../../src/board/layout.js';
import { Machine } from '../../src/board/machine.js';
import { describeConformance, makeTestBoard, type TestBoard } from './conformance.js';

const INDEX = BOARD.crtc.index;
const DATA = BOARD.crtc.data;

function setup(): { board: TestBoard; crtc: CgaCrtc } {
  const board = makeTestBoard();
  const crtc = new CgaCrtc(board.ctx, BOARD.crtc);
  crtc.mapPorts(board.bus);
  crtc.reset();
  return { board, crtc };
}
const reg = (b: TestBoard, r: number) => (b.bus.pioWrite(INDEX, 1, r), b.bus.pioRead(DATA, 1));
const setReg = (b: TestBoard, r: number, v: number) => (b.bus.pioWrite(INDEX, 1, r), b.bus.pioWrite(DATA, 1, v));

describeConformance({
  name: 'CGA 6845 CRTC',
  create(board) {
    const crtc = new CgaCrtc(board.ctx, BOARD.crtc);
    crtc.mapPorts(board.bus);
    crtc.reset();
    return { device: crtc as unknown as AnyDevice, windows: [{ space: 'pio', base: INDEX, length: 2 }] };
  },
  exercise(board) {
    setReg(board, 10, 0x20); // cursor off
    setReg(board, 14, 0x01);
    setReg(board, 15, 0x40);
    board.bus.pioWrite(INDEX, 1, 12);
  },
  probe(board) {
    return [board.bus.pioRead(DATA, 1), reg(board, 14), reg(board, 15), reg(board, 13)];
  },
});

describe('CGA 6845 CRTC', () => {
  it('moves the cursor as xv6 cgaputc does: index 14/15 at 0x3D4, the bytes at 0x3D5, read back', () => {
    const { board, crtc } = setup();
    setReg(board, 14, 0x07);
    setReg(board, 15, 0xd0);
    expect([reg(board, 14), reg(board, 15)]).toEqual([0x07, 0xd0]);
    expect(crtc.oracle().derived.cursor).toBe(0x7d0);
  });

  it('reads R12-R15 back; R0-R11 are write-only (0), R16-R17 light pen (0), the index and R18+ read 0xFF', () => {
    const { board, crtc } = setup();
    setReg(board, 12, 0x12);
    setReg(board, 13, 0x34);
    setReg(board, 1, 0x28);
    expect([reg(board, 12), reg(board, 13), reg(board, 1), reg(board, 16), reg(board, 17), reg(board, 18)]).toEqual([0x12, 0x34, 0, 0, 0, 0xff]);
    expect(crtc.state.timing[1]).toBe(0x28);
    setReg(board, 16, 0x55);
    expect(reg(board, 16)).toBe(0);
    expect(board.bus.pioRead(INDEX, 1)).toBe(0xff);
    board.bus.pioWrite(INDEX, 1, 0xee); // only bits 4-0 decode: R14
    expect(crtc.state.index).toBe(14);
  });

  it('powers on with the BIOS mode-3 timing', () => {
    expect(setup().crtc.state.timing).toEqual([...MODE3_TIMING]);
  });

  it('has its text memory at 0xB8000 in ordinary, dirty-tracked RAM', () => {
    const m = new Machine();
    const log = m.memory.dirty.createClient('test');
    m.memory.write16(BOARD.crtc.textMemory, 0x0741); // a CPU store: 'A', grey on black
    expect(m.memory.readBytes(BOARD.crtc.textMemory, 2)).toEqual(Uint8Array.of(0x41, 0x07));
    expect(m.bus.mmioRead(BOARD.crtc.textMemory, 2)).toBe(0xffff); // no MMIO window there: the bus decodes nothing
    expect(log.isDirty(BOARD.crtc.textMemory >> 12)).toBe(true);
  });
});
