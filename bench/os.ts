/**
 * Issue 11 figures: the unmodified operating systems (when built: npm run guests:third-party).
 * Linux 6.1 from the boot protocol to /init's power-off, and xv6 from its boot sector to its
 * shell prompt: wall time and MIPS of a real paging, ring-3 workload.
 */
import { bootFromImage } from '../src/board/boot.js';
import type { Machine } from '../src/board/machine.js';
import { resolveGuestRequest } from '../src/cli/guest-options.js';
import { CopyOnWriteDiskBacking, openDiskImage } from '../src/devices/disk-backing.js';
import { loadThirdPartyGuests, missingFiles } from '../src/guests/third-party.js';
import { packageRoot } from '../src/guests/catalog.js';
import { timed, type Figure } from './harness.js';

function boot(name: string): Machine | null {
  const g = loadThirdPartyGuests(packageRoot()).find((e) => e.name === name);
  if (g === undefined || missingFiles(g).length > 0) return null;
  const req = resolveGuestRequest(name, {});
  const slaveDisk = req.slaveDiskPath === undefined ? undefined : new CopyOnWriteDiskBacking(openDiskImage(req.slaveDiskPath, { readOnly: true }));
  return bootFromImage(req.image.bytes, { memory: req.memory, instructionsPerSecond: req.instructionsPerSecond, slaveDisk });
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
