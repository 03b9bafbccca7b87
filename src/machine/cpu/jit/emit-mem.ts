/**
 * Memory accesses in compiled code: the interpreter's RAM fast path written inline, with a
 * call to the interpreter's own accessor (c.rd32, c.wr32, c.push32...) for everything else.
 *
 * The inline path is taken only where the interpreter's accessor would do nothing but the RAM
 * access (core.ts rd32 → rdLin32 → ram32): the segment is flat for the access (base 0, no limit
 * check: `fr` / `fw`, c.flatRead / c.flatWrite), the physical address is known without a walk
 * (paging off: offset & A20; on: a TLB entry that grants the access at this CPL, paging.ts
 * physRead / physWrite, else the accessor walks), its page is RAM, and the access is aligned
 * (32-bit) or within the page (16-bit). A store
 * marks the page dirty as wrLin does, and into a page with translations (codePages) tells the
 * compiler as wrLin does, through `codeStore` (jit.ts codeWritten, without memory's layers);
 * if that cut the slice (the store overwrote translated bytes), the slice end is reloaded.
 * Nothing else the inline path does can fault, reach a device or change the slice, so it
 * stores no state: the slow path stores first what an exception or a device must find
 * (`slow`: clock.icount, c.startEip, c.eip), and afterwards reloads the slice end and A20
 * (`RELOAD`), which a device or a store into code may change.
 *
 * Block-local names these use (block-compiler.ts declares them): `fr`, `fw` (flat segment bits
 * for reads and writes), `sb` (SS.B), `a20`, `se` (the slice end), `tr` / `tw` (the TLB bits
 * that grant a read / write at the CPL), `tlbBits`, `tlbPhys`, `ram`, `ram32`, `pageKind`,
 * `dirty`, `codeLines`, and the helper `codeStore`.
 *
 * A block is compiled for paging on or off (jit.ts keys its pages by it), so only that way of
 * finding the physical address is written (`emittingFor`): the other would be parsed, turned
 * into bytecode and graphed by V8 only to be dropped, in every access of every block —
 * measured, 9% of the CPU time of a fresh process's run of the kernels guest.
 */

import { SS } from '../constants.js';

/** log2 of the bytes per entry of c.codeLines: a store into a marked line may overwrite translated code. */
export const CODE_LINE_SHIFT = 6;

/** Paging on for the block being written (emittingFor). */
let paging = false;

/** Write `emit`'s accesses for a block compiled with paging on or off. */
export function emittingFor<T>(pagingOn: boolean, emit: () => T): T {
  const was = paging;
  paging = pagingOn;
  try {
    return emit();
  } finally {
    paging = was;
  }
}

/** After a slow path: what a device access or a store into code may have changed. */
export const RELOAD = 'se = c.sliceEnd; a20 = c.a20;';

/** `let dst` = the `size`-byte value (zero-extended; 32-bit: an int32) at seg:off; `off` is an int32 expression without side effects. */
export function load(dst: string, size: 1 | 2 | 4, seg: number, off: string, slow: string): string {
  const fn = size === 4 ? 'rd32' : size === 2 ? 'rd16' : 'rd8';
  return `let ${dst}; { const p = ${phys(off, 'tr')}; if (${readFast(size, `(fr & ${1 << seg}) !== 0`)}) ${dst} = ${ramRead(size)}; else { ${slow}${dst} = c.${fn}(${seg}, ${off}); ${RELOAD} } }`;
}

/** Store `value` (an expression without side effects) at seg:off. */
export function store(size: 1 | 2 | 4, seg: number, off: string, value: string, slow: string): string {
  const fn = size === 4 ? 'wr32' : size === 2 ? 'wr16' : 'wr8';
  return `{ const p = ${phys(off, 'tw')}; const pn = p >>> 12; if (${writeFast(size, `(fw & ${1 << seg}) !== 0`)}) { ${ramWrite(size, value)} ${written(size)} } else { ${slow}c.${fn}(${seg}, ${off}, ${value}); ${RELOAD} } }`;
}

/** PUSH of `value` (an expression without side effects, read before ESP changes) by operand size. */
export function push(size: 2 | 4, value: string, slow: string): string {
  return `{ const v = ${value}; const sp = (regs[4] - ${size}) | 0; const p = ${phys('sp', 'tw')}; const pn = p >>> 12; if (${writeFast(size, `(fw & ${1 << SS}) !== 0 && sb !== 0`)}) { ${ramWrite(size, 'v')} ${written(size)} regs[4] = sp; } else { ${slow}c.push${size * 8}(v); ${RELOAD} } }`;
}

/** `let dst` = POP by operand size. */
export function pop(dst: string, size: 2 | 4, slow: string): string {
  return `let ${dst}; { const sp = regs[4]; const p = ${phys('sp', 'tr')}; if (${readFast(size, `(fr & ${1 << SS}) !== 0 && sb !== 0`)}) { ${dst} = ${ramRead(size)}; regs[4] = (sp + ${size}) | 0; } else { ${slow}${dst} = c.pop${size * 8}(); ${RELOAD} } }`;
}

/** `let dst` = the stack's top (RET's read: ESP is not moved). */
export function peek(dst: string, size: 2 | 4, slow: string): string {
  return `let ${dst}; { const sp = regs[4]; const p = ${phys('sp', 'tr')}; if (${readFast(size, `(fr & ${1 << SS}) !== 0 && sb !== 0`)}) ${dst} = ${ramRead(size)}; else { ${slow}${dst} = c.peek${size * 8}(0); ${RELOAD} } }`;
}

/**
 * The physical address of linear address `lin` (an identifier or int32 expression without side
 * effects) when no walk is needed, else -1; `grant` names the TLB bits that allow the access.
 */
function phys(lin: string, grant: string): string {
  return paging ? `(tlbBits[${lin} >>> 12] & ${grant}) !== 0 ? tlbPhys[${lin} >>> 12] | (${lin} & 0xfff) : -1` : `${lin} & a20`;
}

/** With paging off every address is known (phys is never -1). */
function known(): string {
  return paging ? ' && p !== -1' : '';
}

function readFast(size: number, flat: string): string {
  return `${flat}${known()} && ${aligned(size)} && pageKind[p >>> 12] === 0`;
}

function writeFast(size: number, flat: string): string {
  return `${flat}${known()} && ${aligned(size)} && pageKind[pn] === 0`;
}

/**
 * After an inline store: what wrLin does after its RAM store. The check is by 64-byte line
 * (c.codeLines, jit.ts), not by page: a guest's data often shares a page with hot code
 * (coremark's globals: a million stores into such a page per run, each a call that found
 * nothing translated).
 */
function written(size: number): string {
  return `dirty[pn] = 1; if (codeLines[p >>> ${CODE_LINE_SHIFT}] !== 0) { codeStore(c, p, ${size}); se = c.sliceEnd; }`;
}

/** Within one page, and for 32 bits aligned (ram32). */
function aligned(size: number): string {
  return size === 4 ? '(p & 3) === 0' : size === 2 ? '(p & 0xfff) !== 0xfff' : 'true';
}

function ramRead(size: number): string {
  return size === 4 ? 'ram32[p >> 2]' : size === 2 ? '(ram[p] | (ram[p + 1] << 8))' : 'ram[p]';
}

function ramWrite(size: number, v: string): string {
  if (size === 4) return `ram32[p >> 2] = ${v};`;
  if (size === 2) return `ram[p] = ${v}; ram[p + 1] = ${v} >> 8;`;
  return `ram[p] = ${v};`;
}
