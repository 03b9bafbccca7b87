import { describe, expect, it } from 'vitest';
import { DEFAULT_RTC_START, RtcCmos } from '../../src/devices/rtc-cmos.js';
import type { AnyDevice } from '../../src/board/board.js';
import { describeConformance, makeTestBoard, type TestBoard } from './conformance.js';
import { BOARD } from '../../src/board/layout.js';

const SECOND = 100_000_000; // makeTestBoard's clock: DEFAULT_INSTRUCTIONS_PER_SECOND
const UIP_WINDOW = 24_400; // 244 µs at 100 M instructions per second

function setup(start?: number): { board: TestBoard; rtc: RtcCmos } {
  const board = makeTestBoard();
  const rtc = new RtcCmos(board.ctx, BOARD.rtc, start);
  rtc.mapPorts(board.bus);
  rtc.reset();
  return { board, rtc };
}

function cmos(board: TestBoard, index: number): number {
  board.bus.pioWrite(0x70, 1, index);
  return board.bus.pioRead(0x71, 1);
}

function setCmos(board: TestBoard, index: number, value: number): void {
  board.bus.pioWrite(0x70, 1, index);
  board.bus.pioWrite(0x71, 1, value);
}

/** [year, month, date, hours, minutes, seconds] as raw register bytes. */
function timeBytes(board: TestBoard): number[] {
  return [9, 8, 7, 4, 2, 0].map((i) => cmos(board, i));
}

/** Set the clock the way a driver does: SET, write the bytes, clear SET. */
function setTime(board: TestBoard, regB: number, bytes: Record<number, number>): void {
  setCmos(board, 0x0b, regB | 0x80);
  for (const [i, v] of Object.entries(bytes)) setCmos(board, Number(i), v);
  setCmos(board, 0x0b, regB);
}

/** Advance to the next device event that raises IRQ8; returns its icount. */
function untilIrq8(board: TestBoard): number {
  while (!board.irqLevels[8]) {
    const next = board.clock.pending()[0];
    board.advance(next.at - board.clock.icount);
  }
  return board.clock.icount;
}

describe('MC146818 RTC/CMOS', () => {
  it('reset holds the configured start time in BCD, 24-hour mode', () => {
    const { board } = setup();
    expect(DEFAULT_RTC_START).toBe(1_767_225_600);
    expect(timeBytes(board)).toEqual([0x26, 0x01, 0x01, 0x00, 0x00, 0x00]);
    expect(cmos(board, 0x06)).toBe(5); // Thursday
    expect(cmos(board, 0x32)).toBe(0x20);
    expect([cmos(board, 0x0a), cmos(board, 0x0b), cmos(board, 0x0c), cmos(board, 0x0d)]).toEqual([0x26, 0x02, 0x00, 0x80]);
    const other = setup(1_700_000_000).board; // 2023-11-14T22:13:20Z, a Tuesday
    expect(timeBytes(other)).toEqual([0x23, 0x11, 0x14, 0x22, 0x13, 0x20]);
    expect(cmos(other, 0x06)).toBe(3);
  });

  it('time advances with virtual time only, one update per virtual second', () => {
    const { board } = setup();
    board.advance(SECOND - 1);
    expect(cmos(board, 0)).toBe(0x00);
    board.advance(1);
    expect(cmos(board, 0)).toBe(0x01);
    board.advance(59 * SECOND);
    expect(timeBytes(board)).toEqual([0x26, 0x01, 0x01, 0x00, 0x01, 0x00]);
  });

  it('the calendar carries through a leap day, the month and the day of week', () => {
    const { board } = setup(1_709_164_799); // 2024-02-28T23:59:59Z, a Wednesday
    expect(cmos(board, 0x06)).toBe(4);
    board.advance(SECOND);
    expect(timeBytes(board)).toEqual([0x24, 0x02, 0x29, 0x00, 0x00, 0x00]);
    expect(cmos(board, 0x06)).toBe(5);
    setTime(board, 0x02, { 0x09: 0x99, 0x08: 0x12, 0x07: 0x31, 0x04: 0x23, 0x02: 0x59, 0x00: 0x59, 0x06: 7 });
    board.advance(SECOND);
    expect(timeBytes(board)).toEqual([0x00, 0x01, 0x01, 0x00, 0x00, 0x00]);
    expect(cmos(board, 0x06)).toBe(1);
  });

  it('UIP reads 1 only during the 244 µs before each update', () => {
    const { board } = setup();
    board.advance(SECOND - UIP_WINDOW - 1);
    expect(cmos(board, 0x0a) & 0x80).toBe(0);
    board.advance(1);
    expect(cmos(board, 0x0a)).toBe(0xa6);
    expect(cmos(board, 0)).toBe(0x00); // the time bytes still hold the old second
    board.advance(UIP_WINDOW - 1);
    expect(cmos(board, 0x0a) & 0x80).toBe(0x80);
    board.advance(1);
    expect(cmos(board, 0x0a)).toBe(0x26);
    expect(cmos(board, 0)).toBe(0x01);
  });

  it('binary mode (DM = 1) counts in binary; BCD mode counts in BCD', () => {
    const { board } = setup();
    setTime(board, 0x06, { 0x00: 59, 0x02: 9, 0x04: 13 });
    board.advance(SECOND);
    expect([cmos(board, 4), cmos(board, 2), cmos(board, 0)]).toEqual([13, 10, 0]);
    setTime(board, 0x02, { 0x00: 0x59, 0x02: 0x09, 0x04: 0x13 });
    board.advance(SECOND);
    expect([cmos(board, 4), cmos(board, 2), cmos(board, 0)]).toEqual([0x13, 0x10, 0x00]);
  });

  it('12-hour mode counts 1–12 with bit 7 as PM', () => {
    const { board } = setup();
    setTime(board, 0x00, { 0x04: 0x11, 0x02: 0x59, 0x00: 0x59 }); // 11:59:59 AM
    board.advance(SECOND);
    expect(cmos(board, 4)).toBe(0x92); // 12 PM
    setTime(board, 0x00, { 0x04: 0x92, 0x02: 0x59, 0x00: 0x59 }); // 12:59:59 PM
    board.advance(SECOND);
    expect(cmos(board, 4)).toBe(0x81); // 1 PM
    setTime(board, 0x00, { 0x04: 0x91, 0x02: 0x59, 0x00: 0x59, 0x07: 0x01 }); // 11:59:59 PM
    board.advance(SECOND);
    expect(cmos(board, 4)).toBe(0x12); // 12 AM, next day
    expect(cmos(board, 7)).toBe(0x02);
  });

  it('the periodic interrupt follows register A RS: 1024 Hz at exact icounts, 2 Hz', () => {
    const { board } = setup();
    setCmos(board, 0x0b, 0x42); // PIE
    const rises: number[] = [];
    for (let i = 0; i < 4; i++) {
      rises.push(untilIrq8(board));
      expect(cmos(board, 0x0c)).toBe(0xc0);
      expect(board.irqLevels[8]).toBe(false);
    }
    expect(rises).toEqual([97_657, 195_313, 292_969, 390_625]); // ceil(k · 10^8 / 1024)

    const slow = setup().board;
    setCmos(slow, 0x0a, 0x2f);
    setCmos(slow, 0x0b, 0x42);
    const slowRises = [untilIrq8(slow)];
    cmos(slow, 0x0c);
    slowRises.push(untilIrq8(slow));
    expect(slowRises).toEqual([SECOND / 2, SECOND]);
  });

  it('PF is set at the periodic rate even without PIE, and IRQ8 stays low', () => {
    const { board } = setup();
    board.advance(200_000);
    expect(board.irqLevels[8]).toBe(false);
    expect(cmos(board, 0x0c)).toBe(0x40);
    expect(cmos(board, 0x0c)).toBe(0x00);
  });

  it('the alarm fires when the time matches, with 0xC0–0xFF as don\'t care', () => {
    const { board } = setup();
    setCmos(board, 0x01, 0x05);
    setCmos(board, 0x03, 0xc0);
    setCmos(board, 0x05, 0xff);
    setCmos(board, 0x0b, 0x22); // AIE
    board.advance(5 * SECOND - 1);
    expect(board.irqLevels[8]).toBe(false);
    board.advance(1);
    expect(board.irqLevels[8]).toBe(true);
    expect(cmos(board, 0x0c)).toBe(0xf0); // IRQF | PF | AF | UF (PF runs at the default 1024 Hz; UF at every update)
    setCmos(board, 0x05, 0x01); // hour must now match 01: it does not
    board.advance(60 * SECOND);
    expect(board.irqLevels[8]).toBe(false);
  });

  it('reading register C clears the flags and lowers IRQ8', () => {
    const { board } = setup();
    setCmos(board, 0x0b, 0x12); // UIE
    board.advance(SECOND);
    expect(board.irqLog).toEqual([`irq8=1@${SECOND}`]);
    expect(cmos(board, 0x0c)).toBe(0xd0); // IRQF | PF | UF
    expect(board.irqLevels[8]).toBe(false);
    expect(cmos(board, 0x0c)).toBe(0x00);
    setCmos(board, 0x0c, 0xff); // read-only
    setCmos(board, 0x0d, 0x00);
    expect(cmos(board, 0x0c)).toBe(0x00);
    expect(cmos(board, 0x0d)).toBe(0x80);
  });

  it('SET halts updates and clears UIE; clearing it resumes at the next second boundary', () => {
    const { board } = setup();
    board.advance(SECOND / 4);
    setCmos(board, 0x0b, 0x92); // SET | UIE
    expect(cmos(board, 0x0b)).toBe(0x82);
    board.advance(3 * SECOND - UIP_WINDOW);
    expect(cmos(board, 0x0a) & 0x80).toBe(0); // no UIP while SET
    board.advance(SECOND);
    expect(cmos(board, 0)).toBe(0x00);
    expect(cmos(board, 0x0c)).toBe(0x40); // periodic flag only: no update ended
    setCmos(board, 0x0b, 0x02);
    const resumedAt = board.clock.icount;
    board.advance(5 * SECOND - resumedAt - 1);
    expect(cmos(board, 0)).toBe(0x00);
    board.advance(1);
    expect(cmos(board, 0)).toBe(0x01);
  });

  it('leaving divider reset starts the first update half a second later', () => {
    const { board } = setup();
    setCmos(board, 0x0a, 0x76); // DV = 111: divider held in reset
    board.advance(3 * SECOND);
    expect(cmos(board, 0)).toBe(0x00);
    expect(board.clock.pending()).toEqual([]);
    setCmos(board, 0x0a, 0x26);
    board.advance(SECOND / 2 - 1);
    expect(cmos(board, 0)).toBe(0x00);
    board.advance(1);
    expect(cmos(board, 0)).toBe(0x01);
  });

  it('the NMI bit of an index write is kept apart and does not change the index', () => {
    const { board, rtc } = setup();
    setCmos(board, 0x40, 0x5a);
    board.bus.pioWrite(0x70, 1, 0x80 | 0x40);
    expect(rtc.nmiDisabled).toBe(true);
    expect(rtc.state.cmos_index).toBe(0x40);
    expect(board.bus.pioRead(0x71, 1)).toBe(0x5a);
    expect(board.bus.pioRead(0x70, 1)).toBe(0xff); // the index port is write-only
    board.bus.pioWrite(0x70, 1, 0x0b);
    expect(rtc.nmiDisabled).toBe(false);
    expect(board.bus.pioRead(0x71, 1)).toBe(0x02);
  });

  it('NVRAM bytes keep what was written; register A bit 7 cannot be written', () => {
    const { board } = setup();
    for (let i = 0x0e; i < 0x80; i++) setCmos(board, i, (i * 7) & 0xff);
    for (let i = 0x0e; i < 0x80; i++) expect(cmos(board, i)).toBe((i * 7) & 0xff);
    setCmos(board, 0x0a, 0xa6);
    expect(cmos(board, 0x0a)).toBe(0x26);
  });
});

describeConformance({
  name: 'MC146818 RTC/CMOS',
  create(board: TestBoard): { device: AnyDevice; windows: { space: 'pio'; base: number; length: number }[] } {
    const rtc = new RtcCmos(board.ctx, BOARD.rtc);
    rtc.mapPorts(board.bus);
    rtc.reset();
    return { device: rtc, windows: [{ space: 'pio', base: 0x70, length: 2 }] };
  },
  exercise(board) {
    setCmos(board, 0x0a, 0x2a); // 64 Hz
    setCmos(board, 0x0b, 0x62); // PIE | AIE
    setCmos(board, 0x01, 0x03);
    setCmos(board, 0x03, 0xff);
    setCmos(board, 0x05, 0xff);
    setCmos(board, 0x7f, 0x42);
    board.advance(2 * SECOND + 12_345);
    board.bus.pioWrite(0x70, 1, 0x80 | 0x0c); // NMI off, C selected, flags left pending
  },
  probe(board) {
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) {
      seen.push(board.bus.pioRead(0x71, 1), board.irqLevels[8] ? 1 : 0);
      board.advance(SECOND / 3);
      seen.push(cmos(board, 0x0a), ...timeBytes(board));
      board.bus.pioWrite(0x70, 1, 0x0c);
    }
    return seen;
  },
});
