import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PhysicalMemory } from '../../src/machine/memory.js';
import { PageHashMap, comparePageHashes, hashPage } from '../../src/trace/pages.js';
import { TraceReader, type CheckpointRecord } from '../../src/trace/reader.js';
import { TraceWriter } from '../../src/trace/writer.js';
import { bootMachine, traceHeaderFor } from '../../src/trace/run-setup.js';
import { CPU_SCHEMA } from '../../src/machine/cpu/state.js';
import { shortRun } from './guest-runs.js';
import { FakeMemory, TestClock, collect, fakeCpu, fakeDevices, prng, sampleHeader, tempDir } from './helpers.js';

const PAGES = 48;

function hashAll(mem: FakeMemory): PageHashMap {
  const m = new PageHashMap(mem.ramPages);
  for (let p = 0; p < mem.ramPages; p++) m.set(p, hashPage(p, mem.page(p)));
  return m;
}

/** Record `rounds` checkpoints over a memory that changes between them; return the true maps. */
async function recordCheckpoints(dir: string, keyframeEvery: number, rounds = 20) {
  const clock = new TestClock();
  const mem = new FakeMemory(PAGES);
  const migration = mem.dirty.createClient('precopy'); // another dirty-log user
  const w = await TraceWriter.create(dir, sampleHeader(), { icount: clock.source, keyframeEvery, checkpointInterval: 1000 });
  const truth: PageHashMap[] = [];
  const rnd = prng(11);
  mem.write(5 * 4096, [1, 2, 3]); // non-zero before the first checkpoint
  mem.write(44 * 4096, [9, 9]);
  for (let round = 0; round < rounds; round++) {
    expect(w.nextCheckpointAt).toBe(round === 0 ? 0 : clock.icount);
    w.checkpoint({ cpu: fakeCpu(round, round * 7), devices: fakeDevices(round), memory: mem });
    truth.push(hashAll(mem));
    clock.icount += 1000;
    w.interrupt('raise', round & 15);
    for (let k = 0; k < 3; k++) {
      const page = Math.floor(rnd() * 40); // pages 40.. are left to the cases below
      mem.write(page * 4096 + Math.floor(rnd() * 4000), [round + 1, k]);
    }
    if (round % 4 === 1) mem.write(44 * 4096, mem.page(44).slice(0, 16)); // dirtied, contents unchanged
    if (round === 9) mem.write(5 * 4096, [0, 0, 0]); // back to an all-zero page
  }
  await w.close({ status: 'limit' });
  return { truth, migration };
}

describe('checkpoints', () => {
  it('fall at the first icount, then on multiples of the interval: a trace started mid-run (a destination) shares its reference\'s grid', async () => {
    const clock = new TestClock();
    clock.icount = 2_345; // a switch-over, off the grid
    const mem = new FakeMemory(4);
    const w = await TraceWriter.create(path.join(tempDir('cp-grid'), 't'), sampleHeader({ firstIcount: 2_345 }), { icount: clock.source, checkpointInterval: 1000 });
    const at: number[] = [];
    for (let i = 0; i < 4; i++) {
      clock.icount = w.nextCheckpointAt;
      at.push(clock.icount);
      w.checkpoint({ cpu: fakeCpu(0), devices: fakeDevices(i), memory: mem });
    }
    await w.close({ status: 'limit' });
    expect(at).toEqual([2_345, 3_000, 4_000, 5_000]);
  });

  it('reconstruct the full page-hash map at every checkpoint, with or without keyframes in between', async () => {
    for (const keyframeEvery of [1, 3, 64]) {
      const dir = path.join(tempDir('cp'), `t${keyframeEvery}`);
      const { truth } = await recordCheckpoints(dir, keyframeEvery);
      const r = await TraceReader.open(dir);
      try {
        const cps = await collect(r.checkpoints());
        expect(cps.map((c) => c.ordinal)).toEqual(truth.map((_, i) => i));
        for (const [i, cp] of cps.entries()) {
          const map = await r.pageHashesAt(cp);
          expect(Buffer.from(map.hashes).equals(Buffer.from(truth[i].hashes)), `checkpoint ${i}`).toBe(true);
          expect(map.rootHex).toBe(truth[i].rootHex);
          expect(cp.root).toBe(truth[i].rootHex);
        }
      } finally {
        await r.close();
      }
    }
  });

  it('carries CPU state and every device\'s declared state exactly, and finds the last checkpoint at or before an icount', async () => {
    const dir = path.join(tempDir('cp2'), 't');
    await recordCheckpoints(dir, 4);
    const r = await TraceReader.open(dir);
    try {
      const cp = (await r.checkpointAt(5500)) as CheckpointRecord;
      expect(cp.icount).toBe(5000);
      expect(cp.ordinal).toBe(5);
      expect(cp.cpu).toEqual(fakeCpu(5, 35));
      expect(cp.devices).toEqual(fakeDevices(5).map((d) => ({ device: d.id, name: d.name, state: d.snapshot() })));
      expect((await r.checkpointAt(5000))?.ordinal).toBe(5);
      expect((await r.checkpointAt(4999))?.ordinal).toBe(4);
      expect((await r.checkpointAt(10 ** 9))?.ordinal).toBe(19);
      // The checkpoint marker sits in the record stream at the checkpoint's seq.
      expect(await r.recordAt(cp.seq)).toEqual({ kind: 'checkpoint', seq: cp.seq, icount: 5000, ordinal: 5 });
    } finally {
      await r.close();
    }
  });

  it('compare two checkpoints by naming exactly the pages that changed between them', async () => {
    const dir = path.join(tempDir('cp3'), 't');
    const { truth } = await recordCheckpoints(dir, 64);
    const r = await TraceReader.open(dir);
    try {
      const cps = await collect(r.checkpoints());
      for (const [a, b] of [[0, 1], [0, 19], [3, 11], [8, 10], [12, 12], [15, 4]]) {
        const expected = comparePageHashes(truth[a], truth[b]);
        expect(await r.changedPages(cps[a], cps[b]), `${a}→${b}`).toEqual(expected);
      }
      // Page 5: non-zero at checkpoint 0, zeroed before checkpoint 10.
      expect(await r.changedPages(cps[9], cps[10])).toContain(5);
      // Page 44 is rewritten with its own contents: dirty, never changed after the first checkpoint.
      expect(cps[0].changedPages).toContain(44);
      expect(cps.slice(1).some((c) => c.changedPages.includes(44))).toBe(false);
      expect(comparePageHashes(await r.pageHashesAt(cps[6]), truth[6])).toEqual([]);
    } finally {
      await r.close();
    }
  });

  it("uses its own dirty-log client: the pre-copy migration's dirty pages are left alone", async () => {
    const dir = path.join(tempDir('cp4'), 't');
    const { migration } = await recordCheckpoints(dir, 64, 5);
    expect(migration.takeAndClear().length).toBeGreaterThan(0);
  });

  it('page hashes: zero pages hash to zeros; the page number is part of the hash', () => {
    const zero = new Uint8Array(4096);
    expect([...hashPage(3, zero)].every((b) => b === 0)).toBe(true);
    const page = new Uint8Array(4096).fill(0x5a);
    expect(hashPage(1, page)).not.toEqual(hashPage(2, page));
    const a = new PageHashMap(4);
    const b = new PageHashMap(4);
    a.set(1, hashPage(1, page));
    a.set(2, hashPage(2, zero.fill(1)));
    b.set(2, hashPage(2, zero));
    b.set(1, hashPage(1, page));
    expect(a.rootHex).toBe(b.rootHex);
    expect(comparePageHashes(a, b)).toEqual([]);
    b.set(3, hashPage(3, page));
    expect(comparePageHashes(a, b)).toEqual([3]);
  });

  it("work on the machine's PhysicalMemory, beside a pre-copy client of its dirty log", async () => {
    const dir = path.join(tempDir('cp5'), 't');
    const memory = new PhysicalMemory(1 << 20);
    const clock = new TestClock();
    const w = await TraceWriter.create(dir, sampleHeader(), { icount: clock.source });
    memory.write32(0x3000, 0xdeadbeef);
    const precopy = memory.dirty.createClient('precopy');
    w.checkpoint({ cpu: fakeCpu(0), devices: [], memory });
    memory.write32(0x5000, 1);
    memory.write8(0x3000, 0xef); // same byte: dirty, unchanged
    clock.icount = 100;
    const second = w.checkpoint({ cpu: fakeCpu(0), devices: [], memory });
    expect(second.changedPages).toBe(1);
    expect([...precopy.takeAndClear()]).toEqual([3, 5]);
    await w.close({ status: 'limit' });
    const r = await TraceReader.open(dir);
    const cps = await collect(r.checkpoints());
    await r.close();
    expect(cps.map((c) => c.changedPages)).toEqual([[3], [5]]);
  });

  it('carry a real machine\'s CPU and device state through writer and reader exactly (timers, arrays, hidden caches)', async () => {
    const dir = path.join(tempDir('cp-real'), 't');
    const { setup } = shortRun('timer');
    const machine = bootMachine(setup);
    const w = await TraceWriter.create(dir, traceHeaderFor(setup, machine), { icount: () => machine.clock.icount, checkpointInterval: 100_000 });
    const expected: { cpu: unknown; devices: unknown }[] = [];
    for (let i = 0; i < 4; i++) {
      machine.run({ maxInstructions: w.nextCheckpointAt - machine.clock.icount });
      w.checkpoint({ cpu: machine.cpu.getState(), devices: machine.devices, memory: machine.memory });
      expected.push({ cpu: machine.cpu.getState(), devices: machine.devices.map((d) => ({ device: d.id, name: d.name, state: d.snapshot() })) });
    }
    await w.close({ status: 'limit' });
    const r = await TraceReader.open(dir);
    try {
      expect(r.header.machine.type).toEqual({ name: 'migtrace-pc', version: 2 });
      expect(r.header.machine.cpu.fields).toEqual(CPU_SCHEMA.fields.map((f) => f.name));
      const cps = await collect(r.checkpoints());
      expect(cps.map((c) => ({ cpu: c.cpu, devices: c.devices }))).toEqual(expected);
      // Array fields come back as arrays, of their declared length.
      expect(cps[3].devices.some((d) => Object.values(d.state).some(Array.isArray))).toBe(true);
    } finally {
      await r.close();
    }
  });
});
