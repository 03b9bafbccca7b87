/**
 * Poll loops: a loop that reads a port and tests what it read, until a device event changes it
 * (`1: in al, dx; test al, 0x20; je 1b` — waiting for the UART's THRE). Every iteration after
 * the first reads the same value and does the same thing, so a compiled one is run once and the
 * rest are counted: the iterations that fit before the slice's end (the next timer event, at
 * the latest) are skipped, when the port says its next read would return that value again and
 * change nothing (Bus.pioStableRead). The instruction count moves as if they ran, and observers
 * (the trace) see each skipped read at its own count: nothing else can tell them apart.
 *
 * A loop is one when, from its head (a label) to the branch back to it, with no other label in
 * between, it is an IN, then register-only instructions (TEST, CMP, ALU, MOV, MOVZX, NOP,
 * PAUSE) and branches out, then the conditional or unconditional jump back — and what an
 * iteration leaves depends only on the value read and on registers the loop does not write
 * (repeatsItself): xv6's `in al, dx; and eax, 0xc0; cmp al, 0x40; jne` is one, a loop counting
 * its polls in a register is not.
 */
import type { CpuCore } from '../core.js';
import { ioNeedsCheck } from '../ops-system.js';
import type { Insn } from './decode.js';

export interface PollLoop {
  /** The port: a constant, or DX (`r16[4]`), which the loop does not write. */
  readonly port: string;
  readonly size: number;
  /** The accumulator the IN wrote: the block keeps what it read (`pv`) for the jump back. */
  readonly acc: string;
  /** Instructions per iteration. */
  readonly length: number;
}

/**
 * The poll loop `body` is, or null: `body` is a loop's instructions in order, from its head to
 * the jump back to it, all translated, none of them but the head a branch target.
 */
export function pollLoop(body: readonly Insn[]): PollLoop | null {
  const first = body[0];
  const op = first.op;
  if (body.length < 2 || !(op === 0xe4 || op === 0xe5 || op === 0xec || op === 0xed)) return null;
  const last = body[body.length - 1].op;
  if (!conditional(last) && last !== 0xeb && last !== 0xe9) return null;
  const effects: Effect[] = [];
  for (let j = 0; j < body.length - 1; j++) {
    const e = effect(body[j]);
    if (e === null || (j > 0 && e.port)) return null;
    effects.push(e);
  }
  if (!repeatsItself(effects)) return null;
  const size = (op & 1) === 0 ? 1 : first.o32 ? 4 : 2;
  return {
    port: op < 0xec ? `0x${first.imm.toString(16)}` : 'r16[4]',
    size,
    acc: size === 1 ? 'r8[0]' : size === 2 ? 'r16[0]' : 'regs[0]',
    length: body.length,
  };
}

/**
 * What one instruction reads and writes: general-register bytes as lanes (bit 4 × register +
 * byte: AL lane 0, AH lane 1, EAX lanes 0–3) and the arithmetic flags (all of them, or none).
 */
export interface Effect {
  readonly reads: number;
  readonly writes: number;
  readonly readsFlags: boolean;
  readonly writesFlags: boolean;
  /** Doing it twice leaves what doing it once does (AND or OR with a constant or itself, MOV to itself). */
  readonly idempotent: boolean;
  readonly port: boolean;
}

/**
 * An iteration leaves what the last one left, given the same value read: every register byte and
 * flag it reads is one it does not write, or one it wrote earlier in the iteration — or one only
 * an idempotent instruction writes, from itself (`and eax, 0xffffffc0` after `in al, dx`), which
 * holds its value from the first iteration on.
 */
export function repeatsItself(effects: readonly Effect[]): boolean {
  let written = 0;
  let flagsWritten = false;
  const writers = new Array<number>(32).fill(0);
  for (const e of effects) {
    written |= e.writes;
    flagsWritten ||= e.writesFlags;
    for (let lane = 0; lane < 32; lane++) if ((e.writes >>> lane) & 1) writers[lane]++;
  }
  let defined = 0;
  let flagsDefined = false;
  for (const e of effects) {
    const carried = e.reads & ~defined & written;
    if (carried !== 0) {
      if (!e.idempotent || (carried & ~e.writes) !== 0) return false;
      for (let lane = 0; lane < 32; lane++) if ((carried >>> lane) & 1 && writers[lane] > 1) return false;
    }
    if (e.readsFlags && flagsWritten && !flagsDefined) return false;
    defined |= e.writes;
    flagsDefined ||= e.writesFlags;
  }
  return true;
}

/** Register `r`'s bytes of an operand of `size` bytes (r8: AL, CL, DL, BL, AH, CH, DH, BH). */
export function lanes(r: number, size: number): number {
  if (size === 1) return (r < 4 ? 1 << (r * 4) : 2 << ((r - 4) * 4)) >>> 0;
  return ((size === 2 ? 0x3 : 0xf) << (r * 4)) >>> 0;
}

const AND = 4;
const OR = 1;
const ADC = 2;
const SBB = 3;
const XOR = 6;
const SUB = 5;
const CMP = 7;

/** The effect of a register-only IN, TEST, CMP, ALU, MOV, MOVZX/MOVSX, NOP/PAUSE or Jcc; null for anything else. */
export function effect(i: Insn): Effect | null {
  const op = i.op;
  const osize = i.o32 ? 4 : 2;
  const modReg = i.modrm >= 0xc0;
  const reg = (i.modrm >> 3) & 7;
  const rm = i.modrm & 7;
  const none: Effect = { reads: 0, writes: 0, readsFlags: false, writesFlags: false, idempotent: false, port: false };
  if (op === 0xe4 || op === 0xe5 || op === 0xec || op === 0xed) {
    const size = (op & 1) === 0 ? 1 : osize;
    return { ...none, reads: op >= 0xec ? lanes(2, 2) : 0, writes: lanes(0, size), port: true };
  }
  if (op === 0x90) return none;
  if (conditional(op)) return { ...none, readsFlags: true };
  if ((op >= 0xb0 && op <= 0xbf)) return { ...none, writes: op < 0xb8 ? lanes(op - 0xb0, 1) : lanes(op - 0xb8, osize) };
  // ALU or TEST on the accumulator with an immediate.
  if (op < 0x40 && (op & 7) >= 4 && (op & 7) <= 5) {
    const alu = op >> 3;
    if (alu === ADC || alu === SBB) return null;
    const acc = lanes(0, (op & 1) === 0 ? 1 : osize);
    return { ...none, reads: acc, writes: alu === CMP ? 0 : acc, writesFlags: true, idempotent: alu === AND || alu === OR };
  }
  if (op === 0xa8 || op === 0xa9) return { ...none, reads: lanes(0, op === 0xa8 ? 1 : osize), writesFlags: true };
  if (!modReg) return null;
  // ALU r/m, r and r, r/m; TEST r/m, r.
  if ((op < 0x40 && (op & 7) <= 3) || op === 0x84 || op === 0x85) {
    const alu = op >= 0x84 ? CMP : op >> 3; // TEST writes nothing but flags, as CMP
    if (alu === ADC || alu === SBB) return null;
    const size = (op & 1) === 0 ? 1 : osize;
    const [dst, src] = (op & 2) === 0 || op >= 0x84 ? [lanes(rm, size), lanes(reg, size)] : [lanes(reg, size), lanes(rm, size)];
    if (dst === src && (alu === XOR || alu === SUB)) return { ...none, writes: dst, writesFlags: true }; // zeroing: reads nothing
    return { ...none, reads: dst | src, writes: alu === CMP ? 0 : dst, writesFlags: true, idempotent: dst === src && (alu === AND || alu === OR) };
  }
  if (op === 0x80 || op === 0x81 || op === 0x83) {
    if (reg === ADC || reg === SBB) return null;
    const r = lanes(rm, op === 0x80 ? 1 : osize);
    return { ...none, reads: r, writes: reg === CMP ? 0 : r, writesFlags: true, idempotent: reg === AND || reg === OR };
  }
  if ((op === 0xf6 || op === 0xf7) && reg <= 1) return { ...none, reads: lanes(rm, op === 0xf6 ? 1 : osize), writesFlags: true };
  if (op >= 0x88 && op <= 0x8b) {
    const size = (op & 1) === 0 ? 1 : osize;
    const [dst, src] = (op & 2) === 0 ? [lanes(rm, size), lanes(reg, size)] : [lanes(reg, size), lanes(rm, size)];
    return { ...none, reads: src, writes: dst, idempotent: dst === src };
  }
  if (op === 0x1b6 || op === 0x1b7 || op === 0x1be || op === 0x1bf) {
    return { ...none, reads: lanes(rm, (op & 1) === 0 ? 1 : 2), writes: lanes(reg, osize) };
  }
  return null;
}

export function conditional(op: number): boolean {
  return (op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f);
}

/**
 * Instructions skipped at once, at most: a slice with no event and no instruction limit ends at
 * Infinity, and a loop polling a port nothing will change (an absent device) goes on forever,
 * as it would in the interpreter — a billion instructions a step, not all of them at once.
 */
export const MAX_SKIP = 2 ** 30;

/**
 * A poll loop's jump back, taken: `ic` is the next iteration's count. Skips the whole iterations
 * that fit before the slice's end when the port's next read would return `value` again and
 * change nothing; returns the count after them (`ic` when none is skipped). Each skipped read
 * reaches the bus's observers at the count of the IN that would have made it.
 */
export function skipPolls(c: CpuCore, ic: number, port: number, size: number, value: number, length: number): number {
  const times = Math.floor(Math.min(c.sliceEnd - ic, MAX_SKIP) / length);
  if (times <= 0 || ioNeedsCheck(c)) return ic;
  const bus = c.bus;
  const v = size === 4 ? value >>> 0 : value;
  if (bus.pioStableRead(port, size) !== v) return ic;
  if (!bus.skippedPioReads(times, length)) {
    const clock = c.clock;
    const saved = clock.icount;
    for (let j = 0; j < times; j++) {
      clock.icount = ic + j * length;
      bus.skippedPioRead(port, size, v);
    }
    clock.icount = saved;
  }
  return ic + times * length;
}

/**
 * TSC waits: a loop that reads the TSC until a deadline passes, as Linux's `delay_tsc` —
 *
 *     1: rdtsc ; sub eax, esi ; sbb edx, edi ; cmp eax, ebx ; mov eax, edx ; sbb eax, ebp
 *        jae 2f ; pause ; jmp 1b
 *
 * gcc's `(u64)(rdtsc() - start) < cycles` with start and cycles in registers the loop does not
 * write. The TSC is the instruction count plus an offset, so the iterations before the one that
 * finds the deadline passed are known in advance: at the jump back, skipTsc counts those that
 * fit before the slice's end, keeping room for one more to run. What a skipped iteration leaves
 * that a run one would not — EAX, EDX, the flags — the next iteration overwrites before reading
 * (repeatsItself), and it runs before anything can look: the slice has room for it.
 */
export interface TscWait {
  /** Instructions per iteration. */
  readonly length: number;
  /** Instructions from the head to the RDTSC. */
  readonly index: number;
  /** The registers holding start (low, high) and cycles (low, high). */
  readonly start: readonly [number, number];
  readonly cycles: readonly [number, number];
}

/** The TSC wait `body` is (as pollLoop's body: head to the jump back), or null. */
export function tscWait(body: readonly Insn[]): TscWait | null {
  const last = body[body.length - 1];
  if (body.length < 8 || (!conditional(last.op) && last.op !== 0xeb && last.op !== 0xe9)) return null;
  const at = body.findIndex((i) => i.op === 0x131);
  if (at < 0 || body.some((i, j) => j !== at && i.op === 0x131)) return null;
  const chain = tscChain(body, at);
  if (chain === null) return null;
  // The loop goes on while CF is set ((now − start) < cycles): a JAE out, or a JB back.
  const jcc = body[chain.end].op;
  const back = chain.end === body.length - 1;
  if (back ? jcc !== 0x72 && jcc !== 0x182 : jcc !== 0x73 && jcc !== 0x183) return null;
  const effects: Effect[] = [];
  for (let j = 0; j < body.length; j++) {
    if (j === at) {
      effects.push(chain.effect);
      j = chain.end;
      continue;
    }
    const e = j === body.length - 1 ? { ...NONE, readsFlags: conditional(last.op) } : effect(body[j]);
    if (e === null || e.port) return null;
    effects.push(e);
  }
  if (!repeatsItself(effects) || !timedApart(effects, effects.indexOf(chain.effect))) return null;
  return { length: body.length, index: at, start: chain.start, cycles: chain.cycles };
}

const NONE: Effect = { reads: 0, writes: 0, readsFlags: false, writesFlags: false, idempotent: false, port: false };
const TIMED = lanes(0, 4) | lanes(2, 4);

/**
 * gcc's `(u64)(now - start) < cycles` after the RDTSC at `at` (NOPs between, as Linux's
 * `rdtsc_ordered` leaves them): `sub eax, sLo; sbb edx, sHi; cmp eax, cLo; mov eax, edx; sbb
 * eax, cHi`, then a JB or JAE (at `end`) — CF is set while the deadline has not passed. The
 * RDTSC, chain and branch as one effect: EAX and EDX written, start and cycles read, flags set.
 */
export function tscChain(body: readonly Insn[], at: number): { start: [number, number]; cycles: [number, number]; end: number; effect: Effect } | null {
  let k = at + 1;
  while (k < body.length && body[k].op === 0x90) k++;
  if (k + 5 > body.length - 1) return null;
  // ALU or MOV between EAX/EDX (`dst`) and another register, 32-bit, either direction: the other, or -1.
  const other = (i: Insn, toRm: number, toReg: number, dst: number): number => {
    if (!i.o32 || i.modrm < 0xc0) return -1;
    const rm = i.modrm & 7;
    const reg = (i.modrm >> 3) & 7;
    if (i.op === toRm && rm === dst) return reg;
    if (i.op === toReg && reg === dst) return rm;
    return -1;
  };
  const sLo = other(body[k], 0x29, 0x2b, 0); // sub eax, sLo
  const sHi = other(body[k + 1], 0x19, 0x1b, 2); // sbb edx, sHi
  const cLo = other(body[k + 2], 0x39, 0x3b, 0); // cmp eax, cLo
  const edx = other(body[k + 3], 0x89, 0x8b, 0); // mov eax, edx
  const cHi = other(body[k + 4], 0x19, 0x1b, 0); // sbb eax, cHi
  const jcc = body[k + 5].op;
  if (edx !== 2 || [sLo, sHi, cLo, cHi].some((r) => r < 0 || r === 0 || r === 2 || r === 4)) return null;
  if (jcc !== 0x72 && jcc !== 0x73 && jcc !== 0x182 && jcc !== 0x183) return null;
  const reads = lanes(sLo, 4) | lanes(sHi, 4) | lanes(cLo, 4) | lanes(cHi, 4);
  return { start: [sLo, sHi], cycles: [cLo, cHi], end: k + 5, effect: { ...NONE, reads, writes: TIMED, writesFlags: true } };
}

/**
 * What the TSC gives differs every iteration, so apart from the chain (`effects[at]`) nothing
 * reads or writes EAX or EDX, nothing writes start or cycles, and nothing reads the flags the
 * chain leaves before another instruction sets them.
 */
export function timedApart(effects: readonly Effect[], at: number): boolean {
  const fixed = effects[at].reads;
  let timedFlags = false;
  for (let j = 0; j < effects.length; j++) {
    const e = effects[j];
    if (j === at) {
      timedFlags = true;
      continue;
    }
    if (((e.reads | e.writes) & TIMED) !== 0 || (e.writes & fixed) !== 0 || (e.readsFlags && timedFlags)) return false;
    if (e.writesFlags) timedFlags = false;
  }
  return true;
}

const M64 = (1n << 64n) - 1n;

function u64(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/**
 * A TSC wait's jump back, taken: `ic` is the next iteration's count, `se` the block's slice end.
 * Skips the iterations that would find the deadline not yet passed, as many as fit before the
 * slice's end with `need`
 * instructions to spare (the run from the head: the next iteration runs whole); returns the
 * count after them. The TSC an iteration reads is its RDTSC's count plus the TSC offset.
 */
export function skipTsc(c: CpuCore, ic: number, se: number, length: number, index: number, need: number, sLo: number, sHi: number, cLo: number, cHi: number): number {
  const room = Math.floor((Math.min(Math.min(se, c.sliceEnd) - ic, MAX_SKIP) - need) / length);
  if (room <= 0) return ic;
  return ic + Math.min(room, beforeDeadline(c, ic, length, index, sLo, sHi, cLo, cHi)) * length;
}

/**
 * Of the iterations from the one starting at count `ic` (its RDTSC `index` instructions in),
 * how many find the deadline not passed — `(TSC − start) mod 2^64 < cycles`, start and cycles
 * in registers — at most MAX_SKIP.
 */
export function beforeDeadline(c: CpuCore, ic: number, length: number, index: number, sLo: number, sHi: number, cLo: number, cHi: number): number {
  const r = c.regs;
  const now = (BigInt(ic + index) + u64(c.tscOffsetHi, c.tscOffsetLo)) & M64;
  const elapsed = (now - u64(r[sHi], r[sLo])) & M64;
  const cycles = u64(r[cHi], r[cLo]);
  if (elapsed >= cycles) return 0;
  // Iterations k = 0, 1, … read now + k × length: they go on while elapsed + k × length < cycles.
  const stay = (cycles - elapsed - 1n) / BigInt(length) + 1n;
  return stay < BigInt(MAX_SKIP) ? Number(stay) : MAX_SKIP;
}
