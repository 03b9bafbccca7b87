/**
 * Fuzz: the compiling CPU against the interpreter on random loop bodies (random-code.ts says
 * what they hold, random-code-rig.ts what is compared). A failure names the seed and the body's
 * bytes. `npm run test:long` runs thousands more (test/long/compiler-fuzz.test.ts).
 */
import { describe, it } from 'vitest';
import { BODY_INSTRUCTIONS } from './random-code.js';
import { fuzzCompiler } from './random-code-rig.js';

/** Cases per part: two parts, so that neither holds the worker's event loop long on a busy machine. */
const PART = 200;

describe('fuzz: compiled code against the interpreter', () => {
  for (const first of [1, 1 + PART]) {
    it(`random loop bodies ${first}..${first + PART - 1} of ${BODY_INSTRUCTIONS} instructions: the same state at every stop, exception, interrupt and code rewrite, in real mode and protected mode, paging off and on, restored mid-run too`, () => {
      fuzzCompiler(first, PART);
    });
  }
});
