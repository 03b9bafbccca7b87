import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TraceReader } from '../../src/trace/reader.js';
import { startRecordingChild } from './child.js';
import { dirHashes, tempDir } from './helpers.js';

describe('crash safety', () => {
  it('a recording killed with SIGKILL reads back up to its last committed batch, flagged incomplete', async () => {
    const dir = path.join(tempDir('crash'), 't');
    const child = startRecordingChild(dir, 'crash');
    await child.waitFor((l) => /^committed (\d+)$/.test(l) && Number(l.split(' ')[1]) >= 30_000);
    child.process.kill('SIGKILL'); // mid-way: it is recording and flushing as fast as it can
    expect(await child.exited).toBe('SIGKILL');
    const committed = Math.max(...child.lines.map((l) => Number(/^committed (\d+)$/.exec(l)?.[1] ?? 0)));

    const before = dirHashes(dir);
    const r = await TraceReader.open(dir);
    try {
      expect(r.status.complete).toBe(false);
      if (r.status.complete) return;
      // Everything the child saw committed is there (perhaps a later batch too).
      expect(r.status.lastSeq).toBeGreaterThanOrEqual(committed - 1);
      expect(r.status.message).toBe(
        `trace ends at seq ${r.status.lastSeq} (icount ${(await r.recordAt(r.status.lastSeq))!.icount}) without an end marker: incomplete recording`,
      );
      // The synthetic stream is intact: access i at icount 10 i, port 0x3f8 + i % 8, value i & 0xff; no gaps.
      let i = 0;
      let seq = 0;
      let markers = 0;
      for await (const rec of r.records()) {
        expect(rec.seq).toBe(seq++);
        if (rec.kind === 'checkpoint') {
          markers++;
          continue;
        }
        expect(rec).toMatchObject({ kind: 'pio', icount: 10 * i, addr: 0x3f8 + (i % 8), value: i & 0xff });
        i++;
      }
      expect(seq).toBe(r.status.lastSeq + 1);
      expect(markers).toBe(Math.ceil(i / 5000));
      const cp = await r.checkpointAt(Infinity);
      expect(cp?.ordinal).toBe(markers - 1);
      expect((await r.pageHashesAt(cp!)).rootHex).toBe(cp!.root);
    } finally {
      await r.close();
    }
    expect(dirHashes(dir)).toEqual(before);
  });
});
