/**
 * REP STOS on flat 32-bit segments takes the typed-array fast path (ops-string.ts fastRep):
 * a native byte fill when the value is one byte repeated, a dword fill when the destination
 * is aligned, a byte loop otherwise. Each must store what the instruction stores, element by
 * element, and stop exactly where the slice ends.
 */
import { describe, expect, it } from 'vitest';
import { Bus } from '../../src/machine/bus.js';
import { Clock } from '../../src/machine/clock.js';
import { PhysicalMemory } from '../../src/machine/memory.js';
import { Cpu, RunExit } from '../../src/machine/cpu/cpu.js';

const CODE_AT = 0x1000;

const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** mov edi, dst; mov ecx, count; mov eax, value; rep stos{b,w,d}; hlt */
function program(size: 1 | 2 | 4, dst: number, count: number, value: number): Uint8Array {
  const op = size === 1 ? [0xf3, 0xaa] : size === 2 ? [0x66, 0xf3, 0xab] : [0xf3, 0xab];
  return Uint8Array.from([0xbf, ...le32(dst), 0xb9, ...le32(count), 0xb8, ...le32(value), ...op, 0xf4]);
}

function flatCpu(code: Uint8Array): { cpu: Cpu; memory: PhysicalMemory; clock: Clock } {
  const memory = new PhysicalMemory(1024 * 1024);
  const clock = new Clock();
  const cpu = new Cpu(memory, new Bus(memory), clock);
  memory.ram.fill(0x5a);
  memory.writeBytes(CODE_AT, code);
  const s = cpu.getState();
  s.cr0 |= 1;
  s.cs = { selector: 0x08, base: 0, limit: 0xffffffff, attributes: 0xc09b };
  s.ds = s.es = s.ss = s.fs = s.gs = { selector: 0x10, base: 0, limit: 0xffffffff, attributes: 0xc093 };
  s.esp = 0x80000;
  s.eip = CODE_AT;
  cpu.setState(s);
  return { cpu, memory, clock };
}

/** RAM as REP STOS leaves it after `done` elements, the rest untouched. */
function expected(size: number, dst: number, done: number, value: number): Uint8Array {
  const ram = new Uint8Array(1024 * 1024).fill(0x5a);
  for (let i = 0; i < done * size; i++) ram[dst + i] = (value >>> (8 * (i % size))) & 0xff;
  return ram;
}

const CASES: [string, 1 | 2 | 4, number, number, number][] = [
  ['dwords, aligned, four different bytes', 4, 0x10000, 3000, 0x11223344],
  ['dwords, unaligned, four different bytes', 4, 0x20003, 2500, 0xdeadbeef],
  ['dwords, unaligned, one byte repeated', 4, 0x30001, 2000, 0x01010101],
  ['dwords, aligned, 0xffffffff', 4, 0x40000, 1100, 0xffffffff],
  ['words, one byte repeated', 2, 0x50001, 3000, 0xabab],
  ['words, two different bytes', 2, 0x60000, 3000, 0x1234],
  ['bytes (upper bits of EAX ignored)', 1, 0x70005, 5000, 0x12345678],
];

describe('REP STOS, flat segments', () => {
  for (const [name, size, dst, count, value] of CASES) {
    it(`${name}: stores every element, across pages`, () => {
      const m = flatCpu(program(size, dst, count, value));
      expect(m.cpu.run(1_000_000)).toBe(RunExit.HALTED);
      const want = expected(size, dst, count, value);
      want.set(m.memory.ram.subarray(CODE_AT, CODE_AT + 64), CODE_AT);
      expect(Buffer.compare(m.memory.ram, want)).toBe(0);
      expect(m.cpu.getState().ecx).toBe(0);
      expect(m.cpu.getState().edi >>> 0).toBe(dst + count * size);
    });
  }

  it('a slice that ends mid-REP leaves exactly the elements it had time for, and ECX/EDI to match', () => {
    const [, size, dst, count, value] = CASES[1];
    const m = flatCpu(program(size, dst, count, value));
    const stop = 3 + 1234; // three MOVs, then 1234 elements
    expect(m.cpu.run(stop)).toBe(RunExit.REACHED);
    expect(m.clock.icount).toBe(stop);
    const want = expected(size, dst, 1234, value);
    want.set(m.memory.ram.subarray(CODE_AT, CODE_AT + 64), CODE_AT);
    expect(Buffer.compare(m.memory.ram, want)).toBe(0);
    expect(m.cpu.getState().ecx).toBe(count - 1234);
    expect(m.cpu.getState().edi >>> 0).toBe(dst + 1234 * size);
  });
});
