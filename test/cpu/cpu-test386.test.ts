/**
 * test386.asm (github.com/barotto/test386.asm), the CPU test ROM, run from the reset vector:
 * POST codes on port 0x190, 0xFF when every test passed; on an error it halts with the code
 * of the failing test. The ROM is assembled here from the sources beside the worktree
 * (../shared/third-party/test386.asm, the 128 KiB build with the task-switch tests); the
 * test is skipped where they or nasm are missing.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunExit } from '../../src/machine/cpu/cpu.js';
import { machine } from './helpers.js';

const SOURCES = resolve(__dirname, '../../../shared/third-party/test386.asm/src');
/** The results of POST 0xEE, checked on real hardware upstream. */
const REFERENCE = resolve(SOURCES, '../test386-EE-reference.txt');
/** Where the ROM writes its ASCII results (its OUT_PORT option). */
const OUT_PORT = 0xe9;

function hasNasm(): boolean {
  try {
    execFileSync('nasm', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function assemble(rom128: boolean): Uint8Array {
  const work = mkdtempSync(join(tmpdir(), 'migtrace-test386-'));
  try {
    cpSync(SOURCES, join(work, 'src'), { recursive: true });
    const config = join(work, 'src', 'configuration.asm');
    writeFileSync(
      config,
      readFileSync(config, 'utf8')
        .replace(/^ROM128 equ 0/m, `ROM128 equ ${rom128 ? 1 : 0}`)
        .replace(/^OUT_PORT equ 0/m, `OUT_PORT equ 0x${OUT_PORT.toString(16)}`),
    );
    const out = join(work, 'test386.bin');
    execFileSync('nasm', [`-i${join(work, 'src')}/`, '-f', 'bin', '-w-all', '-o', out, join(work, 'src', 'test386.asm')]);
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Run the ROM (installed below 1 MiB, entered at F000:FFF0) until it halts; the POST codes it wrote. */
function runRom(rom: Uint8Array): { exit: number; posts: number[]; where: string; text: string } {
  const m = machine();
  m.memory.writeBytes(0x100000 - rom.length, rom);
  const posts: number[] = [];
  const id = m.bus.registerDevice('post');
  m.bus.mapPorts(id, 0x190, 1, { sizes: 1 | 2 | 4, read: () => 0xff, write: (_port, _size, v) => { posts.push(v & 0xff); } });
  const text: number[] = [];
  m.bus.mapPorts(id, OUT_PORT, 1, { sizes: 1, read: () => 0xff, write: (_port, _size, v) => { text.push(v & 0xff); } });
  m.cpu.bootAt(0xf000, 0xfff0, 0);
  let exit: number = RunExit.REACHED;
  for (let i = 0; i < 200 && exit !== RunExit.HALTED && exit !== RunExit.FAULT; i++) {
    exit = m.cpu.run(m.clock.icount + 1_000_000);
  }
  return { exit, posts, where: `${m.cpu.describeLocation()} ${m.cpu.fault?.message ?? ''}`, text: Buffer.from(text).toString('latin1') };
}

const available = existsSync(SOURCES) && hasNasm();

describe.skipIf(!available)('test386.asm', () => {
  let run: ReturnType<typeof runRom> | undefined;
  const result = () => (run ??= runRom(assemble(true)));

  it('passes every test of the 128 KiB ROM (POST 0xFF)', () => {
    const r = result();
    const last = r.posts[r.posts.length - 1];
    expect({ last: last?.toString(16), where: r.where }).toEqual({ last: 'ff', where: expect.any(String) });
    expect(r.exit).toBe(RunExit.HALTED);
  }, 60_000);

  it('prints the results of POST 0xEE as the reference made on real hardware', () => {
    const got = result().text.split(/\r?\n/).filter((l) => l.trim() !== '');
    const want = readFileSync(REFERENCE, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
    const firstDifference = want.findIndex((l, i) => got[i]?.trimEnd() !== l.trimEnd());
    expect({ lines: got.length, firstDifference, got: got[firstDifference], want: want[firstDifference] })
      .toEqual({ lines: want.length, firstDifference: -1, got: undefined, want: undefined });
  }, 60_000);
});
