import { describe, expect, it } from 'vitest';
import { RunExit } from '../../src/machine/cpu/cpu.js';
import { boot, runToHalt } from './helpers.js';

describe('the CPU on the bus', () => {
  it('calls the bus with clock.icount equal to the instructions retired before the current one', () => {
    // nop; nop; out 0x80,al; nop; mov cx,3; rep outsb (dx=0x80); in al,0x80; hlt
    const m = boot(Uint8Array.of(0x90, 0x90, 0xe6, 0x80, 0x90, 0xb9, 0x03, 0x00, 0xba, 0x80, 0x00, 0xf3, 0x6e, 0xe4, 0x80, 0xf4));
    const seen: number[] = [];
    const id = m.bus.registerDevice('probe');
    m.bus.mapPorts(id, 0x80, 1, {
      sizes: 1,
      read: () => {
        seen.push(m.clock.icount);
        return 0;
      },
      write: () => seen.push(m.clock.icount),
    });
    expect(runToHalt(m)).toBe(RunExit.HALTED);
    // OUT is the 3rd instruction; MOV CX, MOV DX come before the REP, whose iterations count one each.
    expect(seen).toEqual([2, 6, 7, 8, 9]);
    expect(m.clock.icount).toBe(11);
  });

  it('an MMIO access goes through the bus with the same icount rule', () => {
    // mov ax,0xa000; mov ds,ax; mov [0],al; mov al,[2]; hlt
    const m = boot(Uint8Array.of(0xb8, 0x00, 0xa0, 0x8e, 0xd8, 0xa2, 0x00, 0x00, 0xa0, 0x02, 0x00, 0xf4));
    const seen: string[] = [];
    const id = m.bus.registerDevice('mmio-probe');
    m.bus.mapMmio(id, 0xa0000, 0x1000, {
      sizes: 1 | 2 | 4,
      read: (off) => {
        seen.push(`r${off}@${m.clock.icount}`);
        return 0x5a;
      },
      write: (off, _size, v) => seen.push(`w${off}=${v}@${m.clock.icount}`),
    });
    runToHalt(m);
    expect(seen).toEqual(['w0=0@2', 'r2@3']);
    expect(m.cpu.getState().eax & 0xff).toBe(0x5a);
  });

  it('marks every page it stores to dirty', () => {
    // mov [0x5fff],ax (a word straddling pages 5 and 6); mov [0x9000],al; hlt
    const m = boot(Uint8Array.of(0xa3, 0xff, 0x5f, 0xa2, 0x00, 0x90, 0xf4));
    const log = m.memory.dirty.createClient('test');
    runToHalt(m);
    expect([...log.takeAndClear()]).toEqual([5, 6, 9]);
  });

  it('applies the A20 mask to every address it forms, read per access', () => {
    // mov ax,0xffff; mov es,ax; mov byte [es:0x10],0x42; hlt   (FFFF:0010 = 0x100000)
    const program = Uint8Array.of(0xb8, 0xff, 0xff, 0x8e, 0xc0, 0x26, 0xc6, 0x06, 0x10, 0x00, 0x42, 0xf4);
    const off = boot(program);
    off.memory.setA20(false);
    runToHalt(off);
    expect(off.memory.ram[0]).toBe(0x42);
    expect(off.memory.ram[0x100000]).toBe(0);
    const on = boot(program);
    on.memory.setA20(true);
    runToHalt(on);
    expect(on.memory.ram[0x100000]).toBe(0x42);
    expect(on.memory.ram[0]).toBe(0);
  });

  it('returns STOPPED at the next boundary when a device asks to stop during an access', () => {
    // out 0xf4,al; inc ax; inc ax; hlt
    const m = boot(Uint8Array.of(0xe6, 0xf4, 0x40, 0x40, 0xf4));
    const id = m.bus.registerDevice('exit');
    m.bus.mapPorts(id, 0xf4, 1, { sizes: 1, read: () => 0, write: () => m.cpu.requestStop() });
    expect(m.cpu.run(1000)).toBe(RunExit.STOPPED);
    expect(m.clock.icount).toBe(1);
    expect(m.cpu.getState().eip).toBe(0x7c02);
    expect(m.cpu.run(1000)).toBe(RunExit.HALTED);
  });

  it('returns REACHED when a device arms a timer that falls due inside the slice', () => {
    // out 0x70,al; then a long run of NOPs
    const program = new Uint8Array(64).fill(0x90);
    program.set([0xe6, 0x70]);
    const m = boot(program);
    const timer = m.clock.createTimer('probe', () => {});
    const id = m.bus.registerDevice('timer');
    m.bus.mapPorts(id, 0x70, 1, { sizes: 1, read: () => 0, write: () => timer.armIn(5) });
    expect(m.cpu.run(1000)).toBe(RunExit.REACHED);
    expect(m.clock.icount).toBe(5);
  });
});
