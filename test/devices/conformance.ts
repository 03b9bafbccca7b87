/**
 * The device conformance suite: one set of checks every device model must pass (the way
 * abstract-level runs one suite against every store). A device's test file calls
 * `describeConformance(subject)`.
 *
 * - reset state matches the schema, and `state` holds exactly the declared fields, tracked;
 * - every change marks its field: a tracker reading the marks records what a full comparison does;
 * - snapshot → restore into a fresh device is exact, pending timers included;
 * - every declared field is actually restored (change it in a snapshot, restore, read back);
 * - an exercised snapshot round-trips exactly through the binary state encoding (checkpoints);
 * - a restored device behaves like the original from then on (same reads, same IRQs, same output);
 * - every declared access width, and odd widths, on every register; unmapped offsets.
 */
import { describe, expect, it } from 'vitest';
import { Bus } from '../../src/machine/bus.js';
import { Clock } from '../../src/machine/clock.js';
import { PhysicalMemory } from '../../src/machine/memory.js';
import type { AnyDevice } from '../../src/board/board.js';
import type { DeviceContext } from '../../src/devices/device.js';
import { stateKeys, trackingOf } from '../../src/devices/tracked-state.js';
import { DeviceTransitionTracker } from '../../src/trace/transitions.js';
import { clampToWidth, decodeState, encodeState, validateSnapshot, type StateSnapshot } from '../../src/devices/schema.js';

export interface TestBoard {
  readonly ctx: DeviceContext;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly memory: PhysicalMemory;
  /** Every IRQ line change, as "irq4=1". */
  readonly irqLog: string[];
  readonly irqLevels: boolean[];
  readonly serial: number[];
  readonly frames: Uint8Array[];
  /** Advance virtual time by n instructions, firing due timers. */
  advance(n: number): void;
}

export function makeTestBoard(memorySize = 16 * 1024 * 1024): TestBoard {
  const memory = new PhysicalMemory(memorySize);
  const bus = new Bus(memory);
  const clock = new Clock();
  const irqLog: string[] = [];
  const irqLevels: boolean[] = new Array(24).fill(false);
  const serial: number[] = [];
  const frames: Uint8Array[] = [];
  const ctx: DeviceContext = {
    bus,
    clock,
    memory,
    irq: {
      setIrq(line, level) {
        if (irqLevels[line] !== level) irqLog.push(`irq${line}=${level ? 1 : 0}@${clock.icount}`);
        irqLevels[line] = level;
      },
    },
    output: { serialByte: (b) => serial.push(b), frame: (f) => frames.push(f.slice()) },
  };
  return {
    ctx, bus, clock, memory, irqLog, irqLevels, serial, frames,
    advance(n: number) {
      const target = clock.icount + n;
      while (clock.nextEventAt <= target) {
        clock.icount = Math.max(clock.icount, clock.nextEventAt);
        clock.runDue();
      }
      clock.icount = target;
    },
  };
}

export interface IoWindow {
  space: 'pio' | 'mmio';
  base: number;
  length: number;
}

export interface ConformanceSubject {
  /** Display name, e.g. "8259A PIC pair". */
  name: string;
  /** Build the device on `board`, map it on board.bus, reset it; return it and its windows. */
  create(board: TestBoard): { device: AnyDevice; windows: IoWindow[] };
  /** Drive the device through its registers (and time) into a non-trivial state, with timers pending if it has any. */
  exercise(board: TestBoard, device: AnyDevice): void;
  /**
   * Register accesses whose results show the device's behaviour (reads, writes, time), run on
   * the original and on a restored copy; they must see the same values. Return what you observed.
   */
  probe(board: TestBoard, device: AnyDevice): number[];
  /** Fields whose arbitrary values a restore cannot honour (e.g. a value the device clamps); with the reason. */
  unrestorable?: Record<string, string>;
}

function pioRead(bus: Bus, w: IoWindow, addr: number, size: number): number {
  return w.space === 'pio' ? bus.pioRead(addr, size) : bus.mmioRead(addr, size);
}

/** A value different from `v` that still fits the field. */
function perturb(width: number, v: number, timer: boolean): number {
  if (timer) return v < 0 ? 12345 : v + 7;
  if (width === 1) return v ^ 1;
  if (width >= 53) return v + 1;
  const mask = width === 32 ? 0xffffffff : (1 << width) - 1;
  const flipped = (v ^ (mask === 0xffffffff ? 0x5a5a5a5a : 0x55555555 & mask)) >>> 0;
  return (width === 32 ? flipped : flipped & mask) === v ? (v + 1) & mask : width === 32 ? flipped : flipped & mask;
}

export function describeConformance(subject: ConformanceSubject): void {
  describe(`${subject.name}: device conformance`, () => {
    it('reset state matches the schema and holds exactly the declared fields', () => {
      const board = makeTestBoard();
      const { device } = subject.create(board);
      expect(validateSnapshot(device.schema, device.snapshot())).toEqual([]);
      const declared = device.schema.fields.filter((f) => !f.timer).map((f) => f.name).sort();
      expect(stateKeys(device.state).sort()).toEqual(declared);
      // Tracked, so a recorder compares only what the device marked (src/devices/tracked-state.ts).
      expect(trackingOf(device.state), 'state made with trackedState()').toBeDefined();
      const names = device.schema.fields.map((f) => f.name);
      expect(new Set(names).size).toBe(names.length);
      for (const f of device.schema.fields) expect(f.doc.length, `${f.name} has a doc`).toBeGreaterThan(0);
    });

    it('every change marks its field: after each access, a tracker reading the marks records what a full comparison records', () => {
      const board = makeTestBoard();
      const { device } = subject.create(board);
      const full: number[][] = [];
      const marked: number[][] = [];
      const fullTracker = new DeviceTransitionTracker([device], { transition: (...a) => full.push(a) }, { marks: false });
      const markTracker = new DeviceTransitionTracker([device], { transition: (...a) => marked.push(a) });
      const both = () => {
        markTracker.check(device.id);
        fullTracker.check(device.id);
      };
      board.bus.addObserver({ access: both, dma: () => {} });
      subject.exercise(board, device);
      subject.probe(board, device);
      both(); // timer events since the last access
      expect(marked).toEqual(full);
      expect(full.length, 'the exercise changes the device').toBeGreaterThan(0);
    });

    it('snapshot → restore into a fresh device is exact, pending timers included', () => {
      const a = makeTestBoard();
      const { device: src } = subject.create(a);
      subject.exercise(a, src);
      const snap = src.snapshot();
      expect(validateSnapshot(src.schema, snap)).toEqual([]);

      const b = makeTestBoard();
      b.clock.icount = a.clock.icount;
      const { device: dst } = subject.create(b);
      dst.restore(snap);
      expect(dst.snapshot()).toEqual(snap);
      expect(b.clock.pending().map((t) => t.at)).toEqual(a.clock.pending().map((t) => t.at));
    });

    it('an exercised snapshot round-trips exactly through the binary state encoding', () => {
      const a = makeTestBoard();
      const { device } = subject.create(a);
      subject.exercise(a, device);
      const snap = device.snapshot();
      const values = encodeState(device.schema, snap);
      expect(decodeState(device.schema, values, 'conformance')).toEqual(snap);
      expect(device.encodedState(), 'a checkpoint\'s values, encoded straight from the state').toEqual(values);
      // Time moves on, short of the next event (test/devices/pit8254.test.ts has the PIT's
      // settled snapshot after hundreds of reloads).
      a.clock.icount = Math.min(a.clock.icount + 12_345, ...a.clock.pending().map((t) => t.at - 1));
      expect(device.encodedState(), 'and later').toEqual(encodeState(device.schema, device.snapshot()));
    });

    it('every declared field is actually restored', () => {
      const a = makeTestBoard();
      const { device: src } = subject.create(a);
      subject.exercise(a, src);
      const base = src.snapshot();
      for (const f of src.schema.fields) {
        if (subject.unrestorable?.[f.name]) continue;
        const changed: StateSnapshot = structuredClone(base);
        const v = changed[f.name];
        if (Array.isArray(v)) {
          const i = v.length - 1;
          v[i] = clampToWidth(f, perturb(f.width, v[i], false));
        } else {
          changed[f.name] = perturb(f.width, v, f.timer === true);
        }
        const b = makeTestBoard();
        b.clock.icount = a.clock.icount;
        const { device: dst } = subject.create(b);
        dst.restore(changed);
        expect(dst.snapshot()[f.name], `${src.name}.${f.name} restored`).toEqual(changed[f.name]);
      }
    });

    it('a restored device behaves like the original from then on', () => {
      const a = makeTestBoard();
      const { device: src } = subject.create(a);
      subject.exercise(a, src);
      const snap = src.snapshot();
      const b = makeTestBoard();
      b.clock.icount = a.clock.icount;
      b.irqLevels.splice(0, a.irqLevels.length, ...a.irqLevels);
      const { device: dst } = subject.create(b);
      dst.restore(snap);
      const serialBefore = a.serial.length;
      const framesBefore = a.frames.length;
      const fromOriginal = subject.probe(a, src);
      const fromRestored = subject.probe(b, dst);
      expect(fromRestored).toEqual(fromOriginal);
      expect(dst.snapshot()).toEqual(src.snapshot());
      expect(b.serial).toEqual(a.serial.slice(serialBefore));
      expect(b.frames).toEqual(a.frames.slice(framesBefore));
      expect(b.irqLevels, 'interrupt lines after the probe').toEqual(a.irqLevels);
    });

    it('reads of every width on every register return values of that width, and never throw', () => {
      const board = makeTestBoard();
      const { device, windows } = subject.create(board);
      subject.exercise(board, device);
      for (const w of windows) {
        for (let off = 0; off < w.length; off++) {
          for (const size of [1, 2, 4]) {
            const v = pioRead(board.bus, w, w.base + off, size);
            expect(Number.isInteger(v) && v >= 0 && v < 2 ** (8 * size), `${w.space} 0x${(w.base + off).toString(16)}/${size}`).toBe(true);
          }
        }
      }
    });

    it('accesses just outside its windows reach nothing (all-ones)', () => {
      const board = makeTestBoard();
      const { windows } = subject.create(board);
      for (const w of windows) {
        const after = w.base + w.length;
        const owner = w.space === 'pio' ? board.bus.portOwner(after) : -1;
        if (w.space === 'pio' && owner === 0) expect(board.bus.pioRead(after, 1)).toBe(0xff);
        if (w.space === 'mmio' && (after & 0xfff) !== 0) expect(board.bus.mmioRead(after, 1)).toBe(0xff);
      }
    });
  });
}
