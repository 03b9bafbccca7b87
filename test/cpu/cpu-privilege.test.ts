import { describe, expect, it } from 'vitest';
import { RunExit } from '../../src/machine/cpu/cpu.js';
import { boot, read32, RES, runToHalt, type TestMachine } from './helpers.js';
import { privFaults, privRings } from './programs.js';

const LOG = RES + 0x100;

/** The exceptions logged by the program's fault handler: [error code, faulting EIP] pairs. */
function faultLog(m: TestMachine): [number, number][] {
  const n = read32(m, LOG);
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) out.push([read32(m, LOG + 4 + 8 * i), read32(m, LOG + 8 + 8 * i)]);
  return out;
}

function run(): TestMachine {
  const m = boot(privRings);
  const exit = runToHalt(m);
  if (exit !== RunExit.HALTED) throw new Error(`stopped: ${m.cpu.fault?.message}`);
  return m;
}

describe('privilege levels', () => {
  it('IRET to ring 3 loads SS:ESP from the stack and nulls a DPL-0 DS', () => {
    const m = run();
    expect(read32(m, RES)).toBe(0);
  });

  it('INT from ring 3 switches to SS0:ESP0 of the TSS, pushing the old SS:ESP, and IRET returns', () => {
    const m = run();
    const userEsp = read32(m, RES + 32);
    expect(read32(m, RES + 4)).toBe(0x1b); // pushed CS: ring 3
    expect(read32(m, RES + 8)).toBe(userEsp);
    expect(read32(m, RES + 12)).toBe(0x23);
    expect(read32(m, RES + 16)).toBe(0x90000 - 20);
    expect(read32(m, RES + 20)).toBe(0x08);
    expect(read32(m, RES + 24)).toBe(0x1b);
    expect(read32(m, RES + 28)).toBe(userEsp);
  });

  it('privileged instructions, I/O outside the bitmap and a DPL-0 gate raise #GP at CPL 3', () => {
    const m = run();
    const log = faultLog(m);
    const opcodes = log.map(([, eip]) => m.memory.ram[eip]);
    expect(log.map(([err]) => err)).toEqual([0, 0, 0, 0x32 * 8 + 2, 0, 0, 0]);
    // CLI, HLT, MOV from CR0, INT 0x32, IN AL,0x81, IN AX,0x80, OUT DX,AL (port 0x3F8, past the TSS limit)
    expect(opcodes).toEqual([0xfa, 0xf4, 0x0f, 0xcd, 0xe4, 0x66, 0xee]);
    expect(m.memory.ram[RES + 36]).toBe(0xff); // IN AL,0x80 was allowed (unmapped port)
  });

  it('a CALL through a call gate copies the parameters to the ring-0 stack; RETF 8 releases them on both', () => {
    const m = run();
    const esp = read32(m, RES + 0x60); // before the two pushes
    expect(read32(m, RES + 0x44)).toBe(0x1b);
    expect(read32(m, RES + 0x48)).toBe(0x22222222);
    expect(read32(m, RES + 0x4c)).toBe(0x11111111);
    expect(read32(m, RES + 0x50)).toBe(esp - 8);
    expect(read32(m, RES + 0x54)).toBe(0x23);
    expect(read32(m, RES + 0x58)).toBe(0x90000 - 24);
    expect(read32(m, RES + 0x64)).toBe(esp);
    expect(read32(m, RES + 0x68)).toBe(0); // DS (DPL 0) nulled by the return to ring 3
    expect(read32(m, RES + 0x6c)).toBe(0x1b);
    expect(m.cpu.getState().cpl).toBe(0);
  });
});

describe('protection faults', () => {
  function runFaults(): TestMachine {
    const m = boot(privFaults);
    const exit = runToHalt(m);
    if (exit !== RunExit.HALTED) throw new Error(`stopped: ${m.cpu.fault?.message}`);
    return m;
  }

  it('each fault names the selector at fault and leaves the state as it was', () => {
    const m = runFaults();
    // IRET with a bad SS, LTR and JMP to a busy TSS, LLDT of a data segment, MOV DS at CPL 3, a call gate to a segment not present
    expect(faultLog(m).map(([err]) => err)).toEqual([0x10, 0x28, 0x28, 0x10, 0x10, 0x48]);
    expect(faultLog(m).map(([, eip]) => m.memory.ram[eip])).toEqual([0xcf, 0x0f, 0xea, 0x0f, 0x8e, 0x9a]);
    expect(read32(m, RES + 4)).toBe(read32(m, RES)); // the IRET popped nothing
    expect(read32(m, RES + 8)).toBe(0x08);
  });

  it('at CPL 3 with IOPL 3, I/O does not consult the permission bitmap', () => {
    const m = runFaults();
    expect(m.memory.ram[RES + 0x10]).toBe(0xff);
  });

  it('an INT from ring 3 overflowing the ring-0 stack raises #SS(new SS) and keeps the ring-3 state', () => {
    const m = runFaults();
    expect(read32(m, RES + 0x40)).toBe(0x38);
    expect(read32(m, RES + 0x44)).toBe(0x1b);
    expect(read32(m, RES + 0x48)).toBe(read32(m, RES + 0x54)); // the INT, to be restarted
    expect(read32(m, RES + 0x4c)).toBe(read32(m, RES + 0x58));
    expect(read32(m, RES + 0x50)).toBe(0x23);
  });
});
