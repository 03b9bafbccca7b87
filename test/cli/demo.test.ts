/** `migtrace demo`: record, migrate, verify (match), migrate with a bug, verify (caught), post-mortem. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectRefused, migtrace } from './cli.js';

describe('migtrace demo', () => {
  it('verifies a clean migration, catches an injected bug and shows the post-mortem', () => {
    const r = migtrace(['demo']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/3\. verify the destination against the reference\n {3}MATCH/);
    expect(r.stdout).toMatch(/cause: the migration did not carry the state right: at the switch-over \(icount \d+\) pic\.master\.auto_eoi: reference 1, destination 0 \(write-only config, set by ICW4/);
    expect(r.stdout).toMatch(/^-auto_eoi = 0x1/m);
    expect(r.stdout).toMatch(/The clean migration verified; the injected bug was caught and named\.$/m);
  }, 120_000);

  it('gives the same as JSON, with another fault', () => {
    const r = migtrace(['demo', '--fault', 'uart-divisor-dropped', '--json']);
    expect(r.status, r.stdout).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.asExpected).toBe(true);
    expect(d.clean.report.verdict).toBe('match');
    expect(d.faulty.report.verdict).toBe('divergence');
    expect(d.faulty.report.firstDivergence.state.differences[0].path).toBe('uart.dll');
  }, 120_000);

  it('--guest linux, not built: refused in one line naming npm run guests:third-party, before anything runs (the story itself: test/long/demo-linux.test.ts)', () => {
    const empty = mkdtempSync(join(tmpdir(), 'migtrace-demo-empty-'));
    try {
      const r = migtrace(['demo', '--guest', 'linux'], { env: { MIGTRACE_GUESTS: empty } });
      expectRefused(r, /^migtrace: demo --guest linux: the linux guest is not built \(\S*bzImage is missing\): build it with npm run guests:third-party$/);
      expect(r.stdout).toBe('');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
