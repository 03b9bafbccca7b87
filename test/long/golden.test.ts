/**
 * The whole golden matrix (traces/, `migtrace golden`): every scenario re-records
 * byte-identically and every migration verifies — Linux 6.1's too (about 70 s of the run),
 * against its digests, when the kernel here is the golden one; not built here or built from
 * other inputs, it is skipped and the reason printed. The quick part (the manifest, the
 * timer's scenarios, a changed device caught, Linux's build checks) is
 * test/golden/golden.test.ts. Only checks — `migtrace golden update` is never run from here.
 */
import { describe, expect, it } from 'vitest';
import { checkGolden } from '../../src/golden/golden.js';

describe('golden traces', () => {
  it('every scenario re-records identically to its golden trace and verifies', async () => {
    const report = await checkGolden();
    for (const r of report.results) if (r.golden === 'skipped') console.log(`golden ${r.name}: skipped — ${r.reason}`);
    const bad = report.results.filter((r) => r.golden !== 'skipped' && (r.golden !== 'same' || (r.verified !== undefined && r.verified !== 'match')));
    expect(bad.map((r) => `${r.name}: ${r.golden}${r.verified ? `, ${r.verified}` : ''}\n${r.diff ?? ''}`)).toEqual([]);
    expect(report.ok).toBe(true);
  }, 600_000);
});
