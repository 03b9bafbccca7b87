import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { JS_MAX, sha256Into } from '../../src/trace/sha256-js.js';
import { DmaHasher } from '../../src/trace/dma-hash.js';
import { prng } from './helpers.js';

describe('sha256 in JS (DMA descriptors and short frames)', () => {
  it('equals crypto sha256 for every length from 0 to past JS_MAX (every block boundary), written at an offset, truncated as asked', () => {
    const rnd = prng(11);
    for (let n = 0; n <= JS_MAX + 130; n++) {
      for (let trial = 0; trial < 4; trial++) {
        const data = Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
        if (trial === 1) data.fill(0xff);
        const out = new Uint8Array(40).fill(0xaa);
        sha256Into(data, out, 3, 16);
        const want = createHash('sha256').update(data).digest();
        expect(Buffer.from(out.subarray(3, 19)).toString('hex')).toBe(want.subarray(0, 16).toString('hex'));
        expect(out[2]).toBe(0xaa);
        expect(out[19]).toBe(0xaa);
        sha256Into(data, out, 0, 32);
        expect(Buffer.from(out.subarray(0, 32)).equals(want)).toBe(true);
      }
    }
  });
});

describe('DMA content hashes (DmaHasher)', () => {
  const want = (data: Uint8Array) => createHash('sha256').update(data).digest().subarray(0, 16).toString('hex');
  const got = (h: DmaHasher, data: Uint8Array) => {
    const out = new Uint8Array(20).fill(0xaa);
    h.hashInto(data, out, 2);
    expect(out[1]).toBe(0xaa);
    expect(out[18]).toBe(0xaa);
    return Buffer.from(out.subarray(2, 18)).toString('hex');
  };

  it('answers repeated descriptors from its cache with the hash of the same bytes; lengths and zero padding stay apart', () => {
    const h = new DmaHasher();
    // Zero-padded words alike: told apart by their length.
    const alike = [new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(0, 0), new Uint8Array(4), new Uint8Array(16), Uint8Array.of(1), Uint8Array.of(1, 0)];
    for (let round = 0; round < 3; round++) for (const d of alike) expect(got(h, d)).toBe(want(d));
    expect(h.misses).toBe(alike.length);
    expect(h.hits).toBe(2 * alike.length);
  });

  it('with one entry, descriptors that differ in any one byte each get their own hash', () => {
    const h = new DmaHasher(1);
    const base = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
    for (let i = 0; i < 16; i++) {
      const other = base.slice();
      other[i] ^= 0x80;
      for (const d of [base, base, other, other, base.subarray(0, i), base]) expect(got(h, d)).toBe(want(d));
    }
    expect(h.hits).toBe(2 + 15 * 3); // per byte: base twice and `other` once again; the first base of all is new
    expect(() => new DmaHasher(3)).toThrow(/power of two/);
  });

  it('never answers for other bytes: thousands of distinct descriptors share its entries, every hash exact; longer data is hashed every time', () => {
    const h = new DmaHasher();
    const rnd = prng(5);
    const ring = Array.from({ length: 6000 }, (_, i) => Uint8Array.from({ length: 1 + (i % 16) }, () => Math.floor(rnd() * 256)));
    for (let round = 0; round < 2; round++) for (const d of ring) expect(got(h, d)).toBe(want(d));
    expect(h.hits).toBeGreaterThan(0); // some survived in the cache
    expect(h.hits + h.misses).toBe(12_000);
    for (const n of [17, JS_MAX, JS_MAX + 1, 1514]) {
      const d = Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
      const before = h.misses;
      expect(got(h, d)).toBe(want(d));
      expect(got(h, d)).toBe(want(d));
      expect(h.misses).toBe(before + 2);
    }
  });
});
