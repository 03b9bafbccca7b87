import { describe, expect, it } from 'vitest';
import { RunExit } from '../../src/machine/cpu/cpu.js';
import { boot, machine, read16, read32, RES, runToHalt } from './helpers.js';
import { realPrefixes } from './programs.js';

describe('real mode', () => {
  it('resets to the Intel power-on state', () => {
    const { cpu } = machine();
    const s = cpu.getState();
    expect(s.cs).toEqual({ selector: 0xf000, base: 0xffff0000, limit: 0xffff, attributes: 0x9b });
    expect(s.eip).toBe(0xfff0);
    expect(s.eflags).toBe(2);
    expect(s.cr0 & 1).toBe(0);
    expect(s.ds).toEqual({ selector: 0, base: 0, limit: 0xffff, attributes: 0x93 });
  });

  it('boots as a BIOS hands over: CS:IP given, DL = drive, other registers zero', () => {
    const { cpu } = machine();
    cpu.bootAt(0, 0x7c00, 0x80);
    const s = cpu.getState();
    expect([s.eax, s.ebx, s.ecx, s.edx, s.esi, s.edi, s.ebp, s.esp]).toEqual([0, 0, 0, 0x80, 0, 0, 0, 0]);
    expect(s.cs.selector).toBe(0);
    expect(s.cs.base).toBe(0);
    expect(s.eip).toBe(0x7c00);
  });

  const m = boot(realPrefixes);
  const exit = runToHalt(m);

  it('honours 0x66 (32-bit operands) and 0x67 (32-bit addresses) in real mode', () => {
    expect(exit).toBe(RunExit.HALTED);
    expect(read32(m, RES)).toBe(0x12345678);
    expect(read32(m, RES + 4)).toBe(0xcafebabe);
    expect(read32(m, RES + 0x108)).toBe(0xcafebabe);
    expect(read32(m, RES + 8)).toBe(0x23456789);
    expect(read16(m, RES + 12)).toBe(0x6789); // a 32-bit push popped as two words
    expect(read16(m, RES + 14)).toBe(0x2345);
  });

  it('BSF and BSR find the lowest and highest set bit; a zero source sets ZF and keeps the destination', () => {
    expect(read32(m, RES + 16)).toBe(20);
    expect(read32(m, RES + 20)).toBe(23);
    expect(m.memory.ram[RES + 24]).toBe(1);
    expect(m.memory.ram[RES + 25]).toBe(0x55);
  });

  it('BT BTS BTR BTC on registers (offset modulo 32) and on memory bit strings (signed offsets)', () => {
    expect(m.memory.ram[RES + 26]).toBe(1);
    expect(read32(m, RES + 28)).toBe(0x7f03);
    expect(read32(m, RES + 0x80)).toBe(0x80000000); // bit -1 of the dword above
    expect(read32(m, RES + 0x84)).toBe(0x8); // bit 35 of the dword below
    expect(m.memory.ram[RES + 32]).toBe(1);
  });

  it('SHLD and SHRD shift in bits from the second operand', () => {
    expect(read32(m, RES + 36)).toBe(0x3456789a);
    expect(read32(m, RES + 40)).toBe(0xef012345);
    expect(read16(m, RES + 44)).toBe(0x234a);
  });

  it('CPUID reports vendor MigtraceI386, a family-4 (486SX-class) part: PSE TSC MSR CX8 APIC CMOV, no FPU', () => {
    const vendor = Buffer.from(m.memory.ram.subarray(RES + 48, RES + 60)).toString('latin1');
    expect(vendor).toBe('MigtraceI386');
    expect(read32(m, RES + 60)).toBe(1);
    expect(read32(m, RES + 64)).toBe(0x420);
    expect(read32(m, RES + 68)).toBe(0x8338);
  });

  it('RDTSC returns the number of instructions retired before it', () => {
    // RDTSC is followed by two stores and the HLT.
    expect(read32(m, RES + 72)).toBe(m.clock.icount - 4);
    expect(read32(m, RES + 76)).toBe(0);
  });
});
