import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { JS_MAX, sha256Into } from '../../src/trace/sha256-js.js';
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
