/**
 * The golden traces (traces/, `migtrace golden`): the timer's scenarios re-record
 * byte-identically and every migration verifies (every guest's: test/long/golden.test.ts); a deliberately changed device behaviour fails the check with
 * a readable diff. The test only checks — `migtrace golden update` is never run from here.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RtcCmos } from '../../src/devices/rtc-cmos.js';
import { checkGolden, readManifest } from '../../src/golden/golden.js';

describe('golden traces', () => {
  it('the manifest covers every device guest at two points with pre-copy and post-copy', () => {
    const m = readManifest();
    expect(m.guests.map((g) => g.name).sort()).toEqual(['apic', 'disk', 'net-echo', 'rtc', 'serial-echo', 'timer']);
    for (const g of m.guests) {
      const s = m.scenarios.filter((x) => x.guest === g.name);
      expect(new Set(s.map((x) => x.at)).size, g.name).toBeGreaterThanOrEqual(2);
      expect(new Set(s.map((x) => x.strategy)), g.name).toEqual(new Set(['precopy', 'postcopy']));
    }
  });

  it('the timer scenarios re-record identically to their golden traces and verify (all of them: npm run test:long)', async () => {
    const report = await checkGolden({ only: 'timer' });
    expect(report.results.length).toBe(5);
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
      const report = await checkGolden({ only: 'rtc' });
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
