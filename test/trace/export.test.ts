import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportTrace, importTrace } from '../../src/trace/export.js';
import { TraceReader } from '../../src/trace/reader.js';
import { collect, recordSample, tempDir } from './helpers.js';

describe('determinism and portable export', () => {
  it('the same calls give a byte-identical export, whatever the flush schedule', async () => {
    const base = tempDir('det');
    await recordSample(path.join(base, 'a'), { flushEvery: 97 });
    await recordSample(path.join(base, 'b'), { flushEvery: 1 });
    await recordSample(path.join(base, 'c'));
    await exportTrace(path.join(base, 'a'), path.join(base, 'a.mtx'));
    await exportTrace(path.join(base, 'b'), path.join(base, 'b.mtx'));
    await exportTrace(path.join(base, 'c'), path.join(base, 'c.mtx'));
    const a = fs.readFileSync(path.join(base, 'a.mtx'));
    expect(a.length).toBeGreaterThan(1000);
    expect(fs.readFileSync(path.join(base, 'b.mtx')).equals(a)).toBe(true);
    expect(fs.readFileSync(path.join(base, 'c.mtx')).equals(a)).toBe(true);
  });

  it('exporting the same trace twice gives identical bytes', async () => {
    const base = tempDir('twice');
    await recordSample(path.join(base, 't'));
    const first = await exportTrace(path.join(base, 't'), path.join(base, '1.mtx'));
    const second = await exportTrace(path.join(base, 't'), path.join(base, '2.mtx'));
    expect(second.sha256).toBe(first.sha256);
    expect(fs.readFileSync(path.join(base, '2.mtx')).equals(fs.readFileSync(path.join(base, '1.mtx')))).toBe(true);
    expect(fs.statSync(path.join(base, '1.mtx')).size).toBe(first.bytes);
  });

  it('import then export round-trips byte for byte, and the imported trace reads the same', async () => {
    const base = tempDir('imp');
    await recordSample(path.join(base, 't'));
    await exportTrace(path.join(base, 't'), path.join(base, '1.mtx'));
    const imported = await importTrace(path.join(base, '1.mtx'), path.join(base, 'u'));
    await exportTrace(path.join(base, 'u'), path.join(base, '2.mtx'));
    expect(fs.readFileSync(path.join(base, '2.mtx')).equals(fs.readFileSync(path.join(base, '1.mtx')))).toBe(true);

    const [r1, r2] = [await TraceReader.open(path.join(base, 't')), await TraceReader.open(path.join(base, 'u'))];
    try {
      expect(imported.records).toBe(r1.status.recordCount);
      expect(r2.status).toEqual(r1.status);
      expect(r2.header).toEqual(r1.header);
      // The rebuilt index and device postings answer the same queries.
      for (const filter of [{}, { device: 3 }, { fromIcount: 1_000_000, kinds: ['pio' as const] }, { portRange: { first: 0x3fa, last: 0x3fc } }]) {
        expect(await collect(r2.records(filter))).toEqual(await collect(r1.records(filter)));
      }
      expect(await collect(r2.checkpoints())).toEqual(await collect(r1.checkpoints()));
    } finally {
      await r1.close();
      await r2.close();
    }
  });

  it('exports an incomplete recording as incomplete', async () => {
    const base = tempDir('inc');
    const { records } = await recordSample(path.join(base, 't'), { close: false, steps: 1500 });
    await exportTrace(path.join(base, 't'), path.join(base, 't.mtx'));
    await importTrace(path.join(base, 't.mtx'), path.join(base, 'u'));
    const r = await TraceReader.open(path.join(base, 'u'));
    expect(r.status).toMatchObject({ complete: false, lastSeq: records - 1 });
    await r.close();
  });
});
