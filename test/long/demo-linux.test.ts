/**
 * `migtrace demo --guest linux`: the BLMVisor story on Linux 6.1 — recorded booting with its
 * own drivers, migrated live (pre-copy) mid-boot and verified (MATCH), then migrated with
 * the 8259A's write-only ICW4 forgotten: the guest still powers off as the reference does,
 * but the verifier names pic.master.auto_eoi and the ICW4 write behind it. ~40 s on one core,
 * so here rather than in npm test (test/cli/demo.test.ts checks the not-built refusal).
 * Skips, saying so, when the kernel is not built (npm run guests:third-party).
 */
import { describe, expect, it } from 'vitest';
import { loadThirdPartyGuests, missingFiles } from '../../src/guests/third-party.js';
import { migtrace, ROOT } from '../cli/cli.js';

const linux = loadThirdPartyGuests(ROOT).find((g) => g.name === 'linux');
const built = linux !== undefined && missingFiles(linux).length === 0;
if (!built) console.log('demo --guest linux: skipped — the kernel is not built (npm run guests:third-party)');

describe.skipIf(!built)('migtrace demo --guest linux', () => {
  it('verifies a clean mid-boot migration and catches the lost ICW4, naming the field and the guest write', () => {
    const r = migtrace(['demo', '--guest', 'linux']);
    expect(r.stderr).toBe('');
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^Linux 6\.1, unmodified, boots on migtrace with its own drivers/);
    expect(r.stdout).toMatch(/1\. record linux from power-on\n {3}\d+ instructions, \d+ records, exited\n2\. migrate it live at icount 120000000 \(precopy\)/);
    expect(r.stdout).toMatch(/ {3}destination: icount \d+ → \d+, exited \(guest exited with status 1/);
    expect(r.stdout).toMatch(/3\. verify the destination against the reference\n {3}MATCH/);
    expect(r.stdout).toMatch(/5\. verify that destination\n {3}DIVERGENCE\n {3}\(the destination still ended as the reference did, exited at icount \d+/);
    expect(r.stdout).toMatch(/cause: the migration did not carry the state right: at the switch-over \(icount \d+\) pic\.master\.auto_eoi: reference 1, destination 0 \(write-only config, set by ICW4 at icount \d+: the guest wrote 0x03 to port 0x21/);
    expect(r.stdout).toMatch(/^-auto_eoi = 0x1/m);
    expect(r.stdout).toMatch(/The clean migration verified; the injected bug was caught and named\.$/m);
  }, 600_000);
});
