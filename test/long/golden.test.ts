/**
 * The whole golden matrix (traces/, `migtrace golden`): every device guest's campaign points
 * are the ones the campaign chooses on its golden reference and cover every feature its run
 * reaches; every scenario re-records byte-identically and every migration verifies — Linux
 * 6.1's too (about 70 s of the run), against its digests, when the kernel here is the golden
 * one; not built here or built from other inputs, it is skipped and the reason printed. The
 * quick part (the manifest, the timer's campaign points and scenarios, a changed device
 * caught, Linux's build checks) is test/golden/golden.test.ts. Only checks — `migtrace golden
 * update` is never run from here.
 */
import { describe, expect, it } from 'vitest';
import { readManifest } from '../../src/golden/golden.js';
import { expectCampaignPoints } from '../golden/campaign-points.js';
import { migtraceAsync } from '../migration/cli.js';

describe('golden traces', () => {
  // Coverage yields to the event loop every 2 M instructions: in-process is fine.
  it('every device guest\'s campaign points are the campaign\'s choice on its golden reference and cover every feature its run reaches', async () => {
    const guests = readManifest().guests.filter((g) => g.campaign === true);
    expect(guests.length).toBeGreaterThan(0);
    for (const g of guests) await expectCampaignPoints(g);
  });

  // Through the CLI in a child process: an in-process check runs the machine for minutes at a
  // stretch, and a worker blocked past vitest's fixed 60 s RPC timeout fails the run.
  it('every scenario re-records identically to its golden trace and verifies', async () => {
    const r = await migtraceAsync(['golden', 'check']).done;
    for (const line of r.stdout.split('\n')) if (/skipped/.test(line)) console.log(line);
    expect(r.stdout.split('\n').filter((l) => /^FAIL/.test(l)), r.stdout).toEqual([]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 1_200_000);
});
