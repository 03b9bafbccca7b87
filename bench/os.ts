/**
 * Issue 11 figures: the unmodified operating systems (when built: npm run guests:third-party).
 * Linux 6.1 from the boot protocol to /init's power-off, and xv6 from its boot sector to its
 * shell prompt: wall time and MIPS of a real paging, ring-3 workload.
 */
import type { Machine } from '../src/board/machine.js';
import { bootRequest, resolveGuestRequest } from '../src/cli/guest-options.js';
import { packageRoot } from '../src/guests/catalog.js';
import { thirdPartyBuilt, timed, type Figure } from './harness.js';

function boot(name: string): Machine | null {
  if (!thirdPartyBuilt(name)) return null;
  return bootRequest(resolveGuestRequest(name, {}));
}

export function benchOs(): Figure[] {
  const out: Figure[] = [];
  const linux = boot('linux');
  if (linux === null) out.push({ name: 'Linux boot: not built (npm run guests:third-party)', value: NaN, unit: '' });
  else {
    const { result, seconds } = timed(() => linux.run({ maxInstructions: 3_000_000_000 }));
    out.push({ name: 'Linux 6.1 boot to /init power-off: wall', value: seconds, unit: 's', target: '< 10', note: `(${result.status}, ${(result.icount / 1e6).toFixed(0)} M instructions)` });
    out.push({ name: '  MIPS (paging, rings, devices)', value: result.icount / seconds / 1e6, unit: 'MIPS' });
  }
  const xv6 = boot('xv6');
  if (xv6 === null) out.push({ name: 'xv6 boot: not built (npm run guests:third-party)', value: NaN, unit: '' });
  else {
    const { seconds } = timed(() => {
      while (!xv6.serialText.endsWith('$ ') && xv6.clock.icount < 400_000_000) xv6.run({ maxInstructions: xv6.clock.icount + 5_000_000 });
    });
    out.push({ name: 'xv6 boot to its shell prompt: wall', value: seconds, unit: 's', note: `(${(xv6.clock.icount / 1e6).toFixed(0)} M instructions)` });
    out.push({ name: '  MIPS (paging, rings, devices)', value: xv6.clock.icount / seconds / 1e6, unit: 'MIPS' });
  }
  return out;
}

/**
 * xv6's usertests typed at its shell (guests/inputs/xv6-usertests.input): some 7 G
 * instructions, so only when asked for (`npm run bench -- usertests`).
 */
export function benchUsertests(): Figure[] {
  if (!thirdPartyBuilt('xv6')) return [{ name: 'xv6 usertests: not built (npm run guests:third-party)', value: NaN, unit: '' }];
  const m = bootRequest(resolveGuestRequest('xv6', { input: `${packageRoot()}/guests/inputs/xv6-usertests.input` }));
  const done = (): boolean => /ALL TESTS PASSED|FAILED|panic/.test(m.serialText);
  const { seconds } = timed(() => {
    while (!done() && m.clock.icount < 30_000_000_000) {
      const r = m.run({ maxInstructions: m.clock.icount + 100_000_000 });
      if (r.status !== 'limit') break;
    }
  });
  const passed = m.serialText.includes('ALL TESTS PASSED');
  return [
    { name: 'xv6 usertests on migtrace: ALL TESTS PASSED', value: passed ? 1 : 0, unit: '', target: '1', note: passed ? '' : `(output ends: ${JSON.stringify(m.serialText.slice(-200))})` },
    { name: '  instructions', value: m.clock.icount / 1e9, unit: 'G' },
    { name: '  wall', value: seconds, unit: 's', note: `(${(m.clock.icount / seconds / 1e6).toFixed(1)} MIPS)` },
  ];
}
