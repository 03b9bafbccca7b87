/**
 * test386.asm (Marco Bortolin, GPL-3; a third-party 80386 tester run as the BIOS ROM), built
 * by scripts/guests/build-test386.sh into a temporary guest cache, booted at the reset vector.
 *
 * test386 writes a POST code before each test group and halts on the first failure with that
 * code; it ends with POST 0xFF and `cli; hlt` (its README). Its arithmetic group 0xEE prints
 * results on COM1, which must equal test386-EE-reference.txt byte for byte.
 *
 * One run covers everything: the ROM is built with ROM128 (the extra tests), booted as
 * `migtrace run test386` boots it (the board without a BIOS: no tables, the 8254 idle, LINT0
 * masked), run to its halt, and held to POST 0xFF with the reference output.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootSpec } from '../../src/board/boot.js';
import type { Machine, RunResult } from '../../src/board/machine.js';
import { parseSize } from '../../src/units.js';
import { loadThirdPartyGuests } from '../../src/guests/third-party.js';

const ROOT = join(import.meta.dirname, '..', '..');
const hasNasm = spawnSync('nasm', ['-v'], { encoding: 'utf8' }).status === 0;
if (!hasNasm) console.log('test386: skipped — nasm is not installed (apt-get install nasm), so the ROM cannot be built');

/** test386's POST codes in the order it runs them (its README). */
const POST_ORDER: [number, string][] = [
  [0x00, 'real mode initialisation'],
  [0x01, 'conditional jumps and loops'],
  [0x02, 'quick 32-bit MUL/DIV'],
  [0x03, 'move segment registers in real mode'],
  [0x04, 'string instructions in real mode'],
  [0x05, 'calls in real mode'],
  [0x06, 'load full pointer in real mode'],
  [0x08, 'GDT, LDT, PDT and PT setup, enter protected mode'],
  [0x09, 'stack functionality'],
  [0x20, 'user mode (ring 3) switching'],
  [0x21, 'virtual-8086 mode'],
  [0x22, 'TSS task switching'],
  [0x0b, 'moving segment registers'],
  [0x0c, 'zero and sign extension'],
  [0x0d, '16-bit addressing modes'],
  [0x0e, '32-bit addressing modes'],
  [0x0f, 'memory access with addressing modes'],
  [0x10, 'string instructions in protected mode'],
  [0x11, 'page faults and PTE bits'],
  [0x12, 'other memory access faults'],
  [0x13, 'bit scan'],
  [0x14, 'bit test'],
  [0x15, 'SETcc'],
  [0x16, 'calls in protected mode'],
  [0x17, 'ARPL'],
  [0x18, 'BOUND'],
  [0x19, 'XCHG'],
  [0x1a, 'ENTER'],
  [0x1b, 'LEAVE'],
  [0x1c, 'VERR/VERW'],
  [0xe0, 'undefined behaviours'],
  [0xee, 'unverified arithmetic and logic (printed)'],
  [0xff, 'testing completed'],
];

function postName(code: number): string {
  const hit = POST_ORDER.find(([c]) => c === code);
  return `0x${code.toString(16).padStart(2, '0')} (${hit?.[1] ?? 'not a test386 code'})`;
}

let cache: string;
let rom: Uint8Array;

/**
 * Boot the ROM on a fresh machine configured as its catalog entry says (`migtrace run test386`
 * does the same): a low virtual clock rate makes COM1's character time a few dozen instructions.
 */
function bootTest386(): Machine {
  const entry = loadThirdPartyGuests(ROOT).find((g) => g.name === 'test386')!;
  return bootSpec(
    { mode: 'rom', files: [{ role: 'rom', name: 'test386.bin', bytes: rom }], cmdline: '' },
    { memory: parseSize(entry.machine?.memory ?? '64MiB', 'memory'), instructionsPerSecond: entry.machine?.instructionsPerSecond },
  );
}

/** One line: how far it got and how it stopped. */
function report(m: Machine, r: RunResult): string {
  return `test386: last POST code ${postName(m.lastPostCode)}; run ended ${r.status} at icount ${r.icount}: ${r.message}`;
}

describe.skipIf(!hasNasm)('test386.asm as the BIOS ROM', () => {
  beforeAll(() => {
    cache = mkdtempSync(join(tmpdir(), 'migtrace-test386-'));
    const build = spawnSync(join(ROOT, 'scripts', 'guests', 'build-test386.sh'), [], { encoding: 'utf8', env: { ...process.env, MIGTRACE_GUESTS: cache } });
    expect(build.status, build.stderr).toBe(0);
    rom = new Uint8Array(readFileSync(join(cache, 'test386', 'test386.bin')));
  }, 120_000);
  afterAll(() => rmSync(cache, { recursive: true, force: true }));

  it('builds a 128 KiB ROM whose reset vector jumps to F000:0045', () => {
    expect(rom.length).toBe(0x20000);
    expect([...rom.subarray(0x1fff0, 0x1fff5)]).toEqual([0xea, 0x45, 0x00, 0x00, 0xf0]);
  });

  it('reaches POST 0xFF and halts there, and its 0xEE output on COM1 is test386-EE-reference.txt', () => {
    const m = bootTest386();
    const r = m.run({ maxInstructions: 1_000_000_000 });
    const line = report(m, r);
    console.log(line);
    // A halt before 0xFF is test386's error routine: the group with that code failed.
    expect(m.lastPostCode, line).toBe(0xff);
    expect(r.status, line).toBe('halted');
    const reference = readFileSync(join(cache, 'test386', 'test386-EE-reference.txt'), 'latin1');
    if (r.serial !== reference) {
      const a = r.serial.split('\n');
      const b = reference.split('\n');
      const i = a.findIndex((l, k) => l !== b[k]);
      expect.fail(`EE output differs from the reference at line ${i + 1}: got ${JSON.stringify(a[i])}, reference ${JSON.stringify(b[i])}`);
    }
  }, 1_800_000);
});
