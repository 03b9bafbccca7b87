import { describe, expect, it } from 'vitest';
import { encodeState } from '../../src/devices/schema.js';
import { Pit8254, PIT_HZ } from '../../src/devices/pit8254.js';
import type { AnyDevice } from '../../src/board/board.js';
import { describeConformance, makeTestBoard, type TestBoard } from './conformance.js';
import { BOARD } from '../../src/board/layout.js';

/** The first icount at which PIT clock edge `tick` has happened, computed independently of the device. */
function at(board: TestBoard, tick: number): number {
  const hz = BigInt(board.clock.hz);
  const f = BigInt(PIT_HZ);
  return Number((BigInt(tick) * hz + f - 1n) / f);
}

function setup(): { board: TestBoard; pit: Pit8254 } {
  const board = makeTestBoard();
  const pit = new Pit8254(board.ctx, BOARD.pit);
  pit.mapPorts(board.bus);
  pit.reset();
  board.irqLog.length = 0;
  return { board, pit };
}

const inb = (board: TestBoard, port: number) => board.bus.pioRead(port, 1);
const outb = (board: TestBoard, port: number, v: number) => board.bus.pioWrite(port, 1, v);
/** Move virtual time to just after PIT edge `tick`. */
const toTick = (board: TestBoard, tick: number) => board.advance(at(board, tick) - board.clock.icount);
const out2 = (board: TestBoard) => (inb(board, 0x61) >> 5) & 1;

function writeWord(board: TestBoard, port: number, v: number): void {
  outb(board, port, v & 0xff);
  outb(board, port, v >> 8);
}

function readWord(board: TestBoard, port: number): number {
  const lo = inb(board, port);
  return lo | (inb(board, port) << 8);
}

/** Counter latch command, then both bytes. */
function latchAndRead(board: TestBoard, channel: number): number {
  outb(board, 0x43, channel << 6);
  return readWord(board, 0x40 + channel);
}

describe('8254 PIT', () => {
  it('mode 2 reloads the count and pulses OUT low for one tick', () => {
    const { board } = setup();
    outb(board, 0x43, 0x34);
    writeWord(board, 0x40, 100); // at tick 0: loaded at edge 1
    toTick(board, 50);
    expect(latchAndRead(board, 0)).toBe(51);
    toTick(board, 350);
    expect(board.irqLog).toEqual([
      `irq0=0@${at(board, 100)}`, `irq0=1@${at(board, 101)}`,
      `irq0=0@${at(board, 200)}`, `irq0=1@${at(board, 201)}`,
      `irq0=0@${at(board, 300)}`, `irq0=1@${at(board, 301)}`,
    ]);
    toTick(board, 400);
    expect(latchAndRead(board, 0)).toBe(1);
    toTick(board, 401);
    expect(latchAndRead(board, 0)).toBe(100);
  });

  it('mode 3 with an odd count is high for (N+1)/2 ticks and low for (N-1)/2', () => {
    const { board } = setup();
    outb(board, 0x43, 0x36);
    writeWord(board, 0x40, 5);
    toTick(board, 17);
    expect(board.irqLog).toEqual([
      `irq0=0@${at(board, 4)}`, `irq0=1@${at(board, 6)}`,
      `irq0=0@${at(board, 9)}`, `irq0=1@${at(board, 11)}`,
      `irq0=0@${at(board, 14)}`, `irq0=1@${at(board, 16)}`,
    ]);
  });

  it('mode 3 with an even count has equal halves and counts down by two', () => {
    const { board } = setup();
    outb(board, 0x43, 0x36);
    writeWord(board, 0x40, 6);
    const counts: number[] = [];
    for (let t = 1; t <= 7; t++) {
      toTick(board, t);
      counts.push(latchAndRead(board, 0));
    }
    expect(counts).toEqual([6, 4, 2, 6, 4, 2, 6]);
    expect(board.irqLog).toEqual([`irq0=0@${at(board, 4)}`, `irq0=1@${at(board, 7)}`]);
  });

  it('mode 0 sets OUT low at the control word and raises it at terminal count, N+1 ticks after the write', () => {
    const { board } = setup();
    toTick(board, 1000);
    outb(board, 0x43, 0x30);
    expect(board.irqLog).toEqual([`irq0=0@${at(board, 1000)}`]);
    writeWord(board, 0x40, 10);
    toTick(board, 1010);
    expect(board.irqLog.length).toBe(1);
    toTick(board, 1100);
    expect(board.irqLog).toEqual([`irq0=0@${at(board, 1000)}`, `irq0=1@${at(board, 1011)}`]);
    expect(latchAndRead(board, 0)).toBe(0x10000 - 89); // the CE wraps on after zero
    expect(board.clock.pending()).toEqual([]);
  });

  it('mode 0: writing the first byte of a word stops counting and drops OUT', () => {
    const { board } = setup();
    outb(board, 0x43, 0x30);
    writeWord(board, 0x40, 10);
    toTick(board, 20);
    expect(board.irqLevels[0]).toBe(true);
    outb(board, 0x40, 50);
    expect(board.irqLevels[0]).toBe(false);
    toTick(board, 100);
    expect(board.irqLevels[0]).toBe(false);
    outb(board, 0x40, 0);
    toTick(board, 150);
    expect(board.irqLevels[0]).toBe(false);
    toTick(board, 151);
    expect(board.irqLevels[0]).toBe(true);
  });

  it('mode 1 starts its one-shot on a GATE rising edge and a retrigger restarts it', () => {
    const { board } = setup();
    outb(board, 0x43, 0xb2);
    writeWord(board, 0x42, 10);
    toTick(board, 900);
    expect(out2(board)).toBe(1); // no trigger yet
    toTick(board, 1000);
    outb(board, 0x61, 0x01);
    expect(out2(board)).toBe(1);
    toTick(board, 1001);
    expect(out2(board)).toBe(0);
    toTick(board, 1005);
    outb(board, 0x61, 0x00);
    expect(out2(board)).toBe(0); // GATE low does not stop a one-shot
    toTick(board, 1006);
    outb(board, 0x61, 0x01);
    toTick(board, 1011);
    expect(out2(board)).toBe(0);
    toTick(board, 1016);
    expect(out2(board)).toBe(0);
    toTick(board, 1017);
    expect(out2(board)).toBe(1);
  });

  it('mode 5 strobes OUT low for one tick N+1 ticks after the trigger; a retrigger delays the strobe', () => {
    const { board } = setup();
    outb(board, 0x43, 0xba);
    writeWord(board, 0x42, 10);
    toTick(board, 2000);
    outb(board, 0x61, 0x01);
    toTick(board, 2005);
    outb(board, 0x61, 0x00);
    outb(board, 0x61, 0x01); // retrigger at tick 2005
    const seen: number[] = [];
    for (let t = 2010; t <= 2018; t++) {
      toTick(board, t);
      seen.push(out2(board));
    }
    expect(seen).toEqual([1, 1, 1, 1, 1, 1, 0, 1, 1]); // low at tick 2016 only
  });

  it('mode 4 strobes OUT low for one tick N+1 ticks after the count is written', () => {
    const { board } = setup();
    toTick(board, 500);
    outb(board, 0x43, 0x38);
    writeWord(board, 0x40, 10);
    toTick(board, 600);
    expect(board.irqLog).toEqual([`irq0=0@${at(board, 511)}`, `irq0=1@${at(board, 512)}`]);
  });

  it('BCD mode counts in decimal and wraps from 0 to 9999', () => {
    const { board } = setup();
    outb(board, 0x61, 0x01);
    outb(board, 0x43, 0xb1);
    writeWord(board, 0x42, 0x0100);
    toTick(board, 12);
    expect(latchAndRead(board, 2)).toBe(0x0089);
    toTick(board, 101);
    expect(latchAndRead(board, 2)).toBe(0x0000);
    expect(out2(board)).toBe(1);
    toTick(board, 102);
    expect(latchAndRead(board, 2)).toBe(0x9999);
  });

  it('the read and write flip-flops alternate low and high bytes; LSB-only and MSB-only modes use one byte', () => {
    const { board } = setup();
    outb(board, 0x43, 0xb0); // gate 2 low: the CE loads and holds
    writeWord(board, 0x42, 0x1234);
    toTick(board, 5);
    expect([inb(board, 0x42), inb(board, 0x42), inb(board, 0x42), inb(board, 0x42)]).toEqual([0x34, 0x12, 0x34, 0x12]);
    outb(board, 0x43, 0x90); // LSB only
    outb(board, 0x42, 0x20);
    toTick(board, 7);
    expect([inb(board, 0x42), inb(board, 0x42)]).toEqual([0x20, 0x20]);
    outb(board, 0x43, 0xa0); // MSB only
    outb(board, 0x42, 0x20);
    toTick(board, 9);
    expect([inb(board, 0x42), inb(board, 0x42)]).toEqual([0x20, 0x20]);
    expect(inb(board, 0x42)).toBe(0x20);
  });

  it('a latched count stays frozen until both bytes are read, and a second latch is ignored', () => {
    const { board } = setup();
    outb(board, 0x61, 0x01);
    outb(board, 0x43, 0xb4);
    writeWord(board, 0x42, 1000);
    toTick(board, 100);
    outb(board, 0x43, 0x80);
    toTick(board, 300);
    const lo = inb(board, 0x42);
    outb(board, 0x43, 0x80); // ignored: the first latch is half read
    toTick(board, 400);
    const hi = inb(board, 0x42);
    expect(lo | (hi << 8)).toBe(1000 - 99);
    expect(readWord(board, 0x42)).toBe(1000 - 399); // live again
  });

  it('read-back latches the status byte, with the null count bit, and the count of several channels', () => {
    const { board } = setup();
    outb(board, 0x61, 0x01);
    toTick(board, 50);
    outb(board, 0x43, 0xb4); // ch2 LSB/MSB mode 2
    outb(board, 0x43, 0xe8); // read-back status of ch2
    expect(inb(board, 0x42)).toBe(0xf4); // OUT high, null count, RW 3, mode 2, binary
    writeWord(board, 0x42, 300);
    outb(board, 0x43, 0xe8);
    expect(inb(board, 0x42)).toBe(0xf4); // written, not yet loaded
    toTick(board, 51);
    outb(board, 0x43, 0xe8);
    expect(inb(board, 0x42)).toBe(0xb4); // loaded at the next CLK
    writeWord(board, 0x42, 200);
    outb(board, 0x43, 0xe8);
    expect(inb(board, 0x42)).toBe(0xf4); // mode 2: the new count waits for the reload
    toTick(board, 110);
    outb(board, 0x43, 0xcc); // read-back count and status of channels 1 and 2
    expect(inb(board, 0x41)).toBe(0xb6); // ch1 as reset left it: OUT high, mode 3, RW 3
    expect(readWord(board, 0x41)).toBeGreaterThan(0);
    expect(inb(board, 0x42)).toBe(0xf4);
    expect(readWord(board, 0x42)).toBe(300 - 59);
    toTick(board, 351);
    outb(board, 0x43, 0xd8); // count only, ch2: the reload at tick 351 took the new count
    expect(readWord(board, 0x42)).toBe(200);
    outb(board, 0x43, 0xe8);
    expect(inb(board, 0x42)).toBe(0xb4);
  });

  it('IRQ0 rises at the exact icounts of a 1 kHz programming (mode 2, count 1193)', () => {
    const { board } = setup();
    outb(board, 0x43, 0x34);
    writeWord(board, 0x40, 1193);
    board.advance(10 * 100_000);
    const rises = board.irqLog.filter((e) => e.startsWith('irq0=1')).map((e) => Number(e.split('@')[1]));
    expect(rises[0]).toBe(100_069);
    expect(rises).toEqual(Array.from({ length: 10 }, (_, k) => at(board, 1194 + k * 1193)));
    const falls = board.irqLog.filter((e) => e.startsWith('irq0=0')).map((e) => Number(e.split('@')[1]));
    expect(falls).toEqual(Array.from({ length: 10 }, (_, k) => at(board, 1193 + k * 1193)));
  });

  it('GATE low holds a mode 2 counter with OUT high; the rising edge reloads it', () => {
    const { board } = setup();
    outb(board, 0x43, 0xb4);
    writeWord(board, 0x42, 100);
    toTick(board, 30);
    expect(latchAndRead(board, 2)).toBe(100);
    outb(board, 0x61, 0x01);
    toTick(board, 80);
    expect(latchAndRead(board, 2)).toBe(51);
    outb(board, 0x61, 0x00);
    toTick(board, 200);
    expect(latchAndRead(board, 2)).toBe(51);
    expect(out2(board)).toBe(1);
    outb(board, 0x61, 0x01);
    toTick(board, 201);
    expect(latchAndRead(board, 2)).toBe(100);
    toTick(board, 300);
    expect(out2(board)).toBe(0);
  });

  it('port 0x61 reads back GATE2, speaker data and the NMI check bits; the refresh bit toggles every 18 PIT clocks', () => {
    const { board } = setup();
    outb(board, 0x61, 0xff);
    expect(inb(board, 0x61) & 0xcf).toBe(0x0f);
    const refresh: number[] = [];
    for (const t of [0, 17, 18, 35, 36]) {
      toTick(board, t);
      refresh.push((inb(board, 0x61) >> 4) & 1);
    }
    expect(refresh).toEqual([0, 0, 1, 1, 0]);
  });

  describe('canonical phase (settleChannel): the same behaviour from now on is the same state', () => {
    /** A fresh PIT whose channel `ch` got `control` and `count` at icount `when`; then run to `until`. */
    function loadedAt(when: number, until: number, ch: number, control: number, count: number, gate2 = 1): Pit8254 {
      const { board, pit } = setup();
      outb(board, 0x61, gate2);
      board.advance(when - board.clock.icount);
      outb(board, 0x43, control);
      writeWord(board, 0x40 + ch, count);
      board.advance(until - board.clock.icount);
      return pit;
    }
    const ch = (pit: Pit8254, field: string, i: number) => (pit.snapshot()[field] as number[])[i];

    it('mode 2 re-bases count_load_time to the latest reload: the CLK edge before the reload edge', () => {
      const { board, pit } = setup();
      outb(board, 0x43, 0x34);
      board.advance(40); // inside PIT clock period 0: the write is not on a tick
      writeWord(board, 0x40, 100);
      toTick(board, 50);
      expect(ch(pit, 'count_load_time', 0)).toBe(40); // first period: the guest's write
      toTick(board, 100); // OUT low (CE = 1): still the first period
      expect(ch(pit, 'count_load_time', 0)).toBe(40);
      toTick(board, 101); // the reload edge: the phase now starts at tick 100
      expect(ch(pit, 'count_load_time', 0)).toBe(at(board, 100));
      toTick(board, 1050);
      expect(ch(pit, 'count_load_time', 0)).toBe(at(board, 1000));
      expect(pit.state.count_load_time[0]).toBe(at(board, 1000)); // the live state too: re-based at the timer event
    });

    it('two mode 2 counters loaded whole periods apart hold the same state once the later one has reloaded', () => {
      const N = 1193;
      const a = loadedAt(at({ clock: { hz: 100_000_000 } } as TestBoard, 10), 250_000_000, 0, 0x34, N);
      const b = loadedAt(at({ clock: { hz: 100_000_000 } } as TestBoard, 10 + 170 * N), 250_000_000, 0, 0x34, N);
      expect(b.snapshot()).toEqual(a.snapshot());
      // Loaded within the same PIT clock period: the same edges, and the same state from the first reload on.
      const c = loadedAt(at({ clock: { hz: 100_000_000 } } as TestBoard, 10) + 3, 250_000_000, 0, 0x34, N);
      expect(c.snapshot()).toEqual(a.snapshot());
    });

    it('mode 3 (the power-on square wave) agrees the same way', () => {
      const hz = { clock: { hz: 100_000_000 } } as TestBoard;
      const a = loadedAt(at(hz, 5), 300_000_000, 0, 0x36, 0);
      const b = loadedAt(at(hz, 5 + 3 * 0x10000), 300_000_000, 0, 0x36, 0);
      expect(b.snapshot()).toEqual(a.snapshot());
    });

    it('one-shot modes: after terminal count the CE wraps, and loads a modulus apart agree', () => {
      const hz = { clock: { hz: 100_000_000 } } as TestBoard;
      for (const control of [0x30, 0x38]) { // mode 0, mode 4
        const a = loadedAt(at(hz, 7), 90_000_000, 0, control, 500);
        const b = loadedAt(at(hz, 7 + 2 * 0x10000), 90_000_000, 0, control, 500);
        expect(b.snapshot(), `control 0x${control.toString(16)}`).toEqual(a.snapshot());
        // Before OUT settles they differ: the later one has not reached terminal count yet.
        const early = loadedAt(at(hz, 7), at(hz, 7 + 2 * 0x10000 + 300), 0, control, 500);
        const late = loadedAt(at(hz, 7 + 2 * 0x10000), at(hz, 7 + 2 * 0x10000 + 300), 0, control, 500);
        expect(late.snapshot().count_load_time).not.toEqual(early.snapshot().count_load_time);
        // (Same count, but only the later one still has terminal count / the strobe ahead of it.)
        expect(late.oracle().derived.ch0_count).toBe(early.oracle().derived.ch0_count);
        expect(late.snapshot().next_transition_time).toBeGreaterThan(0);
        expect(early.snapshot().next_transition_time).toBe(-1);
      }
    });

    it('a stopped channel has no phase: count_load_time and gate_fall_time are 0', () => {
      const { board, pit } = setup();
      outb(board, 0x43, 0x34);
      writeWord(board, 0x40, 100);
      toTick(board, 250);
      outb(board, 0x43, 0x34); // control word: the channel waits for a count
      expect(ch(pit, 'counting', 0)).toBe(0);
      expect(ch(pit, 'count_load_time', 0)).toBe(0);
      expect(ch(pit, 'gate_fall_time', 0)).toBe(0);
    });

    it('a count held by GATE keeps only how far it got: loads and falls at other times with the same frozen count agree', () => {
      const hz = { clock: { hz: 100_000_000 } } as TestBoard;
      const held = (load: number, fall: number) => {
        const { board, pit } = setup();
        outb(board, 0x61, 0x01);
        board.advance(at(hz, load) - board.clock.icount);
        outb(board, 0x43, 0xb4);
        writeWord(board, 0x42, 100);
        board.advance(at(hz, fall) - board.clock.icount);
        outb(board, 0x61, 0x00);
        board.advance(at(hz, 5000) - board.clock.icount);
        return pit;
      };
      const a = held(10, 40); // 30 edges counted: CE 71
      const b = held(1000, 1030 + 7 * 100); // 730 edges: the same CE after whole periods
      expect(b.snapshot()).toEqual(a.snapshot());
      expect(ch(a, 'count_load_time', 2)).toBe(0);
      expect(ch(a, 'gate_fall_time', 2)).toBe(at(hz, 30));
      expect(a.oracle().derived.ch2_count).toBe(71);
      // A GATE that is high again: the fall no longer matters.
      const { board, pit } = setup();
      outb(board, 0x61, 0x01);
      outb(board, 0x61, 0x00);
      outb(board, 0x61, 0x01);
      board.advance(1000);
      expect(ch(pit, 'gate_fall_time', 2)).toBe(0);
    });

    it('a canonical snapshot restores exactly and the restored channel behaves the same', () => {
      const a = loadedAt(at({ clock: { hz: 100_000_000 } } as TestBoard, 10), 50_000_000, 0, 0x34, 1193);
      const snap = a.snapshot();
      const { board, pit } = setup();
      board.advance(50_000_000);
      pit.restore(snap);
      expect(pit.snapshot()).toEqual(snap);
    });
  });

  it("a checkpoint's values are the settled snapshot's: channel 2 reloading with no event pending between", () => {
    const { board, pit } = setup();
    outb(board, 0x61, 0x01); // gate 2 high
    outb(board, 0x43, 0xb4); // channel 2, lo/hi, mode 2
    writeWord(board, 0x42, 100);
    // Hundreds of reloads later, short of channel 0's next event: nothing has settled the registers.
    board.clock.icount = Math.min(...board.clock.pending().map((t) => t.at - 1));
    expect(at(board, 100 * 300)).toBeLessThan(board.clock.icount);
    expect(pit.encodedState()).toEqual(encodeState(pit.schema, pit.snapshot()));
  });

  it('reset leaves channel 0 in mode 3 with count 65536: IRQ0 at 18.2 Hz', () => {
    const { board } = setup();
    board.advance(at(board, 0x10000 + 1));
    expect(board.irqLog).toEqual([`irq0=0@${at(board, 0x8001)}`, `irq0=1@${at(board, 0x10001)}`]);
  });
});

function create(board: TestBoard): { device: AnyDevice; windows: { space: 'pio'; base: number; length: number }[] } {
  const pit = new Pit8254(board.ctx, BOARD.pit);
  pit.mapPorts(board.bus);
  pit.reset();
  return { device: pit, windows: [{ space: 'pio', base: 0x40, length: 4 }, { space: 'pio', base: 0x61, length: 1 }] };
}

describeConformance({
  name: '8254 PIT',
  create,
  unrestorable: {
    count_load_time: 'canonical (settleChannel): a snapshot gives the equivalent latest reload, so an arbitrary value comes back re-based; canonical values restore exactly (tests above)',
    gate_fall_time: 'canonical (settleChannel): 0 unless GATE holds the count, then the edge it got to; canonical values restore exactly (tests above)',
  },
  exercise(board) {
    outb(board, 0x43, 0x34);
    writeWord(board, 0x40, 1193);
    board.advance(250_000);
    writeWord(board, 0x40, 2000); // pending reload
    outb(board, 0x43, 0x40); // ch1 latch, left unread
    outb(board, 0x61, 0x03);
    outb(board, 0x43, 0xb0); // ch2 mode 0, first byte only
    outb(board, 0x42, 0x40);
    outb(board, 0x43, 0xe4); // read-back status of ch1
    board.advance(1234);
  },
  probe(board) {
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      seen.push(inb(board, 0x40), inb(board, 0x41), inb(board, 0x42), inb(board, 0x61));
      board.advance(37_000);
    }
    outb(board, 0x42, 0x01);
    outb(board, 0x43, 0xce);
    for (let i = 0; i < 6; i++) seen.push(inb(board, 0x40), inb(board, 0x41), inb(board, 0x42));
    board.advance(500_000);
    seen.push(board.irqLevels[0] ? 1 : 0, board.clock.pending().length);
    return seen;
  },
});
