import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Cpu, RunExit, type CpuState } from '../../src/machine/cpu/cpu.js';
import { GUEST_EXCEPTION } from '../../src/machine/cpu/core.js';
import { cacheFlush, invlpg } from '../../src/machine/cpu/ops-486.js';
import { rdmsr, rdtsc, wrmsr } from '../../src/machine/cpu/ops-msr.js';
import { boot, machine, read32, RES, runToHalt, type TestMachine } from './helpers.js';
import { cpu486, qemuBootLoader } from './programs.js';

/** The status flags: OF SF ZF AF PF CF. */
const STATUS = 0x8d5;
const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
const UD = [6, -1];
const NM = [7, -1];
const GP0 = [13, 0];

/** cpu-486.asm's result dwords, in the order the program stores them. */
const OUT = [
  'cmpxchgEqFlags', 'cmpxchgEqMem', 'cmpxchgEqEax', 'cmpxchgNeFlags', 'cmpxchgNeMem', 'cmpxchgNeEax',
  'cmpxchgByteEbx', 'cmpxchgWordEax', 'cmpxchgWordEdx', 'cmpxchgReadOnlyEax',
  'xaddMemFlags', 'xaddMem', 'xaddMemEcx', 'xaddRegFlags', 'xaddRegEax', 'xaddRegEbx', 'xaddSameReg',
  'xaddByteFlags', 'xaddByteMem', 'xaddByteEcx',
  'bswap32', 'bswap16',
  'cmovTaken', 'cmovNotTaken', 'cmov16', 'cmovFaultEcx',
  'cx8EqFlags', 'cx8EqLo', 'cx8EqHi', 'cx8NeFlags', 'cx8NeEax', 'cx8NeEdx',
  'nopMarker',
  'tscAfterWriteLo', 'tscAfterWriteHi', 'tscMsrLo', 'tscMsrHi', 'apicBaseLo', 'apicBaseHi', 'apicBaseWritten',
  'eflagsToggled', 'eflagsAfterPopf16',
  'fsw', 'fcw', 'fnstswAx', 'endMarker',
] as const;

type Results = Record<(typeof OUT)[number], number>;

function results(m: TestMachine): Results {
  return Object.fromEntries(OUT.map((name, i) => [name, read32(m, RES + 4 * i)])) as Results;
}

/** The exception log: (vector, error code or -1) pairs from RES + 0x400 up to the log pointer. */
function exceptions(m: TestMachine): number[][] {
  const out: number[][] = [];
  for (let a = RES + 0x400; read32(m, a) !== 0; a += 8) out.push([read32(m, a), read32(m, a + 4) | 0]);
  return out;
}

function run486(): { m: TestMachine; r: Results; invlpg: number[] } {
  const m = boot(cpu486);
  const invlpg: number[] = [];
  const original = m.cpu.invlpg.bind(m.cpu);
  m.cpu.invlpg = (lin: number) => {
    invlpg.push(lin >>> 0);
    original(lin);
  };
  expect(runToHalt(m)).toBe(RunExit.HALTED);
  return { m, r: results(m), invlpg };
}

describe('486-class instructions', () => {
  const { m, r, invlpg } = run486();

  it('runs to the end with exactly the expected exceptions, in order', () => {
    expect(r.endMarker).toBe(0x0d0e);
    expect(exceptions(m)).toEqual([
      GP0, // CMPXCHG, not equal, read-only destination: the destination is written anyway
      GP0, // CMOVNZ not taken, source beyond the segment limit: the source is read anyway
      GP0, // CMPXCHG8B, not equal, read-only destination
      UD, // CMPXCHG8B register form
      UD, // INVLPG register form
      GP0, // RDMSR of an MSR that does not exist
      GP0, // WRMSR of the same
      GP0, // WRMSR IA32_APIC_BASE with reserved bit 0
      GP0, // WRMSR IA32_APIC_BASE with reserved bit 32
      NM, // FNINIT with CR0.EM
      NM, // FNSTSW with CR0.TS
      NM, // WAIT with CR0.TS and CR0.MP
    ]);
  });

  it('CMPXCHG, equal: ZF set, the destination gets the source, the accumulator is kept', () => {
    expect(r.cmpxchgEqFlags & STATUS).toBe(ZF | PF);
    expect(r.cmpxchgEqMem).toBe(9);
    expect(r.cmpxchgEqEax).toBe(5);
    expect(r.cmpxchgByteEbx).toBe(0x11);
  });

  it('CMPXCHG, not equal: flags as CMP, the accumulator gets the destination, which keeps its value', () => {
    expect(r.cmpxchgNeFlags & STATUS).toBe(CF | AF | SF); // 5 - 7
    expect(r.cmpxchgNeMem).toBe(7);
    expect(r.cmpxchgNeEax).toBe(7);
    expect(r.cmpxchgWordEax).toBe(0xaaaa4321); // only AX changes
    expect(r.cmpxchgWordEdx).toBe(0x4321);
    expect(r.cmpxchgReadOnlyEax).toBe(1); // the faulting CMPXCHG changed nothing
  });

  it('XADD: the destination gets the sum, the source the old destination; flags as ADD', () => {
    expect(r.xaddMemFlags & STATUS).toBe(0);
    expect(r.xaddMem).toBe(13);
    expect(r.xaddMemEcx).toBe(10);
    expect(r.xaddRegFlags & STATUS).toBe(CF | PF | AF | ZF);
    expect(r.xaddRegEax).toBe(0);
    expect(r.xaddRegEbx).toBe(0xffffffff);
    expect(r.xaddSameReg).toBe(14);
    expect(r.xaddByteFlags & STATUS).toBe(OF | SF | AF);
    expect(r.xaddByteMem).toBe(0x80);
    expect(r.xaddByteEcx).toBe(0x1234567f);
  });

  it('BSWAP reverses the bytes of a 32-bit register; with a 16-bit operand it clears the low word', () => {
    expect(r.bswap32).toBe(0x78563412);
    expect(r.bswap16).toBe(0x12340000);
  });

  it('CMOVcc moves only when the condition holds, but always reads a memory source', () => {
    expect(r.cmovTaken).toBe(0x22222222);
    expect(r.cmovNotTaken).toBe(0x22222222);
    expect(r.cmov16).toBe(0x22223333);
    expect(r.cmovFaultEcx).toBe(0x22223333);
  });

  it('CMPXCHG8B compares EDX:EAX, stores ECX:EBX or loads EDX:EAX, and changes only ZF', () => {
    expect(r.cx8EqFlags & STATUS).toBe(OF | CF | ZF);
    expect(r.cx8EqLo).toBe(0xbbbbbbbb);
    expect(r.cx8EqHi).toBe(0xaaaaaaaa);
    expect(r.cx8NeFlags & STATUS).toBe(0);
    expect(r.cx8NeEax).toBe(0xbbbbbbbb);
    expect(r.cx8NeEdx).toBe(0xaaaaaaaa);
  });

  it('multi-byte NOPs of 3 to 10 bytes decode their operand and touch no memory', () => {
    expect(r.nopMarker).toBe(0x600df00d);
  });

  it('INVLPG at CPL 0 invalidates the page of its linear address; the register form is #UD', () => {
    expect(invlpg).toEqual([0x12345]);
  });

  it('WRMSR sets the TSC, which RDTSC and RDMSR read counting on in instructions', () => {
    expect([r.tscAfterWriteHi, r.tscAfterWriteLo]).toEqual([6, 0]); // 0x5_FFFFFFFF + 1
    expect([r.tscMsrHi, r.tscMsrLo]).toEqual([6, 3]);
  });

  it('IA32_APIC_BASE reads 0xFEE00900; a write stores base and enable, BSP stays set', () => {
    expect([r.apicBaseHi, r.apicBaseLo]).toEqual([0, 0xfee00900]);
    expect(r.apicBaseWritten).toBe(0xfed00100);
    expect(m.cpu.getState().apicBase).toBe(0xfed00100);
  });

  it('EFLAGS.ID and AC can be toggled (the CPUID and 486 probes); a 16-bit POPF leaves them', () => {
    expect(r.eflagsToggled).toBe(0x240000);
    expect(r.eflagsAfterPopf16).toBe(0x200002);
  });

  it('FNINIT; FNSTSW / FNSTCW find no FPU: nothing is stored', () => {
    expect(r.fsw).toBe(0xffff);
    expect(r.fcw).toBe(0xffff);
    expect(r.fnstswAx).toBe(0x12345678);
  });
});

describe('486-class instructions in real mode', () => {
  it('INVLPG takes the linear address through the segment base', () => {
    // mov ax, 0x100; mov ds, ax; invlpg [0x234]; hlt
    const m = boot(Uint8Array.from([0xb8, 0x00, 0x01, 0x8e, 0xd8, 0x0f, 0x01, 0x3e, 0x34, 0x02, 0xf4]));
    const seen: number[] = [];
    m.cpu.invlpg = (lin: number) => void seen.push(lin);
    expect(runToHalt(m)).toBe(RunExit.HALTED);
    expect(seen).toEqual([0x1234]);
  });

  it('the TSC is 0 at reset and counts retired instructions', () => {
    // nop; nop; rdtsc; hlt
    const m = boot(Uint8Array.from([0x90, 0x90, 0x0f, 0x31, 0xf4]));
    runToHalt(m);
    expect(m.cpu.regs[0]).toBe(2);
    expect(m.cpu.regs[2]).toBe(0);
  });

  it('EDX after reset holds the CPUID leaf 1 signature: family 4, model 2, stepping 0', () => {
    const m = machine();
    expect(m.cpu.regs[2]).toBe(0x420);
  });
});

describe('486-class CPU state', () => {
  it('the TSC offset and the APIC base MSR survive getState/setState, and the TSC counts on', () => {
    // mov ecx, 0x10; mov edx, 0x12345678; mov eax, 0x9abcdef0; wrmsr; mov ecx, 0x1b; mov eax,
    // 0xfee00000; xor edx, edx; wrmsr; hlt; then: nop; rdtsc; hlt
    const program = Uint8Array.from([
      0x66, 0xb9, 0x10, 0, 0, 0, 0x66, 0xba, 0x78, 0x56, 0x34, 0x12, 0x66, 0xb8, 0xf0, 0xde, 0xbc, 0x9a, 0x0f, 0x30,
      0x66, 0xb9, 0x1b, 0, 0, 0, 0x66, 0xb8, 0, 0, 0xe0, 0xfe, 0x66, 0x31, 0xd2, 0x0f, 0x30, 0xf4,
      0x90, 0x0f, 0x31, 0xf4,
    ]);
    const m = boot(program);
    runToHalt(m);
    const s = m.cpu.getState();
    expect(s.apicBase).toBe(0xfee00100);
    // WRMSR was the 4th instruction (icount 3): offset = 0x123456789abcdef0 - 3.
    expect([s.tscOffsetHi, s.tscOffsetLo]).toEqual([0x12345678, 0x9abcdeed]);

    const dest = machine();
    dest.memory.ram.set(m.memory.ram);
    dest.clock.icount = m.clock.icount;
    dest.cpu.setState(JSON.parse(JSON.stringify(s)) as CpuState);
    expect(dest.cpu.getState()).toEqual(s);
    dest.cpu.setState({ ...s, halted: false }); // go on past the HLT
    runToHalt(dest);
    // The HLT was icount 8, the NOP 9, RDTSC 10: seven instructions after the WRMSR.
    expect(dest.cpu.regs[2] >>> 0).toBe(0x12345678);
    expect(dest.cpu.regs[0] >>> 0).toBe(0x9abcdef0 + 7);
  });
});

/**
 * QEMU (TCG, its default qemu32 CPU) as a second opinion on the results it models like a
 * processor. Not compared: what QEMU does not check (segment limits and rights: the
 * CMPXCHG / CMOV / CMPXCHG8B faults; unknown MSRs and reserved APIC base bits, which it
 * accepts), what differs by design (QEMU has an FPU; its TSC is wall-clock time) and BSWAP
 * with a 16-bit operand (undefined; QEMU swaps 32 bits).
 */
const QEMU_COMPARABLE: readonly (typeof OUT)[number][] = [
  'cmpxchgEqFlags', 'cmpxchgEqMem', 'cmpxchgEqEax', 'cmpxchgNeFlags', 'cmpxchgNeMem', 'cmpxchgNeEax',
  'cmpxchgByteEbx', 'cmpxchgWordEax', 'cmpxchgWordEdx',
  'xaddMemFlags', 'xaddMem', 'xaddMemEcx', 'xaddRegFlags', 'xaddRegEax', 'xaddRegEbx', 'xaddSameReg',
  'xaddByteFlags', 'xaddByteMem', 'xaddByteEcx',
  'bswap32', 'cmovTaken', 'cmovNotTaken', 'cmov16',
  'cx8EqFlags', 'cx8EqLo', 'cx8EqHi', 'cx8NeFlags', 'cx8NeEax', 'cx8NeEdx',
  'nopMarker', 'apicBaseLo', 'apicBaseHi', 'apicBaseWritten', 'eflagsToggled', 'eflagsAfterPopf16', 'endMarker',
];

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, command)));
}

/** Boot cpu-486 under QEMU (behind a loader sector), let it halt, and read RES.. from its memory. */
function runUnderQemu(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'migtrace-cpu486-'));
  try {
    const image = new Uint8Array(512 * 17);
    image.set(qemuBootLoader, 0);
    image.set(cpu486, 512);
    writeFileSync(join(dir, 'disk.img'), image);
    // The program halts within a second of power-on; the monitor then saves the results.
    const script =
      `(sleep 3; echo 'pmemsave ${RES} 0x500 "${join(dir, 'out.bin')}"'; sleep 1; echo quit) | ` +
      `timeout 30 qemu-system-i386 -display none -nodefaults -monitor stdio -drive file="${join(dir, 'disk.img')}",format=raw,if=ide`;
    const r = spawnSync('bash', ['-c', script], { encoding: 'latin1' });
    if (r.error) throw r.error;
    return readFileSync(join(dir, 'out.bin'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('486-class instructions against QEMU', () => {
  it('QEMU computes the same results and flags', (ctx) => {
    if (!onPath('qemu-system-i386')) {
      console.log('skipping the QEMU comparison: qemu-system-i386 not found (apt-get install qemu-system-x86)');
      ctx.skip();
    }
    const out = runUnderQemu();
    const theirs = Object.fromEntries(OUT.map((name, i) => [name, out.readUInt32LE(4 * i)])) as Results;
    expect(theirs.endMarker, 'QEMU did not reach the end of cpu-486').toBe(0x0d0e);
    const ours = run486().r;
    const pick = (x: Results) =>
      Object.fromEntries(QEMU_COMPARABLE.map((k) => [k, k.endsWith('Flags') ? x[k] & STATUS : x[k]]));
    expect(pick(ours)).toEqual(pick(theirs));
  }, 60_000);
});

describe('486-class privileged instructions outside ring 0', () => {
  /** Run `op` on a CPU in protected mode at `cpl`; the exception vector it raises, or -1. */
  function vectorAt(cpl: number, op: (c: Cpu) => void, cr4 = 0): number {
    const { cpu } = machine();
    cpu.cr0 |= 1; // PE: the checks look at CR0.PE and CPL only
    cpu.cpl = cpl;
    cpu.cr4 = cr4;
    cpu.regs[1] = 0x10; // ECX: the TSC MSR
    try {
      op(cpu);
      return -1;
    } catch (e) {
      if (e !== GUEST_EXCEPTION) throw e;
      expect(cpu.excCode).toBe(0);
      return cpu.excVector;
    }
  }
  const cases: [string, (c: Cpu) => void, number?][] = [
    ['RDMSR', rdmsr],
    ['WRMSR', wrmsr],
    ['INVD / WBINVD', cacheFlush],
    ['INVLPG', (c) => invlpg(c, 0x3f)], // invlpg [bx]: a memory operand, nothing to fetch
    ['RDTSC with CR4.TSD', rdtsc, 4],
  ];

  it.each(cases)('%s is #GP(0) at CPL 3 and runs at CPL 0', (_name, op, cr4) => {
    expect(vectorAt(3, op, cr4)).toBe(13);
    expect(vectorAt(0, op, cr4)).toBe(-1);
  });

  it('RDTSC without CR4.TSD runs at CPL 3', () => {
    expect(vectorAt(3, rdtsc)).toBe(-1);
  });
});
