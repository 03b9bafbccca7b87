/**
 * Record → migrate → verify, end to end through the library (as `migtrace record`, `migrate`
 * and `verify` do), for the migrations the verifier used to fail although they were right:
 * a PIT loaded seconds before the switch-over (pit.count_load_time whole periods off before
 * the phase was made canonical) and serial-echo with bytes in the receive FIFO while the
 * transmitter is busy (the character-timeout timer came at another instruction and the record
 * streams parted). From the hypervisor engineer's sweep (docs/hypervisor.md).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveImage } from '../../src/guests/catalog.js';
import { loadInputScript } from '../../src/devices/input-script.js';
import { recordBoot } from '../../src/trace/session.js';
import { migrateTraceInProcess } from '../../src/migration/trace-migration.js';
import { migrationOptions } from '../../src/migration/options.js';
import { verifyTraces, type VerifyReport } from '../../verify/verify.js';
import { guestsDir } from '../guests/expectations.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function recordMigrateVerify(guest: string, args: string | undefined, input: string | undefined, at: number, strategy: 'precopy' | 'postcopy'): Promise<VerifyReport> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migtrace-hv-verify-'));
  dirs.push(tmp);
  const image = resolveImage(guest);
  const ref = path.join(tmp, 'ref');
  const dst = path.join(tmp, 'dst');
  await recordBoot(ref, { label: guest, image: image.bytes, args: args ?? image.guest?.args, input: input === undefined ? undefined : loadInputScript(path.join(guestsDir, 'inputs', input)) });
  await migrateTraceInProcess({ trace: ref, at, out: dst, options: migrationOptions({ strategy }) });
  return verifyTraces(ref, dst);
}

describe('record, migrate, verify: correct migrations verify', () => {
  it('the timer guest migrated 2.5 s after it loaded the PIT (far beyond the reconstruction window)', async () => {
    const r = await recordMigrateVerify('timer', 'hz=100 every=100 ticks=260 eoi=normal', undefined, 250_000_000, 'precopy');
    expect(r.firstDivergence?.cause ?? null).toBeNull();
    expect(r.verdict).toBe('match');
  }, 120_000);

  it('serial-echo post-copy with bytes in the receive FIFO and the transmitter busy', async () => {
    const r = await recordMigrateVerify('serial-echo', undefined, 'serial-echo.input', 35_087_118, 'postcopy');
    expect(r.firstDivergence?.cause ?? null).toBeNull();
    expect(r.verdict).toBe('match');
  }, 120_000);
});
