/**
 * Fuzz: the compiling CPU against the interpreter on random loop bodies (random-code.ts says
 * what they hold). A failure names the seed and the body's bytes. `npm run test:long` runs
 * thousands more (test/long/compiler-fuzz.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { BODY_INSTRUCTIONS } from './random-code.js';
import { fuzzCompiler } from './random-code-rig.js';

/** Cases per part: two parts, so that neither holds the worker's event loop long on a busy machine. */
const PART = 200;

describe('fuzz: compiled code against the interpreter', () => {
  for (const first of [1, 1 + PART]) {
    it(`random loop bodies ${first}..${first + PART - 1} of ${BODY_INSTRUCTIONS} instructions: the same state at every stop, exception, interrupt and code rewrite, in real mode and protected mode, paging off and on`, () => {
      const { translated, faults, interrupted, invalidations, restores } = fuzzCompiler(first, PART);
      // The bodies did run compiled: most of their instructions were translated.
      expect(translated).toBeGreaterThan(PART * BODY_INSTRUCTIONS * 0.5);
      // A quarter of them took an exception in compiled code.
      expect(faults).toBeGreaterThan(PART / 8);
      // Half of them were interrupted by a timer, several times each, anywhere in the body.
      expect(interrupted).toBeGreaterThan(PART);
      // A third rewrote their own compiled code.
      expect(invalidations).toBeGreaterThan(PART / 6);
      // Half were restored into a third rig mid-run, as a migration's destination.
      expect(restores).toBeGreaterThan(PART / 4);
    });
  }
});
