import { describe, expect, it } from 'vitest';
import { RunExit } from '../../src/machine/cpu/cpu.js';
import { boot, find, LOAD, read16, read32, RES, runToHalt } from './helpers.js';
import { pmBasic, pmInterrupts, tripleFault, unimplementedMovTr } from './programs.js';

describe('protected mode', () => {
  it('switches from real mode through a GDT and a far jump, loading the descriptor caches', () => {
    const m = boot(pmBasic);
    expect(runToHalt(m)).toBe(RunExit.HALTED);
    const s = m.cpu.getState();
    expect(s.cr0 & 1).toBe(1);
    expect(s.cs).toEqual({ selector: 0x08, base: 0, limit: 0xffffffff, attributes: 0xc09b });
    for (const seg of [s.ds, s.es, s.ss, s.fs, s.gs]) {
      expect(seg).toEqual({ selector: 0x10, base: 0, limit: 0xffffffff, attributes: 0xc093 });
    }
    expect(s.esp).toBe(0x90000);
    // Loading a descriptor sets its accessed bit in the GDT.
    const gdt = s.gdtr.base;
    expect(m.memory.ram[gdt + 8 + 5]).toBe(0x9b);
    expect(m.memory.ram[gdt + 16 + 5]).toBe(0x93);
  });

  it('decodes 32-bit operand and address forms: SIB, disp32, index without base, EBP/ESP bases', () => {
    const m = boot(pmBasic);
    runToHalt(m);
    const table = read32(m, RES + 68);
    expect(read32(m, table)).toBe(0x11111111);
    expect(read32(m, RES)).toBe(0x44444444);
    expect(read32(m, RES + 4)).toBe(table + 13);
    expect(read32(m, RES + 8)).toBe(0x44444444);
    expect(read32(m, RES + 12)).toBe(0x22222222);
    expect(read32(m, RES + 16)).toBe(0x11223344);
    expect(read32(m, RES + 20)).toBe(0x11223344);
    expect(read16(m, RES + 24)).toBe(0xbeef);
    expect(read32(m, RES + 28)).toBe(0x1111);
    expect(read32(m, RES + 32)).toBe(0x11);
    expect([...m.memory.ram.subarray(RES + 36, RES + 41)]).toEqual([0, 1, 1, 1, 1]); // CF SF CF ZF OF
    expect(read32(m, RES + 44)).toBe(0xfffffffd); // -7 / 2
    expect(read32(m, RES + 48)).toBe(0xffffffff); // remainder -1
    expect(read32(m, RES + 52)).toBe(0x242d2080); // 0x12345678 * 0x9abcdef0
    expect(read32(m, RES + 56)).toBe(0x0b00ea4e);
    expect(read32(m, RES + 60)).toBe(0x33333333);
    expect(m.memory.ram[LOAD + read32(m, RES + 64)]).toBe(0xa3); // CALL pushed the next instruction
  });

  it('interrupt gates clear IF, trap gates keep it, and IRET restores it', () => {
    const m = boot(pmInterrupts);
    expect(runToHalt(m)).toBe(RunExit.HALTED);
    expect(read32(m, RES) & 0x200).toBe(0);
    expect(read32(m, RES + 4) & 0x200).toBe(0x200);
    expect(read32(m, RES + 40) & 0x200).toBe(0x200);
  });

  it('#DE on divide by zero reports the EIP of the DIV', () => {
    const m = boot(pmInterrupts);
    runToHalt(m);
    expect(read32(m, RES + 8)).toBe(read32(m, RES + 12));
  });

  it('#GP(0) for a null selector loaded into SS, #GP(selector) past the GDT limit, with error codes', () => {
    const m = boot(pmInterrupts);
    runToHalt(m);
    expect(read32(m, RES + 16)).toBe(0);
    expect(read32(m, RES + 20)).toBe(read32(m, RES + 24));
    expect(read32(m, RES + 28)).toBe(0x80);
    expect(read32(m, RES + 32)).toBe(read32(m, RES + 36));
    // The faulting loads changed nothing.
    expect(m.cpu.getState().ss.selector).toBe(0x10);
    expect(m.cpu.getState().ds.selector).toBe(0x10);
  });

  it('a triple fault stops the machine with CS:EIP, the opcode and the exception chain', () => {
    const m = boot(tripleFault);
    expect(runToHalt(m)).toBe(RunExit.FAULT);
    const ud = LOAD + find(tripleFault, [0x0f, 0x0b]);
    expect(m.cpu.fault?.code).toBe('TRIPLE_FAULT');
    expect(m.cpu.fault?.message).toBe(
      `triple fault at 0008:${ud.toString(16).padStart(8, '0')} (opcode 0f 0b): #UD, then #GP(0x0032) while delivering it, then #DF`,
    );
    // A faulted CPU stays stopped.
    expect(m.cpu.run(Infinity)).toBe(RunExit.FAULT);
  });

  it('an unimplemented instruction stops the machine with a message naming it', () => {
    const m = boot(unimplementedMovTr);
    expect(runToHalt(m)).toBe(RunExit.FAULT);
    const at = LOAD + find(unimplementedMovTr, [0x0f, 0x26, 0xf0]);
    expect(m.cpu.fault?.code).toBe('UNIMPLEMENTED_INSTRUCTION');
    expect(m.cpu.fault?.message).toBe(`unimplemented instruction MOV TRn (0f 26 /r) at 0008:${at.toString(16).padStart(8, '0')}`);
    expect(m.cpu.describeLocation()).toBe(`0008:${at.toString(16).padStart(8, '0')}`);
  });
});
