import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Bus, DIR_READ, DIR_WRITE, ORIGIN_HYPERVISOR, SPACE_MMIO, SPACE_PIO } from '../../src/machine/bus.js';
import { PhysicalMemory } from '../../src/machine/memory.js';
import { TraceReader } from '../../src/trace/reader.js';
import type { AccessRecord } from '../../src/trace/records.js';
import { TraceWriter } from '../../src/trace/writer.js';
import { exportTrace } from '../../src/trace/export.js';
import { ChunkEncoder } from '../../src/trace/packed.js';
import { contentHash } from '../../src/trace/dma-hash.js';
import { encode, pb } from '../../src/trace/proto.js';
import { FORMAT_MAJOR } from '../../src/trace/format.js';
import { hexBytes } from '../../src/hex.js';
import { DEV_NIC, DEV_PIC, DEV_UART, TestClock, collect, sampleHeader, tempDir } from './helpers.js';

describe('trace round trip', () => {
  it('reads back every record kind exactly as written, with header and end marker', async () => {
    const dir = path.join(tempDir('rt'), 't');
    const clock = new TestClock();
    const header = sampleHeader({ inputScriptSha256: 'cd'.repeat(32), firstIcount: 100 });
    const w = await TraceWriter.create(dir, header, { icount: clock.source });
    const frame = Uint8Array.from({ length: 1500 }, (_, i) => i & 0xff);
    const dmaData = Uint8Array.of(1, 2, 3, 4, 5);
    clock.icount = 100;
    w.observer.access(SPACE_PIO, DIR_WRITE, 0x3f8, 1, 0x41, DEV_UART, 0);
    clock.icount = 112;
    w.observer.access(SPACE_PIO, DIR_READ, 0x3fd, 1, 0x60, DEV_UART, 0);
    w.observer.access(SPACE_PIO, DIR_READ, 0x20, 2, 0xffff, 0, ORIGIN_HYPERVISOR);
    clock.icount = 5000;
    w.observer.access(SPACE_MMIO, DIR_WRITE, 0xfee000b0, 4, 0xffffffff, DEV_PIC, 0);
    w.observer.access(SPACE_MMIO, DIR_READ, 0x000a0000, 4, 0x12345678, DEV_NIC, 1);
    clock.icount = 2 ** 40; // icounts beyond 32 bits
    w.observer.dma(DIR_WRITE, DEV_NIC, 0x100000, dmaData, 0);
    w.transition(DEV_UART, 3, -1, 0x03, 0x83);
    w.transition(DEV_NIC, 1, 5, 2 ** 45, -1);
    w.interrupt('raise', 4);
    w.interrupt('lower', 4);
    w.interrupt('ack', 0x24);
    w.interrupt('deliver', 0x24);
    w.input('serial', DEV_UART, Uint8Array.of(0x71, 0x0a));
    w.input('frame', DEV_NIC, frame);
    w.output('serial', DEV_UART, 0x21);
    w.output('frame', DEV_NIC, frame.subarray(0, 60));
    w.event({ type: 'hypervisor', action: 'shadow-write', device: DEV_PIC, detail: 'ICW2=0x20' });
    w.event({ type: 'migration', phase: 'stop-and-copy', round: 3, pages: 12, bytes: 49152, detail: '' });
    expect(w.recordCount).toBe(18);
    await w.close({ status: 'exited', message: 'guest exited with status 0' });

    const r = await TraceReader.open(dir);
    try {
      expect(r.header).toMatchObject({
        // A header without 2.1 fields (RunConfig.boot) is stamped 2.0.
        formatVersion: { major: FORMAT_MAJOR, minor: 0 },
        machine: header.machine,
        guestImageSha256: 'ab'.repeat(32),
        inputScriptSha256: 'cd'.repeat(32),
        guestArgs: 'mb=1',
        toolVersion: 'migtrace-test',
        firstIcount: 100,
      });
      expect(r.status).toEqual({
        complete: true,
        recordCount: 18,
        finalIcount: 2 ** 40,
        runStatus: 'exited',
        message: 'guest exited with status 0',
      });
      const recs = await collect(r.records());
      const big = 2 ** 40;
      expect(recs).toEqual([
        { kind: 'pio', seq: 0, icount: 100, dir: 1, addr: 0x3f8, size: 1, value: 0x41, device: DEV_UART, origin: 0 },
        { kind: 'pio', seq: 1, icount: 112, dir: 0, addr: 0x3fd, size: 1, value: 0x60, device: DEV_UART, origin: 0 },
        { kind: 'pio', seq: 2, icount: 112, dir: 0, addr: 0x20, size: 2, value: 0xffff, device: 0, origin: 1 },
        { kind: 'mmio', seq: 3, icount: 5000, dir: 1, addr: 0xfee000b0, size: 4, value: 0xffffffff, device: DEV_PIC, origin: 0 },
        { kind: 'mmio', seq: 4, icount: 5000, dir: 0, addr: 0xa0000, size: 4, value: 0x12345678, device: DEV_NIC, origin: 1 },
        { kind: 'dma', seq: 5, icount: big, dir: 1, device: DEV_NIC, addr: 0x100000, length: 5, hash: hexBytes(contentHash(dmaData)), origin: 0 },
        { kind: 'transition', seq: 6, icount: big, device: DEV_UART, field: 3, fieldName: 'lcr', index: -1, oldValue: 3, newValue: 0x83 },
        { kind: 'transition', seq: 7, icount: big, device: DEV_NIC, field: 1, fieldName: 'rxHead', index: 5, oldValue: 2 ** 45, newValue: -1 },
        { kind: 'interrupt', seq: 8, icount: big, action: 'raise', value: 4 },
        { kind: 'interrupt', seq: 9, icount: big, action: 'lower', value: 4 },
        { kind: 'interrupt', seq: 10, icount: big, action: 'ack', value: 0x24 },
        { kind: 'interrupt', seq: 11, icount: big, action: 'deliver', value: 0x24 },
        { kind: 'input', seq: 12, icount: big, channel: 'serial', device: DEV_UART, data: Uint8Array.of(0x71, 0x0a) },
        { kind: 'input', seq: 13, icount: big, channel: 'frame', device: DEV_NIC, data: frame },
        { kind: 'output', seq: 14, icount: big, channel: 'serial', device: DEV_UART, data: Uint8Array.of(0x21) },
        { kind: 'output', seq: 15, icount: big, channel: 'frame', device: DEV_NIC, data: frame.subarray(0, 60) },
        { kind: 'hypervisor', seq: 16, icount: big, action: 'shadow-write', device: DEV_PIC, detail: 'ICW2=0x20' },
        { kind: 'migration', seq: 17, icount: big, phase: 'stop-and-copy', round: 3, pages: 12, bytes: 49152, detail: '' },
      ]);
    } finally {
      await r.close();
    }
  });

  it('records what the bus observer sees, split accesses and DMA included', async () => {
    const dir = path.join(tempDir('bus'), 't');
    const memory = new PhysicalMemory(1 << 20);
    const bus = new Bus(memory);
    const dev = bus.registerDevice('latch');
    let latch = 0;
    bus.mapPorts(dev, 0x60, 2, { sizes: 1, read: () => latch, write: (_p, _s, v) => (latch = v) });
    const clock = new TestClock();
    const w = await TraceWriter.create(dir, sampleHeader(), { icount: clock.source });
    bus.observer = w.observer;
    clock.icount = 10;
    bus.pioWrite(0x60, 1, 0x5a);
    clock.icount = 11;
    bus.pioRead(0x60, 2); // split into two 1-byte reads by the bus
    bus.pioRead(0x1234, 1); // unmapped
    bus.dmaWrite(dev, 0x2000, Uint8Array.of(9, 9));
    await w.close({ status: 'limit' });
    const r = await TraceReader.open(dir);
    const recs = await collect(r.records());
    await r.close();
    expect(recs.map((x) => [x.kind, x.icount, 'addr' in x ? x.addr : -1, 'value' in x ? x.value : -1])).toEqual([
      ['pio', 10, 0x60, 0x5a],
      ['pio', 11, 0x60, 0x5a],
      ['pio', 11, 0x61, 0x5a],
      ['pio', 11, 0x1234, 0xff],
      ['dma', 11, 0x2000, -1],
    ]);
  });

  it('refuses records whose icount goes back', async () => {
    const dir = path.join(tempDir('back'), 't');
    const clock = new TestClock();
    const w = await TraceWriter.create(dir, sampleHeader(), { icount: clock.source });
    clock.icount = 50;
    w.interrupt('raise', 1);
    clock.icount = 49;
    expect(() => w.interrupt('lower', 1)).toThrow(/icounts must not go back/);
    await w.close({ status: 'aborted' });
  });

  it('writes the chunk envelope by hand exactly as protobufjs writes it', () => {
    let icount = 2 ** 33;
    const enc = new ChunkEncoder(() => icount, 1024, 60 * 1024, 0, () => {});
    enc.reset(123_456_789);
    for (let i = 0; i < 300; i++) {
      icount += 7 * i;
      enc.access(i & 1, 1, 0x3f8 + i, 1, i, 4, 0);
    }
    expect(Buffer.from(enc.encodeChunk()).equals(encode(pb.Chunk, {
      firstSeq: 123_456_789, firstIcount: 2 ** 33, lastIcount: icount, recordCount: 300, encoding: 1,
      records: enc.buf.subarray(0, enc.pos),
    }))).toBe(true);
  });

  it('repeatAccess appends what access() would for each repeat, across chunk ends and a stride that changes', () => {
    const encoder = (): { enc: ChunkEncoder; chunks: string[]; at: { icount: number } } => {
      const at = { icount: 1_000 };
      const chunks: string[] = [];
      let seq = 0;
      const enc: ChunkEncoder = new ChunkEncoder(() => at.icount, 100, 60 * 1024, 0, () => {
        chunks.push(Buffer.from(enc.encodeChunk()).toString('hex'));
        seq += enc.count;
        enc.reset(seq);
      });
      enc.reset(0);
      return { enc, chunks, at };
    };
    const bulk = encoder();
    const each = encoder();
    const read = (x: typeof bulk, value: number): void => x.enc.access(SPACE_PIO, DIR_READ, 0x3fd, 1, value, DEV_UART, 0);
    // A write, then polls 5 apart, then skipped ones 3 apart (the stride changes), twice, with a
    // write between; 350 and 77 repeats cross chunk ends (100 records a chunk).
    for (const [times, value] of [[350, 0x00], [77, 0x60]] as const) {
      for (const x of [bulk, each]) {
        x.at.icount += 11;
        x.enc.access(SPACE_PIO, DIR_WRITE, 0x3f8, 1, 0x41, DEV_UART, 0);
        for (let i = 0; i < 4; i++) {
          x.at.icount += 5;
          read(x, value);
        }
      }
      expect(bulk.enc.repeatAccess(times, 3)).toBe(true);
      bulk.at.icount += times * 3;
      for (let i = 0; i < times; i++) {
        each.at.icount += 3;
        read(each, value);
      }
    }
    for (const x of [bulk, each]) x.chunks.push(Buffer.from(x.enc.encodeChunk()).toString('hex'));
    expect(bulk.chunks.length).toBeGreaterThan(4);
    expect(bulk.chunks).toEqual(each.chunks);
    expect(bulk.enc.lastIcount).toBe(each.enc.lastIcount);
    bulk.enc.interrupt(bulk.at.icount, 0, 4);
    expect(bulk.enc.repeatAccess(5, 3)).toBe(false); // the last record is no access
  });

  it('refuses records after close, from the bus observer too', async () => {
    const dir = path.join(tempDir('closed'), 't');
    const w = await TraceWriter.create(dir, sampleHeader(), { icount: () => 5 });
    await w.close({ status: 'exited' });
    expect(() => w.observer.access(0, 0, 0x60, 1, 0, 1, 0)).toThrow(/is closed/);
    expect(() => w.interrupt('raise', 1)).toThrow(/is closed/);
  });

  it('run-length encodes polling loops, across chunk boundaries and flushes, and reads every access back', async () => {
    const base = tempDir('poll');
    const expected: { icount: number; addr: number; value: number; dir: number }[] = [];
    const record = async (dir: string, flushAt: (i: number) => boolean) => {
      const clock = new TestClock();
      const w = await TraceWriter.create(dir, sampleHeader(), { icount: clock.source, chunkRecords: 1000 });
      for (let i = 0; i < 20_000; i++) {
        clock.icount += i % 1500 === 0 ? 40 : 3; // a different gap now and then
        if (i % 700 === 699) {
          w.observer.access(SPACE_PIO, DIR_WRITE, 0x3f8, 1, 0x41 + (i % 26), DEV_UART, 0);
          if (dir.endsWith('a')) expected.push({ icount: clock.icount, addr: 0x3f8, value: 0x41 + (i % 26), dir: 1 });
        } else if (i % 5000 === 4999) {
          w.interrupt('raise', 4); // a non-access record breaks a run
        } else {
          w.observer.access(SPACE_PIO, DIR_READ, 0x3fd, 1, i < 10_000 ? 0 : 0x20, DEV_UART, 0);
          if (dir.endsWith('a')) expected.push({ icount: clock.icount, addr: 0x3fd, value: i < 10_000 ? 0 : 0x20, dir: 0 });
        }
        if (flushAt(i)) await w.flush();
      }
      await w.close({ status: 'exited' });
    };
    await record(path.join(base, 'a'), () => false);
    await record(path.join(base, 'b'), (i) => i % 333 === 17); // flushes in the middle of runs
    await exportTrace(path.join(base, 'a'), path.join(base, 'a.mtx'));
    await exportTrace(path.join(base, 'b'), path.join(base, 'b.mtx'));
    const a = fs.readFileSync(path.join(base, 'a.mtx'));
    expect(fs.readFileSync(path.join(base, 'b.mtx')).equals(a)).toBe(true);
    expect(a.length).toBeLessThan(4000); // 20,000 records: a few bytes per run, not per access

    const r = await TraceReader.open(path.join(base, 'a'));
    try {
      const recs = await collect(r.records());
      expect(recs.length).toBe(20_000);
      recs.forEach((x, i) => expect(x.seq).toBe(i));
      const accesses = recs.filter((x): x is AccessRecord => x.kind === 'pio');
      expect(accesses.map((x) => ({ icount: x.icount, addr: x.addr, value: x.value, dir: x.dir }))).toEqual(expected);
      // Seeks and ranges that start inside a run land on the right access.
      for (const at of [5, 1000, 12_345, 30_001]) {
        const want = recs.find((x) => x.icount >= at);
        expect(await r.seekIcount(at)).toEqual(want);
      }
      expect(await collect(r.records({ fromIcount: 30_001, toIcount: 30_100 }))).toEqual(
        recs.filter((x) => x.icount >= 30_001 && x.icount <= 30_100),
      );
    } finally {
      await r.close();
    }
  });
});
