/**
 * Fuzz: poll loops compiled and skipped against the interpreter running every iteration
 * (poll-code.ts says what the programs hold). `npm run test:long` runs thousands more
 * (test/long/poll-fuzz.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { CODE_AT } from '../cpu/compiler-rig.js';
import { fuzzPolls } from './poll-code.js';

const CASES = 300;

describe('fuzz: poll loops compiled against interpreted', () => {
  it(`${CASES} programs waiting for a device through random poll loops: the same state and the same accesses at the same counts`, () => {
    // Polls were skipped in many: the device saw less than half the reads with the compiler.
    expect(fuzzPolls(1, CASES, CODE_AT)).toBeGreaterThan(CASES / 10);
  });
});
