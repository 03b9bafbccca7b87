/**
 * The compiling CPU (src/machine/cpu/jit/) against the interpreter alone: the same guest code
 * from the same state must leave the same registers, flags, memory and instruction count at
 * every point the run loop stops — at slice ends inside compiled pages, after code rewrites
 * itself, and at an exception raised in the middle of compiled code.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Bus } from '../../src/machine/bus.js';
import { Clock } from '../../src/machine/clock.js';
import { PhysicalMemory } from '../../src/machine/memory.js';
import { Cpu, RunExit, type CpuState } from '../../src/machine/cpu/cpu.js';
import { compileBlockSource } from '../../src/machine/cpu/jit/block-compiler.js';

const CODE_AT = 0x1000;

/** A gcc -O2-shaped loop (bench/cpu-loop.ts's): loads, stores, ALU, LEA with SIB, Jcc, CALL/RET, PUSH/POP, MOVZX, IMUL, shifts. */
const COMPUTE = Uint8Array.of(
  0xbd, 0x40, 0x00, 0x00, 0x00, // mov ebp, 64
  0xbe, 0x00, 0x00, 0x01, 0x00, // outer: mov esi, 0x10000
  0xb9, 0x00, 0x01, 0x00, 0x00, // mov ecx, 256
  0x31, 0xc0, // xor eax, eax
  0x8b, 0x16, // inner: mov edx, [esi]
  0x01, 0xd0, // add eax, edx
  0x8d, 0x54, 0x42, 0x01, // lea edx, [edx + eax*2 + 1]
  0x89, 0x16, // mov [esi], edx
  0x83, 0xc6, 0x04, // add esi, 4
  0xa9, 0x07, 0x00, 0x00, 0x00, // test eax, 7
  0x75, 0x05, // jne .odd
  0x35, 0xb9, 0x79, 0x37, 0x9e, // xor eax, 0x9e3779b9
  0x49, // .odd: dec ecx
  0x75, 0xe4, // jnz inner
  0x50, // push eax
  0xe8, 0x16, 0x00, 0x00, 0x00, // call mix
  0x83, 0xc4, 0x04, // add esp, 4
  0xa3, 0x00, 0x00, 0x02, 0x00, // mov [0x20000], eax
  0x0f, 0xb6, 0xd8, // movzx ebx, al
  0xc6, 0x83, 0x04, 0x00, 0x02, 0x00, 0x01, // mov byte [0x20004 + ebx], 1
  0x4d, // dec ebp
  0x75, 0xbd, // jnz outer
  0xf4, // hlt
  0x55, // mix: push ebp
  0x89, 0xe5, // mov ebp, esp
  0x8b, 0x45, 0x08, // mov eax, [ebp + 8]
  0x89, 0xc1, // mov ecx, eax
  0xc1, 0xe9, 0x03, // shr ecx, 3
  0x6b, 0xc0, 0x1f, // imul eax, eax, 31
  0x29, 0xc8, // sub eax, ecx
  0x3d, 0xe8, 0x03, 0x00, 0x00, // cmp eax, 1000
  0x73, 0x05, // jae .big
  0x05, 0xe8, 0x03, 0x00, 0x00, // add eax, 1000
  0x5d, // .big: pop ebp
  0xc3, // ret
);

/** A loop that rewrites the immediate of its own ADD each time round. */
const SELF_MODIFYING = Uint8Array.of(
  0xb9, 0xe8, 0x03, 0x00, 0x00, // 1000: mov ecx, 1000
  0x05, 0x11, 0x11, 0x11, 0x11, // 1005: add eax, 0x11111111   (immediate at 1006)
  0xff, 0x05, 0x06, 0x10, 0x00, 0x00, // 100a: inc dword [0x1006]
  0x49, // 1010: dec ecx
  0x75, 0xf2, // 1011: jnz 1005
  0xf4, // 1013: hlt
);

/** A poll: IN and RDTSC (stepped by the interpreter) inside a loop the block keeps running. */
const POLL = Uint8Array.of(
  0xb9, 0x2c, 0x01, 0x00, 0x00, // 1000: mov ecx, 300
  0xe4, 0x61, // 1005: in al, 0x61
  0x01, 0xc3, // 1007: add ebx, eax
  0x0f, 0x31, // 1009: rdtsc
  0x01, 0xc6, // 100b: add esi, eax
  0x49, // 100d: dec ecx
  0x75, 0xf5, // 100e: jnz 1005
  0xf4, // 1010: hlt
);

/** Real mode, 32-bit addressing: reads walk ESI up past the 64 KiB limit, and the #GP handler halts. */
const LIMIT_FAULT = Uint8Array.of(
  0x67, 0x8b, 0x06, // 1000: mov ax, [esi]
  0x66, 0x83, 0xc6, 0x04, // 1003: add esi, 4
  0xeb, 0xf7, // 1007: jmp 1000
);

interface Rig {
  cpu: Cpu;
  memory: PhysicalMemory;
  clock: Clock;
}

/** compiler: 'eager' compiles a block the second time it starts, so the short loops here run compiled. */
function rig(compiler: boolean, code: Uint8Array, flat: boolean): Rig {
  const memory = new PhysicalMemory(4 * 1024 * 1024);
  const bus = new Bus(memory);
  const clock = new Clock();
  const cpu = new Cpu(memory, bus, clock);
  cpu.setCompiler(compiler ? 'eager' : 'off');
  memory.writeBytes(CODE_AT, code);
  const s = cpu.getState();
  if (flat) {
    s.cr0 |= 1;
    s.cs = { selector: 0x08, base: 0, limit: 0xffffffff, attributes: 0xc09b };
    s.ds = s.es = s.ss = s.fs = s.gs = { selector: 0x10, base: 0, limit: 0xffffffff, attributes: 0xc093 };
    s.esp = 0x80000;
  } else {
    s.cs = { ...s.cs, selector: 0, base: 0 };
    s.esp = 0x8000;
  }
  s.eip = CODE_AT;
  cpu.setState(s);
  return { cpu, memory, clock };
}

/** Run to `until` (or a stop), as the machine does: one run() call per deadline. */
function runTo(r: Rig, until: number): RunExit {
  let exit: RunExit = RunExit.REACHED;
  while (r.clock.icount < until) {
    exit = r.cpu.run(until);
    if (exit !== RunExit.REACHED) break;
  }
  return exit;
}

/** Registers and instruction count, and a digest of RAM (a deep compare of 4 MiB is slow in expect). */
function snapshot(r: Rig): { state: CpuState; ram: string; icount: number } {
  return { state: r.cpu.getState(), ram: createHash('sha256').update(r.memory.ram).digest('hex'), icount: r.clock.icount };
}

describe('the compiling CPU', () => {
  it('runs the compute loop to the same state as the interpreter at every stop, compiling it', () => {
    const on = rig(true, COMPUTE, true);
    const off = rig(false, COMPUTE, true);
    // Stops at odd instruction counts land inside compiled pages, mid-block.
    const stops = [1, 2, 7, 13, 100, 1_001, 4_099, 50_000, 123_457, 400_000, 2_000_000];
    for (const at of stops) {
      const a = runTo(on, at);
      const b = runTo(off, at);
      expect(a).toBe(b);
      expect(snapshot(on)).toEqual(snapshot(off));
    }
    const stats = on.cpu.compilerStats!;
    expect(stats.compiles).toBeGreaterThan(0);
    expect(stats.translated).toBeGreaterThan(20);
    expect(off.cpu.compilerStats).toBeNull();
  });

  it('code that rewrites itself runs the new bytes: the translation is dropped', () => {
    const on = rig(true, SELF_MODIFYING, true);
    const off = rig(false, SELF_MODIFYING, true);
    expect(runTo(on, 1_000_000)).toBe(RunExit.HALTED);
    expect(runTo(off, 1_000_000)).toBe(RunExit.HALTED);
    expect(snapshot(on)).toEqual(snapshot(off));
    let sum = 0;
    for (let k = 0; k < 1000; k++) sum = (sum + 0x11111111 + k) | 0;
    expect(on.cpu.getState().eax | 0).toBe(sum);
    expect(on.cpu.compilerStats!.invalidations).toBeGreaterThan(0);
  });

  it('an exception in the middle of compiled code is taken at the faulting instruction, uncounted', () => {
    const setUp = (compiler: boolean): Rig => {
      const r = rig(compiler, LIMIT_FAULT, false);
      r.memory.writeBytes(0x34, Uint8Array.of(0x00, 0x20, 0x00, 0x00)); // IVT[13] = 0000:2000
      r.memory.writeBytes(0x2000, Uint8Array.of(0xf4)); // hlt
      const s = r.cpu.getState();
      s.esi = 0xf000;
      r.cpu.setState(s);
      return r;
    };
    const on = setUp(true);
    const off = setUp(false);
    expect(runTo(on, 1_000_000)).toBe(RunExit.HALTED);
    expect(runTo(off, 1_000_000)).toBe(RunExit.HALTED);
    expect(snapshot(on)).toEqual(snapshot(off));
    // The pushed IP is the faulting MOV's, after 0x1000 / 4 = 1024 rounds of three instructions.
    expect(on.memory.read16(0x8000 - 6)).toBe(0x1000);
    expect(on.clock.icount).toBe(3 * 1024 + 1);
    expect(on.cpu.compilerStats!.compiles).toBeGreaterThan(0);
  });

  it('a block goes on after an instruction it steps (IN, RDTSC): the poll loop stays in one block, exactly', () => {
    const on = rig(true, POLL, true);
    const off = rig(false, POLL, true);
    for (const at of [3, 8, 101, 777, 1_000_000]) {
      expect(runTo(on, at)).toBe(runTo(off, at));
      expect(snapshot(on)).toEqual(snapshot(off));
    }
    expect(on.cpu.getState().ecx).toBe(0);
    // The block from the loop head holds the whole loop and the HLT after it (IN, RDTSC and
    // HLT stepped); it ends at the HLT, after which going on is pointless.
    const w = { ram: on.memory.ram, lo: 0, len: 0x100000, delta: 0, csD: true };
    const block = compileBlockSource(w, 0x1000, 0x1005);
    expect(block.instructions).toBe(7);
    expect(block.source.match(/step\(c\)/g)).toHaveLength(3);
  });
});
