/**
 * Checkpoint page hashes on a worker thread (src/trace/page-hash-thread.ts): the same hashes
 * as pages.ts computes, whoever hashes each page, and the same trace byte for byte as a
 * recording that hashes every page itself — with commits waiting on the thread.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { HASH_BYTES } from '../../src/trace/format.js';
import { PageHashThread } from '../../src/trace/page-hash-thread.js';
import { hashPage } from '../../src/trace/pages.js';
import { exportTrace } from '../../src/trace/export.js';
import { recordBoot } from '../../src/trace/session.js';
import { shortRun } from './guest-runs.js';
import { prng, tempDir } from './helpers.js';

/** Pages by number: zero, one byte set, a fill (xv6's junk), random. */
function pagesFor(numbers: number[], seed: number): Map<number, Uint8Array> {
  const rnd = prng(seed);
  const pages = new Map<number, Uint8Array>();
  numbers.forEach((n, i) => {
    const page = new Uint8Array(4096);
    if (i % 4 === 1) page[4095] = 1;
    else if (i % 4 === 2) page.fill(1);
    else if (i % 4 === 3) for (let k = 0; k < 4096; k++) page[k] = Math.floor(rnd() * 256);
    pages.set(n, page);
  });
  return pages;
}

function expectHashes(got: Uint8Array, numbers: number[], pages: Map<number, Uint8Array>): void {
  expect(got.length).toBe(numbers.length * HASH_BYTES);
  numbers.forEach((n, i) => {
    expect(Buffer.from(got.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES)).toString('hex'), `page ${n}`).toBe(Buffer.from(hashPage(n, pages.get(n)!)).toString('hex'));
  });
}

describe('the page-hash thread', () => {
  it('hashes every page as pages.ts does, whether the thread, the caller or both hash it', async () => {
    const thread = new PageHashThread();
    try {
      // Collected at once: the caller hashes what the thread has not started (all of it, if the thread is not up yet).
      const first = [0, 1, 2, 3, 7, 0x12345, 0xfffff, 40, 41, 42, 43];
      const firstPages = pagesFor(first, 1);
      thread.submit(first, { page: (n) => firstPages.get(n)! });
      expectHashes(thread.collect(), first, firstPages);
      // Bigger than the buffers made so far (they grow), collected after the thread says it is done.
      const second = Array.from({ length: 1500 }, (_, i) => i * 3 + 5);
      const secondPages = pagesFor(second, 2);
      thread.submit(second, { page: (n) => secondPages.get(n)! });
      await thread.finished();
      expectHashes(thread.collect(), second, secondPages);
      // The bytes are copied at submit: a page changed afterwards is hashed as it was.
      const third = [9, 10, 11, 12];
      const thirdPages = pagesFor(third, 3);
      const before = new Map([...thirdPages].map(([n, p]) => [n, p.slice()]));
      thread.submit(third, { page: (n) => thirdPages.get(n)! });
      for (const p of thirdPages.values()) p.fill(0xee);
      expectHashes(thread.collect(), third, before);
    } finally {
      await thread.close();
    }
  });

  it('hashes a page the thread claimed and never finished, a second later (the thread died)', () => {
    const thread = new PageHashThread();
    // No thread at all (as after it died), and page 1 claimed as a thread would claim it.
    (thread as unknown as { broken: boolean }).broken = true;
    const numbers = [4, 5, 6];
    const pages = pagesFor(numbers, 4);
    thread.submit(numbers, { page: (n) => pages.get(n)! });
    const control = (thread as unknown as { control: Int32Array }).control;
    expect(Atomics.add(control, 1, 1)).toBe(0); // NEXT: page 0 is "the thread's" now
    expectHashes(thread.collect(), numbers, pages);
  });

  it('refuses a second job before the first is collected, and a collect with no job', () => {
    const thread = new PageHashThread();
    const page = new Uint8Array(4096);
    thread.submit([1], { page: () => page });
    expect(() => thread.submit([2], { page: () => page })).toThrow(/not collected/);
    thread.collect();
    expect(() => thread.collect()).toThrow(/no job/);
    void thread.close();
  });

  for (const guest of ['memtouch', 'disk'] as const) {
    it(`${guest}: a recording is the same byte for byte with every checkpoint's pages hashed on the thread`, async () => {
      const base = tempDir('page-thread');
      const { setup, until } = shortRun(guest);
      // Checkpoints every 50 k instructions, a keyframe every third, a commit every 4 KiB: commits wait on the thread.
      const writer = { checkpointInterval: 50_000, keyframeEvery: 3, flushBytes: 4096 };
      const submit = vi.spyOn(PageHashThread.prototype, 'submit');
      const threaded = await recordBoot(path.join(base, 'threaded'), setup, { until, writer: { ...writer, pageHashThreadMin: 1 } });
      const jobs = submit.mock.calls.length;
      submit.mockRestore();
      const inline = await recordBoot(path.join(base, 'inline'), setup, { until, writer: { ...writer, pageHashThreadMin: Infinity } });
      expect(threaded.checkpoints).toBeGreaterThan(5);
      expect(jobs).toBeGreaterThan(5);
      expect(threaded.records).toBe(inline.records);
      const a = await exportTrace(path.join(base, 'threaded'), path.join(base, 'threaded.mtx'));
      const b = await exportTrace(path.join(base, 'inline'), path.join(base, 'inline.mtx'));
      expect(a.sha256).toBe(b.sha256);
      expect(fs.readFileSync(path.join(base, 'threaded.mtx')).equals(fs.readFileSync(path.join(base, 'inline.mtx')))).toBe(true);
    });
  }
});
