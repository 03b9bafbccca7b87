/**
 * Bad input at a migration's destination, through the CLI: a destination given its own
 * kernel, initrd or disk (migrate --incoming --kernel/--initrd/--disk/--slave-disk) that is
 * not the source's, or a source of another board (machine type), is refused in one line,
 * exit 2, before any page is taken; nothing is written or modified and the source runs on.
 * Copies that are the source's are accepted (the check can pass as well as fail), and
 * `verify` refuses a reference that ran another kernel or on another disk. Tiny hand-made boot files: the
 * check is by sha256 before anything boots (test/long/third-party-migration.test.ts does it
 * once with the built Linux kernel).
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Machine } from '../../src/board/machine.js';
import { machineShape } from '../../src/migration/sections.js';
import { EMPTY_ENVIRONMENT } from '../../src/migration/source.js';
import { SECTION, encodeSection, streamHeader, type PbMachine } from '../../src/migration/stream.js';
import { fakeBzImage } from '../guests/boot-images.js';
import { incoming, migtraceAsync } from '../migration/cli.js';
import { expectRefused, migtrace } from '../cli/cli.js';

const CMDLINE = 'console=ttyS0 migtrace-destination';
let dir: string;
const file = (name: string) => join(dir, name);

/** Every file under `root` with its sha256 and mtime: what "nothing was modified" compares. */
function snapshot(root: string): string {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(`${p} ${createHash('sha256').update(readFileSync(p)).digest('hex')} ${statSync(p).mtimeMs}`);
    }
  };
  walk(root);
  return out.join('\n');
}

function record(out: string, disk: string): void {
  const r = migtrace(['record', '--kernel', file('bzImage'), '--initrd', file('initrd'), '--append', CMDLINE, '--memory', '4MiB', '--disk', disk, '--slave-disk', file('slave.img'), '--out', out]);
  expect(r.status, r.stderr).toBe(0);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'migtrace-dest-copies-'));
  writeFileSync(file('bzImage'), fakeBzImage());
  writeFileSync(file('other-bzImage'), fakeBzImage({ payload: Uint8Array.from([0xf4]) }));
  writeFileSync(file('initrd'), Buffer.alloc(65536, 0xa5));
  writeFileSync(file('other-initrd'), Buffer.alloc(65536, 0xa6));
  writeFileSync(file('disk.img'), Buffer.alloc(64 * 512, 0x11));
  writeFileSync(file('other-disk.img'), Buffer.alloc(64 * 512, 0x12));
  writeFileSync(file('slave.img'), Buffer.alloc(32 * 512, 0x21));
  writeFileSync(file('other-slave.img'), Buffer.alloc(32 * 512, 0x22));
  record(file('ref'), file('disk.img'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A destination with `extra` flags, and the source migrating the reference to it. */
async function migrateTo(out: string, extra: string[]) {
  const dest = await incoming(out, extra);
  const source = migtraceAsync(['migrate', file('ref'), '--at', '20000', '--bandwidth', '100Gbps', '--to', `tcp:127.0.0.1:${dest.port}`]);
  return { destination: await dest.run.done, source: await source.done };
}

describe('a destination with its own copies', () => {
  const cases: [string, string[], RegExp][] = [
    ['kernel', ['--kernel', 'other-bzImage'], /the destination's kernel \S*other-bzImage is not the source's: its sha256 is [0-9a-f]{16}… \(\d+ bytes\), the source's [0-9a-f]{16}… \(\d+ bytes\)/],
    ['initrd', ['--initrd', 'other-initrd'], /the destination's initrd \S*other-initrd is not the source's: its sha256 is [0-9a-f]{16}… \(65536 bytes\), the source's [0-9a-f]{16}… \(65536 bytes\)/],
    ['disk', ['--disk', 'other-disk.img'], /the destination's disk \S*other-disk\.img is not the source's: its sha256 is [0-9a-f]{16}…, the source's [0-9a-f]{16}… \(\S*disk\.img\)/],
    ['slave disk', ['--slave-disk', 'other-slave.img'], /the destination's slave disk \S*other-slave\.img is not the source's/],
  ];
  for (const [what, flags, message] of cases) {
    it(`another ${what}: the destination refuses in one line (exit 2) and writes nothing; the source runs on; nothing is modified`, async () => {
      const before = snapshot(dir);
      const out = file(`dest-${what.replace(' ', '-')}`);
      const { destination, source } = await migrateTo(out, [flags[0], file(flags[1])]);
      expectRefused(destination, new RegExp(`^migtrace: the destination refuses the migration: ${message.source}.*discarded its partial state \\(nothing written`));
      expect(existsSync(out)).toBe(false);
      expect(source.status, source.stderr).toBe(1);
      expect(source.stderr).toMatch(/refused the machine: the destination refuses the migration: .*; the source kept running unharmed: the guest ran on to icount \d+ \(guest exited/);
      expect(snapshot(dir)).toBe(before);
    });
  }

  it('copies that are the source\'s (the disks at other paths) are accepted: the migration runs and verifies', async () => {
    copyFileSync(file('disk.img'), file('disk-copy.img'));
    copyFileSync(file('slave.img'), file('slave-copy.img'));
    const out = file('dest-good');
    const { destination, source } = await migrateTo(out, ['--kernel', file('bzImage'), '--initrd', file('initrd'), '--disk', file('disk-copy.img'), '--slave-disk', file('slave-copy.img')]);
    expect(destination.status, destination.stderr).toBe(0);
    expect(source.status, source.stderr).toBe(0);
    const v = migtrace(['verify', file('ref'), out]);
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect(migtrace(['inspect', out, '--limit', '0']).stdout).toMatch(/disk-copy\.img/);
  });

  it('verify refuses a reference that ran on another disk than the destination, naming both', () => {
    record(file('ref-other-disk'), file('other-disk.img'));
    expectRefused(migtrace(['verify', file('ref-other-disk'), file('dest-good')]), /the traces ran on different disks: primary disk: reference \S*other-disk\.img \(sha256 [0-9a-f]{12}…\), destination \S*disk-copy\.img \(sha256 [0-9a-f]{12}…\)/);
  });

  it('verify refuses a reference of another kernel than the destination, naming both', () => {
    const other = file('ref-other-kernel');
    const r = migtrace(['record', '--kernel', file('other-bzImage'), '--initrd', file('initrd'), '--append', CMDLINE, '--memory', '4MiB', '--disk', file('disk.img'), '--slave-disk', file('slave.img'), '--out', other]);
    expect(r.status, r.stderr).toBe(0);
    expectRefused(migtrace(['verify', other, file('dest-good')]), /the traces are of different guests \(they boot differently: kernel [0-9a-f]{12}… vs [0-9a-f]{12}…\)/);
  });

  it('a missing copy is refused before listening; the copies are a destination\'s flags only', () => {
    expectRefused(migtrace(['migrate', '--incoming', 'tcp:127.0.0.1:0', '--out', file('never'), '--kernel', file('nope')]), /--kernel \S*nope: no such file/);
    expectRefused(migtrace(['migrate', file('ref'), '--at', '20000', '--out', file('never'), '--disk', file('disk.img')]), /--disk is a destination's own copy \(migrate --incoming … --disk FILE\)/);
    expect(existsSync(file('never'))).toBe(false);
  });
});

describe('a source of another board', () => {
  it('another machine type: the destination refuses in one line (exit 2) before any page, naming both types', async () => {
    const out = file('dest-board');
    const dest = await incoming(out);
    const shape = machineShape(new Machine({ memory: 4 * 1024 * 1024 }));
    const machine: PbMachine = {
      memoryBytes: shape.memoryBytes, instructionsPerSecond: shape.instructionsPerSecond, devices: shape.devices.map((d) => ({ ...d })),
      link: null, strategy: 1, startIcount: 0, thresholdBytes: 0, maxRounds: 1, prepagePages: 0, faults: [],
      machineType: { name: shape.machineType.name, version: shape.machineType.version + 1 }, commitHandshake: true,
    };
    const socket = net.connect(dest.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.on('data', () => {});
    socket.write(Buffer.concat([streamHeader(), encodeSection(SECTION.MACHINE, machine), encodeSection(SECTION.ENVIRONMENT, EMPTY_ENVIRONMENT)]));
    try {
      const d = await dest.run.done;
      const v = shape.machineType.version;
      expectRefused(d, new RegExp(`the destination refuses the migration: not an identical machine: the source is migtrace-pc v${v + 1}, the destination migtrace-pc v${v}`));
      expect(existsSync(out)).toBe(false);
    } finally {
      socket.destroy();
    }
  });
});
