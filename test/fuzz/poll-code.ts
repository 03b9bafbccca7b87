/**
 * The poll fuzz's cases (poll.fuzz.test.ts, test/long/poll-fuzz.test.ts): programs that send
 * characters to a device and wait for it between them (compiler-rig.ts withPort: ports 0x60
 * data, 0x61 status, busy 300 + 37 × (n mod 7) instructions after the n-th character), through
 * random poll loops — the shapes the compiler skips (poll-loop.ts: an IN, register-only
 * instructions, the jump back; with a countdown; poll-path.ts: through a call, a load of the
 * port's base and a countdown, as Linux's early console; TSC waits, as Linux's delay_tsc) and
 * near misses it must run in full
 * (a register counting the polls, a store) — with random instructions between the waits.
 * The waits run again and again (eight passes), so their blocks are compiled from the second.
 * Compiled (eagerly) and interpreted, they must halt in the same state with the same accesses
 * at the same counts, the status port stable or not, counting characters or not — and so must
 * a third rig that takes the compiled run's CPU, memory and device mid-run, as a migration's
 * destination would.
 */
import { expect } from 'vitest';
import { RunExit } from '../../src/machine/cpu/cpu.js';
import { restoreInto, runTo, snapshot, withPort, type Port } from '../cpu/compiler-rig.js';
import { Gen, le32 } from './random-instructions.js';
import { prng } from './mutate.js';

const DATA = 0x20000;
/** Where the poll path loads the port's base from: 0x5C, so that base + 5 is the status port. */
const BASE_PTR = DATA + 0x100;
/** Waits per pass, and passes (the same code again: its blocks compiled from the second). */
const ROUNDS = 2;
const PASSES = 8;
const COUNTER = DATA + 0x104;

/** Code with labels: bytes, a label, a short jump or Jcc to a label, a call to one. */
type Item = number[] | { label: string } | { jcc: number; to: string } | { call: string } | { jmp: string };

function assemble(items: Item[], at: number): Uint8Array {
  const size = (it: Item): number => (Array.isArray(it) ? it.length : 'label' in it ? 0 : 'jcc' in it ? 2 : 5);
  const labels = new Map<string, number>();
  let pc = at;
  for (const it of items) {
    if (!Array.isArray(it) && 'label' in it) labels.set(it.label, pc);
    pc += size(it);
  }
  const out: number[] = [];
  pc = at;
  for (const it of items) {
    const next = pc + size(it);
    if (Array.isArray(it)) out.push(...it);
    else if ('jcc' in it) {
      const rel = labels.get(it.to)! - next;
      if (rel < -128 || rel > 127) throw new Error(`jump to ${it.to} out of reach`);
      out.push(it.jcc, rel & 0xff);
    } else if ('call' in it) out.push(0xe8, ...le32(labels.get(it.call)! - next));
    else if ('jmp' in it) out.push(0xe9, ...le32(labels.get(it.jmp)! - next));
    pc = next;
  }
  return Uint8Array.from(out);
}

const JZ = 0x74;
const JNZ = 0x75;
const JNC = 0x73;
const JMP = 0xeb;

/** One wait for the device, labels suffixed `r`: a poll loop of a random shape. */
function pollLoop(g: Gen, r: number): Item[] {
  const H = `h${r}`;
  const X = `x${r}`;
  const read = g.pick([[0xec], [0xe4, 0x61], [0xed], [0x66, 0xed]]); // in al, dx / in al, 0x61 / in eax, dx / in ax, dx
  const fillers = [[0x90], [0xf3, 0x90], [0x89, 0xef], [0x3c, 0x07], [0xf6, 0xc4, 0x01], [0x0f, 0xb6, 0xe8], [0x83, 0xe7, 0x07]];
  const filler = (): number[] => {
    const out: number[] = [];
    for (let k = g.int(3); k > 0; k--) out.push(...g.pick(fillers));
    return out;
  };
  // Tested: bit 5 (ready), so that the loop ends once the device is.
  const shapes: [number[], number, number][] = [
    [[0xa8, 0x20], JZ, JNZ], // test al, 0x20
    [[0x24, 0x20], JZ, JNZ], // and al, 0x20
    [[0x0f, 0xba, 0xe0, 0x05], JNC, 0x72], // bt eax, 5
    [[0x83, 0xe0, 0x20, 0x3c, 0x20], JNZ, JZ], // and eax, 0x20; cmp al, 0x20 (xv6's shape)
  ];
  const [test, wait, go] = g.pick(shapes);
  const nearMiss = g.chance(0.2) ? g.pick([[0x46], [0x89, 0x43, 0x08]]) : []; // inc esi (counts its polls) / mov [ebx + 8], eax (a store)
  switch (g.int(5)) {
    case 4: { // a TSC wait, as Linux's delay_tsc: (u64)(rdtsc() - start) < cycles, start in EDI:ESI, cycles in EBP:EBX
      const cycles = 1 + g.int(g.chance(0.5) ? 50 : 3000);
      return [
        [0x53, 0x0f, 0x31, 0x89, 0xc6, 0x89, 0xd7, 0xbb, ...le32(cycles), 0x31, 0xed], // push ebx; rdtsc; mov esi, eax; mov edi, edx; mov ebx, cycles; xor ebp, ebp
        { label: H },
        [0x0f, 0x31, 0x29, 0xf0, 0x19, 0xfa, 0x39, 0xd8, 0x89, 0xd0, 0x19, 0xe8], // rdtsc; sub eax, esi; sbb edx, edi; cmp eax, ebx; mov eax, edx; sbb eax, ebp
        { jcc: JNC, to: X },
        [0xf3, 0x90],
        { jcc: JMP, to: H },
        { label: X },
        [0x5b], // pop ebx
      ];
    }
    case 0: // H: in; filler; test; jz H
      return [[0xba, 0x61, 0, 0, 0], { label: H }, read, filler(), nearMiss, test, { jcc: wait, to: H }];
    case 1: // H: in; test; jnz X; filler; jmp H; X:
      return [[0xba, 0x61, 0, 0, 0], { label: H }, read, nearMiss, test, { jcc: go, to: X }, filler(), { jcc: JMP, to: H }, { label: X }];
    case 2: { // a countdown in ECX, which may run out first
      const count = g.chance(0.5) ? 1 + g.int(40) : 100_000;
      return [[0xba, 0x61, 0, 0, 0, 0xb9, ...le32(count)], { label: H }, read, filler(), test, { jcc: go, to: X }, nearMiss, [0x49], { jcc: JNZ, to: H }, { label: X }];
    }
    default: { // a poll path, as Linux's early_serial_putc: mov edx, 5; mov eax, [base]; call in; test; jne X; dec esi; je X; pause; jmp H
      const count = g.chance(0.5) ? 1 + g.int(40) : 100_000;
      return [
        [0xbe, ...le32(count)],
        { label: H },
        [0xba, 0x05, 0, 0, 0, 0xa1, ...le32(BASE_PTR)],
        { call: 'serial_in' },
        [0xa8, 0x20],
        { jcc: JNZ, to: X },
        nearMiss,
        [0x4e],
        { jcc: JZ, to: X },
        [0xf3, 0x90],
        { jcc: JMP, to: H },
        { label: X },
      ];
    }
  }
}

export interface PollCase {
  code: Uint8Array;
  stable: boolean;
  counts: boolean;
}

export function makePollCase(seed: number, at: number): PollCase {
  const g = new Gen(prng(seed), DATA);
  const items: Item[] = [];
  for (const r of [0, 1, 2, 5, 6, 7]) items.push([0xb8 + r, ...le32(g.u32())]);
  items.push([0xbb, ...le32(DATA), 0xc7, 0x05, ...le32(BASE_PTR), ...le32(0x5c)]); // mov ebx, DATA; mov dword [BASE_PTR], 0x5c
  items.push([0xc7, 0x05, ...le32(COUNTER), ...le32(PASSES)], { label: 'pass' }); // mov dword [COUNTER], PASSES
  for (let r = 0; r < ROUNDS; r++) {
    items.push([0xb0, g.int(256), 0xe6, 0x60]); // mov al, c; out 0x60, al
    items.push(...pollLoop(g, r));
    for (let k = g.int(4); k > 0; k--) items.push(g.instruction());
  }
  // dec dword [COUNTER]; jz done; jmp pass (a near JMP: the pass may be longer than a short one reaches)
  items.push([0xff, 0x0d, ...le32(COUNTER)], { jcc: JZ, to: 'done' }, { jmp: 'pass' }, { label: 'done' });
  items.push([0xf4], { label: 'serial_in' }, [0x01, 0xc2, 0xec, 0x0f, 0xb6, 0xc0, 0xc3]); // hlt; serial_in: add edx, eax; in al, dx; movzx eax, al; ret
  return { code: assemble(items, at), stable: g.chance(0.7), counts: g.chance(0.5) };
}

/**
 * Cases first..first + count - 1, compiled and interpreted: the same halt, state and accesses.
 * Then, over all of them: polls skipped in many (the compiled run read the device less than
 * half as often: skipped polls ask stableRead instead), and nearly all restored before they halted.
 */
export function fuzzPolls(first: number, count: number, at: number): void {
  let skipped = 0;
  let restores = 0;
  for (let seed = first; seed < first + count; seed++) {
    const c = makePollCase(seed, at);
    const context = `seed ${seed} (${c.stable ? 'stable' : 'not stable'}, ${c.counts ? 'counting' : 'not counting'}), code ${Buffer.from(c.code).toString('hex')}`;
    const on = withPort(true, c.code, c.stable, c.counts);
    const off = withPort(false, c.code, c.stable, c.counts);
    // Mid-run, a third rig takes the compiled one's CPU, memory and device, as a migration's
    // destination would (its own compiler empty, its poll loops found again), and runs on.
    const restoreAt = 100 + ((seed * 37) % 3000);
    let restored: { port: Port; from: number } | null = null;
    if (runTo(on.r, restoreAt) === RunExit.REACHED) {
      const port = withPort(true, c.code, c.stable, c.counts);
      restoreInto(port.r, on.r);
      port.load(on.save());
      restored = { port, from: on.log.length };
    }
    expect(runTo(on.r, 2_000_000), context).toBe(RunExit.HALTED);
    expect(runTo(off.r, 2_000_000), context).toBe(RunExit.HALTED);
    expect(snapshot(on.r), context).toEqual(snapshot(off.r));
    expect(on.log, context).toEqual(off.log);
    if (restored !== null) {
      const re = restored.port;
      expect(runTo(re.r, 2_000_000), `${context}, restored at ${restoreAt}`).toBe(RunExit.HALTED);
      const { state, ram, icount } = snapshot(off.r);
      expect(snapshot(re.r), `${context}, restored at ${restoreAt}`).toMatchObject({ state, ram, icount });
      expect(re.log, `${context}, restored at ${restoreAt}`).toEqual(off.log.slice(restored.from));
      restores++;
    }
    if (on.reads < off.reads / 2) skipped++;
  }
  expect(skipped).toBeGreaterThan(count / 10);
  expect(restores).toBeGreaterThan(count * 0.8);
}
