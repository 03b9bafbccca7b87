/**
 * A machine with an ATA slave through the whole migrate path, checked by the verifier: record
 * the disk-slave guest with a slave disk image, migrate the recording (post-copy: the switch-over
 * is exactly --at) at each point of test/hypervisor/ata-slave-points.ts, verify MATCH. The
 * injected fault ata-selected-drive-lost is caught at the switch-over, naming the device/head
 * register the lost DEV bit is in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Machine } from '../../src/board/machine.js';
import { migrationOptions } from '../../src/migration/options.js';
import { migrateTraceInProcess } from '../../src/migration/trace-migration.js';
import { bootMachine, openSharedDisk, type RunSetup } from '../../src/trace/run-setup.js';
import { verifyTraces } from '../../verify/verify.js';
import { SLAVE_POINTS, slaveBytes } from '../hypervisor/ata-slave-points.js';
import { guestSetup, recordReference, tempDir } from './helpers.js';

let reference = '';
let setup: RunSetup;

/** The icount right after the first instruction where `at` holds, in a run booted as `record` boots it. */
function pointIcount(at: (m: Machine) => boolean): number {
  const m = bootMachine(setup);
  let found = -1;
  m.bus.addObserver({ access: () => { if (found < 0 && at(m)) found = m.clock.icount + 1; }, dma: () => {} });
  while (found < 0 && !m.stopped) if (m.run({ maxInstructions: m.clock.icount + 100_000 }).status !== 'limit') break;
  return found;
}

beforeAll(async () => {
  const file = path.join(tempDir('slave'), 'slave.img');
  fs.writeFileSync(file, slaveBytes());
  setup = { ...guestSetup('disk-slave'), slaveDisk: openSharedDisk(file) };
  reference = await recordReference(setup);
}, 120_000);

describe('a machine with an ATA slave migrates and verifies', () => {
  for (const p of SLAVE_POINTS) {
    it(`${p.name}: MATCH`, async () => {
      const at = pointIcount(p.at);
      expect(at, `${p.name}: the guest never got there`).toBeGreaterThan(0);
      const out = path.join(tempDir('slave-dst'), 'dest');
      await migrateTraceInProcess({ trace: reference, at, out, options: migrationOptions({ strategy: 'postcopy' }) });
      const v = await verifyTraces(reference, out);
      expect(v.firstDivergence?.cause ?? '').toBe('');
      expect(v.verdict).toBe('match');
    }, 120_000);
  }

  it('ata-selected-drive-lost is caught at the switch-over, naming the device/head register', async () => {
    const at = pointIcount(SLAVE_POINTS[0].at);
    const out = path.join(tempDir('slave-dst'), 'dest');
    await migrateTraceInProcess({ trace: reference, at, out, options: migrationOptions({ strategy: 'postcopy', faults: ['ata-selected-drive-lost'] }) });
    const v = await verifyTraces(reference, out);
    expect(v.verdict).toBe('divergence');
    expect(v.firstDivergence!.state!.how).toBe('switch-over');
    const paths = v.firstDivergence!.state!.differences.map((d) => d.path);
    expect(paths[0]).toMatch(/^ata0(\.slave)?\.select$/);
    expect(paths).toEqual(expect.arrayContaining(['ata0.select', 'ata0.slave.select']));
    expect(v.firstDivergence!.cause).toContain('injected fault(s): ata-selected-drive-lost');
  }, 120_000);
});
