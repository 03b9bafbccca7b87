import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TraceReader } from '../../src/trace/reader.js';
import { TraceWriter } from '../../src/trace/writer.js';
import { DEV_NIC, TestClock, prng, recordSample, sampleHeader, tempDir } from './helpers.js';

const tables = (dir: string): string[] => fs.readdirSync(dir).filter((f) => f.endsWith('.ldb'));

describe('closing a trace', () => {
  it('moves only the write buffer into a table: the tables written during the run stay as they are', async () => {
    // Enough distinct accesses (random values do not compress away) that LevelDB writes
    // tables while the "run" goes on; closing used to rewrite all of them (200 ms of a 1.1 s run).
    const dir = path.join(tempDir('close'), 't');
    const clock = new TestClock();
    const w = await TraceWriter.create(dir, sampleHeader(), { icount: clock.source });
    const rnd = prng(11);
    const total = 900_000;
    let committing = Promise.resolve();
    for (let i = 0; i < total; i++) {
      clock.icount += 1 + Math.floor(rnd() * 5000);
      w.observer.access(1, i & 1, 0xfebf0000 + Math.floor(rnd() * 4096) * 4, 4, Math.floor(rnd() * 2 ** 32), DEV_NIC, 0);
      if (w.flushDue) {
        await committing;
        committing = w.flush();
      }
    }
    await committing;
    // LevelDB writes its full write buffers into tables on its own thread: wait for them.
    let during: string[] = [];
    for (let tries = 0; tries < 500 && (during = tables(dir)).length === 0; tries++) await sleep(20);
    expect(during.length, 'LevelDB wrote no table while 900 k accesses were recorded').toBeGreaterThan(0);
    await w.close({ status: 'limit' });
    const after = tables(dir);
    for (const t of during) expect(after, `table ${t} was rewritten at close`).toContain(t);
    // The log is empty: everything is in compressed tables, and it all reads back.
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.log'))) expect(fs.statSync(path.join(dir, f)).size).toBe(0);
    const reader = await TraceReader.open(dir);
    try {
      expect(reader.status.complete && reader.status.recordCount).toBe(total);
      let n = 0;
      for await (const r of reader.records()) if (r.kind === 'mmio') n++;
      expect(n).toBe(total);
    } finally {
      await reader.close();
    }
  });

  it('a table the MANIFEST does not list (a compaction cut short by close) is not corruption; a damaged live table is', async () => {
    // LevelDB's close stops a background compaction mid-file and leaves the partial table
    // behind (it deletes it at the next open); a reader must not call the trace corrupt for it.
    const dir = path.join(tempDir('orphan'), 't');
    await recordSample(dir, { steps: 3000 });
    const live = tables(dir);
    expect(live.length).toBeGreaterThan(0);
    fs.writeFileSync(path.join(dir, '009999.ldb'), Buffer.alloc(5000, 0x5a)); // no footer, no magic
    const reader = await TraceReader.open(dir);
    try {
      expect(reader.status.complete).toBe(true);
    } finally {
      await reader.close();
    }
    expect(fs.existsSync(path.join(dir, '009999.ldb'))).toBe(true); // reading changed nothing
    const t = path.join(dir, live[0]);
    const bytes = fs.readFileSync(t);
    bytes[bytes.length - 1] ^= 0xff; // the footer's magic
    fs.writeFileSync(t, bytes);
    await expect(TraceReader.open(dir)).rejects.toThrow(new RegExp(`corrupt: file ${live[0]}: it is not a LevelDB table`));
  });
});
