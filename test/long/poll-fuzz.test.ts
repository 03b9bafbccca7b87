/**
 * The poll fuzz at length: 2,000 more programs than `npm test`'s 300 (other seeds), compiled
 * against interpreted (test/fuzz/poll-code.ts). In parts, so that none holds the test worker's
 * event loop for a minute.
 */
import { describe, it } from 'vitest';
import { CODE_AT } from '../cpu/compiler-rig.js';
import { fuzzPolls } from '../fuzz/poll-code.js';

const FIRST = 10_001;
const PART = 500;
const PARTS = 4;

describe('poll fuzz at length: compiled and skipped against interpreted', () => {
  for (let p = 0; p < PARTS; p++) {
    const first = FIRST + p * PART;
    it(`cases ${first}..${first + PART - 1}: the same state and the same accesses at the same counts, restored mid-run too`, () => {
      fuzzPolls(first, PART, CODE_AT);
    });
  }
});
