/**
 * Seeded mutations for the fuzz tests: bit flips, byte sets, truncations, splices (a slice
 * of the input copied over another place) and length-field edits (a varint or a little-endian
 * integer somewhere made large, zero or off by one). Deterministic: same seed, same inputs.
 */
import { expect } from 'vitest';
import { MigtraceError } from '../../src/errors.js';
import { prng } from '../trace/fixtures/synthetic.js';

export { prng };
export type Rnd = () => number;

export function int(rnd: Rnd, n: number): number {
  return Math.floor(rnd() * n);
}

export const MUTATIONS = ['flip', 'set', 'truncate', 'splice', 'length', 'insert'] as const;

/** One mutation of `src` (a new array); `lo`..`hi` bounds where it lands (default: anywhere). */
export function mutate(src: Uint8Array, rnd: Rnd, lo = 0, hi = src.length): { bytes: Uint8Array; how: string } {
  const b = new Uint8Array(src);
  if (hi <= lo) return { bytes: b, how: 'none' };
  const at = lo + int(rnd, hi - lo);
  const op = MUTATIONS[int(rnd, MUTATIONS.length)];
  switch (op) {
    case 'flip': {
      const bit = int(rnd, 8);
      b[at] ^= 1 << bit;
      return { bytes: b, how: `flip bit ${bit} of byte ${at}` };
    }
    case 'set': {
      const v = [0, 0xff, 0x80, 0x7f, int(rnd, 256)][int(rnd, 5)];
      b[at] = v;
      return { bytes: b, how: `set byte ${at} to ${v}` };
    }
    case 'truncate':
      return { bytes: b.subarray(0, at), how: `truncate to ${at}` };
    case 'splice': {
      const from = lo + int(rnd, hi - lo);
      const n = 1 + int(rnd, Math.min(64, hi - Math.max(from, at)));
      b.copyWithin(at, from, Math.min(from + n, b.length));
      return { bytes: b, how: `splice ${n} bytes from ${from} to ${at}` };
    }
    case 'length': {
      // A varint-looking or 32-bit length made huge, zero or off by one.
      const kind = int(rnd, 4);
      if (kind === 0) b[at] = (b[at] + 1) & 0x7f;
      else if (kind === 1) b[at] = b[at] === 0 ? 0 : b[at] - 1;
      else if (kind === 2) b.set([0xff, 0xff, 0xff, 0xff, 0x0f].slice(0, Math.min(5, b.length - at)), at);
      else if (at + 4 <= b.length) new DataView(b.buffer, b.byteOffset).setUint32(at, 0xfffffff0, true);
      return { bytes: b, how: `length edit ${kind} at byte ${at}` };
    }
    case 'insert': {
      const n = 1 + int(rnd, 16);
      const out = new Uint8Array(b.length + n);
      out.set(b.subarray(0, at));
      for (let k = 0; k < n; k++) out[at + k] = int(rnd, 256);
      out.set(b.subarray(at), at + n);
      return { bytes: out, how: `insert ${n} bytes at ${at}` };
    }
  }
}

/** An error a fuzz input may end in: ours, one line, no stack, no private snapshot path. */
export function expectClean(err: unknown, context: string): MigtraceError {
  if (!(err instanceof MigtraceError)) {
    throw new Error(`${context}: raw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n${err instanceof Error ? err.stack : ''}`);
  }
  expect(err.message, context).not.toContain('\n');
  expect(err.message, context).not.toMatch(/migtrace-read-|\bat .*\.(js|ts):\d+/);
  expect(err.message.length, context).toBeGreaterThan(0);
  return err;
}
