/**
 * One page of guest code as one JavaScript function (`new Function`): every instruction
 * decoded from the page's hot entry points is a `case` of a switch on EIP, in address order,
 * falling through to the next; jumps inside the page set EIP and re-dispatch, so a loop runs
 * inside one function, where V8 optimises it (on-stack replacement included).
 *
 * Exactness: every case first checks the slice (`ic >= c.sliceEnd`: the interpreter's own
 * loop condition), so the page returns at the same instruction boundaries the interpreter's
 * loop would reach — a timer deadline, an I/O access that cut the slice, a store into
 * translated code (the memory's code hook sets sliceEnd to 0). Instructions emit.ts does not
 * translate are stepped: the interpreter runs exactly that one (helpers.step), and dispatch
 * continues at whatever EIP it left, unless it changed the fetch window (a far jump, a mode
 * or paging change), in which case the page returns to the run loop.
 */
import { decodeAt, type CodeWindow, type Insn } from './decode.js';
import { emit } from './emit.js';

/** What a page function needs besides the CPU: the interpreter's ALU helpers and the stepper. */
export interface PageHelpers {
  readonly alu: unknown;
  readonly inc: unknown;
  readonly dec: unknown;
  readonly neg: unknown;
  readonly shift: unknown;
  readonly imulTrunc: unknown;
  /** Run the one instruction at c.eip in the interpreter; false: leave the page. */
  readonly step: unknown;
}

/** Translated instructions per page function: V8 does not optimise functions beyond ~60 KB of bytecode. */
export const MAX_PAGE_INSTRUCTIONS = 320;

/** A compiled page: its function, and which of the page's bytes it was translated from. */
export interface PageCode {
  /** The instruction boundaries translated, as offsets in the page. */
  readonly offsets: number[];
  /** One bit per byte of the page that some translated (or stepped) instruction's bytes cover... as ranges [start, end). */
  readonly ranges: [number, number][];
  /** The generated source (for tests and for looking at). */
  readonly source: string;
  readonly instructions: number;
}

/** Byte offsets are relative to the page's first EIP: eipBase + offset maps to the page's byte `offset`. */
export function compilePageSource(w: CodeWindow, eipBase: number, entries: readonly number[]): PageCode {
  const inPage = (eip: number): boolean => {
    const d = (eip - eipBase) | 0;
    const wd = (eip - w.lo) | 0;
    return d >= 0 && d < 4096 && wd >= 0 && wd < w.len;
  };
  const decoded = new Map<number, { insn: Insn; code: string | null }>();
  const work = entries.filter(inPage);
  const ctx = { inWindow: inPage };
  while (work.length > 0 && decoded.size < MAX_PAGE_INSTRUCTIONS) {
    let eip = work.shift()!;
    while (!decoded.has(eip) && inPage(eip) && decoded.size < MAX_PAGE_INSTRUCTIONS) {
      const insn = decodeAt(w, eip);
      if (insn === null) break;
      if (!insn.native) {
        decoded.set(eip, { insn, code: null });
        break;
      }
      // A translation must stay in the page: its last byte too.
      if (!inPage((eip + insn.length - 1) | 0)) break;
      const code = emit(insn, ctx);
      decoded.set(eip, { insn, code });
      if (code === null) break;
      const nextEip = (eip + insn.length) | 0;
      const target = branchTarget(insn, nextEip);
      if (target !== null && inPage(target)) work.push(target);
      if (ends(insn)) {
        if (insn.op === 0xe8 || (insn.op === 0xff && ((insn.modrm >> 3) & 7) === 2)) work.push(nextEip); // the return lands here
        break;
      }
      eip = nextEip;
    }
  }
  const eips = [...decoded.keys()].sort((a, b) => ((a - eipBase) | 0) - ((b - eipBase) | 0));
  const cases: string[] = [];
  const ranges: [number, number][] = [];
  for (let k = 0; k < eips.length; k++) {
    const eip = eips[k];
    const { insn, code } = decoded.get(eip)!;
    const off = (eip - eipBase) | 0;
    const check = `if (ic >= c.sliceEnd) { eip = ${eip}; break loop; }`;
    if (code === null) {
      // Stepped: its bytes are still covered, so a store into them drops the page.
      ranges.push([off, Math.min(4096, off + (insn.length > 0 ? insn.length : 1))]);
      cases.push(`case ${off}: ${check}\n  clock.icount = ic; c.eip = ${eip}; { const stay = step(c); ic = clock.icount; eip = c.eip; if (stay) continue loop; break loop; }`);
      continue;
    }
    ranges.push([off, off + insn.length]);
    const nextEip = (eip + insn.length) | 0;
    const fallsThrough = !ends(insn) && k + 1 < eips.length && eips[k + 1] === nextEip;
    const tail = ends(insn) || fallsThrough ? '' : ` eip = ${nextEip}; continue loop;`;
    cases.push(`case ${off}: ${check}\n  ${code}${tail}`);
  }
  const source = `const { alu, inc, dec, neg, shift, imulTrunc, step } = h;
return function page(c, entry) {
  const regs = c.regs, r16 = c.r16, r8 = c.r8, clock = c.clock;
  const ic0 = clock.icount;
  let ic = ic0;
  let eip = entry;
  loop: for (;;) {
    switch ((eip - ${eipBase}) | 0) {
${cases.join('\n')}
      default: break loop;
    }
  }
  clock.icount = ic;
  c.eip = eip;
  return ic - ic0;
};`;
  return { offsets: eips.map((e) => (e - eipBase) | 0), ranges: mergeRanges(ranges), source, instructions: eips.length };
}

/** Build the function from compilePageSource's text. */
export function instantiatePage(code: PageCode, helpers: PageHelpers): (c: unknown, eip: number) => number {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('h', code.source)(helpers) as (c: unknown, eip: number) => number;
}

/** A transfer the page continues after only by dispatch: JMP, CALL, RET, indirect CALL/JMP. */
function ends(i: Insn): boolean {
  const op = i.op;
  if (op === 0xe8 || op === 0xe9 || op === 0xeb || op === 0xc2 || op === 0xc3) return true;
  return op === 0xff && (((i.modrm >> 3) & 7) === 2 || ((i.modrm >> 3) & 7) === 4);
}

function branchTarget(i: Insn, nextEip: number): number | null {
  const op = i.op;
  if ((op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f) || op === 0xe8 || op === 0xe9 || op === 0xeb) {
    return i.o32 ? (nextEip + i.imm) | 0 : (nextEip + i.imm) & 0xffff;
  }
  return null;
}

function mergeRanges(ranges: [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}
