import { describe, expect, it } from 'vitest';
import { RunExit } from '../../src/machine/cpu/cpu.js';
import { attachIntrDevice, boot, find, LOAD, read16, read32, RES, runToHalt } from './helpers.js';
import { realInterrupts, repInterrupt } from './programs.js';

describe('external interrupts', () => {
  it('STI, MOV SS and POP SS hold off an interrupt for one instruction; other instructions do not', () => {
    const m = boot(realInterrupts);
    attachIntrDevice(m);
    expect(runToHalt(m)).toBe(RunExit.HALTED);
    // EAX counts the INCs that ran after INTR went up and before the handler.
    expect(read32(m, RES)).toBe(1); // STI
    expect(read32(m, RES + 4)).toBe(1); // MOV SS, m16 (the MMIO read raised INTR)
    expect(read32(m, RES + 8)).toBe(0); // MOV r16, m16
    expect(read32(m, RES + 12)).toBe(1); // POP SS
  });

  it('HLT returns HALTED and wakes on INTR when IF is set', () => {
    // sti; hlt; inc ax; hlt  with vector 8 pointing at an IRET
    const m = boot(Uint8Array.of(0xfb, 0xf4, 0x40, 0xf4, 0xcf));
    m.memory.writeBytes(0x20, Uint8Array.of(0x04, 0x7c, 0, 0));
    expect(m.cpu.run(1000)).toBe(RunExit.HALTED);
    expect(m.clock.icount).toBe(2); // HLT counts one
    expect(m.cpu.run(1000)).toBe(RunExit.HALTED); // nothing to wake it
    m.cpu.setIntrLine(true);
    m.cpu.interruptAcknowledge = () => {
      m.cpu.setIntrLine(false);
      return 8;
    };
    expect(m.cpu.run(1000)).toBe(RunExit.HALTED);
    expect(m.cpu.getState().eax).toBe(1);
    expect(m.clock.icount).toBe(5); // iret, inc, hlt: delivery itself counts nothing
  });
});

describe('REP string instructions', () => {
  const site = LOAD + find(repInterrupt, [0xf3, 0xa4]);

  function toRep(): ReturnType<typeof boot> {
    const m = boot(repInterrupt);
    attachIntrDevice(m);
    while (m.cpu.getState().eip !== site) m.cpu.run(m.clock.icount + 1);
    return m;
  }

  it('count one instruction per iteration and stop mid-way at the slice end with EIP on the instruction', () => {
    const m = toRep();
    const start = m.clock.icount;
    expect(m.cpu.run(start + 40)).toBe(RunExit.REACHED);
    expect(m.clock.icount).toBe(start + 40);
    const s = m.cpu.getState();
    expect(s.ecx & 0xffff).toBe(60);
    expect(s.eip).toBe(site);
    expect(runToHalt(m)).toBe(RunExit.HALTED);
    expect(read16(m, RES + 4)).toBe(0);
    const src = LOAD + repInterrupt.length - 100;
    expect([...m.memory.ram.subarray(RES + 0x100, RES + 0x164)]).toEqual([...m.memory.ram.subarray(src, src + 100)]);
    expect(m.clock.icount).toBe(start + 100 + 3);
  });

  it('take an interrupt between iterations and resume after IRET', () => {
    const m = toRep();
    m.cpu.run(m.clock.icount + 25);
    m.cpu.setIntrLine(true);
    expect(runToHalt(m)).toBe(RunExit.HALTED);
    expect(read16(m, RES)).toBe(site); // the handler returns to the REP instruction
    expect(read16(m, RES + 2)).toBe(75); // with CX as the interrupted iteration left it
    expect(read16(m, RES + 4)).toBe(0);
    const src = LOAD + repInterrupt.length - 100;
    expect([...m.memory.ram.subarray(RES + 0x100, RES + 0x164)]).toEqual([...m.memory.ram.subarray(src, src + 100)]);
  });
});
