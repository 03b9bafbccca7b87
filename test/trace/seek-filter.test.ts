import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_CHUNK, KEY_INDEX, KEY_SEGMENT } from '../../src/trace/format.js';
import { SEGMENT_CHUNKS, SummaryBuilder, summarizeChunk } from '../../src/trace/summary.js';
import { decode, pb, type PbChunk, type PbChunkSummary } from '../../src/trace/proto.js';
import { TraceReader } from '../../src/trace/reader.js';
import type { TraceRecord } from '../../src/trace/records.js';
import { DEV_NIC, DEV_PIC, DEV_UART, collect, prng, recordSample, tempDir } from './helpers.js';

describe('seeking and filtering', () => {
  let reader: TraceReader;
  let all: TraceRecord[];

  beforeAll(async () => {
    const dir = path.join(tempDir('seek'), 't');
    await recordSample(dir, { steps: 20_000, writer: { chunkRecords: 100 }, flushEvery: 3000 });
    reader = await TraceReader.open(dir);
    all = await collect(reader.records());
  });
  afterAll(async () => {
    await reader.close();
  });

  it('reads every record in seq order', () => {
    expect(all.length).toBe(reader.status.recordCount);
    all.forEach((r, i) => expect(r.seq).toBe(i));
  });

  it('seekIcount lands on the first record at or after the icount', async () => {
    const rnd = prng(3);
    const last = all[all.length - 1].icount;
    const targets = [0, all[0].icount, all[500].icount, all[500].icount + 1, last, last + 1];
    for (let i = 0; i < 40; i++) targets.push(Math.floor(rnd() * (last + 10)));
    for (const t of targets) {
      const expected = all.find((r) => r.icount >= t);
      expect(await reader.seekIcount(t), `seek ${t}`).toEqual(expected);
    }
  });

  it('recordAt finds a record by seq', async () => {
    for (const seq of [0, 99, 100, 12_345, all.length - 1]) expect(await reader.recordAt(seq)).toEqual(all[seq]);
    expect(await reader.recordAt(all.length)).toBeUndefined();
  });

  it('filters by icount range', async () => {
    const from = all[3000].icount;
    const to = all[7000].icount;
    expect(await collect(reader.records({ fromIcount: from, toIcount: to }))).toEqual(
      all.filter((r) => r.icount >= from && r.icount <= to),
    );
  });

  it('filters by device, reading only the segments and chunks that name it', async () => {
    for (const device of [DEV_UART, DEV_PIC, DEV_NIC, 0, 77]) {
      const expected = all.filter((r) => r.kind !== 'migration' && 'device' in r && r.device === device);
      expect(await collect(reader.records({ device })), `device ${device}`).toEqual(expected);
    }
    const from = all[10_000].icount;
    expect(await collect(reader.records({ device: DEV_PIC, fromIcount: from, kinds: ['pio'] }))).toEqual(
      all.filter((r) => r.kind === 'pio' && r.device === DEV_PIC && r.icount >= from),
    );
  });

  it('filters by port range and address range', async () => {
    expect(await collect(reader.records({ portRange: { first: 0x3f9, last: 0x3fb } }))).toEqual(
      all.filter((r) => r.kind === 'pio' && r.addr >= 0x3f9 && r.addr <= 0x3fb),
    );
    expect(await collect(reader.records({ portRange: { first: 0x21, last: 0x21 } }))).toEqual(
      all.filter((r) => r.kind === 'pio' && r.addr === 0x21),
    );
    expect(await collect(reader.records({ portRange: { first: 0x1000, last: 0x2000 } }))).toEqual([]);
    expect(await collect(reader.records({ addressRange: { first: 0xfebf0010, last: 0xfebf001f } }))).toEqual(
      all.filter((r) => r.kind === 'mmio' && r.addr >= 0xfebf0010 && r.addr <= 0xfebf001f),
    );
  });

  it('filters by record kind', async () => {
    for (const kinds of [['interrupt'], ['input', 'output'], ['checkpoint'], ['hypervisor', 'migration'], ['dma', 'transition']] as const) {
      expect(await collect(reader.records({ kinds }))).toEqual(all.filter((r) => (kinds as readonly string[]).includes(r.kind)));
    }
    await expect(collect(reader.records({ kinds: ['nonsense' as 'pio'] }))).rejects.toMatchObject({ code: 'BAD_RECORD_KIND' });
  });

  it("the writer's chunk and segment summaries match the ones recomputed from the records", async () => {
    const summaries: PbChunkSummary[] = [];
    for await (const v of reader.rawValues(KEY_INDEX)) summaries.push(decode<PbChunkSummary>(pb.ChunkSummary, v));
    const recomputed: PbChunkSummary[] = [];
    for await (const v of reader.rawValues(KEY_CHUNK)) recomputed.push(summarizeChunk(decode<PbChunk>(pb.Chunk, v)));
    expect(summaries.length).toBeGreaterThan(100);
    const plain = (list: PbChunkSummary[]) => list.map((s) => ({ ...s, deviceBitmap: [...s.deviceBitmap] }));
    expect(plain(summaries)).toEqual(plain(recomputed));
    // Segment summaries: one per 64 chunks, covering every record, equal to the merged chunk summaries.
    const segments: PbChunkSummary[] = [];
    for await (const v of reader.rawValues(KEY_SEGMENT)) segments.push(decode<PbChunkSummary>(pb.ChunkSummary, v));
    const merged: PbChunkSummary[] = [];
    for (let i = 0; i < recomputed.length; i += SEGMENT_CHUNKS) {
      const b = new SummaryBuilder();
      recomputed.slice(i, i + SEGMENT_CHUNKS).forEach((s) => b.addSummary(s));
      merged.push(b.summary());
    }
    expect(plain(segments)).toEqual(plain(merged));
    expect(segments.reduce((n, s) => n + s.recordCount, 0)).toBe(reader.status.recordCount);
  });
});
