/**
 * A third-party guest's golden digest does not depend on where the guest cache is: the same
 * run with its disk file at two cache paths (two machines' $HOME) has the same digest, though
 * the exports' bytes differ (the header names the file); another disk's content does not.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveImage } from '../../src/guests/catalog.js';
import { exportDigest } from '../../src/golden/compare.js';
import { exportTrace } from '../../src/trace/export.js';
import { openSharedDisk } from '../../src/trace/run-setup.js';
import { recordBoot } from '../../src/trace/session.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'migtrace-golden-digest-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** The timer, briefly, with `content` as its slave disk at CACHE/xv6/fs.img; its export's bytes. */
async function exported(cache: string, content: number): Promise<Buffer> {
  fs.mkdirSync(path.join(cache, 'xv6'), { recursive: true });
  const disk = path.join(cache, 'xv6', 'fs.img');
  fs.writeFileSync(disk, Buffer.alloc(8 * 512, content));
  const slaveDisk = openSharedDisk(disk);
  const image = resolveImage('timer');
  const dir = path.join(cache, 'trace');
  try {
    await recordBoot(dir, { label: 'timer', image: image.bytes, args: 'hz=1000 every=100 ticks=5', slaveDisk });
  } finally {
    slaveDisk.close();
  }
  const file = path.join(cache, 'trace.mtx');
  await exportTrace(dir, file);
  return fs.readFileSync(file);
}

describe('golden digests', () => {
  it('name a disk in the guest cache machine-independently, and still tell its content', async () => {
    const a = path.join(work, 'home-a', 'cache');
    const b = path.join(work, 'home-bb', 'cache');
    const ea = await exported(a, 0x11);
    const eb = await exported(b, 0x11);
    expect(ea.equals(eb)).toBe(false);
    expect(exportDigest(ea, 'a', a)).toBe(exportDigest(eb, 'b', b));
    const other = path.join(work, 'home-c', 'cache');
    expect(exportDigest(await exported(other, 0x12), 'c', other)).not.toBe(exportDigest(ea, 'a', a));
  }, 60_000);
});
