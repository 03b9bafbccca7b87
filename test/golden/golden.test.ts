/**
 * The golden traces (traces/, `migtrace golden`): every device guest is migrated at
 * the points a campaign chooses on its golden reference, and (the timer's here, every guest's
 * in test/long/golden.test.ts) they cover every state feature its run reaches; the timer's scenarios re-record byte-identically and every migration
 * verifies (every guest's, Linux's too: test/long/golden.test.ts); a deliberately changed
 * device behaviour fails the check with a readable diff; Linux's goldens are digests tied to the build they were made from — not
 * built or built from other inputs is skipped with the reason, the same inputs built to other
 * bytes fails. The test only checks — `migtrace golden update` is never run from here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RtcCmos } from '../../src/devices/rtc-cmos.js';
import { checkGolden, goldenDir, readManifest } from '../../src/golden/golden.js';
import { GOLDEN_GUESTS } from '../../src/golden/matrix.js';
import { expectCampaignPoints } from './campaign-points.js';

describe('golden traces', () => {
  it('the manifest covers every device guest at two points with pre-copy and post-copy', () => {
    const m = readManifest();
    expect(m.guests.map((g) => g.name).sort()).toEqual(['apic', 'disk', 'linux', 'net-echo', 'paging', 'rtc', 'serial-echo', 'timer', 'xv6']);
    for (const g of m.guests) {
      const s = m.scenarios.filter((x) => x.guest === g.name);
      expect(new Set(s.map((x) => x.at)).size, g.name).toBeGreaterThanOrEqual(2);
      expect(new Set(s.map((x) => x.strategy)), g.name).toEqual(new Set(['precopy', 'postcopy']));
    }
  });

  it('every device guest is migrated at its campaign points: pre-copy stopping exactly at each, post-copy switching over there', () => {
    const m = readManifest();
    expect(GOLDEN_GUESTS.filter((g) => g.campaign === true).map((g) => g.name).sort()).toEqual(['apic', 'disk', 'net-echo', 'paging', 'rtc', 'serial-echo', 'timer']);
    for (const g of m.guests) {
      const campaign = m.scenarios.filter((s) => s.guest === g.name && s.source === 'campaign');
      const points = (g.campaignPoints ?? []).map((p) => p.icount);
      expect(g.campaign === true, g.name).toBe(points.length > 0);
      const expected = points.flatMap((p) => [
        { name: `${g.name}@${p}-campaign-precopy`, strategy: 'precopy', switchAt: p },
        { name: `${g.name}@${p}-campaign-postcopy`, strategy: 'postcopy', at: p },
      ]);
      expect(campaign.map(({ name, strategy, at, switchAt }) => (strategy === 'precopy' ? { name, strategy, switchAt } : { name, strategy, at })), g.name).toEqual(expected);
      for (const s of campaign.filter((x) => x.strategy === 'precopy')) expect(s.at, s.name).toBeLessThanOrEqual(s.switchAt!);
    }
  });

  it('the timer\'s campaign points are the ones the campaign chooses on its golden reference, and cover every feature its run reaches (every guest\'s: npm run test:long)', async () => {
    await expectCampaignPoints(readManifest().guests.find((g) => g.name === 'timer')!);
  });

  it('Linux\'s goldens are digests with the build they were made from: no kernel bytes in traces/', () => {
    const m = readManifest();
    const linux = m.guests.find((g) => g.name === 'linux')!;
    expect(Object.keys(linux.build!.files).sort()).toEqual(['initrd', 'kernel']);
    expect(Object.keys(linux.build!.keys).sort()).toEqual(['linux/bzImage.key', 'linux/initramfs.key']);
    const files = [linux, ...m.scenarios.filter((s) => s.guest === 'linux')];
    expect(files.length).toBe(5);
    for (const f of files) {
      expect(f.digest!.sha256, f.file).toMatch(/^[0-9a-f]{64}$/);
      expect(f.digest!.status, f.file).toBe('exited');
      expect(fs.existsSync(path.join(goldenDir(), f.file)), f.file).toBe(false);
    }
  });

  describe('a third-party guest\'s build', () => {
    const saved = process.env.MIGTRACE_GUESTS;
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'migtrace-golden-build-'));
    afterEach(() => {
      if (saved === undefined) delete process.env.MIGTRACE_GUESTS;
      else process.env.MIGTRACE_GUESTS = saved;
      fs.rmSync(cache, { recursive: true, force: true });
    });
    /** A stand-in build of linux: files that are not the golden's, with these keys. */
    const fakeBuild = (keys: Record<string, string>): void => {
      fs.mkdirSync(path.join(cache, 'linux'), { recursive: true });
      fs.writeFileSync(path.join(cache, 'linux', 'bzImage'), 'not the golden kernel');
      fs.writeFileSync(path.join(cache, 'linux', 'initramfs.cpio'), 'not the golden initrd');
      for (const [k, v] of Object.entries(keys)) fs.writeFileSync(path.join(cache, k), `${v}\n`);
      process.env.MIGTRACE_GUESTS = cache;
    };
    const golden = () => readManifest().guests.find((g) => g.name === 'linux')!.build!.keys;

    it('not built: skipped, saying how to build it; the check passes', async () => {
      process.env.MIGTRACE_GUESTS = cache;
      const report = await checkGolden({ only: 'linux' });
      expect(report.results).toHaveLength(1);
      expect(report.results[0]).toMatchObject({ name: 'linux', golden: 'skipped' });
      expect(report.results[0].reason).toMatch(/^linux is not built \(\S*bzImage is missing\): build it with npm run guests:third-party$/);
      expect(report.ok).toBe(true);
    });

    it('built from other inputs: skipped, naming both keys', async () => {
      fakeBuild({ 'linux/bzImage.key': '0123456789abcdef', 'linux/initramfs.key': golden()['linux/initramfs.key'] });
      const report = await checkGolden({ only: 'linux' });
      expect(report.results[0]).toMatchObject({ name: 'linux', golden: 'skipped' });
      expect(report.results[0].reason).toMatch(/another build than the golden traces' \(kernel [0-9a-f]{12}… here, [0-9a-f]{12}… in the golden traces\), from other inputs \(linux\/bzImage\.key 0123456789abcdef here, [0-9a-f]{16} in the golden traces: .*golden update --only linux/);
      expect(report.ok).toBe(true);
    });

    it('the same inputs built to other bytes: a failure (the build is not reproducible)', async () => {
      fakeBuild(golden());
      const report = await checkGolden({ only: 'linux' });
      expect(report.results[0]).toMatchObject({ name: 'linux', golden: 'differs' });
      expect(report.results[0].diff).toMatch(/linux built from the same inputs \(linux\/bzImage\.key [0-9a-f]{16}, linux\/initramfs\.key [0-9a-f]{16}\) as the golden traces' build, but to other bytes \(kernel [0-9a-f]{12}… here, [0-9a-f]{12}… in the golden traces\): the build is not reproducible/);
      expect(report.ok).toBe(false);
    });
  });

  it('the timer scenarios re-record identically to their golden traces and verify (its first campaign point\'s here; all of them: npm run test:long)', async () => {
    const first = readManifest().guests.find((g) => g.name === 'timer')!.campaignPoints![0].icount;
    const report = await checkGolden({ only: 'timer', pick: (s) => s.source === undefined || s.name.startsWith(`timer@${first}-`) });
    expect(report.results.map((r) => r.name).filter((n) => n.includes('campaign'))).toEqual([`timer@${first}-campaign-precopy`, `timer@${first}-campaign-postcopy`]);
    expect(report.results.length).toBe(7);
    const bad = report.results.filter((r) => r.golden !== 'same' || (r.verified !== undefined && r.verified !== 'match'));
    expect(bad.map((r) => `${r.name}: ${r.golden}${r.verified ? `, ${r.verified}` : ''}\n${r.diff ?? ''}`)).toEqual([]);
    expect(report.ok).toBe(true);
  }, 600_000);

  describe('a changed device behaviour', () => {
    const original = RtcCmos.prototype.read;
    afterEach(() => {
      RtcCmos.prototype.read = original;
    });

    it('fails the check with the first record where the streams part and a diff of the state', async () => {
      // The RTC now reports the seconds register one second ahead: a small, plausible regression.
      RtcCmos.prototype.read = function (this: RtcCmos, port: number): number {
        const v = original.call(this, port);
        return port === 0x71 && (this.state as { cmos_index: number }).cmos_index === 0x00 ? (v + 1) & 0xff : v;
      };
      const report = await checkGolden({ only: 'rtc', pick: (s) => s.source === undefined });
      expect(report.ok).toBe(false);
      const ref = report.results.find((r) => r.name === 'rtc')!;
      expect(ref.golden).toBe('differs');
      expect(ref.diff).toMatch(/the streams part at icount \d+ \(after \d+ matching records\):\n {2}golden {2}#\d+ @\d+ pio read port 0x71 = 0x00 \(rtc\)\n {2}now {5}#\d+ @\d+ pio read port 0x71 = 0x01 \(rtc\)/);
      expect(ref.diff).toMatch(/^ > #\d+ @\d+ pio read port 0x71 = 0x00 \(rtc\) +≠ #\d+ @\d+ pio read port 0x71 = 0x01 \(rtc\)$/m);
      // A migration reads the CMOS through the changed device too: its destination diverges, and says where.
      const migrated = report.results.filter((r) => r.kind === 'migration');
      expect(migrated.length).toBeGreaterThan(0);
      expect(migrated.every((r) => r.golden === 'differs')).toBe(true);
      expect(migrated[0].diff).toMatch(/^-cmos\[0\] = 0x0 {4}\(rw processing\)$/m);
    }, 300_000);
  });
});
