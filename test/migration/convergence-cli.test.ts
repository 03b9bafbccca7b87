/**
 * `migrate --on-no-convergence` (issue 14, item 3) from the command line: what pre-copy did is
 * in the printed metrics and in --json; `fail` is a non-zero exit that says the guest ran on.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MiB, guestSetup, recordReference, tempDir } from './helpers.js';
import { migtrace } from '../cli/cli.js';

let reference = '';

beforeAll(async () => {
  // 2 MiB rewritten continuously: far more than half a 1 Gbps link with a 256 KiB threshold.
  reference = await recordReference(guestSetup('memtouch', 'base=1 mb=2 passes=0 spin=500', 8 * MiB), 30_000_000);
}, 120_000);

describe('migtrace migrate --on-no-convergence', () => {
  it('throttle (the default): auto-converge, reported in the metrics and in --json', () => {
    const out = path.join(tempDir('cli'), 'dest');
    const r = migtrace(['migrate', reference, '--at', '2e6', '--threshold', '256KiB', '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^not converging after round \d+ \(.*\): auto-converge held the source machine up to \d+% of each round$/m);
    expect(r.stdout).toMatch(/^downtime [\d.]+ ms: last pages [\d.]+ ms \+ device state [\d.]+ ms \+ register writes [\d.]+ ms \+ residual alignment [\d.]+ ms \+ capture [\d.]+ ms$/m);
    const json = migtrace(['migrate', reference, '--at', '2e6', '--threshold', '256KiB', '--out', path.join(tempDir('cli'), 'dest'), '--json']);
    expect(json.status).toBe(0);
    const m = JSON.parse(json.stdout).metrics;
    expect(m.onNoConvergence).toBe('throttle');
    expect(m.noConvergenceRound).toBeGreaterThan(0);
    expect(m.forced).toBe(false);
    expect(Math.max(...m.rounds.map((x: { throttlePercent: number }) => x.throttlePercent))).toBeGreaterThan(0);
    expect(Object.keys(m.downtimeParts).sort()).toEqual(['captureNs', 'deviceStateNs', 'lastPagesNs', 'registerWritesNs', 'residualAlignmentNs']);
  });

  it('fail: a non-zero exit, nothing switched over, and no destination trace', () => {
    const out = path.join(tempDir('cli'), 'dest');
    const r = migtrace(['migrate', reference, '--at', '2e6', '--threshold', '256KiB', '--on-no-convergence', 'fail', '--out', out]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/pre-copy is not converging: after round \d+ .*nothing was switched over/);
  });

  it('refuses an action it does not know', () => {
    const r = migtrace(['migrate', reference, '--at', '2e6', '--on-no-convergence', 'pray', '--out', path.join(tempDir('cli'), 'dest')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/on-no-convergence/);
  });
});
