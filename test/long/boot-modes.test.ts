/**
 * The boot modes through the CLI, as a user meets them: --kernel/--initrd/--append, --rom,
 * --multiboot on run and record; a linux boot recorded, replayed, migrated and verified, and
 * a verify of two different boots refused; third-party guests by name (built and not); and
 * every bad input one line with exit 2, before any work.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeBzImage, fakeMultibootElf, fakeRom } from '../guests/boot-images.js';
import { expectRefused, migtrace } from '../cli/cli.js';

let dir: string;
let kernel: string;
let initrd: string;
let smallInitrd: string;
let rom: string;
let elf: string;
let emptyCache: string;
let builtCache: string;
const CMDLINE = 'console=ttyS0 migtrace-cli';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'migtrace-cli-boot-'));
  kernel = join(dir, 'bzImage');
  initrd = join(dir, 'initrd.img');
  rom = join(dir, 'test.rom');
  elf = join(dir, 'kernel.elf');
  writeFileSync(kernel, fakeBzImage());
  writeFileSync(initrd, Buffer.alloc(3 * 1024 * 1024, 0x5a));
  smallInitrd = join(dir, 'small-initrd.img');
  writeFileSync(smallInitrd, Buffer.alloc(65536, 0xa5));
  writeFileSync(rom, fakeRom());
  writeFileSync(elf, fakeMultibootElf());
  emptyCache = join(dir, 'empty-cache');
  mkdirSync(emptyCache);
  builtCache = join(dir, 'built-cache');
  mkdirSync(join(builtCache, 'test386'), { recursive: true });
  writeFileSync(join(builtCache, 'test386', 'test386.bin'), fakeRom());
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('boot modes on the command line', () => {
  it('run --kernel --initrd --append boots the bzImage, which prints its command line', () => {
    const r = migtrace(['run', '--kernel', kernel, '--initrd', initrd, '--append', CMDLINE, '--memory', '32MiB', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { serial: string; mode: string; lastPostCode: number };
    expect(out).toMatchObject({ serial: CMDLINE, mode: 'linux', lastPostCode: 3 });
  });

  it('run --rom and run --multiboot', () => {
    const a = migtrace(['run', '--rom', rom]);
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/last POST code 0xa5/);
    const b = migtrace(['run', '--multiboot', elf, '--append', 'hello multiboot']);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/^hello multiboot\n/);
  });

  // One story in steps (each spawns CLIs; separate tests let the worker answer vitest in between).
  describe('a linux boot records, replays, migrates and verifies; a different command line is a different guest', () => {
    let ref: string;
    let dst: string;

    it('records, with the boot in the header', () => {
      ref = join(dir, 'linux.trace');
      // 4 MiB and a small initrd: pre-copy over a fast link finishes while the payload still prints.
      const rec = migtrace(['record', '--kernel', kernel, '--initrd', smallInitrd, '--append', CMDLINE, '--memory', '4MiB', '--out', ref]);
      expect(rec.status, rec.stderr).toBe(0);
      const inspect = migtrace(['inspect', ref]);
      expect(inspect.stdout).toMatch(/boot {9}linux: kernel [0-9a-f]{12}… \(\d+ bytes\), initrd [0-9a-f]{12}… \(65536 bytes\), cmdline "console=ttyS0 migtrace-cli"/);
    });

    it('replays', () => {
      const replay = migtrace(['replay', ref]);
      expect(replay.status, replay.stdout + replay.stderr).toBe(0);
    });

    it('migrates and verifies', () => {
      dst = join(dir, 'linux.dst');
      const mig = migtrace(['migrate', ref, '--at', '20000', '--bandwidth', '100Gbps', '--out', dst]);
      expect(mig.status, mig.stdout + mig.stderr).toBe(0);
      const ok = migtrace(['verify', ref, dst]);
      expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    });

    it('refuses to verify against a recording with another command line', () => {
      const other = join(dir, 'linux-other.trace');
      expect(migtrace(['record', '--kernel', kernel, '--initrd', smallInitrd, '--append', 'console=ttyS0 other', '--memory', '4MiB', '--out', other]).status).toBe(0);
      expectRefused(migtrace(['verify', other, dst]), /different guests \(they boot differently: cmdline "console=ttyS0 other" vs "console=ttyS0 migtrace-cli"\)/);
    });
  });

  it('refuses bad boot files in one line, exit 2, and creates no trace', () => {
    const out = join(dir, 'never');
    expectRefused(migtrace(['run', '--rom', initrd]), /ROM .*initrd\.img is 3145728 bytes; a ROM at the reset vector is 65536 or 131072 bytes/);
    expectRefused(migtrace(['record', '--rom', kernel, '--out', out]), /ROM .*bzImage is \d+ bytes/);
    expectRefused(migtrace(['run', '--kernel', rom]), /test\.rom is not a bzImage: no "HdrS" setup header magic at 0x202/);
    expectRefused(migtrace(['record', '--kernel', kernel, '--initrd', initrd, '--memory', '4MiB', '--out', out]), /initrd .*initrd\.img of 3145728 bytes does not fit/);
    expect(existsSync(out)).toBe(false);
  });

  // Split from the test above: each spawns several CLIs, and the worker answers vitest between tests.
  it('refuses files that are not what their flag says, and flags that do not go together', () => {
    expectRefused(migtrace(['run', '--multiboot', kernel]), /not a multiboot kernel/);
    expectRefused(migtrace(['run', '--kernel', join(dir, 'nope')]), /kernel .*nope: no such file/);
    expectRefused(migtrace(['run', 'hello', '--rom', rom]), /give one thing to boot, not a guest and --rom/);
    expectRefused(migtrace(['run']), /nothing to boot/);
    expectRefused(migtrace(['run', '--rom', rom, '--initrd', initrd]), /--initrd goes with --kernel/);
    expectRefused(migtrace(['run', '--rom', rom, '--append', 'x']), /--append is a kernel command line/);
    expectRefused(migtrace(['run', '--kernel', kernel, '--args', 'x=1']), /--args patches a disk image's argument region; a linux boot takes a kernel command line \(--append\)/);
  });
});

describe('third-party guests', () => {
  it('migtrace guests lists them, not built, with the script that builds them; run NAME says so in one line', () => {
    const env = { MIGTRACE_GUESTS: emptyCache };
    const list = migtrace(['guests'], { env });
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/hello/);
    expect(list.stdout).toMatch(/test386 .*\[not built: run scripts\/guests\/build-test386\.sh\]/);
    const json = JSON.parse(migtrace(['guests', '--json'], { env }).stdout) as { thirdParty: { name: string; built: boolean; boot: { mode: string } }[]; cacheDir: string };
    expect(json.cacheDir).toBe(emptyCache);
    expect(json.thirdParty.find((g) => g.name === 'test386')).toMatchObject({ built: false, boot: { mode: 'rom' } });
    expectRefused(migtrace(['run', 'test386'], { env }), /guest test386 is not built \(.*test386\.bin is missing\): build it with scripts\/guests\/build-test386\.sh/);
    expectRefused(migtrace(['record', 'test386', '--out', join(dir, 'x')], { env }), /build it with scripts\/guests\/build-test386\.sh/);
  });

  it('a built one runs by name (checked against its expect) and records by name', () => {
    const env = { MIGTRACE_GUESTS: builtCache };
    expect(migtrace(['guests'], { env }).stdout).toMatch(/test386 .*\[built, rom boot\]/);
    // The stand-in ROM runs, but does not end as test386's catalog entry says a good run does.
    const r = migtrace(['run', 'test386'], { env });
    expect(r.stdout).toMatch(/last POST code 0xa5/);
    expect(r.stderr.trim()).toBe('migtrace: test386 did not end as a good run does: last POST code 0xa5, a good run ends at 0xff; run exited, a good run ends halted');
    expect(r.status).toBe(1);
    const t = join(dir, 'by-name.trace');
    expect(migtrace(['record', 'test386', '--out', t], { env }).status).toBe(0);
    expect(migtrace(['replay', t]).status).toBe(0);
    // The catalog's machine (16 MiB, 1 M instructions per virtual second) is what was recorded.
    const header = JSON.parse(migtrace(['inspect', t, '--limit', '0', '--json']).stdout) as { header: { machine: { memoryBytes: number; instructionsPerSecond: number } } };
    expect(header.header.machine).toMatchObject({ memoryBytes: 16 * 1024 * 1024, instructionsPerSecond: 1_000_000 });
  });
});
