/**
 * Determinism on an unmodified OS: two recordings of Linux 6.1 booting (its own drivers, the
 * timer, the disk, the NIC probe, /init's fork/exec/pipes/timers) export to the same bytes.
 * Skips, saying so, when the kernel is not built (npm run guests:third-party).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadThirdPartyGuests, missingFiles } from '../../src/guests/third-party.js';
import { migtrace, ROOT } from '../cli/cli.js';

const linux = loadThirdPartyGuests(ROOT).find((g) => g.name === 'linux');
const built = linux !== undefined && missingFiles(linux).length === 0;
if (!built) console.log('linux determinism: skipped — the kernel is not built (npm run guests:third-party)');

describe.skipIf(!built)('Linux 6.1 recorded twice', () => {
  const work = mkdtempSync(join(tmpdir(), 'migtrace-linux-det-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('gives byte-identical exports', () => {
    const exports: Buffer[] = [];
    for (const n of [1, 2]) {
      const trace = join(work, `t${n}`);
      const rec = migtrace(['record', 'linux', '--out', trace]);
      expect(rec.status, rec.stderr).toBe(0);
      const file = join(work, `t${n}.mtx`);
      const ex = migtrace(['export', trace, file]);
      expect(ex.status, ex.stderr).toBe(0);
      exports.push(readFileSync(file));
    }
    expect(exports[0].length).toBeGreaterThan(0);
    expect(exports[0].equals(exports[1])).toBe(true);
  }, 1_200_000);
});
