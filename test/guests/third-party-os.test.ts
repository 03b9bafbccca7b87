/**
 * The unmodified third-party operating systems on migtrace's machine, built by their scripts
 * into the guest cache (scripts/guests/build-*.sh; CI builds them): xv6 to its shell with
 * commands typed on the keyboard, Linux 6.1 through its own drivers to /init's result. Each
 * is compared with QEMU running the same build when qemu-system-i386 is present. Without a
 * build (or QEMU) the test says so and skips.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Machine } from '../../src/board/machine.js';
import { bootRequest, resolveGuestRequest } from '../../src/cli/guest-options.js';
import { guestCacheDir, loadThirdPartyGuests, missingFiles } from '../../src/guests/third-party.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CACHE = guestCacheDir();
const built = (name: string): boolean => {
  const g = loadThirdPartyGuests(ROOT).find((e) => e.name === name);
  return g !== undefined && missingFiles(g).length === 0;
};
const hasQemu = spawnSync('qemu-system-i386', ['--version']).status === 0;
for (const name of ['xv6', 'linux']) {
  if (!built(name)) console.log(`${name}: skipped — not built in ${CACHE} (npm run guests:third-party)`);
}
if (!hasQemu) console.log('xv6/linux: the QEMU comparisons skip — qemu-system-i386 is not installed');

/** A catalog guest's machine, booted as `migtrace run NAME [--input FILE]` boots it. */
function bootGuest(name: string, input?: string): Machine {
  return bootRequest(resolveGuestRequest(name, { input }));
}

/** A QEMU session (scripts/guests/qemu-session.mjs): the transcript, or a failure message. */
function qemuSession(steps: string[], qemuArgs: string[], timeout: number): string {
  const r = spawnSync('node', [join(ROOT, 'scripts/guests/qemu-session.mjs'), '--timeout', String(timeout), ...steps, '--', 'qemu-system-i386', ...qemuArgs], { encoding: 'utf8' });
  expect(r.status, `QEMU session failed: ${r.stdout.slice(-2000)} ${r.stderr}`).toBe(0);
  return r.stdout;
}

describe.skipIf(!built('xv6'))('xv6 on migtrace', () => {
  it('boots to its shell, runs echo, ls and forktest typed on the keyboard, and prints what QEMU prints', () => {
    const m = bootGuest('xv6', join(ROOT, 'guests/inputs/xv6-commands.input'));
    let r;
    do r = m.run({ maxInstructions: m.clock.icount + 10_000_000 });
    while (r.status === 'limit' && !m.serialText.includes('fork test OK\n$ ') && m.clock.icount < 600_000_000);
    const ours = m.serialText;
    expect(ours).toContain('init: starting sh\n$ echo hi\nhi\n$ ls\n');
    expect(ours).toContain('forktest       2 5 8616');
    expect(ours).toMatch(/fork test OK\n\$ $/);
    if (!hasQemu) return;
    const work = mkdtempSync(join(tmpdir(), 'migtrace-xv6-'));
    try {
      for (const f of ['xv6.img', 'fs.img']) copyFileSync(join(CACHE, 'xv6', f), join(work, f)); // xv6 writes its file system
      const transcript = qemuSession(
        ['expect=$ ', 'send=echo hi\\n', 'expect=$ ', 'send=ls\\n', 'expect=zombie', 'expect=$ ', 'send=forktest\\n', 'expect=fork test OK', 'expect=$ '],
        ['-nographic', '-net', 'none', '-no-reboot', '-smp', '1', '-m', '512',
          '-drive', `file=${join(work, 'fs.img')},index=1,media=disk,format=raw`, '-drive', `file=${join(work, 'xv6.img')},index=0,media=disk,format=raw`],
        120,
      );
      // From xv6's first line on (QEMU runs SeaBIOS first); QEMU's serial ends lines with CR LF.
      const theirs = transcript.replace(/\r/g, '').slice(transcript.replace(/\r/g, '').indexOf('xv6...'));
      expect(ours.slice(ours.indexOf('xv6...'))).toBe(theirs.slice(0, theirs.lastIndexOf('$ ') + 2));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 600_000);
});

describe.skipIf(!built('linux'))('Linux 6.1 on migtrace', () => {
  let log = '';
  it('boots through its own drivers (8250, r8169, pata_legacy, rtc-cmos) and /init reports ALL OK, then powers off', () => {
    const m = bootGuest('linux');
    const r = m.run({ maxInstructions: 2_000_000_000 });
    log = m.serialText;
    expect(r.status, r.message).toBe('exited');
    expect(r.exitStatus).toBe(1); // /init wrote 0 to isa-debug-exit: status (0 << 1) | 1, as QEMU's
    expect(log).toMatch(/serial8250: ttyS0 at I\/O 0x3f8 \(irq = 4, base_baud = 115200\) is a 16550A/);
    expect(log).toMatch(/r8169 0000:00:03\.0 eth0: RTL8169s, 52:54:00:12:34:56, XID 008, IRQ \d+/);
    expect(log).toMatch(/ata1\.00: ATA-6: MIGTRACE SHARED DISK/);
    expect(log).toMatch(/\[sda\] \d+ 512-byte logical blocks/);
    expect(log).toMatch(/rtc_cmos rtc_cmos: setting system clock to 2026-01-01T00:00:0\d UTC/);
    expect(log).toContain('x86/fpu: No FPU detected');
    expect(log).toContain('migtrace-init: net eth0 52:54:00:12:34:56');
    // Its network workload brings eth0 up and, with no input script sending it traffic, stops
    // after 2 s of silence (test/long/linux-net-migration.test.ts runs it with traffic).
    expect(log).toContain('migtrace-init: net: eth0 10.0.2.15/24 up');
    expect(log).toContain('migtrace-init: net: no traffic within 2 s; workload skipped');
    expect(log).toMatch(/migtrace-init: ALL OK \(\d+ checks\)/);
    expect(log).not.toMatch(/migtrace-init: FAIL|Kernel panic|BUG:|Oops/);
  }, 600_000);

  it.skipIf(!hasQemu)('boots the same kernel and initramfs as QEMU -cpu 486 does: the same kernel, command line and /init checks', () => {
    expect(log).not.toBe('');
    const cmdline = loadThirdPartyGuests(ROOT).find((g) => g.name === 'linux')!.boot.cmdline as string;
    const transcript = qemuSession(['expect=migtrace-init: ALL OK', 'exit=1'],
      ['-cpu', '486', '-m', '64', '-nographic', '-net', 'none', '-no-reboot', '-kernel', join(CACHE, 'linux/bzImage'),
        '-initrd', join(CACHE, 'linux/initramfs.cpio'), '-append', cmdline, '-device', 'isa-debug-exit,iobase=0xf4,iosize=1'],
      300,
    );
    // The boards differ (QEMU: i440FX, PIIX IDE, VGA, its CPU model; ours: migtrace-pc with
    // the RTL8169), so the hardware lines differ; what the kernel and /init say of themselves
    // must not. Times and values that depend on them are left out.
    const common = (text: string): string[] => text.replace(/\r/g, '').split('\n')
      .map((l) => l.replace(/^.*?\[ *\d+\.\d+\] /, '')) // timestamps (and QEMU's firmware's screen codes before the first)
      .filter((l) => /^(Linux version|Kernel command line|Run \/init|migtrace-init: (start|ok|ALL OK|kernel))/.test(l))
      .map((l) => l.replace(/\d+/g, 'N'));
    expect(common(log)).toEqual(common(transcript));
  }, 600_000);
});
