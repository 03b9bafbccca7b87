import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Level } from 'level';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { CPU_SCHEMA } from '../../src/machine/cpu/state.js';
import { exportTrace, importTrace } from '../../src/trace/export.js';
import { FORMAT_MAJOR, FORMAT_MINOR, headerKey } from '../../src/trace/format.js';
import { decode, encode, pb, type PbTraceHeader } from '../../src/trace/proto.js';
import { TraceReader } from '../../src/trace/reader.js';
import { TraceWriter } from '../../src/trace/writer.js';
import { startRecordingChild } from './child.js';
import { TestClock, collect, dirHashes, recordSample, sampleHeader, tempDir } from './helpers.js';

/** The promise rejects with an InputError of this code, whose message is one line matching `message`. */
async function refuses(p: Promise<unknown>, code: string, message?: RegExp): Promise<InputError> {
  const err = await p.then(
    () => {
      throw new Error(`expected ${code}, but it succeeded`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  const e = err as InputError;
  expect(e.code).toBe(code);
  expect(e.message).not.toContain('\n');
  if (message !== undefined) expect(e.message).toMatch(message);
  return e;
}

function fileHash(file: string): string {
  return dirHashes(path.dirname(file))[path.basename(file)];
}

/** Rewrite a trace's header with `level` directly (no migtrace API writes another version or machine). */
async function changeHeader(dir: string, change: (h: PbTraceHeader) => PbTraceHeader): Promise<void> {
  const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  const h = decode<PbTraceHeader>(pb.TraceHeader, (await db.get(headerKey()))!);
  await db.put(headerKey(), encode(pb.TraceHeader, change(h)));
  await db.close();
}

async function setHeaderVersion(dir: string, major: number, minor: number): Promise<void> {
  await changeHeader(dir, (h) => ({ ...h, version: { major, minor } }));
}

describe('bad input: one clear line each, nothing read is modified', () => {
  let base: string;
  let trace: string;
  let exported: string;

  beforeAll(async () => {
    base = tempDir('bad');
    trace = path.join(base, 'good');
    exported = path.join(base, 'good.mtx');
    await recordSample(trace, { steps: 3000 });
    await exportTrace(trace, exported);
  });

  it('a path that is no trace', async () => {
    await refuses(TraceReader.open(path.join(base, 'missing')), 'TRACE_NOT_FOUND', /no trace at .*missing/);
    await refuses(TraceReader.open(exported), 'NOT_A_TRACE', /is a file/);
    const empty = path.join(base, 'empty');
    fs.mkdirSync(empty);
    await refuses(TraceReader.open(empty), 'NOT_A_TRACE', /no LevelDB database/);
    expect(fs.readdirSync(empty)).toEqual([]);
  });

  it('a LevelDB database that is not a trace', async () => {
    const other = path.join(base, 'other-db');
    const db = new Level(other);
    await db.put('hello', 'world');
    await db.close();
    const before = dirHashes(other);
    await refuses(TraceReader.open(other), 'NOT_A_TRACE', /no migtrace header/);
    expect(dirHashes(other)).toEqual(before);
  });

  it('a trace of a newer format version, major or minor, naming both versions', async () => {
    const base2 = tempDir('ver');
    for (const [major, minor] of [[FORMAT_MAJOR, FORMAT_MINOR + 1], [FORMAT_MAJOR + 1, 0]]) {
      const dir = path.join(base2, `v${major}.${minor}`);
      await recordSample(dir, { steps: 50 });
      await setHeaderVersion(dir, major, minor);
      const before = dirHashes(dir);
      await refuses(
        TraceReader.open(dir),
        'TRACE_VERSION_UNSUPPORTED',
        new RegExp(`trace format ${major}\\.${minor}, newer than the format this migtrace reads \\(${FORMAT_MAJOR}\\.${FORMAT_MINOR}\\)`),
      );
      await refuses(exportTrace(dir, path.join(base2, 'x.mtx')), 'TRACE_VERSION_UNSUPPORTED');
      expect(dirHashes(dir)).toEqual(before);
      expect(fs.existsSync(path.join(base2, 'x.mtx'))).toBe(false);
    }
  });

  it('an export file of a newer format version', async () => {
    const bytes = fs.readFileSync(exported);
    const newer = path.join(base, 'newer.mtx');
    bytes.writeUInt16LE(3, 18); // minor 3
    fs.writeFileSync(newer, bytes);
    await refuses(importTrace(newer, path.join(base, 'newer')), 'EXPORT_VERSION_UNSUPPORTED', new RegExp(`format ${FORMAT_MAJOR}\\.3, newer than .* \\(${FORMAT_MAJOR}\\.${FORMAT_MINOR}\\)`));
    expect(fs.existsSync(path.join(base, 'newer'))).toBe(false);
  });

  it('a trace or export of the old format (1.x, JSON checkpoints), saying how to regenerate it', async () => {
    const regenerate = 'this migtrace reads 2\\.x: re-record it with `migtrace record`, or regenerate golden traces with `migtrace golden update`$';
    const dir = path.join(tempDir('old'), 't');
    await recordSample(dir, { steps: 50 });
    await setHeaderVersion(dir, 1, 1);
    const before = dirHashes(dir);
    await refuses(TraceReader.open(dir), 'TRACE_VERSION_UNSUPPORTED', new RegExp(`^trace .* was written by trace format 1\\.1; ${regenerate}`));
    expect(dirHashes(dir)).toEqual(before);
    const bytes = fs.readFileSync(exported);
    const old = path.join(base, 'old.mtx');
    bytes.writeUInt16LE(1, 16);
    bytes.writeUInt16LE(1, 18);
    fs.writeFileSync(old, bytes);
    await refuses(importTrace(old, path.join(base, 'old')), 'EXPORT_VERSION_UNSUPPORTED', new RegExp(`^export .* was written by trace format 1\\.1; ${regenerate}`));
    expect(fs.existsSync(path.join(base, 'old'))).toBe(false);
  });

  it('a trace made on another machine type, naming both', async () => {
    const base2 = tempDir('machine-type');
    const cases: [PbTraceHeader['machine'] extends infer M ? (m: NonNullable<M>) => NonNullable<M> : never, RegExp][] = [
      [(m) => ({ ...m, type: { name: 'migtrace-pc', version: 7 } }), /made on machine type migtrace-pc v7; this migtrace simulates migtrace-pc v2: re-record it/],
      [(m) => ({ ...m, type: { name: 'q35', version: 1 } }), /made on machine type q35 v1; this migtrace simulates migtrace-pc v2/],
      [(m) => ({ ...m, type: null }), /made on machine type \(none recorded\); this migtrace simulates migtrace-pc v2/],
    ];
    for (const [i, [change, message]] of cases.entries()) {
      const dir = path.join(base2, `t${i}`);
      await recordSample(dir, { steps: 50 });
      await changeHeader(dir, (h) => ({ ...h, machine: change(h.machine!) }));
      await refuses(TraceReader.open(dir), 'TRACE_MACHINE_TYPE', message);
    }
  });

  it('an export of a trace made on another machine type', async () => {
    const dir = path.join(tempDir('export-type'), 't');
    await recordSample(dir, { steps: 50 });
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    const h = decode<PbTraceHeader>(pb.TraceHeader, (await db.get(headerKey()))!);
    await db.close();
    // An export file built by hand (migtrace cannot export a trace it refuses to read).
    const frame = (f: object) => {
      const body = Buffer.from(encode(pb.ExportFrame, f));
      return Buffer.concat([Buffer.from([body.length & 0x7f | (body.length > 0x7f ? 0x80 : 0), ...(body.length > 0x7f ? [body.length >> 7] : [])]), body]);
    };
    const header = encode(pb.TraceHeader, { ...h, machine: { ...h.machine!, type: { name: 'migtrace-pc', version: 5 } } });
    const pre = Buffer.alloc(20);
    pre.write('MIGTRACE-EXPORT\n', 0, 'latin1');
    pre.writeUInt16LE(FORMAT_MAJOR, 16);
    pre.writeUInt16LE(FORMAT_MINOR, 18);
    const body = Buffer.concat([pre, frame({ header }), frame({ exportEnd: { frames: 1 } })]);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(body.length + 8 + 32));
    const withLen = Buffer.concat([body, len]);
    const file = path.join(base, 'other-type.mtx');
    fs.writeFileSync(file, Buffer.concat([withLen, createHash('sha256').update(withLen).digest()]));
    await refuses(importTrace(file, path.join(base, 'other-type')), 'EXPORT_MACHINE_TYPE', /^export .* was made on machine type migtrace-pc v5; this migtrace simulates migtrace-pc v2/);
    expect(fs.existsSync(path.join(base, 'other-type'))).toBe(false);
  });

  it('a trace whose header declares another CPU state schema', async () => {
    const dir = path.join(tempDir('cpu-schema'), 't');
    await recordSample(dir, { steps: 50 });
    await changeHeader(dir, (h) => ({ ...h, machine: { ...h.machine!, cpu: { ...h.machine!.cpu!, schemaVersion: 99 } } }));
    await refuses(
      TraceReader.open(dir),
      'TRACE_CPU_SCHEMA',
      new RegExp(`declares CPU state schema version 99 \\(\\d+ fields\\); this migtrace has version ${CPU_SCHEMA.version}`),
    );
  });

  it('a truncated export file', async () => {
    const bytes = fs.readFileSync(exported);
    for (const keep of [bytes.length - 1, Math.floor(bytes.length / 2), 30, 18]) {
      const cut = path.join(base, `cut-${keep}.mtx`);
      fs.writeFileSync(cut, bytes.subarray(0, keep));
      const hash = fileHash(cut);
      await refuses(importTrace(cut, path.join(base, `cut-${keep}`)), 'EXPORT_TRUNCATED', /is truncated/);
      expect(fileHash(cut)).toBe(hash);
      expect(fs.existsSync(path.join(base, `cut-${keep}`))).toBe(false);
    }
  });

  it('an export file whose checksum does not match', async () => {
    const bytes = Buffer.from(fs.readFileSync(exported));
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    const bad = path.join(base, 'flipped.mtx');
    fs.writeFileSync(bad, bytes);
    const hash = fileHash(bad);
    await refuses(importTrace(bad, path.join(base, 'flipped')), 'EXPORT_CHECKSUM_MISMATCH', /checksum does not match/);
    expect(fileHash(bad)).toBe(hash);
    expect(fs.existsSync(path.join(base, 'flipped'))).toBe(false);
  });

  it('a file that is not an export at all', async () => {
    const junk = path.join(base, 'junk.bin');
    fs.writeFileSync(junk, 'not a trace, just some text\n');
    await refuses(importTrace(junk, path.join(base, 'junk')), 'NOT_AN_EXPORT', /not a migtrace export file/);
    await refuses(importTrace(trace, path.join(base, 'junk')), 'NOT_AN_EXPORT', /is a directory/);
    await refuses(importTrace(path.join(base, 'nope.mtx'), path.join(base, 'junk')), 'EXPORT_NOT_FOUND');
  });

  it('writing over an existing trace or a non-empty directory', async () => {
    const before = dirHashes(trace);
    await refuses(TraceWriter.create(trace, sampleHeader(), { icount: () => 0 }), 'TRACE_EXISTS', /already holds a trace/);
    await refuses(importTrace(exported, trace), 'TRACE_EXISTS');
    expect(dirHashes(trace)).toEqual(before);
    const full = path.join(base, 'full');
    fs.mkdirSync(full);
    fs.writeFileSync(path.join(full, 'notes.txt'), 'x');
    await refuses(TraceWriter.create(full, sampleHeader(), { icount: () => 0 }), 'TRACE_EXISTS', /not empty/);
  });

  it('a trace locked by another process (a recording still running)', async () => {
    const dir = path.join(tempDir('lock'), 't');
    const child = startRecordingChild(dir, 'hold');
    try {
      await child.waitFor((l) => l === 'open');
      await refuses(TraceReader.open(dir), 'TRACE_LOCKED', /is locked by another process/);
      await refuses(exportTrace(dir, path.join(base, 'locked.mtx')), 'TRACE_LOCKED');
      await refuses(TraceWriter.create(dir, sampleHeader(), { icount: () => 0 }), 'TRACE_LOCKED');
      await refuses(importTrace(exported, dir), 'TRACE_LOCKED');
    } finally {
      child.process.kill('SIGKILL');
      await child.exited;
    }
    // Once the writer is gone the lock is released, and what it committed reads.
    const r = await TraceReader.open(dir);
    expect(r.status).toMatchObject({ complete: false, lastSeq: -1 });
    await r.close();
  });

  it('a trace locked by a writer in this process', async () => {
    const dir = path.join(tempDir('lock2'), 't');
    const clock = new TestClock();
    const w = await TraceWriter.create(dir, sampleHeader(), { icount: clock.source });
    await refuses(TraceReader.open(dir), 'TRACE_LOCKED');
    await w.close({ status: 'limit' });
    const r = await TraceReader.open(dir);
    expect(r.status.complete).toBe(true);
    await r.close();
  });

  it('a writer started without waiting for LevelDB (a recording): the same refusals, at once or at its first flush', async () => {
    // Refused before anything is made: an existing trace, a non-empty directory.
    expect(() => TraceWriter.start(trace, sampleHeader(), { icount: () => 0 })).toThrow(/already holds a trace/);
    // Two writers racing for one new directory: the one that loses the LOCK fails its first flush with one line.
    const dir = path.join(tempDir('start'), 't');
    const clock = new TestClock();
    // Which one LevelDB opens first is up to its thread pool.
    const writers = [TraceWriter.start(dir, sampleHeader(), { icount: clock.source }), TraceWriter.start(dir, sampleHeader(), { icount: clock.source })];
    const flushes = writers.map((w) => w.flush());
    const settled = await Promise.allSettled(flushes);
    expect(settled.map((s) => s.status).sort()).toEqual(['fulfilled', 'rejected']);
    const lost = settled[0].status === 'rejected' ? 0 : 1;
    await refuses(flushes[lost], 'TRACE_LOCKED', /is locked/);
    await writers[lost].abandon().catch(() => {});
    const first = writers[1 - lost];
    first.interrupt('raise', 4);
    await first.close({ status: 'limit' });
    const r = await TraceReader.open(dir);
    expect(r.status).toMatchObject({ complete: true, recordCount: 1 });
    expect(r.header.guestArgs).toBe(sampleHeader().guestArgs);
    await r.close();
  });

  it('reading, seeking, listing checkpoints and exporting never modify the trace directory', async () => {
    const before = dirHashes(trace);
    const r = await TraceReader.open(trace);
    await collect(r.records());
    await collect(r.records({ device: 1, fromIcount: 1000 }));
    await r.seekIcount(123_456);
    const cps = await collect(r.checkpoints());
    await r.pageHashesAt(cps[cps.length - 1]);
    await r.changedPages(cps[0], cps[cps.length - 1]);
    await r.close();
    await exportTrace(trace, path.join(base, 'again.mtx'));
    expect(dirHashes(trace)).toEqual(before);
    const exportHash = fileHash(exported);
    await importTrace(exported, path.join(base, 'imported'));
    expect(fileHash(exported)).toBe(exportHash);
  });
});
