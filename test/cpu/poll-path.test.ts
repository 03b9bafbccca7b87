/**
 * Poll paths (src/machine/cpu/jit/poll-path.ts): a poll loop through a call, a load of the
 * port's base from memory and a countdown, as Linux's early console waits for the UART. Its
 * iterations are skipped at the head's block when the port says its next read would return the
 * same value — and nothing but the number of device reads may differ from the interpreter's
 * run: the same state at every stop, the same accesses at the same counts.
 */
import { describe, expect, it } from 'vitest';
import { findPollPath } from '../../src/machine/cpu/jit/poll-path.js';
import { bothToHalt, rig, runTo, snapshot, withPort } from './compiler-rig.js';

/**
 * Forty characters to port 0x60, each waited for as Linux's early_serial_putc does:
 *
 *   1000 mov dword [ptr_in], serial_in / mov dword [base], 0x60 / mov ecx, 40
 *   1019 top: mov al, cl / out 0x60, al / push esi / mov esi, COUNT
 *   1023 poll: mov edx, 1 / mov eax, [base] / call [ptr_in]
 *   1033       test al, 0x20 / jne ready / dec esi / je ready / pause / jmp poll
 *   103e ready: pop esi / dec ecx / jnz top / hlt
 *   1043 serial_in: add edx, eax / in al, dx / movzx eax, al / ret
 *   104c base: dd 0 / ptr_in: dd 0
 *
 * COUNT (at byte 0x1f) is 0xffff: the port is ready long before it runs out.
 */
const SEND_HEX =
  'c7055010000043100000c7054c10000060000000b92800000088c8e66056beffff0000ba01000000a14c100000ff1550100000' +
  'a82075074e7404f390ebe55e4975d7f401c2ec0fb6c0c390900000000000000000';
const HEAD = 0x1023;

function send(count = 0xffff): Uint8Array {
  const code = Uint8Array.from(Buffer.from(SEND_HEX, 'hex'));
  new DataView(code.buffer).setUint32(0x1f, count, true);
  return code;
}

/** SEND with bytes at `offset` replaced (the same length: the layout stays). */
function patched(offset: number, hex: string): Uint8Array {
  const code = send();
  code.set(Buffer.from(hex, 'hex'), offset);
  return code;
}

/** The path found at the head, with `base` and `ptr_in` set as the program's first instructions set them (paging is off). */
function pathOf(code: Uint8Array): ReturnType<typeof findPollPath> {
  const r = rig(false, code, true);
  r.memory.writeBytes(0x104c, Uint8Array.of(0x60, 0, 0, 0, 0x43, 0x10, 0, 0));
  return findPollPath(r.cpu, HEAD);
}

describe('poll paths', () => {
  it('skip the iterations a stable port allows: the same state at every stop and the same accesses at the same counts as the interpreter', () => {
    const on = withPort(true, send(), true);
    const off = withPort(false, send(), true);
    for (const at of [30, 61, 500, 1_003, 4_444, 9_999, 1_000_000]) {
      expect(runTo(on.r, at)).toBe(runTo(off.r, at));
      expect(snapshot(on.r)).toEqual(snapshot(off.r));
      // As a checkpoint or a migration round does: the pages written from here on.
      for (const x of [on, off]) x.r.memory.dirty.bytes.fill(0);
    }
    expect(on.log).toEqual(off.log);
    expect(off.log.length).toBeGreaterThan(1_000);
    // Each wait reads the port a few times (before the head is compiled, the iteration after a
    // skip, the last partial one before the character's event), not ~30 times.
    expect(on.reads).toBeLessThan(off.reads / 4);
  });

  it('leave the flags the last DEC would have: a slice that ends at the head right after a skip ends in the same state', () => {
    const on = withPort(true, send(), true);
    const off = withPort(false, send(), true);
    let checked = 0;
    for (let at = 2_000; checked < 6 && at < 15_000; at++) {
      expect(runTo(on.r, at)).toBe(runTo(off.r, at));
      const s = off.r.cpu.getState();
      if (s.eip !== HEAD || (s.esi & 3) !== checked % 4) continue;
      // At the head, mid-wait: whole iterations to the next stop, skipped where the port allows.
      for (const k of [5, 9]) {
        at += 13 * k;
        expect(runTo(on.r, at)).toBe(runTo(off.r, at));
        expect(on.r.cpu.getState()).toEqual(off.r.cpu.getState());
      }
      checked++;
    }
    expect(checked).toBe(6);
    expect(on.reads).toBeLessThan(off.reads);
  });

  it('skip nothing at a visit that does not follow an iteration: what the loop writes is not yet what an iteration leaves', () => {
    // SEND with `jmp poll` after `mov esi, 12`: each wait's first visit to the head (now 1025)
    // comes from the dispatcher, with EAX still the character, not what the last poll read; and
    // the port, busy, reads what it read when the last wait ran out (its status is 0 or 0x20 alone).
    const code = Buffer.from(
      'c7055010000045100000c7054c10000060000000b92800000088c8e66056be0c000000eb00ba01000000a14c100000ff1550100000' +
        'a82075074e7404f390ebe55e4975d5f401c2ec0fb6c0c30000000000000000',
      'hex',
    );
    const head = 0x1025;
    const on = withPort(true, code, true, false);
    const off = withPort(false, code, true, false);
    // From the last visit of a wait that runs out (ESI 1), one run() through its last iteration,
    // the 8 instructions to the next wait's head and five iterations of that: a skip at that
    // first visit would end the run at the head with EAX still the character.
    let checked = 0;
    for (let at = 1; checked < 6 && at < 15_000; at++) {
      expect(runTo(on.r, at)).toBe(runTo(off.r, at));
      const s = off.r.cpu.getState();
      if (s.eip !== head || s.esi !== 1 || at < 200) continue;
      at += 11 + 8 + 13 * 5;
      expect(runTo(on.r, at)).toBe(runTo(off.r, at));
      expect(on.r.cpu.getState()).toEqual(off.r.cpu.getState());
      expect(off.r.cpu.getState()).toMatchObject({ eip: head, esi: 7 });
      checked++;
    }
    expect(checked).toBe(6);
    expect(on.log).toEqual(off.log);
    expect(on.reads).toBeLessThan(off.reads);
  });

  it('are run in full where a load reads MMIO, not RAM: each read is an access', () => {
    // mov eax, [base] → mov eax, [0x200000], a register that reads 0x60.
    const mmio = (compiler: boolean): ReturnType<typeof withPort> => {
      const x = withPort(compiler, patched(0x28, 'a100002000'), true);
      const device = x.r.bus.registerDevice('base');
      x.r.bus.mapMmio(device, 0x200000, 0x1000, { sizes: 7, read: () => 0x60, write: () => {} });
      return x;
    };
    const on = mmio(true);
    const off = mmio(false);
    runTo(on.r, 1_000_000);
    runTo(off.r, 1_000_000);
    expect(snapshot(on.r)).toEqual(snapshot(off.r));
    expect(on.log).toEqual(off.log);
    expect(on.reads).toBe(off.reads);
  });

  it('are not found where two ways come back to the head as soon: which one ran is not known', () => {
    // 1000: in al, 0x61 / test al, 0x20 / jne 1009 / nop / jmp 1000 / 1009: inc ebx / jmp 1000
    const code = Buffer.from('e461a82075039 0ebf743ebf4'.replace(/ /g, ''), 'hex');
    const { r } = withPort(false, code, true);
    expect(findPollPath(r.cpu, 0x1000)).toBeNull();
    const on = withPort(true, code, true);
    const off = withPort(false, code, true);
    expect(runTo(on.r, 100_000)).toBe(runTo(off.r, 100_000));
    expect(snapshot(on.r)).toEqual(snapshot(off.r));
    expect(on.r.cpu.getState().ebx).toBe(20_000);
  });

  it('stop at the countdown: a port still busy when it runs out leaves the loop where the interpreter does', () => {
    // 12 iterations of 13 instructions are fewer than the 300 a character keeps the port busy.
    const { on, off } = bothToHalt(send(12), true);
    expect(on.reads).toBeLessThan(off.reads);
    expect(off.log.length).toBeGreaterThan(40 * 12);
  });

  it('are run in full where the port does not say it is stable', () => {
    const { on, off } = bothToHalt(send(), false);
    expect(on.reads).toBe(off.reads);
  });

  it('are found from the head through the call and back: 13 instructions, the IN 4 in, a countdown in ESI', () => {
    const path = pathOf(send());
    expect(path).not.toBeNull();
    expect({ length: path!.length, inIndex: path!.inIndex, size: path!.size, counter: path!.counter, counterFlags: path!.counterFlags })
      .toEqual({ length: 13, inIndex: 4, size: 1, counter: 6, counterFlags: true });
    expect(path!.loads).toEqual([{ seg: 3, disp: 0x104c, size: 4 }]);
    expect(path!.targets).toEqual([{ seg: 3, disp: 0x1050, size: 4, value: 0x1043 }]);
    expect(path!.stackBytes).toBe(4);
  });

  it('are not found where an iteration would not repeat the last, or a way out could come back unseen', () => {
    expect(pathOf(patched(0x36, '07'))).not.toBeNull(); // the unpatched jne (control)
    // mov eax, [base] → mov [base], eax: a store to memory the loop reads.
    expect(pathOf(patched(0x28, 'a3'))).toBeNull();
    // add edx, eax → add esi, eax in serial_in: the counter written by another instruction.
    expect(pathOf(patched(0x43, '01c6'))).toBeNull();
    // dec esi / je ready → dec esi / jne ready: the loop goes on only at zero.
    expect(pathOf(patched(0x38, '75'))).toBeNull();
    // dec esi → inc edi: EDI carries from one iteration to the next.
    expect(pathOf(patched(0x37, '47'))).toBeNull();
    // ret → jmp eax in serial_in: an indirect jump goes somewhere not known.
    expect(pathOf(patched(0x49, 'ffe0'))).toBeNull();
    // pause → in al, 0x61: a second port read.
    expect(pathOf(patched(0x3a, 'e461'))).toBeNull();
  });

  it('a countdown the loop also reads is not one', () => {
    // pause → mov ebx, esi would not fit: test esi, esi (85 f6) reads it and writes only flags.
    expect(pathOf(patched(0x3a, '85f6'))).toBeNull();
  });

  it('skip nothing after a restore: a state set between two visits is not one an iteration left', () => {
    const on = withPort(true, send(), true);
    const off = withPort(false, send(), true);
    runTo(on.r, 2_000);
    runTo(off.r, 2_000);
    const diversions = on.r.cpu.diversions;
    on.r.cpu.setState(on.r.cpu.getState());
    expect(on.r.cpu.diversions).toBe(diversions + 1);
    for (const at of [2_500, 1_000_000]) {
      expect(runTo(on.r, at)).toBe(runTo(off.r, at));
      expect(snapshot(on.r)).toEqual(snapshot(off.r));
    }
    expect(on.log).toEqual(off.log);
  });

  it('skip a TSC wait across blocks: up to the deadline, the same state at every stop as the interpreter', () => {
    // As DELAYS in poll-loop.test.ts, the wait in two blocks with a flag in memory that stops the program:
    //   1027 poll: cmp dword [flag], 0 / je stop / rdtsc / sub eax, esi / sbb edx, edi / cmp eax, ebx
    //        mov eax, edx / sbb eax, ebp / jb stay / jmp done
    //   1040 stay: pause / jmp poll
    //   1044 done: pop edi / pop esi / ret; 1047 stop: hlt; 1048 flag: dd 1
    const code = Buffer.from(
      'b91e0000006bd96181c3c800000031ed51e8090000005988c8e6604975e7f456570f3189c689d7833d481000000074170f3129f019fa39d889d019e8' +
        '7202eb04f390ebe35f5ec3f401000000',
      'hex',
    );
    const path = findPollPath(rig(false, code, true).cpu, 0x1027);
    expect(path?.tsc).toEqual({ index: 2, start: [6, 7], cycles: [3, 5] });
    expect({ length: path!.length, inIndex: path!.inIndex, loads: path!.loads }).toEqual({ length: 11, inIndex: -1, loads: [{ seg: 3, disp: 0x1048, size: 4 }] });
    // Every way is followed, whatever the flag holds: with `je stop` → `je stay`, the flag's other
    // way comes back to the head sooner, and which way an iteration took is no longer known.
    const sooner = Uint8Array.from(code);
    sooner[0x2f] = 0x10; // je +0x17 (stop) → je +0x10 (stay)
    expect(findPollPath(rig(false, sooner, true).cpu, 0x1027)).toBeNull();
    const on = withPort(true, code, true);
    const off = withPort(false, code, true);
    // Slices of 97 instructions (every run() starts a new wait for evidence; each has room to skip some).
    for (let at = 3; at < 20_000; at += 97) {
      expect(runTo(on.r, at)).toBe(runTo(off.r, at));
      expect(on.r.cpu.getState()).toEqual(off.r.cpu.getState());
    }
    // The flag cleared from outside (as a DMA or a debugger could) in the middle of a long wait:
    // the program stops at the wait's next iteration, skipped or not.
    let at = 20_000;
    for (;;) {
      const s = off.r.cpu.getState();
      if (s.eip >= 0x1027 && s.eip < 0x1044 && s.ebx - (at - s.esi) > 500) break;
      at++;
      expect(runTo(on.r, at)).toBe(runTo(off.r, at));
    }
    for (const x of [on, off]) x.r.memory.writeBytes(0x1048, Uint8Array.of(0, 0, 0, 0));
    for (const stop of [at + 300, 1e9]) {
      expect(runTo(on.r, stop)).toBe(runTo(off.r, stop));
      expect(snapshot(on.r)).toEqual(snapshot(off.r));
    }
    expect(on.log).toEqual(off.log);
    expect(on.log.length).toBeLessThan(30);
  });
});
