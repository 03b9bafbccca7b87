/**
 * The disk guest (guests/src/disk.c): interrupt-driven ATA PIO on the primary master. It
 * writes a pattern to the scratch area inside its own image (the default disk on both
 * machines: QEMU's -drive of a temporary copy, migtrace's copy-on-write view), reads it back
 * with READ SECTORS and READ MULTIPLE, and prints CRC-32s, which are recomputed here from the
 * pattern as the guest documents it. The IDENTIFY model line differs between the machines;
 * every other line must match. With --disk FILE (a 1 MiB file) the file holds the pattern.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDiskImage } from '../../src/devices/disk-backing.js';
import { EXIT_FAILURE, EXIT_SUCCESS, guestImage, guestsDir } from './expectations.js';
import { crc32, haveQemu, hex8, runMachine, runQemu, type GuestRun } from './harness.js';

const SECTOR = 512;
const SCRATCH_SECTORS = 64;
const scratch = mkdtempSync(join(tmpdir(), 'migtrace-disk-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Word i of sector lba, as guests/src/disk.c documents it. */
function pattern(lba: number, i: number): number {
  let x = (Math.imul(lba, 0x9e3779b9) + Math.imul(i, 0x85ebca6b)) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x2c1b3c6d) >>> 0;
  return (x ^ (x >>> 12)) >>> 0;
}

function patternSectors(lba: number, count: number): Uint8Array {
  const out = new Uint8Array(count * SECTOR);
  const view = new DataView(out.buffer);
  for (let s = 0; s < count; s++) for (let i = 0; i < SECTOR / 4; i++) view.setUint32(s * SECTOR + i * 4, pattern(lba + s, i), true);
  return out;
}

/** The scratch area: the guest prints its LBA; it must be 64 zero sectors inside the image. */
function scratchLba(image: Uint8Array, serial: string): number {
  const m = /^disk: \d+ sectors at LBA (\d+)$/m.exec(serial);
  expect(m, serial).not.toBeNull();
  const lba = Number(m![1]);
  expect((lba + SCRATCH_SECTORS) * SECTOR).toBeLessThanOrEqual(image.length);
  expect(image.subarray(lba * SECTOR, (lba + SCRATCH_SECTORS) * SECTOR).every((b) => b === 0)).toBe(true);
  return lba;
}

function expected(model: string, sectors: number, lba: number, count: number, mult: number): string {
  const data = patternSectors(lba, count);
  const blocks = Math.ceil(count / mult);
  let out =
    'disk: soft reset, ATA signature\n' +
    model +
    `disk: ${sectors} sectors (LBA28), READ/WRITE MULTIPLE up to 16 sectors per block\n` +
    `disk: ${count} sectors at LBA ${lba}\n` +
    `disk: WRITE SECTORS: ${count} sectors written, cache flushed\n` +
    `disk: READ SECTORS: ${count} sectors read, all match\n` +
    `disk: SET MULTIPLE MODE ${mult}\n` +
    `disk: READ MULTIPLE: ${blocks} blocks read, all match\n`;
  for (let b = 0; b < blocks; b++) {
    const first = b * mult;
    const n = Math.min(mult, count - first);
    out += `disk: block ${b} LBA ${lba + first}-${lba + first + n - 1} crc32 ${hex8(crc32(data.subarray(first * SECTOR, (first + n) * SECTOR)))}\n`;
  }
  return out + `disk: total crc32 ${hex8(crc32(data))}\n`;
}

const MIGTRACE_MODEL = 'disk: IDENTIFY model "MIGTRACE SHARED DISK" serial "MT0000000001" firmware "1.0"\n';
const MODEL_LINE = /^disk: IDENTIFY model .*\n/m;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const cases = [
  { args: undefined, count: 16, mult: 4 },
  { args: 'count=64 mult=16', count: 64, mult: 16 },
  { args: 'count=7 mult=2', count: 7, mult: 2 },
];

describe.each(cases)('disk count=$count mult=$mult on its own image', ({ args, count, mult }) => {
  const image = guestImage('disk');
  let machine: GuestRun | undefined;

  it('on migtrace', async (ctx) => {
    machine = await runMachine('disk', args);
    expect(machine.status, machine.message).toBe('exited');
    const lba = scratchLba(image, machine.serial);
    expect(machine.serial).toBe(expected(MIGTRACE_MODEL, image.length / SECTOR, lba, count, mult));
    expect(machine.exitStatus).toBe(EXIT_SUCCESS);
  });

  it('under QEMU: the same lines but the model, and the committed image unchanged', (ctx) => {
    if (!haveQemu) {
      console.log('skipping QEMU run: qemu-system-i386 not found');
      ctx.skip();
    }
    const before = sha(readFileSync(join(guestsDir, 'build', 'disk.img')));
    const run = runQemu('disk', args);
    expect(sha(readFileSync(join(guestsDir, 'build', 'disk.img')))).toBe(before);
    expect(run.exitStatus).toBe(EXIT_SUCCESS);
    expect(run.serial).toMatch(/^disk: IDENTIFY model "QEMU HARDDISK" serial "[^"]*" firmware "[^"]*"$/m);
    const lba = scratchLba(image, run.serial);
    expect(run.serial.replace(MODEL_LINE, '')).toBe(expected('', image.length / SECTOR, lba, count, mult));
    if (machine) expect(run.serial.replace(MODEL_LINE, '')).toBe(machine.serial.replace(MODEL_LINE, ''));
  });
});

describe('disk on migtrace with --disk', () => {
  it('writes the pattern into a 1 MiB disk file', async (ctx) => {
    const file = join(scratch, 'disk-1m.img');
    writeFileSync(file, new Uint8Array(1024 * 1024));
    const disk = openDiskImage(file);
    let run: GuestRun;
    try {
      run = await runMachine('disk', undefined, { disk });
    } finally {
      disk.close();
    }
    expect(run.status, run.message).toBe('exited');
    const lba = scratchLba(guestImage('disk'), run.serial);
    expect(run.serial).toBe(expected(MIGTRACE_MODEL, 2048, lba, 16, 4));
    expect(run.exitStatus).toBe(EXIT_SUCCESS);
    const bytes = new Uint8Array(readFileSync(file));
    expect(bytes.subarray(lba * SECTOR, (lba + 16) * SECTOR)).toEqual(patternSectors(lba, 16));
    expect(bytes.subarray(0, lba * SECTOR).every((b) => b === 0)).toBe(true);
    expect(bytes.subarray((lba + 16) * SECTOR).every((b) => b === 0)).toBe(true);
  });

  it('reaches the last sectors of the file with lba=', async (ctx) => {
    const file = join(scratch, 'disk-end.img');
    writeFileSync(file, new Uint8Array(1024 * 1024));
    const disk = openDiskImage(file);
    let run: GuestRun;
    try {
      run = await runMachine('disk', 'lba=2040 count=8 mult=8', { disk });
    } finally {
      disk.close();
    }
    expect(run.serial).toBe(expected(MIGTRACE_MODEL, 2048, 2040, 8, 8));
    expect(new Uint8Array(readFileSync(file)).subarray(2040 * SECTOR)).toEqual(patternSectors(2040, 8));
  });

  it('reports a read-only disk: WRITE SECTORS aborts', async (ctx) => {
    const file = join(scratch, 'disk-ro.img');
    writeFileSync(file, new Uint8Array(1024 * 1024));
    const disk = openDiskImage(file, { readOnly: true });
    let run: GuestRun;
    try {
      run = await runMachine('disk', undefined, { disk });
    } finally {
      disk.close();
    }
    expect(run.serial).toMatch(/^disk: WRITE SECTORS failed: status 0x51, error 0x04$/m);
    expect(run.exitStatus).toBe(EXIT_FAILURE);
  });

  it('refuses a range past the end of the disk', async (ctx) => {
    const run = await runMachine('disk', 'lba=2040 count=16');
    expect(run.serial).toMatch(/^disk: LBA 2040 \+ 16 sectors is past the end of the disk \(\d+ sectors\)$/m);
    expect(run.exitStatus).toBe(EXIT_FAILURE);
  });
});

describe('disk SET MULTIPLE MODE 3 (not a power of two)', () => {
  // Both abort with ERR and ABRT. The status differs in bit 4 (DSC, obsolete since ATA-4):
  // migtrace keeps it set (0x51, as real drives report), QEMU clears it (0x41).
  it('aborts on migtrace', async (ctx) => {
    const run = await runMachine('disk', 'mult=3');
    expect(run.serial).toMatch(/^disk: SET MULTIPLE MODE failed: status 0x51, error 0x04\n$/m);
    expect(run.exitStatus).toBe(EXIT_FAILURE);
  });

  it('aborts under QEMU', (ctx) => {
    if (!haveQemu) ctx.skip();
    const run = runQemu('disk', 'mult=3');
    expect(run.serial).toMatch(/^disk: SET MULTIPLE MODE failed: status 0x41, error 0x04\n$/m);
    expect(run.exitStatus).toBe(EXIT_FAILURE);
  });
});
