/**
 * Compiled poll loops (src/machine/cpu/jit/poll-loop.ts): the iterations after the first are
 * counted, not run, when the port says its next read would return the same value and change
 * nothing — and nothing but the number of device reads may differ from the interpreter's run:
 * the same state at every stop and the same accesses, at the same counts, for the bus's observers.
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/board/machine.js';
import { resolveImage } from '../../src/guests/catalog.js';
import { RunExit } from '../../src/machine/cpu/cpu.js';
import { compileBlockSource } from '../../src/machine/cpu/jit/block-compiler.js';
import { skipTsc } from '../../src/machine/cpu/jit/poll-loop.js';
import { bothToHalt, CODE_AT, countUartReads, rig, runTo, snapshot, withPort } from './compiler-rig.js';

/**
 * Forty characters sent to a port that is busy for a while after each (as the UART's THR): each
 * waited for twice, by gcc's loop and by one with PAUSE and a jump back.
 *
 *   1000 mov ecx, 40 / mov edx, 0x61
 *   100a top: out 0x60, al
 *   100c wait: in al, dx / test al, 0x20 / je wait
 *   1011 out 0x60, al
 *   1013 wait2: in al, 0x61 / test al, 0x20 / jne done / pause / jmp wait2
 *   101d done: dec ecx / jnz top / hlt
 */
const SEND = Buffer.from('b928000000ba61000000e660eca82074fbe660e461a8207504f390ebf64975eaf4', 'hex');

/** As SEND, but the first wait counts its polls in EBX (`inc ebx` in the loop): no poll loop. */
const SEND_COUNTING = Buffer.from('b928000000ba61000000e660ec43a82074fae660e461a8207504f390ebf64975e9f4', 'hex');

describe('compiled poll loops', () => {
  it('skip the reads a stable port allows: the same state at every stop and the same accesses at the same counts as the interpreter', () => {
    const on = withPort(true, SEND, true);
    const off = withPort(false, SEND, true);
    for (const at of [7, 500, 1_001, 4_444, 20_000, 1_000_000]) {
      expect(runTo(on.r, at)).toBe(runTo(off.r, at));
      expect(snapshot(on.r)).toEqual(snapshot(off.r));
    }
    expect(on.r.cpu.getState().ecx).toBe(0);
    expect(on.log).toEqual(off.log);
    expect(off.log.length).toBeGreaterThan(6_000);
    // Each wait reads the port a few times (the interpreter's first iterations, the block's first
    // and the last partial one before the character's event), not ~100 times.
    expect(off.reads).toBe(off.log.length - 80);
    expect(on.reads).toBeLessThan(off.reads / 10);
  });

  it('are run in full where the port does not say it is stable, or the loop writes a register', () => {
    const unstable = bothToHalt(SEND, false);
    expect(unstable.on.reads).toBe(unstable.off.reads);

    const { on: counting, off: countingOff } = bothToHalt(SEND_COUNTING, true);
    expect(counting.r.cpu.getState().ebx).toBeGreaterThan(1_000);
    // The second wait (PAUSE, JMP back) is still one: only its reads are skipped.
    expect(counting.reads).toBeGreaterThan(countingOff.reads / 3);
    expect(counting.reads).toBeLessThan(countingOff.reads);
  });

  it('skip at most a billion instructions a step: a loop polling an absent device runs on, exactly, to any count', () => {
    // 1000: in al, 0x99 / cmp al, 0xff / je 1000 — an unmapped port reads all-ones for ever.
    const absent = Uint8Array.of(0xe4, 0x99, 0x3c, 0xff, 0x74, 0xfa);
    const on = rig(true, absent, true);
    const off = rig(false, absent, true);
    expect(runTo(off, 3_000_001)).toBe(RunExit.REACHED);
    expect(runTo(on, 3_000_000_001)).toBe(RunExit.REACHED); // three steps of at most 2^30
    expect(on.clock.icount).toBe(3_000_000_001);
    expect(on.cpu.getState()).toEqual(off.cpu.getState()); // the same place in the loop: counts equal modulo 3
  });

  it('the guests\' own wait for the UART (gcc\'s `while (!(inb(LSR) & THRE));`) is one: the timer guest reads the UART a fraction of the LSR reads it makes', () => {
    const run = (compiler: boolean): { lsrReads: number; uartReads: number; serial: string; icount: number } => {
      const m = Machine.boot(resolveImage('timer').bytes, { args: 'hz=1000 every=10 ticks=100' });
      m.cpu.setCompiler(compiler);
      const reads = countUartReads(m);
      const result = m.run({ maxInstructions: 1e9 });
      expect(result.status).toBe('exited');
      return { lsrReads: reads.lsrReads(), uartReads: reads.uartReads(), serial: result.serial, icount: result.icount };
    };
    const on = run(true);
    const off = run(false);
    expect({ ...on, uartReads: 0 }).toEqual({ ...off, uartReads: 0 });
    expect(off.lsrReads).toBeGreaterThan(10_000);
    expect(off.uartReads).toBeGreaterThanOrEqual(off.lsrReads);
    expect(on.uartReads).toBeLessThan(on.lsrReads / 10);
  });

  it('are recognised from IN, tests of what it read, PAUSE and branches out, to the jump back', () => {
    const { r } = withPort(true, SEND, true);
    const w = { ram: r.memory.ram, lo: 0, len: 0x100000, delta: 0, csD: true };
    const gcc = compileBlockSource(w, CODE_AT, 0x100c);
    expect(gcc.source).toContain('skipPolls(c, ic, r16[4], 1, pv, 3)');
    const paused = compileBlockSource(w, CODE_AT, 0x1013);
    expect(paused.source).toContain('skipPolls(c, ic, 0x61, 1, pv, 5)');
    const counting = compileBlockSource({ ...w, ram: withPort(true, SEND_COUNTING, true).r.memory.ram }, CODE_AT, 0x100c);
    expect(counting.source).not.toContain('skipPolls(c, ic, r16[4]');
  });

  it('are loops whose every iteration leaves what the last one left: registers they write are written before they are read', () => {
    const loopAt1005 = (hex: string): string => {
      const ram = new Uint8Array(0x2000);
      ram.set(Buffer.from(hex, 'hex'), 0x1000);
      return compileBlockSource({ ram, lo: 0, len: 0x2000, delta: 0, csD: true }, 0x1000, 0x1005).source;
    };
    const polls = (hex: string): boolean => loopAt1005(hex).includes('skipPolls(');
    // mov edx, 0x1f7 / 1005: in al, dx / ... / jump back to 1005 / hlt
    const loop = (middle: string, back: number): string => `baf7010000ec${middle}${back.toString(16)}f4`;
    expect(polls(loop('83e0c03c4075', 0xf8))).toBe(true); // xv6's idewait: and eax, -64 / cmp al, 0x40 / jne
    expect(polls(loop('89c181e1c000000083f94075', 0xf2))).toBe(true); // mov ecx, eax / and ecx, 0xc0 / cmp ecx, 0x40 / jne
    expect(polls(loop('31dba82074', 0xf9))).toBe(true); // xor ebx, ebx (no read) / test al, 0x20 / je
    expect(polls(loop('01c3a82074', 0xf9))).toBe(false); // add ebx, eax: EBX carries from one iteration to the next
    expect(polls(loop('83e0c083c0013c4075', 0xf5))).toBe(false); // and eax, -64 then add eax, 1: EAX carries
    expect(polls(loop('a820f873', 0xfa))).toBe(false); // test al, 0x20 / clc / jnc: CLC is not modelled
    expect(polls(loop('a8207402eb', 0xf9))).toBe(true); // test / je out / jmp back
    expect(polls(loop('a8208a1d001000007402eb', 0xf3))).toBe(false); // a memory read in the loop
  });
});

/**
 * Thirty delays of 200 + 97 × n TSC ticks, each followed by an OUT, as Linux's `delay_tsc` waits:
 *
 *   1000 mov ecx, 30
 *   1005 outer: imul ebx, ecx, 97 / add ebx, 200 / xor ebp, ebp / push ecx / call delay / pop ecx
 *        mov al, cl / out 0x60, al / dec ecx / jnz outer / hlt
 *   1020 delay: push esi / push edi / rdtsc / mov esi, eax / mov edi, edx
 *   1027 poll: rdtsc / nop / nop / nop / sub eax, esi / sbb edx, edi / cmp eax, ebx / mov eax, edx
 *        sbb eax, ebp / jae done / pause / jmp poll
 *   103c done: pop edi / pop esi / ret
 */
const DELAYS = Buffer.from(
  'b91e0000006bd96181c3c800000031ed51e8090000005988c8e6604975e7f456570f3189c689d70f3190909029f019fa39d889d019e87304f390ebeb5f5ec3',
  'hex',
);

describe('compiled TSC waits', () => {
  it('are recognised from RDTSC and gcc\'s `(now − start) < cycles`, leaving by JAE', () => {
    const ram = new Uint8Array(0x2000);
    ram.set(DELAYS, 0x1000);
    const source = compileBlockSource({ ram, lo: 0, len: 0x2000, delta: 0, csD: true }, 0x1000, 0x1020).source;
    // 12 instructions an iteration, RDTSC first; start in ESI:EDI, cycles in EBX:EBP.
    expect(source).toContain('skipTsc(c, ic, se, 12, 0, 12, 6, 7, 3, 5)');
    const jb = Uint8Array.from(ram);
    jb[0x1036] = 0x72; // jae done → jb done: the loop would go on past the deadline, not up to it
    expect(compileBlockSource({ ram: jb, lo: 0, len: 0x2000, delta: 0, csD: true }, 0x1000, 0x1020).source).not.toContain('skipTsc(');
    const refused = (at: number, hex: string): boolean => {
      const patched = Uint8Array.from(ram);
      patched.set(Buffer.from(hex, 'hex'), at);
      return !compileBlockSource({ ram: patched, lo: 0, len: 0x2000, delta: 0, csD: true }, 0x1000, 0x1020).source.includes('skipTsc(');
    };
    expect(refused(0x1029, '909090')).toBe(false); // the NOPs themselves (control)
    expect(refused(0x1029, '89c390')).toBe(true); // mov ebx, eax between RDTSC and the chain: not gcc's idiom
    expect(refused(0x1038, '31db')).toBe(true); // pause → xor ebx, ebx: cycles written in the loop
    expect(refused(0x1038, '84c075eb')).toBe(true); // pause / jmp → test al, al / jnz poll: the way back depends on the TSC too
  });

  it('count the iterations before the deadline, leaving room for one more to run: the same state at every stop as the interpreter', () => {
    const on = withPort(true, DELAYS, true);
    const off = withPort(false, DELAYS, true);
    // Every 7th count over a stretch (slices end inside iterations and right after skips), then to the end.
    for (let at = 3; at < 30_000; at += 7) {
      expect(runTo(on.r, at)).toBe(runTo(off.r, at));
      expect(on.r.cpu.getState()).toEqual(off.r.cpu.getState());
    }
    expect(runTo(on.r, 1e9)).toBe(runTo(off.r, 1e9));
    expect(snapshot(on.r)).toEqual(snapshot(off.r));
    expect(on.log).toEqual(off.log);
    expect(on.log).toHaveLength(30);
  });

  it('skip as far as the deadline, or the slice with room for an iteration (skipTsc)', () => {
    const { cpu } = rig(true, DELAYS, true);
    const c = cpu as unknown as Parameters<typeof skipTsc>[0];
    c.regs[6] = 1_000; // start: TSC 1,000
    c.regs[7] = 0;
    c.regs[3] = 593; // cycles: 593
    c.regs[5] = 0;
    c.sliceEnd = 1_000_000;
    // At count 1,100 (its RDTSC at 1,103): the iterations reading 1,103, 1,115, … 1,583 go on
    // (41 of them); the next reads 1,595, 595 ticks on.
    expect(skipTsc(c, 1_100, 1_000_000, 12, 3, 12, 6, 7, 3, 5)).toBe(1_100 + 41 * 12);
    // A slice ending at 1,200: room for (100 − 12) / 12 = 7 iterations with one more after them.
    expect(skipTsc(c, 1_100, 1_200, 12, 3, 12, 6, 7, 3, 5)).toBe(1_100 + 7 * 12);
    // The deadline passed: nothing.
    expect(skipTsc(c, 1_600, 1_000_000, 12, 3, 12, 6, 7, 3, 5)).toBe(1_600);
    // The TSC offset counts: at count 600 with the TSC 500 ahead, the same 41.
    c.tscOffsetLo = 500;
    expect(skipTsc(c, 600, 1_000_000, 12, 3, 12, 6, 7, 3, 5)).toBe(600 + 41 * 12);
    // 64-bit: the wait starts 100 ticks before the TSC's low half carries, and ends after it.
    c.tscOffsetLo = 0;
    c.sliceEnd = 2 ** 33;
    c.regs[6] = -100; // 0xffffff9c
    c.regs[3] = 1_000;
    expect(skipTsc(c, 2 ** 32 - 100, 2 ** 33, 12, 0, 12, 6, 7, 3, 5)).toBe(2 ** 32 - 100 + 84 * 12);
  });
});
