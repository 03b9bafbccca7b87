/**
 * Real-hardware single-instruction tests (SingleStepTests 80286, real mode), run against our
 * CPU: ../shared/cpu-tests/80286 beside the repository (see its README.md). Each opcode form
 * is one vitest test that runs all of its ~150 cases and reports the failing ones by name.
 *
 * Masks (not exclusions): the flags Intel documents as undefined for an opcode
 * (metadata.json `flags-mask`), and the top four flag bits (IOPL, NT, bit 15), which a 286
 * clears in real mode and a 386 does not - the upstream README says to mask them.
 *
 * Exclusions: only documented 286-vs-386 differences, each by hash with its reason
 * (EXCLUDED below). Nothing else is excluded.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { Bus } from '../../src/machine/bus.js';
import { Clock } from '../../src/machine/clock.js';
import { PhysicalMemory } from '../../src/machine/memory.js';
import { Cpu, RunExit } from '../../src/machine/cpu/cpu.js';
import { EXCLUDED } from './hardware-80286-exclusions.js';
import { hex } from '../../src/hex.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Beside the checkout (../shared), or where MIGTRACE_SHARED or the workplace (/work/shared) keeps it. */
const candidates = [
  process.env.MIGTRACE_SHARED ? resolve(process.env.MIGTRACE_SHARED, 'cpu-tests/80286') : '',
  resolve(repoRoot, '../shared/cpu-tests/80286'),
  '/work/shared/cpu-tests/80286',
].filter((d) => d !== '');
const testDir = candidates.find((d) => existsSync(d)) ?? candidates[0];

interface Regs {
  ax: number; bx: number; cx: number; dx: number; cs: number; ss: number; ds: number; es: number;
  sp: number; bp: number; si: number; di: number; ip: number; flags: number;
}
interface HardwareTest {
  idx: number;
  name: string;
  bytes: number[];
  initial: { regs: Regs; ram: [number, number][] };
  final: { regs: Partial<Regs>; ram: [number, number][] };
  exception?: { number: number; flag_address: number };
  hash: string;
}
interface OpcodeMeta {
  status?: string;
  'flags-mask'?: number;
  reg?: Record<string, OpcodeMeta>;
}

const GPRS = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'] as const;
const SEGS = ['es', 'cs', 'ss', 'ds'] as const;
/** The 286 keeps bits 12-15 clear in real mode; the 386 lets IOPL and NT be written. */
const REAL_MODE_FLAGS_MASK = 0x0fff;

const MEMORY = 16 * 1024 * 1024;
const memory = new PhysicalMemory(MEMORY);
const bus = new Bus(memory);
const clock = new Clock();
const cpu = new Cpu(memory, bus, clock);
const expectedRam = new Uint8Array(MEMORY);

function flagsMask(meta: Record<string, OpcodeMeta>, file: string): number {
  const [op, reg] = file.split('.');
  const entry = meta[op];
  const m = reg !== undefined ? entry?.reg?.[reg] : entry;
  return (m?.['flags-mask'] ?? 0xffff) & REAL_MODE_FLAGS_MASK;
}

/** Run one test; returns a description of every mismatch (empty when it passes). */
function runOne(t: HardwareTest, mask: number): string[] {
  // Clean the pages the previous test touched.
  for (const page of memory.dirty.takeAndClear()) {
    memory.ram.fill(0, page * 4096, page * 4096 + 4096);
    memory.codeWritten(page * 4096, 4096); // direct stores must tell the compiler
    expectedRam.fill(0, page * 4096, page * 4096 + 4096);
  }
  cpu.reset();
  const init = t.initial.regs;
  const state = cpu.getState();
  state.eax = init.ax;
  state.ecx = init.cx;
  state.edx = init.dx;
  state.ebx = init.bx;
  state.esp = init.sp;
  state.ebp = init.bp;
  state.esi = init.si;
  state.edi = init.di;
  state.eip = init.ip;
  state.eflags = init.flags;
  for (const s of SEGS) {
    state[s].selector = init[s];
    state[s].base = init[s] << 4;
  }
  cpu.setState(state);
  for (const [addr, v] of t.initial.ram) {
    memory.ram[addr] = v;
    memory.codeWritten(addr, 1);
    memory.dirty.mark(addr >>> 12);
  }
  for (const [addr, v] of t.initial.ram) expectedRam[addr] = v;
  for (const [addr, v] of t.final.ram) expectedRam[addr] = v;

  clock.icount = 0;
  const exit = cpu.run(1_000_000);
  const problems: string[] = [];
  if (exit !== RunExit.HALTED) {
    problems.push(exit === RunExit.FAULT ? `machine fault: ${cpu.fault?.message}` : `did not halt (exit ${exit})`);
    return problems;
  }
  const got = cpu.getState();
  const fin = { ...init, ...t.final.regs };
  const gotRegs: Regs = {
    ax: got.eax & 0xffff, cx: got.ecx & 0xffff, dx: got.edx & 0xffff, bx: got.ebx & 0xffff,
    sp: got.esp & 0xffff, bp: got.ebp & 0xffff, si: got.esi & 0xffff, di: got.edi & 0xffff,
    cs: got.cs.selector, ss: got.ss.selector, ds: got.ds.selector, es: got.es.selector,
    ip: got.eip & 0xffff, flags: got.eflags & 0xffff,
  };
  for (const r of [...GPRS, ...SEGS, 'ip'] as const) {
    if (gotRegs[r] !== fin[r]) problems.push(`${r}=${hex(gotRegs[r])} expected ${hex(fin[r])}`);
  }
  if ((gotRegs.flags & mask) !== (fin.flags & mask)) {
    problems.push(`flags=${hex(gotRegs.flags)} expected ${hex(fin.flags)} (mask ${hex(mask)})`);
  }
  // Flags pushed to the stack get the same mask as FLAGS: by an exception (the stack
  // then holds IP, CS, FLAGS above the final SP; the data's flag_address is sometimes the
  // even address below them) and by PUSHF (at the final SP).
  let flagAddr = -1;
  const finalSs = fin.ss << 4;
  if (t.exception !== undefined) flagAddr = finalSs + ((fin.sp + 4) & 0xffff);
  else if (t.bytes.includes(0x9c) && t.name.includes('pushf')) flagAddr = finalSs + fin.sp;
  for (const page of new Set([...memory.dirty.takeAndClear(), ...t.final.ram.map(([a]) => a >>> 12)])) {
    memory.dirty.mark(page); // keep it listed for the next test's clean-up
    for (let a = page * 4096; a < page * 4096 + 4096; a++) {
      let m = 0xff;
      if (a === flagAddr) m = mask & 0xff;
      else if (a === finalSs + ((flagAddr - finalSs + 1) & 0xffff)) m = (mask >> 8) & 0xff;
      if ((memory.ram[a] & m) !== (expectedRam[a] & m)) {
        problems.push(`ram[${hex(a)}]=${hex(memory.ram[a])} expected ${hex(expectedRam[a])}`);
      }
    }
  }
  return problems;
}


let passed = 0;
let excluded = 0;
let total = 0;

if (!existsSync(testDir)) {
  describe.skip('80286 hardware tests', () => {
    it(`skipped: ${testDir} is missing (clone the shared test data beside the repository)`, () => {});
  });
  console.log(`80286 hardware tests skipped: ${testDir} not found`);
} else {
  const meta = JSON.parse(readFileSync(join(testDir, 'metadata.json'), 'utf8')).opcodes as Record<string, OpcodeMeta>;
  const files = readdirSync(testDir).filter((f) => f.endsWith('.json.gz')).sort();
  describe('80286 hardware tests (real mode)', () => {
    for (const file of files) {
      const form = file.replace('.json.gz', '');
      it(`opcode ${form}`, () => {
        const tests = JSON.parse(gunzipSync(readFileSync(join(testDir, file))).toString('utf8')) as HardwareTest[];
        const mask = flagsMask(meta, form);
        const failures: string[] = [];
        for (const t of tests) {
          total++;
          if (EXCLUDED.has(t.hash)) {
            excluded++;
            continue;
          }
          const problems = runOne(t, mask);
          if (problems.length === 0) passed++;
          else failures.push(`#${t.idx} ${t.name} [${t.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')}] ${t.hash}: ${problems.slice(0, 4).join('; ')}`);
        }
        if (failures.length > 0) console.log(`opcode ${form}: ${failures.length} failures\n  ${failures.join('\n  ')}`);
        expect(failures).toEqual([]);
      });
    }
    afterAll(() => {
      console.log(`80286 hardware tests: ${passed} passed, ${excluded} excluded, ${total} total`);
    });
  });
}
