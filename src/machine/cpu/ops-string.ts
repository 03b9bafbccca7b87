/**
 * String instructions (MOVS CMPS STOS LODS SCAS INS OUTS) with REP / REPE / REPNE.
 *
 * Virtual time: each REP iteration counts one instruction. A REP instruction is
 * interruptible at iteration boundaries exactly as on hardware (SDM vol. 2, REP): when the
 * slice ends (budget spent, INTR raised, stop requested) EIP stays on the instruction with
 * ECX/ESI/EDI updated, and it resumes from there. The main loop adds one count for every
 * instruction it retires, so a REP instruction adds one less than its iterations.
 */
import * as constants from './constants.js';
import type { CpuCore } from './core.js';
import * as systemOps from './ops-system.js';
// Module-local copies of imported bindings: see "Imports in hot code" in constants.ts.
const { DF, DS, ES } = constants;
const { ioRead, ioWrite } = systemOps;

const MOVS = 0;
const CMPS = 1;
const STOS = 2;
const LODS = 3;
const SCAS = 4;
const INS = 5;
const OUTS = 6;

function kindOf(op: number): number {
  switch (op & 0xfe) {
    case 0xa4: return MOVS;
    case 0xa6: return CMPS;
    case 0xaa: return STOS;
    case 0xac: return LODS;
    case 0xae: return SCAS;
    case 0x6c: return INS;
    default: return OUTS;
  }
}

export function stringOp(c: CpuCore, op: number): void {
  const kind = kindOf(op);
  const size = op & 1 ? (c.o32 ? 4 : 2) : 1;
  const src = c.segOvr >= 0 ? c.segOvr : DS;
  const delta = c.flags & DF ? -size : size;
  if (c.rep === 0) {
    iteration(c, kind, size, src, delta);
    return;
  }
  const a32 = c.a32;
  if ((a32 ? c.regs[1] : c.r16[2]) === 0) return;
  const clock = c.clock;
  if ((kind === STOS || kind === MOVS) && fastRep(c, kind, size, src, delta)) {
    // Batched iterations may have finished the instruction or spent the slice.
    if ((a32 ? c.regs[1] : c.r16[2]) === 0) {
      clock.icount--;
      return;
    }
    if (clock.icount >= c.sliceEnd) {
      c.eip = c.startEip;
      clock.icount--;
      return;
    }
  }
  const conditional = kind === CMPS || kind === SCAS;
  const whileEqual = c.rep === 1;
  for (;;) {
    iteration(c, kind, size, src, delta);
    let count: number;
    if (a32) count = c.regs[1] = (c.regs[1] - 1) | 0;
    else count = c.r16[2] = c.r16[2] - 1;
    clock.icount++;
    if (count === 0) break;
    if (conditional && c.getZF() !== whileEqual) break;
    if (clock.icount >= c.sliceEnd) {
      c.eip = c.startEip;
      break;
    }
  }
  clock.icount--;
}

function advance(c: CpuCore, reg: number, delta: number): void {
  if (c.a32) c.regs[reg] = (c.regs[reg] + delta) | 0;
  else c.r16[reg << 1] = c.r16[reg << 1] + delta;
}

function index(c: CpuCore, reg: number): number {
  return c.a32 ? c.regs[reg] : c.r16[reg << 1];
}

function read(c: CpuCore, seg: number, off: number, size: number): number {
  return size === 1 ? c.rd8(seg, off) : size === 2 ? c.rd16(seg, off) : c.rd32(seg, off);
}

function write(c: CpuCore, seg: number, off: number, size: number, v: number): void {
  if (size === 1) c.wr8(seg, off, v);
  else if (size === 2) c.wr16(seg, off, v);
  else c.wr32(seg, off, v);
}

function accumulator(c: CpuCore, size: number): number {
  return size === 1 ? c.r8[0] : size === 2 ? c.r16[0] : c.regs[0];
}

function iteration(c: CpuCore, kind: number, size: number, src: number, delta: number): void {
  const sh = size * 8 - 1;
  switch (kind) {
    case MOVS: {
      const v = read(c, src, index(c, 6), size);
      write(c, ES, index(c, 7), size, v);
      advance(c, 6, delta);
      advance(c, 7, delta);
      return;
    }
    case CMPS: {
      const a = read(c, src, index(c, 6), size);
      const b = read(c, ES, index(c, 7), size);
      c.setSub(a, b, sh === 31 ? (a - b) | 0 : a - b, sh);
      advance(c, 6, delta);
      advance(c, 7, delta);
      return;
    }
    case STOS:
      write(c, ES, index(c, 7), size, accumulator(c, size));
      advance(c, 7, delta);
      return;
    case LODS: {
      const v = read(c, src, index(c, 6), size);
      if (size === 1) c.r8[0] = v;
      else if (size === 2) c.r16[0] = v;
      else c.regs[0] = v;
      advance(c, 6, delta);
      return;
    }
    case SCAS: {
      const a = accumulator(c, size);
      const b = read(c, ES, index(c, 7), size);
      c.setSub(a, b, sh === 31 ? (a - b) | 0 : a - b, sh);
      advance(c, 7, delta);
      return;
    }
    case INS: {
      // The destination is checked before the port is read, so a faulting INS has no I/O side effect.
      const di = index(c, 7);
      c.checkWrite(ES, di, size);
      const v = ioRead(c, c.r16[4], size);
      write(c, ES, di, size, v);
      advance(c, 7, delta);
      return;
    }
    default: {
      const v = read(c, src, index(c, 6), size);
      ioWrite(c, c.r16[4], size, v);
      advance(c, 6, delta);
    }
  }
}

/**
 * REP STOS / REP MOVS, forward, 32-bit addressing, flat segments, RAM on both sides:
 * move whole runs inside one page with typed-array operations, bounded by the slice's
 * remaining budget. Returns false (nothing done) when the preconditions do not hold;
 * the general loop then does the work.
 */
function fastRep(c: CpuCore, kind: number, size: number, src: number, delta: number): boolean {
  if (delta < 0 || !c.a32 || (c.segFast[ES] & 2) === 0 || (kind === MOVS && (c.segFast[src] & 1) === 0)) return false;
  const clock = c.clock;
  const ram = c.ram;
  let did = false;
  for (;;) {
    const count = c.regs[1] >>> 0;
    const budget = c.sliceEnd - clock.icount;
    if (count === 0 || budget <= 0) return did;
    const di = c.regs[7];
    const dLin = (c.segBase[ES] + di) | 0;
    const dst = c.pg === 0 ? dLin & c.a20 : c.physWrite(dLin);
    if (c.pageKind[dst >>> 12] !== 0) return did;
    let n = Math.min(count, budget, ((0x1000 - (dst & 0xfff)) / size) | 0);
    let from = 0;
    if (kind === MOVS) {
      const sLin = (c.segBase[src] + c.regs[6]) | 0;
      from = c.pg === 0 ? sLin & c.a20 : c.physRead(sLin);
      if (c.pageKind[from >>> 12] !== 0) return did;
      n = Math.min(n, ((0x1000 - (from & 0xfff)) / size) | 0);
      // Overlap with the source ahead of the destination changes the result of a forward copy.
      if (from < dst && from + n * size > dst) n = Math.min(n, ((dst - from) / size) | 0);
    }
    if (n <= 0) return did;
    const bytes = n * size;
    if (kind === STOS) {
      const v = c.regs[0];
      const b0 = v & 0xff;
      // One byte repeated (memset's usual case), or aligned dwords: a native fill.
      if (size === 1 || (size === 2 ? (v & 0xffff) === b0 * 0x101 : v === ((b0 * 0x01010101) | 0))) ram.fill(b0, dst, dst + bytes);
      else if (size === 4 && (dst & 3) === 0) c.ram32.fill(v, dst >> 2, (dst + bytes) >> 2);
      else for (let i = 0; i < bytes; i += size) {
        ram[dst + i] = v;
        ram[dst + i + 1] = v >> 8;
        if (size === 4) {
          ram[dst + i + 2] = v >> 16;
          ram[dst + i + 3] = v >> 24;
        }
      }
    } else {
      ram.copyWithin(dst, from, from + bytes);
      c.regs[6] = (c.regs[6] + bytes) | 0;
    }
    c.dirty[dst >>> 12] = 1;
    if (c.codePages[dst >>> 12] !== 0) c.mem.codeWritten(dst, bytes);
    c.regs[7] = (di + bytes) | 0;
    c.regs[1] = (count - n) | 0;
    clock.icount += n;
    did = true;
  }
}
