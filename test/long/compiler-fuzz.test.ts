/**
 * The compiler fuzz at length: 4,000 more random loop bodies than `npm test`'s 400 (other
 * seeds), compiled against interpreted (test/fuzz/random-code.ts). In parts, so that
 * none holds the test worker's event loop for a minute.
 */
import { describe, it } from 'vitest';
import { fuzzCompiler } from '../fuzz/random-code-rig.js';

const FIRST = 10_001;
const PART = 500;
const PARTS = 8;

describe('fuzz at length: compiled code against the interpreter', () => {
  for (let p = 0; p < PARTS; p++) {
    const first = FIRST + p * PART;
    it(`cases ${first}..${first + PART - 1}: the same state at every stop, exception, interrupt and code rewrite, in real mode and protected mode, paging off and on, restored mid-run too`, () => {
      fuzzCompiler(first, PART);
    });
  }
});
