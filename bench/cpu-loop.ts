/**
 * CPU micro-benchmark: a compute loop of hand-written 32-bit code (the shapes gcc -O2
 * emits: loads, stores, ALU ops, LEA with SIB, Jcc, CALL/RET with a stack frame, PUSH/POP,
 * MOVZX, IMUL, shifts) in flat protected mode, with dirty-page tracking on as always.
 *
 * `npm run bench` calls benchCpuLoop(). It reads the host clocks (process.hrtime and
 * process.cpuUsage) to time the run - the one place in the CPU that does; the simulation
 * itself never does.
 */
import { Bus } from '../src/machine/bus.js';
import { Clock } from '../src/machine/clock.js';
import { PhysicalMemory } from '../src/machine/memory.js';
import { Cpu, RunExit } from '../src/machine/cpu/cpu.js';

const CODE_AT = 0x1000;

/** nasm listing (org 0x1000, bits 32). */
const CODE = Uint8Array.of(
  // start:
  0xbd, 0xff, 0xff, 0xff, 0x7f, // 0000: mov ebp, 0x7fffffff
  // outer:
  0xbe, 0x00, 0x00, 0x01, 0x00, // 0005: mov esi, 0x10000
  0xb9, 0x00, 0x04, 0x00, 0x00, // 000a: mov ecx, 1024
  0x31, 0xc0, // 000f: xor eax, eax
  // inner:
  0x8b, 0x16, // 0011: mov edx, [esi]
  0x01, 0xd0, // 0013: add eax, edx
  0x8d, 0x54, 0x42, 0x01, // 0015: lea edx, [edx + eax*2 + 1]
  0x89, 0x16, // 0019: mov [esi], edx
  0x83, 0xc6, 0x04, // 001b: add esi, 4
  0xa9, 0x07, 0x00, 0x00, 0x00, // 001e: test eax, 7
  0x75, 0x05, // 0023: jne .odd
  0x35, 0xb9, 0x79, 0x37, 0x9e, // 0025: xor eax, 0x9e3779b9
  // .odd:
  0x49, // 002a: dec ecx
  0x75, 0xe4, // 002b: jnz inner
  0x50, // 002d: push eax
  0xe8, 0x16, 0x00, 0x00, 0x00, // 002e: call mix
  0x83, 0xc4, 0x04, // 0033: add esp, 4
  0xa3, 0x00, 0x00, 0x02, 0x00, // 0036: mov [0x20000], eax
  0x0f, 0xb6, 0xd8, // 003b: movzx ebx, al
  0xc6, 0x83, 0x04, 0x00, 0x02, 0x00, 0x01, // 003e: mov byte [0x20004 + ebx], 1
  0x4d, // 0045: dec ebp
  0x75, 0xbd, // 0046: jnz outer
  0xf4, // 0048: hlt
  // mix:
  0x55, // 0049: push ebp
  0x89, 0xe5, // 004a: mov ebp, esp
  0x8b, 0x45, 0x08, // 004c: mov eax, [ebp + 8]
  0x89, 0xc1, // 004f: mov ecx, eax
  0xc1, 0xe9, 0x03, // 0051: shr ecx, 3
  0x6b, 0xc0, 0x1f, // 0054: imul eax, eax, 31
  0x29, 0xc8, // 0057: sub eax, ecx
  0x3d, 0xe8, 0x03, 0x00, 0x00, // 0059: cmp eax, 1000
  0x73, 0x05, // 005e: jae .big
  0x05, 0xe8, 0x03, 0x00, 0x00, // 0060: add eax, 1000
  // .big:
  0x5d, // 0065: pop ebp
  0xc3, // 0066: ret
);

export interface CpuBenchResult {
  /** Millions of guest instructions per second of wall-clock time. */
  mips: number;
  /** The same per second of this process's CPU time: steadier on a busy host. */
  cpuMips: number;
  instructions: number;
  seconds: number;
}

/** Where the page directory and the one page table of the paging variant live. */
const PAGE_DIRECTORY = 0x100000;
const PAGE_TABLE = 0x101000;

/**
 * Run the loop for `instructions` guest instructions (after a warm-up) in 1 M-instruction
 * slices. With `paging`, the same code runs with CR0.PG set on 4 KiB pages that map the
 * first 4 MiB onto themselves (user, writable): every access then goes through the TLB.
 * `compiler` turns the CPU's compiler (src/machine/cpu/jit/) on or off; by default it is as
 * the Cpu constructor leaves it (on unless MIGTRACE_COMPILER=0).
 */
export function benchCpuLoop(instructions = 200_000_000, paging = false, compiler?: boolean): CpuBenchResult {
  const memory = new PhysicalMemory(32 * 1024 * 1024);
  const bus = new Bus(memory);
  const clock = new Clock();
  const cpu = new Cpu(memory, bus, clock);
  if (compiler !== undefined) cpu.setCompiler(compiler);
  memory.writeBytes(CODE_AT, CODE);
  const s = cpu.getState();
  const flatCode = { selector: 0x08, base: 0, limit: 0xffffffff, attributes: 0xc09b };
  const flatData = { selector: 0x10, base: 0, limit: 0xffffffff, attributes: 0xc093 };
  s.cr0 |= 1;
  s.cs = flatCode;
  s.ds = s.es = s.ss = s.fs = s.gs = flatData;
  s.eip = CODE_AT;
  s.esp = 0x80000;
  if (paging) {
    memory.write32(PAGE_DIRECTORY, PAGE_TABLE | 7);
    for (let i = 0; i < 1024; i++) memory.write32(PAGE_TABLE + 4 * i, (i << 12) | 7);
    s.cr3 = PAGE_DIRECTORY;
    s.cr0 |= 0x80000000;
  }
  cpu.setState(s);

  const slice = 1_000_000;
  const runFor = (n: number): void => {
    const end = clock.icount + n;
    while (clock.icount < end) {
      if (cpu.run(Math.min(end, clock.icount + slice)) !== RunExit.REACHED) throw new Error('benchmark loop stopped');
    }
  };
  runFor(Math.min(20_000_000, instructions));
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  runFor(instructions);
  const cpuTime = process.cpuUsage(cpu0);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpuSeconds = (cpuTime.user + cpuTime.system) / 1e6;
  return { mips: instructions / seconds / 1e6, cpuMips: instructions / cpuSeconds / 1e6, instructions, seconds };
}
