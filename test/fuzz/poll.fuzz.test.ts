/**
 * Fuzz: poll loops compiled and skipped against the interpreter running every iteration
 * (poll-code.ts says what the programs hold). `npm run test:long` runs thousands more
 * (test/long/poll-fuzz.test.ts).
 */
import { describe, it } from 'vitest';
import { CODE_AT } from '../cpu/compiler-rig.js';
import { fuzzPolls } from './poll-code.js';

/** Cases per part: two parts, so that neither holds the worker's event loop long on a busy machine. */
const PART = 150;

describe('fuzz: poll loops compiled against interpreted', () => {
  for (const first of [1, 1 + PART]) {
    it(`programs ${first}..${first + PART - 1} waiting for a device through random poll loops: the same state and the same accesses at the same counts, restored mid-run too`, () => {
      fuzzPolls(first, PART, CODE_AT);
    });
  }
});
