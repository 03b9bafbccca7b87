import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Device } from '../../src/devices/device.js';
import { encodeState, type StateSchema } from '../../src/devices/schema.js';
import { SIZE_8, type BusObserver, type IoHandler } from '../../src/machine/bus.js';
import { TraceReader } from '../../src/trace/reader.js';
import { DeviceTransitionTracker } from '../../src/trace/transitions.js';
import { arrayReader, marksOf, trackedState, trackingOf } from '../../src/devices/tracked-state.js';
import { TraceWriter, describeDevices } from '../../src/trace/writer.js';
import { makeTestBoard } from '../devices/conformance.js';
import { collect, sampleHeader, tempDir } from './helpers.js';

const SCHEMA: StateSchema = {
  device: 'latchbox',
  version: 3,
  fields: [
    { name: 'ctrl', width: 8, access: 'rw', role: 'config', doc: 'control register (port 0)' },
    { name: 'tick', width: 64, access: 'internal', role: 'processing', timer: true, doc: 'pending tick' },
    { name: 'fifo', width: 8, length: 4, access: 'internal', role: 'processing', doc: 'byte FIFO (port 1 pushes)' },
    { name: 'ticks', width: 32, access: 'ro', role: 'statistic', doc: 'ticks so far' },
  ],
};

type LatchState = { ctrl: number; fifo: number[]; ticks: number };

/** A small device: port 0 is a register, port 1 pushes into a FIFO, a timer counts ticks. */
class LatchBox extends Device<LatchState> implements IoHandler {
  readonly schema = SCHEMA;
  readonly sizes = SIZE_8;
  state: LatchState = { ctrl: 0, fifo: [0, 0, 0, 0], ticks: 0 };
  private readonly tick = this.addTimer('tick', () => {
    this.state.ticks++;
    this.tick.armIn(1000);
  });

  reset(): void {
    this.state.ctrl = 0;
    this.state.fifo = [0, 0, 0, 0];
    this.state.ticks = 0;
    this.tick.armIn(1000);
  }

  read(port: number): number {
    return port & 1 ? this.state.fifo[0] : this.state.ctrl;
  }

  write(port: number, _size: number, value: number): void {
    if (port & 1) this.state.fifo = [...this.state.fifo.slice(1), value];
    else this.state.ctrl = value;
  }
}

/** The same device with tracked state (as every board device has). */
class TrackedLatchBox extends LatchBox {
  override state: LatchState = trackedState(SCHEMA, { ctrl: 0, fifo: [0, 0, 0, 0], ticks: 0 });
}

describe('device state transitions', () => {
  it('emit one record per changed field, per element for arrays, and nothing when nothing changed', () => {
    const board = makeTestBoard();
    const dev = new LatchBox(board.ctx);
    dev.id = 5;
    dev.reset();
    const seen: number[][] = [];
    const tracker = new DeviceTransitionTracker([dev], { transition: (...a) => seen.push(a) });
    expect(tracker.check(5)).toBe(0);
    dev.write(0, 1, 0x80);
    expect(tracker.check(5)).toBe(1);
    expect(tracker.check(5)).toBe(0);
    dev.write(1, 1, 7);
    dev.write(1, 1, 9);
    expect(tracker.check(5)).toBe(2); // fifo[2]: 0→7, fifo[3]: 0→9
    expect(tracker.check(99)).toBe(0); // untracked device
    expect(seen).toEqual([
      [5, 0, -1, 0, 0x80],
      [5, 2, 2, 0, 7],
      [5, 2, 3, 0, 9],
    ]);
    dev.state.ctrl = 1;
    tracker.resync(5);
    expect(tracker.check(5)).toBe(0);
  });

  it('tracked state: only marked fields are compared, and the records are a full comparison\'s; the last tracker made owns the marks', () => {
    const board = makeTestBoard();
    const dev = new TrackedLatchBox(board.ctx);
    dev.id = 5;
    dev.reset();
    const tracking = trackingOf(dev.state)!;
    const first: number[][] = [];
    const a = new DeviceTransitionTracker([dev], { transition: (...r) => first.push(r) });
    expect(tracking.$owner).toBe(a);
    expect(marksOf(dev.state)).toEqual([0]); // made: the shadow taken, the marks cleared
    dev.write(0, 1, 0x80);
    expect(marksOf(dev.state)).toEqual([1]); // ctrl (tracked field 0)
    dev.write(0, 1, 0x80); // the same value: no new mark needed
    expect(a.check(5)).toBe(1);
    expect(marksOf(dev.state)).toEqual([0]);
    dev.state.ctrl = 0x80; // unchanged: not marked
    expect(marksOf(dev.state)).toEqual([0]);
    expect(a.check(5)).toBe(0);
    void dev.read(1); // takes the FIFO's array: marked, compared, nothing changed
    expect(marksOf(dev.state)).toEqual([2]);
    expect(a.check(5)).toBe(0);
    dev.state.ctrl = 1;
    dev.state.ctrl = 0x80; // changed and back: marked, nothing recorded
    expect(a.check(5)).toBe(0);
    // A second tracker takes the marks; the first compares every field and still sees every change.
    const second: number[][] = [];
    const b = new DeviceTransitionTracker([dev], { transition: (...r) => second.push(r) });
    expect(tracking.$owner).toBe(b);
    dev.write(1, 1, 7);
    expect(b.check(5)).toBe(1);
    expect(a.check(5)).toBe(1);
    expect(first).toEqual([
      [5, 0, -1, 0, 0x80],
      [5, 2, 3, 0, 7],
    ]);
    expect(second).toEqual([[5, 2, 3, 0, 7]]);
    // JSON, spreads and snapshots see the fields, not the slots.
    expect(JSON.parse(JSON.stringify(dev.state))).toEqual({ ctrl: 0x80, fifo: [0, 0, 0, 7], ticks: 0 });
    expect(dev.snapshot()).toEqual({ ctrl: 0x80, tick: 1000, fifo: [0, 0, 0, 7], ticks: 0 });
    // A checkpoint's values, straight from the slots, refused out of range as encodeState refuses them.
    expect(dev.encodedState()).toEqual(encodeState(SCHEMA, dev.snapshot()));
    for (const [bad, message] of [[{ ctrl: 256 }, /ctrl: 256 is not a 8-bit value/], [{ ctrl: -1 }, /ctrl: -1/], [{ ctrl: 1.5 }, /ctrl: 1.5/], [{ fifo: 7 }, /fifo: expected an array/]] as const) {
      const saved = dev.snapshot();
      Object.assign(dev.state, bad);
      expect(() => dev.encodedState()).toThrow(message);
      expect(() => encodeState(SCHEMA, dev.snapshot())).toThrow(message);
      dev.restore(saved);
    }
    // A layout of the same names with other widths is another class, with its own range checks.
    const narrow: StateSchema = { ...SCHEMA, device: 'latchbox4', fields: SCHEMA.fields.map((f) => (f.name === 'ctrl' ? { ...f, width: 4 } : f)) };
    const wide = trackingOf(trackedState(SCHEMA, { ctrl: 0x80, fifo: [0, 0, 0, 0], ticks: 0 }))!;
    const four = trackingOf(trackedState(narrow, { ctrl: 0x80, fifo: [0, 0, 0, 0], ticks: 0 }))!;
    expect(wide.$encode({}, SCHEMA)).toEqual([0x80, -1, 4, 0, 0, 0, 0, 0]);
    expect(() => four.$encode({}, narrow)).toThrow(/latchbox4\.ctrl: 128 is not a 4-bit value/);
    expect(() => trackedState(SCHEMA, { ctrl: 0, fifo: [0, 0, 0, 0] })).toThrow(/missing ticks/);
    expect(() => trackedState(SCHEMA, { ctrl: 0, fifo: [0, 0, 0, 0], ticks: 0, extra: 1 })).toThrow(/undeclared extra/);
  });

  it('the full comparison (the tests\' oracle of the marks) and arrayReader read arrays without marking them', () => {
    const board = makeTestBoard();
    const dev = new TrackedLatchBox(board.ctx);
    dev.id = 5;
    dev.reset();
    const owner = new DeviceTransitionTracker([dev], { transition: () => {} });
    const oracle: number[][] = [];
    const full = new DeviceTransitionTracker([dev], { transition: (...r) => oracle.push(r) }, { marks: false });
    expect(trackingOf(dev.state)!.$owner).toBe(owner);
    expect(marksOf(dev.state)).toEqual([0]); // the oracle's shadow was taken without marking the FIFO
    const peekFifo = arrayReader<LatchState, 'fifo'>('fifo');
    peekFifo(dev.state)[2] = 9; // a write that bypasses the marks: the bug the oracle is there to catch
    expect(marksOf(dev.state)).toEqual([0]);
    expect(full.check(5)).toBe(1); // the oracle sees it…
    expect(oracle).toEqual([[5, 2, 2, 0, 9]]);
    expect(marksOf(dev.state)).toEqual([0]); // …without marking the array for the owner's marked check,
    expect(owner.check(5)).toBe(0); // which therefore misses it, as the completeness test then reports
  });

  it('wired as the machine will wire it: after each bus access and each device timer event', async () => {
    const board = makeTestBoard();
    const dir = path.join(tempDir('tr'), 't');
    let afterEvent: (id: number) => void = () => {};
    const dev = new LatchBox({ ...board.ctx, afterDeviceEvent: (id) => afterEvent(id) });
    dev.id = board.bus.registerDevice(dev.name);
    board.bus.mapPorts(dev.id, 0x300, 2, dev);
    dev.reset();
    const devices = describeDevices([dev]);
    expect(devices).toEqual([
      {
        id: dev.id,
        name: 'latchbox',
        schemaVersion: 3,
        fields: ['ctrl', 'tick', 'fifo', 'ticks'],
        shapes: [
          { width: 8, length: 0, timer: false },
          { width: 64, length: 0, timer: true },
          { width: 8, length: 4, timer: false },
          { width: 32, length: 0, timer: false },
        ],
      },
    ]);
    const w = await TraceWriter.create(dir, sampleHeader({ machine: { memoryBytes: 1 << 24, instructionsPerSecond: 1e8, devices } }), {
      icount: () => board.clock.icount,
    });
    const tracker = new DeviceTransitionTracker([dev], w);
    afterEvent = (id) => tracker.check(id);
    const observer: BusObserver = {
      access: (space, dir, addr, size, value, device, origin) => {
        w.observer.access(space, dir, addr, size, value, device, origin);
        tracker.check(device);
      },
      dma: (...a) => w.observer.dma(...a),
    };
    board.bus.observer = observer;
    board.clock.icount = 10;
    board.bus.pioWrite(0x300, 1, 0x42);
    board.bus.pioRead(0x300, 1);
    board.advance(1500); // one tick at 1000
    board.bus.pioWrite(0x301, 1, 0x99);
    await w.close({ status: 'limit' });

    const r = await TraceReader.open(dir);
    const recs = await collect(r.records());
    await r.close();
    expect(recs.map((x) => (x.kind === 'transition' ? `${x.icount} ${x.fieldName}${x.index >= 0 ? `[${x.index}]` : ''} ${x.oldValue}→${x.newValue}` : `${x.icount} ${x.kind}`))).toEqual([
      '10 pio',
      '10 ctrl 0→66',
      '10 pio',
      '1000 ticks 0→1',
      '1510 pio',
      '1510 fifo[3] 0→153',
    ]);
  });
});
