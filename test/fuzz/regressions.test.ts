/**
 * Inputs the fuzzers found (test/fuzz/*.fuzz.test.ts), pinned: each was a raw error (exit 1,
 * a stack trace, the private snapshot's path) or a silent wrong answer before.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Level } from 'level';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { exportTrace, importTrace } from '../../src/trace/export.js';
import { KEY_INDEX } from '../../src/trace/format.js';
import { decode, encode, pb, type PbChunkSummary, type PbExportFrame, type PbTraceHeader } from '../../src/trace/proto.js';
import { TraceReader } from '../../src/trace/reader.js';
import { dirHashes, recordSample, tempDir } from '../trace/helpers.js';
import { PREAMBLE, exportFrames, joinFrames, sealExport } from './export-frames.js';

async function refused(p: Promise<unknown>, code: string): Promise<string> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(InputError);
  const e = err as InputError;
  expect(e.code).toBe(code);
  expect(e.message).not.toContain('\n');
  expect(e.message).not.toMatch(/migtrace-read-/);
  return e.message;
}

/** Re-frame an export with one frame changed, with a correct length and checksum. */
function rewriteFrame(file: Uint8Array, change: (f: PbExportFrame, i: number) => PbExportFrame | Uint8Array): Uint8Array {
  const bodies = exportFrames(file).map((body, i) => {
    const changed = change(decode<PbExportFrame>(pb.ExportFrame, body), i);
    return changed instanceof Uint8Array ? changed : encode(pb.ExportFrame, changed);
  });
  return sealExport(joinFrames(file.subarray(0, PREAMBLE), bodies));
}

describe('fuzz findings, pinned', () => {
  let base: string;
  let trace: string;
  let exported: Uint8Array;

  beforeAll(async () => {
    base = tempDir('fuzz-pinned');
    trace = path.join(base, 'good');
    await recordSample(trace, { steps: 400, writer: { chunkRecords: 64 } });
    await exportTrace(trace, path.join(base, 'good.mtx'));
    exported = fs.readFileSync(path.join(base, 'good.mtx'));
  });

  function copy(name: string): string {
    const dir = path.join(base, name);
    fs.cpSync(trace, dir, { recursive: true });
    fs.rmSync(path.join(dir, 'LOCK'), { force: true });
    return dir;
  }

  it('an export whose checksum holds but whose chunk frame does not decode (was: raw "illegal tag: field number 0")', async () => {
    const file = path.join(base, 'bad-chunk.mtx');
    fs.writeFileSync(file, rewriteFrame(exported, (f) => (f.item === 'chunk' ? { chunk: Uint8Array.of(0, 1, 2) } : f)));
    expect(await refused(importTrace(file, path.join(base, 'bad-chunk')), 'EXPORT_CORRUPT')).toMatch(/chunk frame 0/);
    expect(fs.existsSync(path.join(base, 'bad-chunk'))).toBe(false);
  });

  it('an export whose header gives 0 instructions per second (was: imported, then inspect crashed)', async () => {
    const file = path.join(base, 'zero-ips.mtx');
    fs.writeFileSync(file, rewriteFrame(exported, (f) => {
      if (f.item !== 'header') return f;
      const h = decode<PbTraceHeader>(pb.TraceHeader, f.header!);
      return { header: encode(pb.TraceHeader, { ...h, machine: { ...h.machine!, instructionsPerSecond: 0 } }) };
    }));
    expect(await refused(importTrace(file, path.join(base, 'zero-ips')), 'EXPORT_CORRUPT')).toMatch(/0 instructions per second/);
  });

  it('an export whose end marker counts records it does not hold (was: imported)', async () => {
    const file = path.join(base, 'bad-end.mtx');
    fs.writeFileSync(file, rewriteFrame(exported, (f) => (f.item === 'end' ? { end: encode(pb.TraceEnd, { finalIcount: 1, recordCount: 5, status: 'exited' }) } : f)));
    expect(await refused(importTrace(file, path.join(base, 'bad-end')), 'EXPORT_CORRUPT')).toMatch(/end marker/);
  });

  it('a table file cut short (was: raw "IO error: /tmp/migtrace-read-…/000005.ldb")', async () => {
    const dir = copy('cut-table');
    const ldb = fs.readdirSync(dir).find((f) => f.endsWith('.ldb'))!;
    fs.truncateSync(path.join(dir, ldb), 4787);
    const before = dirHashes(dir);
    expect(await refused(TraceReader.open(dir), 'TRACE_CORRUPT')).toContain(`trace ${dir} is corrupt: file ${ldb}`);
    expect(dirHashes(dir)).toEqual(before);
  });

  it('a flipped byte in a table data block (was: raw "Corruption: corrupted compressed block contents", or a native abort)', async () => {
    const dir = copy('flipped-table');
    const ldb = path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.ldb'))!);
    const bytes = fs.readFileSync(ldb);
    bytes[1390] ^= 4;
    fs.writeFileSync(ldb, bytes);
    expect(await refused(TraceReader.open(dir), 'TRACE_CORRUPT')).toMatch(/fails its checksum/);
  });

  it('a damaged CURRENT file (was: raw "Database failed to open")', async () => {
    const dir = copy('bad-current');
    const current = fs.readFileSync(path.join(dir, 'CURRENT'));
    current[0] ^= 4;
    fs.writeFileSync(path.join(dir, 'CURRENT'), current);
    await refused(TraceReader.open(dir), 'TRACE_CORRUPT');
  });

  async function editIndex(dir: string, edit: (s: PbChunkSummary, v: Uint8Array) => Uint8Array): Promise<void> {
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    const [[k, v]] = await db.iterator({ gt: Uint8Array.of(KEY_INDEX), lt: Uint8Array.of(KEY_INDEX + 1), limit: 1 }).all();
    await db.put(k, edit(decode<PbChunkSummary>(pb.ChunkSummary, v), v));
    await db.close();
  }

  it('a chunk summary cut to one byte (was: raw "RangeError: index out of range: 1 + 1 > 1")', async () => {
    const dir = copy('short-summary');
    await editIndex(dir, (_, v) => v.subarray(0, 1));
    const reader = await TraceReader.open(dir);
    try {
      await refused((async () => { for await (const _ of reader.records()) void _; })(), 'TRACE_CORRUPT');
    } finally {
      await reader.close();
    }
  });

  it('a chunk summary that ends early no longer makes a read from an icount skip records silently', async () => {
    const dir = copy('early-summary');
    await editIndex(dir, (s) => encode(pb.ChunkSummary, { ...s, lastIcount: s.firstIcount }));
    const reader = await TraceReader.open(dir);
    try {
      const all: number[] = [];
      const good = await TraceReader.open(trace);
      for await (const r of good.records()) all.push(r.icount);
      await good.close();
      const from = all[40];
      expect(await refused((async () => { for await (const _ of reader.records({ fromIcount: from })) void _; })(), 'TRACE_CORRUPT')).toMatch(/chunk index disagrees/);
    } finally {
      await reader.close();
    }
  });
});
