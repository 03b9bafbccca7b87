import { describe, expect, it } from 'vitest';
import { RunExit, type CpuState } from '../../src/machine/cpu/cpu.js';
import { GUEST_EXCEPTION } from '../../src/machine/cpu/core.js';
import { boot, machine, read32, RES, runToHalt, type TestMachine } from './helpers.js';
import { pmPaging } from './programs.js';
import { movCr, writeCr0 } from '../../src/machine/cpu/ops-system.js';

const PD = 0x100000;
const PT = 0x101000;

/** Flat ring-0 protected mode with paging on: PD at PD, one table at PT mapping 0-4 MiB with `pteBits`. */
function pagedMachine(pteBits = 7, cr0Extra = 0): TestMachine {
  const m = machine();
  m.memory.write32(PD, PT | 7);
  for (let i = 0; i < 1024; i++) m.memory.write32(PT + 4 * i, (i << 12) | pteBits);
  const s = m.cpu.getState();
  const flatCode = { selector: 0x08, base: 0, limit: 0xffffffff, attributes: 0xc09b };
  const flatData = { selector: 0x10, base: 0, limit: 0xffffffff, attributes: 0xc093 };
  s.cs = flatCode;
  s.ds = s.es = s.ss = s.fs = s.gs = flatData;
  s.cr3 = PD;
  s.cr0 = 0x80000011 | cr0Extra;
  m.cpu.setState(s);
  return m;
}

/** Run `access` on the CPU and return the #PF it raised as [error code, CR2], or null when it went through. */
function pageFault(m: TestMachine, access: () => void): [number, number] | null {
  try {
    access();
    return null;
  } catch (e) {
    if (e !== GUEST_EXCEPTION) throw e;
    expect(m.cpu.excVector).toBe(14);
    return [m.cpu.excCode, m.cpu.cr2 >>> 0];
  }
}

const pte = (m: TestMachine, lin: number): number => read32(m, PT + (lin >>> 12) * 4);

describe('paging', () => {
  it('sets Accessed and Dirty bits, restarts after #PF, honours CR0.WP, maps 4 MiB pages and sees a remap after a CR3 load', () => {
    const m = boot(pmPaging);
    expect(runToHalt(m)).toBe(RunExit.HALTED);
    expect(read32(m, RES) & 0x60).toBe(0x20); // read: A
    expect(read32(m, RES + 4) & 0x60).toBe(0x60); // write: A and D
    expect(read32(m, RES + 8) & 0x20).toBe(0x20); // the directory entry: A
    expect(read32(m, RES + 48)).toBe(2);
    expect([read32(m, RES + 64), read32(m, RES + 68)]).toEqual([0x300000, 2]); // not present, write
    expect(read32(m, RES + 20)).toBe(0xcafe); // the write was restarted once the page was present
    expect([read32(m, RES + 72), read32(m, RES + 76)]).toEqual([0x301004, 3]); // protection, write
    expect(read32(m, 0x301000)).toBe(1); // WP clear: the supervisor wrote a read-only page
    expect(read32(m, 0x301004)).toBe(2);
    expect(read32(m, 0x400010)).toBe(0xabcdef01); // linear 0x800010 through the 4 MiB page
    expect(read32(m, RES + 36) & 0xe0).toBe(0xe0); // PS, D, A
    expect(read32(m, RES + 44)).toBe(0x33333333);
  });

  it('checks U/S and R/W for ring 3, and for the supervisor only with CR0.WP', () => {
    const m = pagedMachine(7);
    m.memory.write32(PT + 0x10 * 4, 0x10000 | 1); // supervisor, read-only
    m.memory.write32(PT + 0x11 * 4, 0x11000 | 5); // user, read-only
    m.cpu.cpl = 3;
    expect(pageFault(m, () => m.cpu.rdLin32(0x10000))).toEqual([5, 0x10000]); // user read, protection
    expect(pageFault(m, () => m.cpu.rdLin32(0x11004))).toBeNull();
    expect(pageFault(m, () => m.cpu.wrLin32(0x11008, 1))).toEqual([7, 0x11008]);
    expect(pageFault(m, () => m.cpu.wrLin8(0x12000, 1))).toBeNull();
    // Implicit supervisor accesses (descriptor tables, TSS) ignore CPL 3.
    expect(pageFault(m, () => m.cpu.rdSys32(0x10000))).toBeNull();
    expect(m.cpu.cpl).toBe(3);
    m.cpu.cpl = 0;
    expect(pageFault(m, () => m.cpu.wrLin32(0x11000, 1))).toBeNull(); // WP clear
    const wp = m.cpu.getState();
    wp.cr0 |= 0x10000;
    m.cpu.setState(wp);
    expect(pageFault(m, () => m.cpu.wrLin32(0x11000, 2))).toEqual([3, 0x11000]);
    expect(read32(m, 0x11000)).toBe(1);
    // A missing directory entry: not present, CR2 the linear address.
    expect(pageFault(m, () => m.cpu.rdLin8(0x00c00123))).toEqual([0, 0x00c00123]);
  });

  it('checks both pages of a split write before writing a byte of it', () => {
    const m = pagedMachine(7);
    m.memory.write32(PT + 0x21 * 4, 0); // not present
    expect(pageFault(m, () => m.cpu.wrLin32(0x20ffe, 0x11223344))).toEqual([2, 0x21000]);
    expect(m.memory.ram[0x20ffe]).toBe(0);
    expect(m.memory.ram[0x20fff]).toBe(0);
  });

  it('drops a translation on INVLPG and every translation on a CR3 load', () => {
    const m = pagedMachine(7);
    m.memory.write32(0x30000, 0x30);
    m.memory.write32(0x31000, 0x31);
    m.memory.write32(0x32000, 0x32);
    expect(m.cpu.rdLin32(0x30000)).toBe(0x30);
    expect(m.cpu.rdLin32(0x31000)).toBe(0x31);
    m.memory.write32(PT + 0x30 * 4, 0x32000 | 7);
    m.memory.write32(PT + 0x31 * 4, 0x32000 | 7);
    m.cpu.invlpg(0x30abc);
    expect(m.cpu.rdLin32(0x30000)).toBe(0x32);
    m.cpu.setCr3(PD);
    expect(m.cpu.rdLin32(0x31000)).toBe(0x32);
  });

  it('writes A and D bits as guest memory writes: their pages are dirty for pre-copy', () => {
    const m = pagedMachine(7);
    m.cpu.rdLin8(0x5000); // warms nothing that matters: a different page
    const client = m.memory.dirty.createClient('test');
    client.takeAndClear();
    m.cpu.rdLin8(0x40000);
    expect([...client.takeAndClear()]).toEqual([PT >>> 12]); // the PTE's A bit, nothing else
    m.cpu.wrLin8(0x40001, 9);
    expect([...client.takeAndClear()].sort()).toEqual([0x40, PT >>> 12].sort()); // D bit + the data page
    m.cpu.wrLin8(0x40002, 9);
    expect([...client.takeAndClear()]).toEqual([0x40]); // D already set: only the data page
  });

  it('fetches a page table page post-copy has not sent when a walk needs it', () => {
    const m = pagedMachine(7);
    const fetched: number[] = [];
    const saved = m.memory.ram.slice(PT, PT + 0x1000);
    m.memory.ram.fill(0, PT, PT + 0x1000);
    m.memory.markAbsent([PT >>> 12], {
      fault: (page: number) => {
        fetched.push(page);
        m.memory.installPage(page, saved);
      },
      observe: () => {},
    });
    m.memory.write32(0x50000, 0x5a5a);
    expect(m.cpu.rdLin32(0x50000)).toBe(0x5a5a);
    expect(fetched).toEqual([PT >>> 12]);
    expect(pte(m, 0x50000) & 0x20).toBe(0x20);
  });

  it('keeps the TLB out of the CPU state: a CPU restored at any instruction boundary ends bit-identical', () => {
    const reference = boot(pmPaging);
    runToHalt(reference);
    const total = reference.clock.icount;
    for (let at = 1; at < total; at += 61) {
      const source = boot(pmPaging);
      source.cpu.run(at);
      const state = JSON.parse(JSON.stringify(source.cpu.getState())) as CpuState;
      const dest = machine(source.memory.size);
      dest.memory.ram.set(source.memory.ram);
      dest.clock.icount = source.clock.icount;
      dest.cpu.setState(state);
      runToHalt(dest);
      expect(dest.cpu.getState()).toEqual(reference.cpu.getState());
      expect(Buffer.compare(Buffer.from(dest.memory.ram.buffer), Buffer.from(reference.memory.ram.buffer))).toBe(0);
    }
  });

  it('translates nothing when a restored CR0 has PG without PE', () => {
    const m = pagedMachine(7);
    expect(m.cpu.pg).toBe(1);
    const s = m.cpu.getState();
    s.cr0 = 0x80000010;
    m.cpu.setState(s);
    expect(m.cpu.pg).toBe(0); // restored state: no translation without PE
  });

  it('raises #GP(0) for CR0.PG without PE, NW without CD, and a CR4 bit it does not implement', () => {
    const m = pagedMachine(7);
    const gp = (f: () => void): number | null => {
      try {
        f();
        return null;
      } catch (e) {
        if (e !== GUEST_EXCEPTION) throw e;
        return m.cpu.excVector * 0x100 + m.cpu.excCode;
      }
    };
    expect(gp(() => writeCr0(m.cpu, 0x80000010))).toBe(13 * 0x100);
    expect(gp(() => writeCr0(m.cpu, 0x20000011))).toBe(13 * 0x100);
    expect(gp(() => writeCr0(m.cpu, 0x60050031))).toBeNull(); // CD NW AM WP NE are kept, as on a 486
    expect(m.cpu.cr0 >>> 0).toBe(0x60050031);
    expect(m.cpu.pg).toBe(0);
    // MOV CR4, EAX (0F 22 E0; movCr fetches the ModR/M) with VME set: not implemented, so reserved.
    m.cpu.regs[0] = 1;
    m.memory.writeBytes(0x1000, Uint8Array.of(0xe0));
    m.cpu.eip = 0x1000;
    expect(gp(() => movCr(m.cpu, true))).toBe(13 * 0x100);
    m.cpu.regs[0] = 0x10;
    m.cpu.eip = 0x1000;
    expect(gp(() => movCr(m.cpu, true))).toBeNull();
    expect(m.cpu.cr4).toBe(0x10);
  });
});
