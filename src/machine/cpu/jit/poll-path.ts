/**
 * Poll paths: poll loops that run through calls, returns, loads of constants from memory and a
 * countdown — Linux's early console waiting for the UART (arch/x86/kernel/early_printk.c):
 *
 *     1: mov edx, 5 ; mov eax, [early_serial_base] ; call [serial_in]
 *        (io_serial_in: add edx, eax ; in al, dx ; movzx eax, al ; ret)
 *        test al, 0x20 ; jne 2f ; dec esi ; je 2f ; pause ; jmp 1b
 *
 * 13 instructions, three blocks, one port read an iteration: ~15% of a Linux boot's first
 * 150 M instructions. poll-loop.ts skips loops inside one block; this finds such a loop from
 * the block at its head and skips its iterations there, at the dispatcher.
 *
 * What makes it safe:
 * - **The path.** From the head, every way on is followed for as many instructions as the
 *   loop has (both ways of a branch; direct calls; `call [constant]` through the value there;
 *   returns through the return addresses the path pushed). Exactly one way comes back to the
 *   head within that many instructions, and nothing on the way can leave for somewhere not
 *   known (an indirect jump, a return to a caller's address, any instruction the compiler
 *   leaves to the interpreter; HLT is a dead end, as only a delivered interrupt runs on after
 *   it): else no path.
 * - **One iteration repeats the last.** Along the loop the instructions are register-only
 *   (poll-loop.ts effect), loads from constant addresses, pushes and pops the path matches,
 *   calls and returns, one IN, and at most one countdown `dec r32` whose flags only a JE/JNE
 *   right after it reads, leaving the loop at zero. The register bytes and flags an iteration
 *   reads it wrote itself, or does not write (repeatsItself); its stores are its own stack
 *   pushes, below the head's ESP, of the same values every time. So from the state one
 *   iteration leaves at the head, the next does the same again with one less on the counter —
 *   while the port reads the same value.
 * - **That state is the one at the head now.** The head's block function is wrapped
 *   (pathRunner): it notes the count and the CPU's diversions at each visit. When the last
 *   visit was exactly one loop's length ago with no interrupt, exception, reset or restore in
 *   between, in the same run() (CpuCore.diversions: nothing but the CPU wrote memory), the
 *   loop's one path is what ran, so the CPU is in that state.
 * - **The port and memory still say so** (checked at every skip): the port's next read returns
 *   what the last IN read and changes nothing (Bus.pioStableRead), the code bytes and the
 *   indirect call's target are what was analysed, loads and pushes hit RAM, the loads do not
 *   overlap the pushes (physically), and no translated code is on the stack's pages.
 *
 * A skip then moves the count over whole iterations before the slice's end and before the
 * counter's last, takes them off the counter (and sets the flags its last DEC would have), marks
 * the stack pages dirty as the pushes would, and reports each skipped read to the bus's
 * observers at its own count. Nothing but the time it takes tells a skip from running them.
 *
 * The input may be the TSC instead of a port (a TSC wait, poll-loop.ts tscWait, across blocks:
 * `rdtsc; … jb stay` → `stay: pause; jmp head`): then the iterations before the deadline are
 * skipped, with room kept for one more to run whole (it rewrites EAX, EDX and the flags before
 * anything looks). Every way is followed, whatever memory holds now: which one an iteration
 * took is known from its count only when no other comes back to the head as soon — so Linux's
 * LAPIC calibration (a flag in memory, whose other way comes back sooner) is not one.
 */
import type { CpuCore } from '../core.js';
import { CS, SS } from '../constants.js';
import { ioNeedsCheck } from '../ops-system.js';
import { TLB_SUPERVISOR_WRITE, TLB_USER_WRITE } from '../paging.js';
import { decodeAt, type CodeWindow, type Insn } from './decode.js';
import { beforeDeadline, conditional, effect, lanes, MAX_SKIP, repeatsItself, timedApart, tscChain, type Effect } from './poll-loop.js';

/** Instructions an iteration has, at most. */
const MAX_PATH = 32;
/** Instructions looked at while following every way from the head, at most. */
const MAX_VISITS = 512;
/** ESP's bytes as lanes (poll-loop.ts lanes). */
const ESP_LANES = lanes(4, 4);

/** A load from a constant address: segment and offset, and its size. */
interface Load {
  readonly seg: number;
  readonly disp: number;
  readonly size: number;
}

export interface PollPath {
  /** EIP of the head: where the wrapped block starts. */
  readonly head: number;
  /** Instructions per iteration. */
  readonly length: number;
  /** Instructions from the head to the IN. */
  readonly inIndex: number;
  readonly size: number;
  /** The countdown register (`dec r32`), or -1. */
  readonly counter: number;
  /** The countdown's DEC is the iteration's last flag writer: the head's flags are its. */
  readonly counterFlags: boolean;
  readonly loads: readonly Load[];
  /** `call [constant]`: the target each went to (a skip checks it is still there). */
  readonly targets: readonly (Load & { readonly value: number })[];
  /** Every instruction of the loop, by EIP, with its bytes (a skip checks they are unchanged). */
  readonly code: readonly { readonly eip: number; readonly bytes: Uint8Array }[];
  /** Bytes below the head's ESP the iteration pushes to. */
  readonly stackBytes: number;
  /**
   * A TSC wait instead of a port poll (poll-loop.ts tscWait): the RDTSC's place in the iteration
   * and the registers of start and cycles; inIndex is -1.
   */
  readonly tsc: { readonly index: number; readonly start: readonly [number, number]; readonly cycles: readonly [number, number] } | null;
}

interface Step {
  readonly eip: number;
  readonly insn: Insn;
  readonly window: CodeWindow;
}

/** Physical address of `lin` for a read or write when finding it takes no page walk; else -1. */
function physKnown(c: CpuCore, lin: number, write: boolean): number {
  if (c.pg === 0) return lin & c.a20;
  const vpn = lin >>> 12;
  const cached = write ? (c.tlbBits[vpn] & (c.cpl === 3 ? TLB_USER_WRITE : TLB_SUPERVISOR_WRITE)) !== 0 : c.readCached(vpn);
  return cached ? c.tlbPhys[vpn] | (lin & 0xfff) : -1;
}

/** Physical address of RAM at `lin` (for `size` bytes within one page), or -1. */
function ramAt(c: CpuCore, lin: number, size: number, write: boolean): number {
  if (((lin & 0xfff) + size) > 0x1000) return -1;
  const p = physKnown(c, lin, write);
  return p === -1 || c.pageKind[p >>> 12] !== 0 ? -1 : p;
}

/** The code window of the page that holds `eip` (RAM, 32-bit code, within CS's limit), or null. */
function windowFor(c: CpuCore, eip: number): CodeWindow | null {
  const limit = c.segLimit[CS] >>> 0;
  if (eip >>> 0 > limit) return null;
  const lin = (c.segBase[CS] + eip) | 0;
  const p = physKnown(c, lin, false);
  if (p === -1 || c.pageKind[p >>> 12] !== 0) return null;
  const lo = (eip - (lin & 0xfff)) | 0;
  const len = Math.min(4096, limit - (lo >>> 0) + 1);
  return { ram: c.ram, lo, len, delta: ((p & ~0xfff) - lo) | 0, csD: true, paging: c.pg === 1 };
}

/** A dword of RAM at seg:disp without a page walk, or null. */
function peek32(c: CpuCore, seg: number, disp: number): number | null {
  const p = ramAt(c, (c.segBase[seg] + disp) | 0, 4, false);
  return p === -1 ? null : c.ram[p] | (c.ram[p + 1] << 8) | (c.ram[p + 2] << 16) | (c.ram[p + 3] << 24);
}

/**
 * A load from a constant address — MOV r, [constant] (8A, 8B, A0, A1) or CMP [constant], imm
 * (80, 81, 83 /7) — and the register bytes it writes (0 for CMP, which sets the flags); else null.
 */
function constantLoad(i: Insn): { load: Load; writes: number } | null {
  const op = i.op;
  const reg = (i.modrm >> 3) & 7;
  const wide = i.o32 ? 4 : 2;
  if (!absolute(i)) return null;
  const load = (size: number): Load => ({ seg: i.mem!.seg, disp: i.mem!.disp, size });
  if (op === 0x8a || op === 0x8b) return { load: load(op === 0x8a ? 1 : wide), writes: lanes(reg, op === 0x8a ? 1 : wide) };
  if (op === 0xa0 || op === 0xa1) return { load: load(op === 0xa0 ? 1 : wide), writes: lanes(0, op === 0xa0 ? 1 : wide) };
  if ((op === 0x80 || op === 0x81 || op === 0x83) && reg === 7) return { load: load(op === 0x80 ? 1 : wide), writes: 0 };
  return null;
}

function absolute(i: Insn): boolean {
  const m = i.mem;
  return m !== null && m.base === -1 && m.index === -1 && !m.a16;
}

/**
 * Every way on from the head, for up to MAX_PATH instructions: the ways back to it, and the
 * fewest instructions after which a way went somewhere not known (Infinity: none did).
 */
function explore(c: CpuCore, head: number): { loops: Step[][]; open: number } {
  const loops: Step[][] = [];
  let open = Infinity;
  let visits = 0;
  const path: Step[] = [];
  const walk = (eip: number, stack: number[] | null): void => {
    const steps = path.length;
    if (steps > 0 && eip === head) {
      loops.push(path.slice());
      return;
    }
    if (steps >= MAX_PATH) return;
    const stop = (): void => {
      open = Math.min(open, steps);
    };
    if (++visits > MAX_VISITS) return stop();
    const w = windowFor(c, eip);
    const insn = w === null ? null : decodeAt(w, eip);
    if (w === null || insn === null) return stop();
    // Only a delivered interrupt (a diversion) runs on after HLT: no way back from here. Any
    // other instruction the interpreter runs may go anywhere (a transfer, a REP counting its
    // iterations, a move to CR3 remapping what follows): somewhere not known.
    if (!insn.native) return insn.op === 0xf4 ? undefined : stop();
    const next = (eip + insn.length) | 0;
    path.push({ eip, insn, window: w });
    const op = insn.op;
    const reg = (insn.modrm >> 3) & 7;
    if (conditional(op)) {
      walk(next, stack);
      walk((next + insn.imm) | 0, stack);
    } else if (op === 0xeb || op === 0xe9) walk((next + insn.imm) | 0, stack);
    else if (op === 0xe8 || (op === 0xff && reg === 2 && absolute(insn))) {
      const target = op === 0xe8 ? (next + insn.imm) | 0 : peek32(c, insn.mem!.seg, insn.mem!.disp);
      if (target === null || !insn.o32) stop();
      else walk(target, stack === null ? null : [...stack, next]);
    } else if (op === 0xc3 && insn.o32 && stack !== null && stack.length > 0 && !Number.isNaN(stack[stack.length - 1])) {
      walk(stack[stack.length - 1], stack.slice(0, -1));
    }
    else if (op === 0xc3 || op === 0xc2 || op === 0xff && reg >= 2) stop();
    else if (op >= 0x50 && op <= 0x57) walk(next, stack === null || !insn.o32 ? null : [...stack, NaN]);
    else if (op >= 0x58 && op <= 0x5f) walk(next, stack === null || !insn.o32 || stack.length === 0 || op === 0x5c ? null : stack.slice(0, -1));
    else walk(next, movesEsp(insn) ? null : stack);
    path.pop();
  };
  walk(head, []);
  return { loops, open };
}

/** An instruction that may write ESP other than by pushing or popping (conservatively: any that names it). */
function movesEsp(i: Insn): boolean {
  const op = i.op;
  if (op === 0x44 || op === 0x4c || op === 0x94 || op === 0xbc || op === 0xc9 || op === 0x9c) return true;
  if (i.modrm < 0) return false;
  return (i.modrm >= 0xc0 && (i.modrm & 7) === 4) || ((i.modrm >> 3) & 7) === 4;
}

/** The poll path whose head is `head` (the CPU's window covers it), or null. */
export function findPollPath(c: CpuCore, head: number): PollPath | null {
  if (c.csD !== 1) return null;
  const { loops, open } = explore(c, head);
  if (loops.length === 0) return null;
  let length = MAX_PATH + 1;
  for (const l of loops) length = Math.min(length, l.length);
  // The loop is the one way back within its length; a way that went somewhere not known
  // could have come back to the head by then.
  if (loops.filter((l) => l.length <= length).length !== 1 || open + 1 <= length) return null;
  const loop = loops.find((l) => l.length === length)!;
  return analyse(c, head, loop);
}

function analyse(c: CpuCore, head: number, loop: readonly Step[]): PollPath | null {
  const effects: Effect[] = [];
  const loads: Load[] = [];
  const targets: (Load & { value: number })[] = [];
  let inIndex = -1;
  let size = 0;
  let counter = -1;
  let counterFlags = false;
  let depth = 0;
  let deepest = 0;
  let tsc: PollPath['tsc'] = null;
  let chainAt = -1;
  const none: Effect = { reads: 0, writes: 0, readsFlags: false, writesFlags: false, idempotent: false, port: false };
  for (let j = 0; j < loop.length; j++) {
    const { insn, eip } = loop[j];
    const op = insn.op;
    const reg = (insn.modrm >> 3) & 7;
    const next = (eip + insn.length) | 0;
    const constant = constantLoad(insn);
    let e: Effect | null;
    const stackOp = op === 0xe8 || op === 0xc3 || op === 0xff || (op >= 0x48 && op <= 0x5f);
    if (stackOp && !insn.o32) return null;
    if (op === 0xe8 || (op === 0xff && reg === 2 && absolute(insn))) {
      if (op === 0xff) {
        const value = peek32(c, insn.mem!.seg, insn.mem!.disp);
        if (value === null) return null;
        targets.push({ seg: insn.mem!.seg, disp: insn.mem!.disp, size: 4, value });
      }
      depth += 4;
      e = none;
    } else if (op === 0xc3) {
      depth -= 4;
      e = none;
    } else if (op === 0xeb || op === 0xe9) e = none;
    else if (op >= 0x50 && op <= 0x57 && op !== 0x54) {
      depth += 4;
      e = { ...none, reads: lanes(op - 0x50, 4) };
    } else if (op >= 0x58 && op <= 0x5f && op !== 0x5c) {
      depth -= 4;
      e = { ...none, writes: lanes(op - 0x58, 4) };
    } else if (constant !== null) {
      loads.push(constant.load);
      e = { ...none, writes: constant.writes, writesFlags: constant.writes === 0 };
    } else if (op === 0x131) {
      // RDTSC, the deadline's test and its branch, which stays while CF is set (JB taken, JAE not).
      const chain: ReturnType<typeof tscChain> = tsc === null ? tscChain(loop.map((x) => x.insn), j) : null;
      if (chain === null) return null;
      const jcc = loop[chain.end];
      const target = (jcc.eip + jcc.insn.length + jcc.insn.imm) | 0;
      const taken = loop[(chain.end + 1) % loop.length].eip === target;
      const jb = jcc.insn.op === 0x72 || jcc.insn.op === 0x182;
      if (target === ((jcc.eip + jcc.insn.length) | 0) || taken !== jb) return null;
      tsc = { index: j, start: chain.start, cycles: chain.cycles };
      chainAt = effects.length;
      effects.push(chain.effect);
      counterFlags = false;
      j = chain.end;
      continue;
    } else if (op >= 0x48 && op <= 0x4f && op !== 0x4c) {
      if (counter !== -1) return null;
      counter = op - 0x48;
      counterFlags = true;
      effects.push({ ...none, writesFlags: true });
      continue;
    } else {
      e = effect(insn);
      if (e === null) return null;
      if (e.port) {
        if (inIndex !== -1) return null;
        inIndex = j;
        size = (op & 1) === 0 ? 1 : insn.o32 ? 4 : 2;
      }
    }
    if (depth < 0) return null;
    deepest = Math.max(deepest, depth);
    if (((e.reads | e.writes) & ESP_LANES) !== 0) return null;
    if (e.readsFlags && counterFlags) {
      // Only the JE/JNE right after the DEC reads its flags, and stays in the loop while not zero.
      const prev = j > 0 ? loop[j - 1].insn.op : 0;
      const je = op === 0x74 || op === 0x184;
      const jne = op === 0x75 || op === 0x185;
      const target = (next + insn.imm) | 0;
      if (!(prev >= 0x48 && prev <= 0x4f) || !(je || jne) || target === next) return null;
      const taken = loop[(j + 1) % loop.length].eip === target;
      if (taken !== jne) return null;
    }
    if (e.writesFlags) counterFlags = false;
    effects.push(e);
  }
  // One input: a port, or the TSC (then no countdown, and the TSC's values kept to the chain).
  if ((inIndex === -1) === (tsc === null) || depth !== 0 || !repeatsItself(effects)) return null;
  if (tsc !== null && (counter !== -1 || !timedApart(effects, chainAt))) return null;
  if (counter !== -1) {
    const mine = lanes(counter, 4);
    if (effects.some((e) => ((e.reads | e.writes) & mine) !== 0)) return null;
  }
  const code = loop.map((s) => ({ eip: s.eip, bytes: s.window.ram.slice((s.eip + s.window.delta) | 0, (s.eip + s.window.delta + s.insn.length) | 0) }));
  return { head, length: loop.length, inIndex, size, counter, counterFlags, loads, targets, code, stackBytes: deepest, tsc };
}

type BlockFunction = (c: CpuCore) => number;

/**
 * The head's block function, wrapped: at each visit, when the last was one iteration ago with
 * nothing but the guest's instructions in between, the iterations the port and the slice allow
 * are skipped first. One per machine (the block function itself is shared).
 */
export function pathRunner(path: PollPath, block: BlockFunction): BlockFunction {
  let lastAt = -1;
  let lastDiversions = -1;
  return (c: CpuCore): number => {
    const clock = c.clock;
    let skipped = 0;
    if (clock.icount - lastAt === path.length && c.diversions === lastDiversions) skipped = skipIterations(c, path);
    lastAt = clock.icount;
    lastDiversions = c.diversions;
    return block(c) + skipped;
  };
}

/** Skip what an iteration at the head can, as the file's comment says; returns the instructions skipped. */
function skipIterations(c: CpuCore, path: PollPath): number {
  const clock = c.clock;
  const ic = clock.icount;
  const length = path.length;
  let times = Math.floor(Math.min(c.sliceEnd - ic, MAX_SKIP) / length);
  const tsc = path.tsc;
  if (path.counter !== -1) times = Math.min(times, (c.regs[path.counter] - 1) >>> 0);
  if (tsc !== null) {
    // The iterations before the deadline, keeping one whole iteration before the slice's end: it
    // overwrites what a skipped one would have left in EAX, EDX and the flags before anything looks.
    const [sLo, sHi] = tsc.start;
    const [cLo, cHi] = tsc.cycles;
    times = Math.min(times - 1, beforeDeadline(c, ic, length, tsc.index, sLo, sHi, cLo, cHi));
  }
  if (times <= 0 || !unchanged(c, path)) return 0;
  const bus = c.bus;
  const port = c.inPort;
  const value = c.inValue;
  if (tsc === null && (ioNeedsCheck(c) || port < 0 || bus.pioStableRead(port, path.size) !== value)) return 0;
  // The pushes: RAM the TLB lets us write, with no translated code on it; marked dirty as they
  // would. Physical ranges (two linear addresses can map one page): at most two, one per page.
  const stack: number[] = [];
  if (path.stackBytes !== 0) {
    const sp = (c.segBase[SS] + c.regs[4]) | 0;
    const low = (sp - path.stackBytes) | 0;
    const pLow = ramAt(c, low, 1, true);
    const pHigh = ramAt(c, (sp - 1) | 0, 1, true);
    if (pLow === -1 || pHigh === -1) return 0;
    if ((low & ~0xfff) === ((sp - 1) & ~0xfff)) stack.push(pLow, pHigh + 1);
    else stack.push(pLow, (pLow | 0xfff) + 1, pHigh & ~0xfff, pHigh + 1);
    for (let i = 0; i < stack.length; i += 2) if (c.mem.codePages[stack[i] >>> 12] !== 0) return 0;
  }
  // The loads (an indirect call's target among them): RAM, none of it pushed to.
  for (const l of [...path.loads, ...path.targets]) {
    const p = ramAt(c, (c.segBase[l.seg] + l.disp) | 0, l.size, false);
    if (p === -1) return 0;
    for (let i = 0; i < stack.length; i += 2) if (p < stack[i + 1] && stack[i] < p + l.size) return 0;
  }
  for (let i = 0; i < stack.length; i += 2) c.dirty[stack[i] >>> 12] = 1;
  if (tsc === null && !bus.skippedPioReads(times, length)) {
    for (let j = 0; j < times; j++) {
      clock.icount = ic + j * length + path.inIndex;
      bus.skippedPioRead(port, path.size, value);
    }
  }
  if (path.counter !== -1) {
    const r = (c.regs[path.counter] - times) | 0;
    c.regs[path.counter] = r;
    if (path.counterFlags) c.setDec((r + 1) | 0, r, 31);
  }
  clock.icount = ic + times * length;
  return times * length;
}

/** The loop's code bytes and its indirect calls' targets are what they were when it was analysed. */
function unchanged(c: CpuCore, path: PollPath): boolean {
  for (const t of path.targets) if (peek32(c, t.seg, t.disp) !== t.value) return false;
  for (const x of path.code) {
    const p = ramAt(c, (c.segBase[CS] + x.eip) | 0, x.bytes.length, false);
    if (p === -1) return false;
    for (let i = 0; i < x.bytes.length; i++) if (c.ram[p + i] !== x.bytes[i]) return false;
  }
  return true;
}
