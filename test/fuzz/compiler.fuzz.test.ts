/**
 * Fuzz: the compiling CPU against the interpreter on random loop bodies (random-code.ts
 * says what they hold). A failure names the seed and the body's bytes. `npm run test:long`
 * runs thousands more (test/long/compiler-fuzz.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { BODY_INSTRUCTIONS, fuzzCompiler } from './random-code.js';

const CASES = 400;

describe('fuzz: compiled code against the interpreter', () => {
  it(`${CASES} random loop bodies of ${BODY_INSTRUCTIONS} instructions: the same state at every stop, exception, interrupt and code rewrite, paging off and on`, () => {
    const { translated, faults, interrupted, invalidations } = fuzzCompiler(1, CASES);
    // The bodies did run compiled: most of their instructions were translated.
    expect(translated).toBeGreaterThan(CASES * BODY_INSTRUCTIONS * 0.5);
    // A quarter of them took an exception in compiled code.
    expect(faults).toBeGreaterThan(CASES / 8);
    // Half of them were interrupted by a timer, several times each, anywhere in the body.
    expect(interrupted).toBeGreaterThan(CASES);
    // A third rewrote their own compiled code.
    expect(invalidations).toBeGreaterThan(CASES / 6);
  });
});
