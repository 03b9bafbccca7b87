/**
 * The compiler changes nothing a trace records: every device guest's reference, recorded with
 * the compiler on and compiling eagerly (nearly every block the second time it starts), is
 * byte for byte its golden export — which the interpreter alone recorded. Their migrations
 * with the compiler on: test/long/compiler-golden.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkGolden } from '../../src/golden/golden.js';
import { GOLDEN_GUESTS } from '../../src/golden/matrix.js';

const DEVICE_GUESTS = GOLDEN_GUESTS.filter((g) => g.name !== 'linux' && g.name !== 'xv6').map((g) => g.name);

describe('traces are the same with the compiler on', () => {
  const saved = process.env.MIGTRACE_COMPILER;
  beforeAll(() => {
    process.env.MIGTRACE_COMPILER = 'eager';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.MIGTRACE_COMPILER;
    else process.env.MIGTRACE_COMPILER = saved;
  });

  for (const name of DEVICE_GUESTS) {
    it(`${name}: the reference recorded with eager compiling is its golden export`, async () => {
      const report = await checkGolden({ only: name, pick: () => false });
      expect(report.results.map((r) => [r.name, r.golden, r.diff ?? ''])).toEqual([[name, 'same', '']]);
    });
  }
});
