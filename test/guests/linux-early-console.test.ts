/**
 * Linux's early console waits for the UART in `early_serial_putc`: an indirect call to
 * `io_serial_in`, a countdown in ESI, PAUSE — three blocks, a poll path
 * (src/machine/cpu/jit/poll-path.ts). Compiled, its iterations are counted, not run: the UART's
 * read() runs a small fraction of the times the guest reads LSR, and nothing else differs from
 * the interpreter's run. Skipped, with the reason, when Linux is not built here.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bootRequest, resolveGuestRequest } from '../../src/cli/guest-options.js';
import { guestCacheDir, loadThirdPartyGuests, missingFiles } from '../../src/guests/third-party.js';
import { countUartReads } from '../cpu/compiler-rig.js';

const ROOT = join(import.meta.dirname, '..', '..');
const linux = loadThirdPartyGuests(ROOT).find((e) => e.name === 'linux');
const built = linux !== undefined && missingFiles(linux).length === 0;
if (!built) console.log(`linux: skipped — not built in ${guestCacheDir()} (npm run guests:third-party)`);

/** Linux's first 30 M instructions (its early console prints ~1.5 k characters), compiled or not. */
function boot(compiler: boolean): { serial: string; icount: number; lsrReads: number; uartReads: number } {
  const m = bootRequest(resolveGuestRequest('linux', {}));
  m.cpu.setCompiler(compiler);
  const reads = countUartReads(m);
  const r = m.run({ maxInstructions: 30_000_000 });
  expect(r.status).toBe('limit');
  return { serial: m.serialText, icount: r.icount, lsrReads: reads.lsrReads(), uartReads: reads.uartReads() };
}

describe.skipIf(!built)('Linux\'s early console', () => {
  it('waits for the UART in a poll path: compiled, the UART is read a fraction of the times LSR is, and the run is the interpreter\'s', () => {
    const on = boot(true);
    const off = boot(false);
    expect({ ...on, uartReads: 0 }).toEqual({ ...off, uartReads: 0 });
    expect(off.serial.length).toBeGreaterThan(1_000);
    expect(off.lsrReads).toBeGreaterThan(500_000);
    expect(off.uartReads).toBeGreaterThanOrEqual(off.lsrReads);
    expect(on.uartReads).toBeLessThan(on.lsrReads / 10);
  }, 120_000);
});
