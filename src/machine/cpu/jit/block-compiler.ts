/**
 * A block of guest code as one JavaScript function (`new Function`): the instructions from a
 * hot entry point in address order, on through conditional branches not taken and stepped
 * instructions of known length (length.ts), to the first unconditional transfer, page end or
 * MAX_BLOCK_INSTRUCTIONS. Each
 * instruction is a case of a switch on EIP: a branch to an instruction of the block (a loop)
 * stays inside the function, where V8 optimises the loop in place; any other target leaves
 * it, and the run loop dispatches the next block (jit.ts). Small
 * functions keep V8's optimising compiles short: a page-sized function with a switch per
 * instruction took 150 ms a compile, and was compiled again at every new path.
 *
 * Exactness: every instruction first checks the slice (`ic >= se`: the interpreter's own loop
 * condition on a copy of c.sliceEnd, reloaded after every call that can lower it: an access
 * that left the inline RAM path, a stepped instruction), so a block returns at the instruction
 * boundaries the interpreter's loop would reach — a timer deadline, an I/O or MMIO access that
 * cut the slice, a store into translated code (the memory's code hook sets sliceEnd to 0). An instruction emit.ts does not
 * translate is stepped: the interpreter runs exactly that one (a REP string instruction to its
 * end), and the block goes on at whatever EIP it left if that is one of its instructions and
 * the fetch window did not change.
 */
import { decodeAt, type CodeWindow, type Insn } from './decode.js';
import { emit } from './emit.js';
import { steppedLength } from './length.js';

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
  /** An inline store of `length` bytes at physical `addr` in a page with translations (emit-mem.ts). */
  readonly codeStore: unknown;
  /** The interpreter's port accesses (ops-system.ts ioRead / ioWrite). */
  readonly ioRead: unknown;
  readonly ioWrite: unknown;
}

/** Instructions per block function, at most. */
export const MAX_BLOCK_INSTRUCTIONS = 64;

/** A compiled block: its source, and which of the page's bytes it was translated from. */
export interface BlockCode {
  /** Byte ranges [start, end) of the page that its translations read. */
  readonly ranges: [number, number][];
  /** The generated source (for tests and for looking at). */
  readonly source: string;
  readonly instructions: number;
}

/** The block that starts at EIP `start`; `eipBase` is the EIP of the page's first byte under window `w`. */
export function compileBlockSource(w: CodeWindow, eipBase: number, start: number): BlockCode {
  const inPage = (eip: number): boolean => {
    const d = (eip - eipBase) | 0;
    const wd = (eip - w.lo) | 0;
    return d >= 0 && d < 4096 && wd >= 0 && wd < w.len;
  };
  const ctx = { inWindow: inPage };
  const body: string[] = [];
  const ranges: [number, number][] = [];
  let eip = start;
  let count = 0;
  let open = true; // the last instruction falls through
  while (count < MAX_BLOCK_INSTRUCTIONS && inPage(eip)) {
    const insn = decodeAt(w, eip);
    if (insn === null) break;
    const whole = insn.native && inPage((eip + insn.length - 1) | 0);
    if (insn.native && !whole) break; // crosses the page: the interpreter's
    const check = `case ${(eip - start) | 0}: if (ic >= se) { eip = ${eip}; break loop; }`;
    const code = whole ? emit(insn, ctx) : null;
    count++;
    if (code === null) {
      // Stepped: the interpreter runs it, and reads its bytes itself (no range to watch).
      const stepper = insn.op === 0xf2 || insn.op === 0xf3 ? 'stepRep' : 'step';
      body.push(`${check}\n    clock.icount = ic; c.eip = ${eip}; { const stay = ${stepper}(c); ic = clock.icount; eip = c.eip; ${RELOAD_ALL} if (stay) continue loop; break loop; }`);
      // The block goes on after it (a poll or a TSC loop stays inside), if its length is known.
      const length = steppedLength(w, eip);
      if (length === 0 || !inPage((eip + length) | 0)) {
        open = false;
        break;
      }
      eip = (eip + length) | 0;
      continue;
    }
    ranges.push([(eip - eipBase) | 0, ((eip - eipBase) | 0) + insn.length]);
    body.push(`${check}\n    ${code}`);
    eip = (eip + insn.length) | 0;
    if (ends(insn)) {
      open = false;
      break;
    }
  }
  if (open) body.push(`eip = ${eip}; continue loop;`);
  const source = `const { alu, inc, dec, neg, shift, imulTrunc, mulAcc, divAcc, shiftDouble, step, stepRep, codeStore, ioRead, ioWrite } = h;
return function block(c) {
  const regs = c.regs, r16 = c.r16, r8 = c.r8, clock = c.clock;
  const ram = c.ram, ram32 = c.ram32, pageKind = c.pageKind, dirty = c.dirty, codePages = c.codePages;
  const tlbBits = c.tlbBits, tlbPhys = c.tlbPhys;
  let se = 0, a20 = 0, fr = 0, fw = 0, sb = 0, pg = 0, tr = 0, tw = 0;
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
  return { ranges, source, instructions: count };
}

/** The block's copies of CPU state (emit-mem.ts): reloaded at entry and after a stepped instruction, which may change any of them. */
const RELOAD_ALL =
  'se = c.sliceEnd; a20 = c.a20; fr = c.flatRead; fw = c.flatWrite; sb = c.ssB; pg = c.pg; tr = c.cpl === 3 ? 4 : 1; tw = c.cpl === 3 ? 8 : 2;';

/** Build the function from compileBlockSource's text. */
export function instantiateBlock(code: BlockCode, helpers: BlockHelpers): (c: unknown) => number {
  return new Function('h', code.source)(helpers) as (c: unknown) => number;
}

/** A transfer a block ends at: JMP, CALL, RET, indirect CALL/JMP. */
function ends(i: Insn): boolean {
  const op = i.op;
  if (op === 0xe8 || op === 0xe9 || op === 0xeb || op === 0xc2 || op === 0xc3) return true;
  return op === 0xff && (((i.modrm >> 3) & 7) === 2 || ((i.modrm >> 3) & 7) === 4);
}
