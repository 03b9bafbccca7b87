/**
 * The paging guest (guests/src/paging.c) migrates with its paging-era state — CR0, CR2, CR3,
 * CR4, TR and LDTR with their caches, the TSS busy bit and the A/D bits in guest memory, the
 * 8042's command byte, output port and pending byte, the CRTC's registers — at points where
 * each is live (test/migration/paging-points.ts), pre-copy and post-copy, and the verifier
 * says MATCH: the destination's switch-over state and every record after it equal a run that
 * was never migrated.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrationOptions } from '../../src/migration/options.js';
import { migrateTraceInProcess } from '../../src/migration/trace-migration.js';
import type { RunSetup } from '../../src/trace/run-setup.js';
import { verifyTraces } from '../../verify/verify.js';
import { guestSetup, recordReference, tempDir } from './helpers.js';
import { PAGING_POINTS, pointIcount } from './paging-points.js';

let reference = '';
let setup: RunSetup;
const icounts = new Map<string, number>();

beforeAll(async () => {
  setup = guestSetup('paging');
  reference = await recordReference(setup);
  for (const p of PAGING_POINTS) icounts.set(p.name, pointIcount(setup, p));
}, 240_000);

describe('the paging guest migrates and verifies', () => {
  for (const p of PAGING_POINTS) {
    for (const strategy of ['precopy', 'postcopy'] as const) {
      it(`${p.name}, ${strategy}: MATCH`, async () => {
        const at = icounts.get(p.name)!;
        const out = path.join(tempDir('paging-dst'), 'dest');
        await migrateTraceInProcess({ trace: reference, at, out, options: migrationOptions({ strategy }) });
        const v = await verifyTraces(reference, out);
        expect(v.firstDivergence?.cause ?? '').toBe('');
        expect(v.verdict).toBe('match');
      }, 120_000);
    }
  }
});
