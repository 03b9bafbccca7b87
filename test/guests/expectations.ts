/**
 * What each guest must print and how it must exit, shared by the QEMU run and the
 * comparison with migtrace's own machine. The memtouch checksums are recomputed here, in
 * TypeScript, from the algorithm documented in guests/src/memtouch.c — independently of
 * the guest code they check.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const guestsDir = join(repoRoot, 'guests');

/** isa-debug-exit statuses: the guest wrote 0 (success) or 1 (failure) to port 0xF4. */
export const EXIT_SUCCESS = 1;
export const EXIT_FAILURE = 3;

export interface ManifestEntry {
  name: string;
  description: string;
  image: string;
  expectExit: number;
}

export function readManifest(): ManifestEntry[] {
  return JSON.parse(readFileSync(join(guestsDir, 'manifest.json'), 'utf8')) as ManifestEntry[];
}

export function guestImage(name: string): Uint8Array {
  const entry = readManifest().find((e) => e.name === name);
  if (!entry) throw new Error(`guest ${name} is not in guests/manifest.json`);
  return new Uint8Array(readFileSync(join(guestsDir, entry.image)));
}

/** One run of one guest: which image, which arguments, and what must come out. */
export interface GuestCase {
  label: string;
  guest: string;
  args?: string;
  exitStatus: number;
  checkSerial(serial: string): void;
}

function memtouchPattern(pass: number, addr: number): number {
  let x = (addr ^ Math.imul(pass, 0x9e3779b9)) >>> 0;
  x = Math.imul(x, 0x85ebca6b) >>> 0;
  return (x ^ (x >>> 13)) >>> 0;
}

/** memtouch's per-pass checksums for a range, as guests/src/memtouch.c documents them. */
export function memtouchChecksums(baseMb: number, mb: number, stride: number, passes: number): number[] {
  const base = baseMb * 0x100000;
  const words = Math.ceil((mb * 0x100000) / stride);
  const mem = new Uint32Array(words);
  const sums: number[] = [];
  for (let pass = 1; pass <= passes; pass++) {
    for (let i = 0; i < words; i++) {
      const w = memtouchPattern(pass, base + i * stride);
      const old = mem[i];
      mem[i] = pass === 1 ? w : (((old << 5) | (old >>> 27)) ^ w) >>> 0;
    }
    let h = 0x811c9dc5;
    for (let i = 0; i < words; i++) h = Math.imul(h ^ mem[i], 0x01000193) >>> 0;
    sums.push(h);
  }
  return sums;
}

const hex8 = (v: number) => '0x' + v.toString(16).padStart(8, '0');

function memtouchCase(baseMb: number, mb: number, stride: number, passes: number): GuestCase {
  const sums = memtouchChecksums(baseMb, mb, stride, passes);
  const base = baseMb * 0x100000;
  const end = (baseMb + mb) * 0x100000;
  const expected =
    `memtouch: range ${hex8(base)}-${hex8(end - 1)} stride ${stride} passes ${passes} spin 0\n` +
    sums.map((s, i) => `memtouch: pass ${i + 1} checksum ${hex8(s)}\n`).join('') +
    `memtouch: done, ${passes} passes, ${passes * Math.ceil((end - base) / stride)} stores, ` +
    `checksum ${hex8(sums[sums.length - 1])}\n`;
  return {
    label: `memtouch base=${baseMb} mb=${mb} stride=${stride} passes=${passes}`,
    guest: 'memtouch',
    args: `base=${baseMb} mb=${mb} stride=${stride} passes=${passes}`,
    exitStatus: EXIT_SUCCESS,
    checkSerial: (serial) => expect(serial).toBe(expected),
  };
}

/**
 * coremark's output for iterations=10 (guests/src/coremark.c): the CRC-16 of each part and of
 * the three, as QEMU 7.2 and migtrace print them.
 */
export const COREMARK_10 =
  'coremark: 10 iterations\n' +
  'coremark: list 0x0dc1 matrix 0xa94f state 0x2f09\n' +
  'coremark done: 10 iterations, crc 0x68bc\n';

/** kernels' output for iterations=2 (guests/src/kernels.c), as QEMU 7.2 and migtrace print it. */
export const KERNELS_2 =
  'kernels: 2 iterations\n' +
  'kernels: sha 0xe3e44db9 primes 4525 sort 0x11a958ef queens 132 bytecode 0x0262de8c strings 0xde21dc8a\n' +
  'kernels done: 2 iterations, crc 0xb114467e\n';

export const guestCases: GuestCase[] = [
  {
    label: 'hello',
    guest: 'hello',
    exitStatus: EXIT_SUCCESS,
    checkSerial: (serial) => expect(serial).toBe('Hello from migtrace guest\n'),
  },
  {
    label: 'cpu-selftest',
    guest: 'cpu-selftest',
    exitStatus: EXIT_SUCCESS,
    checkSerial: (serial) => {
      const lines = serial.trimEnd().split('\n');
      const summary = lines.pop() ?? '';
      expect(lines.filter((l) => !l.startsWith('PASS '))).toEqual([]);
      expect(summary).toBe(`cpu-selftest: ${lines.length} passed, 0 failed`);
      expect(lines.length).toBeGreaterThanOrEqual(200);
    },
  },
  memtouchCase(1, 2, 4096, 2),
  memtouchCase(2, 1, 1024, 3),
  {
    label: 'coremark iterations=10',
    guest: 'coremark',
    args: 'iterations=10',
    exitStatus: EXIT_SUCCESS,
    checkSerial: (serial) => expect(serial).toBe(COREMARK_10),
  },
  {
    label: 'kernels iterations=2',
    guest: 'kernels',
    args: 'iterations=2',
    exitStatus: EXIT_SUCCESS,
    checkSerial: (serial) => expect(serial).toBe(KERNELS_2),
  },
  {
    label: 'paging',
    guest: 'paging',
    exitStatus: EXIT_SUCCESS,
    checkSerial: (serial) => {
      const lines = serial.trimEnd().split('\n');
      expect(lines[0]).toBe('paging: 1000 Hz, 16 demand pages, 8 ticks of work');
      expect(lines[1]).toBe('paging: A20 wrapped through the 8042; entering ring 3');
      expect(lines[2]).toMatch(/^paging: 16 page faults, timer ticks in ring 3 through the TSS: yes, checksum 0x[0-9a-f]{8}$/);
      expect(lines[3]).toBe('paging: 8042 output buffer full 0x5a, command byte 0x25; TSS type 0xb');
      expect(lines).toHaveLength(4);
    },
  },
  {
    label: 'memtouch rejects a range below 1 MiB',
    guest: 'memtouch',
    args: 'base=0 mb=1',
    exitStatus: EXIT_FAILURE,
    checkSerial: (serial) => expect(serial).toMatch(/^memtouch: base=0: the range must start at or above 1 MiB/),
  },
  {
    label: 'memtouch rejects an unknown argument',
    guest: 'memtouch',
    args: 'mb=2 pases=2',
    exitStatus: EXIT_FAILURE,
    checkSerial: (serial) => expect(serial).toMatch(/^args: unknown key "pases"/),
  },
];

/** True if an executable of this name is on PATH. */
export function onPath(command: string): boolean {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  return dirs.some((d) => existsSync(join(d, command)));
}
