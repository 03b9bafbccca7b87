/**
 * The engine's half of the fault catalog (src/migration/faults.ts): unknown names are refused,
 * dirty-log faults need pre-copy, the hypervisor is handed only its own faults, and each fault
 * does exactly what it says — and says so — on the state it is given. End to end (record →
 * migrate --fault → verify): test/cli/fault-catalog.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ATTR_REAL_CODE, ATTR_UNUSABLE } from '../../src/machine/cpu/constants.js';
import type { CpuState } from '../../src/machine/cpu/cpu.js';
import { cacheFromSelector, cpuAsSent } from '../../src/migration/cpu-faults.js';
import { DirtyLogFaults } from '../../src/migration/dirty-faults.js';
import { ALL_FAULT_NAMES, hypervisorFaults } from '../../src/migration/faults.js';
import { migrationOptions } from '../../src/migration/options.js';
import { linearToPhysical, pagingStructurePages, ramReader } from '../../src/migration/paging-faults.js';

const flat = { selector: 0x10, base: 0, limit: 0xffffffff, attributes: 0xc093 };
function cpu(over: Partial<CpuState> = {}): CpuState {
  return {
    eax: 0, ecx: 0, edx: 0, ebx: 0, esp: 0, ebp: 0, esi: 0, edi: 0, eip: 0, eflags: 0x202,
    es: flat, cs: { ...flat, selector: 8, attributes: 0xc09b }, ss: flat, ds: flat, fs: flat, gs: flat,
    ldtr: { selector: 0, base: 0, limit: 0, attributes: ATTR_UNUSABLE }, tr: { selector: 0, base: 0, limit: 0, attributes: ATTR_UNUSABLE },
    gdtr: { base: 0x100, limit: 23 }, idtr: { base: 0, limit: 0x3ff },
    cr0: 0x11, cr2: 0, cr3: 0, cr4: 0, dr0: 0, dr1: 0, dr2: 0, dr3: 0, dr6: 0, dr7: 0, cpl: 0, interruptShadow: true, halted: false,
    ...over,
  } as CpuState;
}

/** RAM with the boot stub's flat GDT at 0x100 (null, code 0x08, data 0x10; accessed bits set as after a load). */
function ramWithGdt(): { ram: Uint8Array } {
  const ram = new Uint8Array(0x1000);
  const v = new DataView(ram.buffer);
  v.setUint32(0x108, 0x0000ffff, true);
  v.setUint32(0x10c, 0x00cf9b00, true);
  v.setUint32(0x110, 0x0000ffff, true);
  v.setUint32(0x114, 0x00cf9300, true);
  return { ram };
}

describe('the engine fault catalog', () => {
  it('refuses unknown names, and dirty-log faults under post-copy', () => {
    expect(() => migrationOptions({ faults: ['no-such-fault'] })).toThrow(/--fault no-such-fault: no such fault \(known: .*dirty-bit-lost/);
    expect(() => migrationOptions({ strategy: 'postcopy', faults: ['last-dirty-round-skipped'] })).toThrow(/pre-copy's dirty log/);
    expect(() => migrationOptions({ strategy: 'postcopy', faults: ['walker-dirty-bit-untracked'] })).toThrow(/pre-copy's dirty log/);
    expect(() => migrationOptions({ strategy: 'postcopy', faults: ['top-page-not-sent'] })).toThrow(/pre-copy's dirty log/);
    expect(() => migrationOptions({ strategy: 'precopy', faults: ['postcopy-page-table-stale'] })).toThrow(/pages post-copy serves on demand/);
    expect(migrationOptions({ strategy: 'postcopy', faults: ['segment-cache-lost', 'icw4-shadow-skipped'] }).faults).toHaveLength(2);
    expect(ALL_FAULT_NAMES).toHaveLength(29);
    expect([...hypervisorFaults(['segment-cache-lost', 'icw4-shadow-skipped', 'dirty-bit-lost'])]).toEqual(['icw4-shadow-skipped']);
  });

  it('cpu-interrupt-shadow-lost clears the shadow, and says whether there was one', () => {
    const r = cpuAsSent(cpu(), ramWithGdt(), ['cpu-interrupt-shadow-lost']);
    expect(r.state.interruptShadow).toBe(false);
    expect(r.notes[0]).toMatch(/stopped in an interrupt shadow/);
    expect(cpuAsSent(cpu({ interruptShadow: false }), ramWithGdt(), ['cpu-interrupt-shadow-lost']).notes[0]).toMatch(/nothing to lose/);
    expect(cpuAsSent(cpu(), ramWithGdt(), []).state).toEqual(cpu());
  });

  it('segment-cache-lost rebuilds caches from selectors: the GDT in protected mode, selector × 16 in real mode', () => {
    const ram = ramWithGdt();
    // Flat protected mode after the loads: the caches are what the GDT gives, nothing lost.
    const flatPm = cpuAsSent(cpu(), ram, ['segment-cache-lost']);
    expect(flatPm.state).toEqual(cpu());
    expect(flatPm.notes[0]).toMatch(/nothing to lose/);
    // CR0.PE set, far jump not yet taken: CS 0 holds a real-mode cache; its "reload" is the null descriptor.
    const real = { selector: 0, base: 0, limit: 0xffff, attributes: ATTR_REAL_CODE };
    const mid = cpuAsSent(cpu({ cs: real }), ram, ['segment-cache-lost']);
    expect(mid.state.cs).toEqual({ selector: 0, base: 0, limit: 0, attributes: ATTR_UNUSABLE });
    expect(mid.notes[0]).toMatch(/CS \(selector 0x0\): base 0x0 limit 0xffff attributes 0x9b rebuilt as base 0x0 limit 0x0 attributes 0x10000/);
    // Unreal mode (real mode with a 4 GiB DS cache): the reload gives back the 64 KiB limit.
    const unreal = cpu({ cr0: 0x10, ds: { selector: 0x10, base: 0, limit: 0xffffffff, attributes: 0x93 } });
    expect(cacheFromSelector(unreal, 'ds', ram)).toEqual({ selector: 0x10, base: 0x100, limit: 0xffff, attributes: 0x93 });
  });

  it('last-dirty-round-skipped sends none of the final dirty set; dirty-bit-lost drops the lowest page the guest really changed', () => {
    const ram = new Uint8Array(8 * 4096);
    const skip = new DirtyLogFaults(['last-dirty-round-skipped'], ram);
    const s = skip.finalSet(Uint32Array.from([2, 5]), 1);
    expect([...s.pages]).toEqual([]);
    expect(s.notes[0]).toMatch(/did not send the 2 page\(s\) dirtied during round 1 and the capture \(0x00002, 0x00005\)/);

    const drop = new DirtyLogFaults(['dirty-bit-lost'], ram);
    drop.sent(Uint32Array.from([0, 1, 2, 3, 4, 5, 6, 7]), 1, 1000);
    ram[2 * 4096] = 0; // page 2 written with its own contents: dirty, not changed
    ram[5 * 4096 + 7] = 9; // page 5 really changed
    ram[6 * 4096] = 1; // so did page 6
    const d = drop.finalSet(Uint32Array.from([2, 5, 6]), 1);
    expect([...d.pages]).toEqual([2, 6]);
    expect(d.notes[0]).toBe('dirty-bit-lost: page 0x00005\'s dirty bit was dropped from the stop-and-copy\'s dirty set; the guest had changed it since, and the destination keeps the copy round 1 sent (source icount 1000)');
    const none = new DirtyLogFaults(['dirty-bit-lost'], ram);
    none.sent(Uint32Array.from([2]), 1, 0);
    expect([...none.finalSet(Uint32Array.from([2]), 1).pages]).toEqual([2]);
  });

  it('cr3-not-carried, cr4-pse-dropped, cr2-lost and tr-cache-lost send what a destination that never got the field keeps', () => {
    const tr = { selector: 0x28, base: 0x9000, limit: 0x67, attributes: 0x8b };
    const paged = cpu({ cr0: 0x80000011, cr2: 0x800040, cr3: 0xe000, cr4: 0x10, tr });
    const r = cpuAsSent(paged, ramWithGdt(), ['cr3-not-carried', 'cr4-pse-dropped', 'cr2-lost', 'tr-cache-lost']);
    expect(r.state).toEqual({ ...paged, cr2: 0, cr3: 0, cr4: 0, tr: { selector: 0x28, base: 0, limit: 0xffff, attributes: 0x8b } });
    expect(r.notes).toEqual([
      'cr3-not-carried: CR3 0xe000 (paging on) not carried; the CPU section has the destination\'s reset CR3 0x0',
      'cr4-pse-dropped: CR4 0x10 sent as 0x0 (PSE dropped, paging on): 4 MiB pages stop being 4 MiB pages',
      'cr2-lost: CR2 0x800040 (the last page-fault address) not carried; the CPU section has 0x0',
      'tr-cache-lost: TR (selector 0x28): base 0x9000 limit 0x67 attributes 0x8b sent as the power-on base 0x0 limit 0xffff attributes 0x8b',
    ]);
    const nothing = cpuAsSent(cpu({ tr: { selector: 0, base: 0, limit: 0xffff, attributes: 0x8b } }), ramWithGdt(), ['cr3-not-carried', 'cr4-pse-dropped', 'cr2-lost', 'tr-cache-lost', 'tss-busy-bit-lost']);
    expect(nothing.notes.every((n) => /nothing to lose/.test(n))).toBe(true);
    expect(nothing.notes).toHaveLength(5);
  });

  it('walker-dirty-bit-untracked drops the pages whose only change since they were sent is A/D bits', () => {
    const ram = new Uint8Array(4 * 4096);
    const v = new DataView(ram.buffer);
    v.setUint32(0x1000, 0x00200007, true); // page 1: a page-table entry, present, no A/D
    v.setUint32(0x2000, 0x00300007, true); // page 2: another
    const f = new DirtyLogFaults(['walker-dirty-bit-untracked'], ram);
    expect([...f.roundSet(Uint32Array.from([0, 1, 2, 3]))]).toEqual([0, 1, 2, 3]); // nothing sent yet: nothing to compare
    f.sent(Uint32Array.from([0, 1, 2, 3]), 1, 0);
    v.setUint32(0x1000, 0x00200067, true); // A and D set by a walk: the only change
    v.setUint32(0x2000, 0x00300067, true);
    ram[0x2800] = 1; // and the guest wrote page 2 too
    ram[0x3000] = 0; // page 3 written with its own contents
    expect([...f.roundSet(Uint32Array.from([1, 2, 3]))]).toEqual([2, 3]);
    const fin = f.finalSet(Uint32Array.from([1]), 1);
    expect([...fin.pages]).toEqual([]);
    expect(fin.notes).toEqual(['walker-dirty-bit-untracked: 1 page(s) whose only change since a round sent them was the page walker\'s A/D bits were not resent: 0x00001 (as round 1 sent it)']);
    // The clean engine takes the dirty set as it is.
    expect([...new DirtyLogFaults([], ram).roundSet(Uint32Array.from([1, 2]))]).toEqual([1, 2]);
  });
});

describe('the paging faults\' view of guest memory', () => {
  /** RAM with a directory at 0x1000: entry 0 a table at 0x2000 (linear 0x3000 → physical 0x5000), entry 1 a 4 MiB page at 8 MiB. */
  function pagedRam() {
    const ram = new Uint8Array(0x6000);
    const v = new DataView(ram.buffer);
    v.setUint32(0x1000, 0x2007, true);
    v.setUint32(0x1004, 0x800087, true);
    v.setUint32(0x2000 + 3 * 4, 0x5007, true);
    return ram;
  }
  const paged = cpu({ cr0: 0x80000011, cr3: 0x1000, cr4: 0x10 });

  it('linearToPhysical walks 4 KiB and PSE pages read-only', () => {
    const ram = pagedRam();
    const before = ram.slice();
    const read = ramReader(ram);
    expect(linearToPhysical(paged, read, 0x3123)).toBe(0x5123);
    expect(linearToPhysical(paged, read, 0x412345)).toBe(0x812345);
    expect(linearToPhysical({ ...paged, cr4: 0 }, read, 0x412345)).toBe(-1); // without PSE the entry names a table beyond RAM
    expect(linearToPhysical(paged, read, 0x4000)).toBe(-1);
    expect(linearToPhysical(cpu(), read, 0x3123)).toBe(0x3123); // paging off
    expect(ram).toEqual(before); // no A/D bit set
  });

  it('pagingStructurePages finds the directory and the tables of present non-PSE entries', () => {
    expect(pagingStructurePages(paged, pagedRam())).toEqual([1, 2]);
    expect(pagingStructurePages(cpu(), pagedRam())).toEqual([]);
  });
});
