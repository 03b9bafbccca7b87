/**
 * The compiler changes nothing a trace records: every device guest's reference, recorded once
 * with the interpreter alone (MIGTRACE_COMPILER=0) and once compiling eagerly (nearly every
 * block the second time it starts), is byte for byte its golden export both times. The
 * compiler is on by default, so the rest of the suite (and `migtrace golden update`) records
 * with it; this file keeps the interpreter's side of the comparison.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkGolden } from '../../src/golden/golden.js';
import { GOLDEN_GUESTS } from '../../src/golden/matrix.js';

const DEVICE_GUESTS = GOLDEN_GUESTS.filter((g) => g.name !== 'linux' && g.name !== 'xv6').map((g) => g.name);

for (const [mode, what] of [
  ['0', 'the interpreter alone'],
  ['eager', 'eager compiling'],
] as const) {
  describe(`traces are the same with ${what} (MIGTRACE_COMPILER=${mode})`, () => {
    const saved = process.env.MIGTRACE_COMPILER;
    beforeAll(() => {
      process.env.MIGTRACE_COMPILER = mode;
    });
    afterAll(() => {
      if (saved === undefined) delete process.env.MIGTRACE_COMPILER;
      else process.env.MIGTRACE_COMPILER = saved;
    });

    for (const name of DEVICE_GUESTS) {
      it(`${name}: the reference recorded with ${what} is its golden export`, async () => {
        const report = await checkGolden({ only: name, pick: () => false });
        expect(report.results.map((r) => [r.name, r.golden, r.diff ?? ''])).toEqual([[name, 'same', '']]);
      });
    }
  });
}
