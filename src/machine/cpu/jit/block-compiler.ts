/**
 * A block of guest code as one JavaScript function (`new Function`): the instructions from a
 * hot entry point in address order, on through conditional branches not taken and stepped
 * instructions of known length (length.ts), to the first unconditional transfer, page end (an
 * instruction across it is stepped, the block's last) or MAX_BLOCK_INSTRUCTIONS — and, after a
 * jump through a jump table, the cases the table points to in the page (decodeBlock). The
 * entry and every branch target among its instructions is a case of a switch on EIP (the rest
 * is straight code): a branch to an instruction of the block (a loop, a switch's case)
 * stays inside the function, where V8 optimises the loop in place; any other target leaves
 * it, and the run loop dispatches the next block (jit.ts). Small
 * functions keep V8's optimising compiles short: a page-sized function with a switch per
 * instruction took 150 ms a compile, and was compiled again at every new path.
 *
 * Exactness: the block is a few straight runs of instructions (from a label — the entry or a
 * branch target among its instructions — or from after a stepped instruction, to the next
 * label or stepped instruction). A run first checks that the slice covers all of it (`se - ic
 * < n`: otherwise it returns at that boundary and the interpreter, whose loop checks every
 * instruction, runs up to the slice's end), so within it the count is known at compile time;
 * after an instruction that may lower the slice's end (a call that reloads `se`: an access off
 * the inline RAM path, a port access, a store into a page with translations) the same check is
 * made again, leaving at that boundary if the rest no longer fits. A block so returns at the
 * instruction boundaries the interpreter's loop would reach — a timer deadline, an I/O or MMIO
 * access that cut the slice, a store into translated code (the memory's code hook sets
 * sliceEnd to 0). An instruction emit.ts does not
 * translate is stepped: the interpreter runs exactly that one (a REP string instruction to its
 * end), and the block goes on if it left EIP at the next instruction (else at a label, if it is
 * one) and the fetch window did not change.
 */
import { decodeAt, type CodeWindow, type Insn } from './decode.js';
import { emit, flushFlags, syncFlags, type EmitContext, type PendingFlags } from './emit.js';
import { steppedLength } from './length.js';
import { pollLoop, tscWait, type PollLoop, type TscWait } from './poll-loop.js';
import { emittingFor } from './emit-mem.js';

/** What a block function needs besides the CPU: the interpreter's ALU helpers and the steppers. */
export interface BlockHelpers {
  readonly alu: unknown;
  readonly inc: unknown;
  readonly dec: unknown;
  readonly neg: unknown;
  readonly shift: unknown;
  readonly imulTrunc: unknown;
  readonly mulAcc: unknown;
  readonly divAcc: unknown;
  readonly shiftDouble: unknown;
  /** Run the one instruction at c.eip in the interpreter; false: leave the block. */
  readonly step: unknown;
  /** The same for a REP string instruction: the interpreter runs it to its end (or the slice's). */
  readonly stepRep: unknown;
  /** (c, addr, length): an inline store of `length` bytes at physical `addr` near translated code (emit-mem.ts). */
  readonly codeStore: unknown;
  /** The interpreter's port accesses (ops-system.ts ioRead / ioWrite). */
  readonly ioRead: unknown;
  readonly ioWrite: unknown;
  /** The interpreter's RDTSC (ops-msr.ts). */
  readonly rdtsc: unknown;
  /** (c, o32: 0 or 1): the interpreter's PUSHF at this operand size; and its CLI (ops-system.ts). */
  readonly pushf: unknown;
  readonly cli: unknown;
  /** A poll loop's jump back (poll-loop.ts skipPolls). */
  readonly skipPolls: unknown;
  /** A TSC wait's jump back (poll-loop.ts skipTsc). */
  readonly skipTsc: unknown;
}

/** Instructions per block function, at most. */
export const MAX_BLOCK_INSTRUCTIONS = 64;

/** A compiled block: its source, and which of the page's bytes it was translated from. */
export interface BlockCode {
  /** Byte ranges [start, end) from the page's first byte that its translations read (beyond 4096: the next page's). */
  readonly ranges: [number, number][];
  /** The generated source (for tests and for looking at). */
  readonly source: string;
  readonly instructions: number;
}

/** One instruction of a block: translated (`insn` native) or stepped. */
interface Slot {
  readonly eip: number;
  readonly insn: Insn;
  /** Stepped: the interpreter runs it; its length (0: unknown, the block ends with it). */
  readonly stepped: boolean;
  readonly length: number;
}

/**
 * The block that starts at EIP `start`; `eipBase` is the EIP of the page's first byte under
 * window `w`, and the block's bytes are the `bytes` from there (one page, or two).
 */
export function compileBlockSource(w: CodeWindow, eipBase: number, start: number, bytes = 4096): BlockCode {
  return emittingFor(w.paging === true, () => writeBlock(w, eipBase, start, bytes));
}

function writeBlock(w: CodeWindow, eipBase: number, start: number, bytes: number): BlockCode {
  const inPage = (eip: number): boolean => {
    const d = (eip - eipBase) | 0;
    const wd = (eip - w.lo) | 0;
    return d >= 0 && d < bytes && wd >= 0 && wd < w.len;
  };
  // Decode first: the branch targets among the block's own instructions are its labels.
  const { slots, ranges, entries, open, end } = decodeBlock(w, eipBase, start, inPage);
  const at = new Set(slots.map((x) => x.eip));
  const labels = new Set<number>(entries);
  for (const x of slots) {
    const t = x.stepped ? null : staticTarget(x.insn);
    if (t !== null && at.has(t)) labels.add(t);
  }
  const polls = pollLoops(slots, labels);
  const pollHeads = new Map([...polls.values()].map((p) => [p.headIndex, p]));
  const waits = tscWaits(slots, labels);
  // Runs: from a label, or from the instruction after a stepped one, to the next label, the
  // end of the block or a stepped instruction (included). A run starts by checking that the
  // slice covers all of it; within it, the count is known at compile time (`ic + k`), and
  // after an instruction that may lower the slice's end (a call that reloads `se`) the check
  // is made again, leaving at that boundary if the rest no longer fits.
  const runLength = (from: number): number => {
    let n = 0;
    for (let j = from; j < slots.length; j++) {
      if (j > from && labels.has(slots[j].eip)) break;
      n++;
      if (slots[j].stepped) break;
    }
    return n;
  };
  const body: string[] = [];
  const fl: PendingFlags = { kind: null };
  let k = 0;
  let n = 0;
  let runStart = true;
  for (let j = 0; j < slots.length; j++) {
    const x = slots[j];
    const off = (x.eip - start) | 0;
    if (labels.has(x.eip)) {
      if (j > 0) body.push(`${syncFlags(fl)}${k === 0 ? '' : `ic += ${k};`}`);
      body.push(`case ${off}:`);
      k = 0;
      runStart = true;
    }
    if (runStart) {
      n = runLength(j);
      body.push(`  if (se - ic < ${n}) { eip = ${x.eip}; break loop; }`);
      runStart = false;
    }
    const icNow = k === 0 ? 'ic' : `(ic + ${k})`;
    const nextEip = (x.eip + x.length) | 0;
    if (x.stepped) {
      const stepper = x.insn.op === 0xf2 || x.insn.op === 0xf3 ? 'stepRep' : 'step';
      body.push(`  ${syncFlags(fl)}clock.icount = ${icNow}; c.eip = ${x.eip}; { const stay = ${stepper}(c); ic = clock.icount; eip = c.eip; ${RELOAD_ALL} if (!stay) break loop; if (eip !== ${nextEip}) continue loop; }`);
      // The end of a path with another after it: EIP and the count are current, the switch goes on or leaves.
      if (pathEnds(slots, j)) body.push('  continue loop;');
      k = 0;
      runStart = true;
      continue;
    }
    const ctx: EmitContext = {
      inWindow: inPage,
      ic: icNow,
      flags: fl,
      to: (t) => {
        const count = `${flushFlags(fl)}ic += ${k + 1};`;
        if (typeof t === 'string') return `${count} eip = ${t}; continue loop;`;
        const poll = polls.get(j);
        if (poll !== undefined && t === slots[poll.headIndex].eip) {
          return `${count} ic = skipPolls(c, ic, ${poll.port}, ${poll.size}, pv, ${poll.length}); eip = ${t}; continue loop;`;
        }
        const wait = waits.get(j);
        if (wait !== undefined && t === slots[wait.headIndex].eip) {
          const [sLo, sHi] = wait.start;
          const [cLo, cHi] = wait.cycles;
          const need = runLength(wait.headIndex);
          return `${count} ic = skipTsc(c, ic, se, ${wait.length}, ${wait.index}, ${need}, ${sLo}, ${sHi}, ${cLo}, ${cHi}); eip = ${t}; continue loop;`;
        }
        return `${count} eip = ${t}; ${labels.has(t) ? 'continue' : 'break'} loop;`;
      },
    };
    const code = emit(x.insn, ctx) as string;
    // A poll loop's IN keeps the value it read for the jump back (the loop may change the accumulator).
    const head = pollHeads.get(j);
    body.push(head === undefined ? `  ${code}` : `  ${code} pv = ${head.acc};`);
    k++;
    // After a call that may have lowered the slice's end: does the rest of the run still fit?
    const lastOfRun = j + 1 >= slots.length || labels.has(slots[j + 1].eip);
    if (code.includes('se = c.sliceEnd') && !lastOfRun) body.push(`  if (se - ic < ${n}) { ${flushFlags(fl)}ic += ${k}; eip = ${nextEip}; break loop; }`);
    // The end of a path that falls through (the page's end, code decoded already) with another
    // path after it: on to the next instruction, in the block if it is a label.
    if (pathEnds(slots, j) && !ends(x.insn)) {
      body.push(`${syncFlags(fl)}ic += ${k}; eip = ${nextEip}; continue loop;`);
      k = 0;
    }
  }
  if (open) body.push(`${syncFlags(fl)}ic += ${k}; eip = ${end}; continue loop;`);
  const source = `const { alu, inc, dec, neg, shift, imulTrunc, mulAcc, divAcc, shiftDouble, step, stepRep, codeStore, ioRead, ioWrite, rdtsc, pushf, cli, skipPolls, skipTsc } = h;
return function block(c) {
  const regs = c.regs, r16 = c.r16, r8 = c.r8, clock = c.clock;
  const ram = c.ram, ram32 = c.ram32, pageKind = c.pageKind, dirty = c.dirty, codeLines = c.codeLines;
  const tlbBits = c.tlbBits, tlbPhys = c.tlbPhys;
  let se = 0, a20 = 0, fr = 0, fw = 0, sb = 0, tr = 0, tw = 0;
  let fa = 0, fb = 0, fres = 0;${polls.size === 0 ? '' : ' let pv = 0;'}
  ${RELOAD_ALL}
  const ic0 = clock.icount;
  let ic = ic0;
  let eip = ${start};
  loop: for (;;) {
    switch ((eip - ${start}) | 0) {
    ${body.join('\n    ')}
    default: break loop;
    }
  }
  clock.icount = ic;
  c.eip = eip;
  return ic - ic0;
};`;
  return { ranges, source, instructions: slots.length };
}

/**
 * The block's poll loops (poll-loop.ts), by the index of the slot that jumps back to the head:
 * a jump to a label earlier in the block with no label after it up to the jump, so that an
 * iteration reaching the jump ran every instruction from the head, none of them stepped.
 */
function pollLoops(slots: readonly Slot[], labels: ReadonlySet<number>): Map<number, PollLoop & { headIndex: number }> {
  return loopsOf(slots, labels, pollLoop);
}

/** The block's TSC waits (poll-loop.ts tscWait), as pollLoops finds poll loops. */
function tscWaits(slots: readonly Slot[], labels: ReadonlySet<number>): Map<number, TscWait & { headIndex: number }> {
  return loopsOf(slots, labels, tscWait);
}

/** The loops `recognise` accepts, by the index of the jump back (loopsBack). */
function loopsOf<T>(slots: readonly Slot[], labels: ReadonlySet<number>, recognise: (body: Insn[]) => T | null): Map<number, T & { headIndex: number }> {
  const found = new Map<number, T & { headIndex: number }>();
  for (const [j, s] of loopsBack(slots, labels)) {
    const loop = recognise(slots.slice(s, j + 1).map((x) => x.insn));
    if (loop !== null) found.set(j, { ...loop, headIndex: s });
  }
  return found;
}

/** [index of the jump back, index of the head] of each loop pollLoops and tscWaits look at. */
function loopsBack(slots: readonly Slot[], labels: ReadonlySet<number>): [number, number][] {
  const found: [number, number][] = [];
  for (let j = 1; j < slots.length; j++) {
    const t = slots[j].stepped ? null : staticTarget(slots[j].insn);
    if (t === null || !labels.has(t)) continue;
    let s = j;
    while (s > 0 && slots[s].eip !== t && !slots[s - 1].stepped && !labels.has(slots[s].eip)) s--;
    if (slots[s].eip === t && !slots[s].stepped) found.push([j, s]);
  }
  return found;
}

/** emit()'s context while decoding (only whether an instruction is translated matters then). */
const probe = (): EmitContext => ({ inWindow: () => false, ic: 'ic', to: () => '', flags: { kind: null } });

/** The target of a near jump, call or conditional branch whose target is a constant; else null. */
function staticTarget(i: Insn): number | null {
  const op = i.op;
  if (!((op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f) || op === 0xe8 || op === 0xe9 || op === 0xeb)) return null;
  const t = (i.eip + i.length + i.imm) | 0;
  return i.o32 ? t : t & 0xffff;
}

/** The block's copies of CPU state (emit-mem.ts): reloaded at entry and after a stepped instruction, which may change any of them. */
const RELOAD_ALL =
  'se = c.sliceEnd; a20 = c.a20; fr = c.flatRead; fw = c.flatWrite; sb = c.ssB; tr = c.cpl === 3 ? 4 : 1; tw = c.cpl === 3 ? 8 : 2;';

/** Build the function from compileBlockSource's text. */
export function instantiateBlock(code: BlockCode, helpers: BlockHelpers): (c: unknown) => number {
  return new Function('h', code.source)(helpers) as (c: unknown) => number;
}

/** Entries of a jump table looked at, at most. */
const MAX_TABLE = 64;

/**
 * Slot j ends a path and another path follows it in `slots` (the last slot's end is the
 * block's own: compileBlockSource's `open` epilogue).
 */
function pathEnds(slots: readonly Slot[], j: number): boolean {
  if (j + 1 >= slots.length) return false;
  const x = slots[j];
  return x.length === 0 || slots[j + 1].eip !== ((x.eip + x.length) | 0);
}

/**
 * The block's instructions: from `start` in address order, on through conditional branches not
 * taken and stepped instructions of known length, to the first unconditional transfer, the
 * page's end (an instruction across it is stepped, the path's last) or MAX_BLOCK_INSTRUCTIONS.
 * After an indirect jump through a table at a constant address (`jmp [table + reg * 4]`: a
 * switch), the targets the table holds now in this page are decoded too, each a path of its
 * own and a label (`entries`), so that the jump goes on in the block as a branch does, and so
 * is the target of a JMP that ends such a path (a case's `break`); a path ends as the first
 * does, or where it reaches code decoded already (a label too). The
 * table is read only as a hint (w.readTable): whatever the jump finds at run time, a target
 * that is not a label leaves the block. `open`: the last path falls through to `end`.
 */
function decodeBlock(
  w: CodeWindow,
  eipBase: number,
  start: number,
  inPage: (eip: number) => boolean,
): { slots: Slot[]; ranges: [number, number][]; entries: Set<number>; open: boolean; end: number } {
  const slots: Slot[] = [];
  const ranges: [number, number][] = [];
  const at = new Set<number>();
  const entries = new Set<number>([start]);
  const targets: number[] = [];
  let eip = start;
  let open = true;
  for (;;) {
    open = true;
    while (slots.length < MAX_BLOCK_INSTRUCTIONS && inPage(eip)) {
      if (at.has(eip)) {
        entries.add(eip); // falls into code decoded already
        break;
      }
      at.add(eip);
      const insn = decodeAt(w, eip);
      if (insn === null || (insn.native && !inPage((eip + insn.length - 1) | 0))) {
        // It crosses the page: stepped, as the path's last instruction (the interpreter reads
        // both pages). Ending the block before it instead left a loop over a page boundary to
        // the interpreter from there on: the next page's part never started a block.
        slots.push({ eip, insn: crossing(w, eip), stepped: true, length: 0 });
        open = false;
        break;
      }
      const code = insn.native ? emit(insn, probe()) : null;
      if (code === null) {
        // Stepped: the interpreter runs it, and reads its bytes itself (no range to watch).
        // The path goes on after it (a poll or a TSC loop stays inside), if its length is known.
        const length = steppedLength(w, eip);
        slots.push({ eip, insn, stepped: true, length });
        if (length === 0 || !inPage((eip + length) | 0)) {
          open = false;
          break;
        }
        eip = (eip + length) | 0;
        continue;
      }
      ranges.push([(eip - eipBase) | 0, ((eip - eipBase) | 0) + insn.length]);
      slots.push({ eip, insn, stepped: false, length: insn.length });
      eip = (eip + insn.length) | 0;
      if (ends(insn)) {
        open = false;
        for (const x of tableTargets(w, insn)) if (inPage(x) && !at.has(x) && !targets.includes(x)) targets.push(x);
        // A case's jump to the switch's end (after its `break`) is followed too, before the
        // other cases: the loop around a switch comes back to its head from there, for every case.
        const t = staticTarget(insn);
        if (entries.size > 1 && (insn.op === 0xe9 || insn.op === 0xeb) && t !== null && inPage(t) && !at.has(t)) targets.unshift(t);
        break;
      }
    }
    if (slots.length >= MAX_BLOCK_INSTRUCTIONS) break;
    let next: number | undefined;
    while (next === undefined && targets.length > 0) {
      const t = targets.shift()!;
      if (!at.has(t)) next = t;
      else entries.add(t); // decoded already (on from another case): a label all the same
    }
    if (next === undefined) break;
    entries.add(next);
    eip = next;
  }
  return { slots, ranges, entries, open, end: eip };
}

/**
 * The entries of the jump table `i` jumps through (JMP [disp + index * 4], 32-bit, no base),
 * as w.readTable reads them now: up to MAX_TABLE, to the first it cannot read or that leaves
 * the window. Nothing for any other instruction, or without readTable.
 */
function tableTargets(w: CodeWindow, i: Insn): number[] {
  const m = i.mem;
  if (w.readTable === undefined || i.op !== 0xff || ((i.modrm >> 3) & 7) !== 4 || m === null) return [];
  if (!i.o32 || m.a16 || m.base >= 0 || m.index < 0 || m.scale !== 2) return [];
  const found: number[] = [];
  for (let k = 0; k < MAX_TABLE; k++) {
    const t = w.readTable(m.seg, (m.disp + 4 * k) | 0);
    if (t === null || ((t - w.lo) | 0) < 0 || ((t - w.lo) | 0) >= w.len) break;
    found.push(t);
  }
  return found;
}

/** An instruction that crosses the page, to be stepped: only its first byte is read (REP or not). */
function crossing(w: CodeWindow, eip: number): Insn {
  return { eip, length: 0, op: w.ram[(eip + w.delta) | 0], o32: false, modrm: -1, mem: null, imm: 0, native: false };
}

/** A transfer a block ends at: JMP, CALL, RET, indirect CALL/JMP. */
function ends(i: Insn): boolean {
  const op = i.op;
  if (op === 0xe8 || op === 0xe9 || op === 0xeb || op === 0xc2 || op === 0xc3) return true;
  return op === 0xff && (((i.modrm >> 3) & 7) === 2 || ((i.modrm >> 3) & 7) === 4);
}
