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
import { bootMachine } from '../../src/trace/run-setup.js';
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
  // A MATCH proves a field carried only where it differs from what a fresh destination holds.
  it('at every point after the kernel\'s setup, the paging-era state differs from power-on', () => {
    for (const p of PAGING_POINTS.slice(1)) {
      const m = bootMachine(setup);
      m.run({ maxInstructions: icounts.get(p.name)! });
      const s = m.cpu.getState();
      const dev = (name: string) => (m.devices.find((d) => d.name === name)!.state as Record<string, unknown>);
      const gdt = new DataView(m.memory.ram.buffer, s.gdtr.base);
      expect({
        pg: s.cr0 >>> 31, cr3: s.cr3 !== 0, cr4: s.cr4, tr: s.tr.selector, trLimit: s.tr.limit, busy: (gdt.getUint32(0x28 + 4, true) >> 8) & 0xf,
        ldtr: s.ldtr.selector, ldtrBase: s.ldtr.base !== 0, fs: s.fs.selector, fsBase: s.fs.base >>> 0,
        commandByte: dev('i8042').command_byte, obf: (dev('i8042').status as number) & 1, crtc: dev('crtc').address,
      }, p.name).toEqual({
        pg: 1, cr3: true, cr4: 0x10, tr: 0x28, trLimit: 0x67, busy: 0xb, ldtr: 0x30, ldtrBase: true, fs: 0x0f, fsBase: 0x400000,
        commandByte: 0x25, obf: 1, crtc: [0x01, 0x40, 0x02, 0x8a],
      });
      if (p.name.includes('#PF')) expect(s.cr2 >>> 0).toBeGreaterThanOrEqual(0x800000);
    }
  }, 60_000);

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
