/**
 * The compiling CPU: hot pages of guest code run as JavaScript functions (page-compiler.ts),
 * the rest in the interpreter, with the same instruction count at every interrupt, device
 * access, exception and timer event as the interpreter alone.
 *
 * - Dispatch: at each instruction boundary in the fetch window, the page the window maps is
 *   looked up by its physical page; its function runs if it was compiled for this window
 *   (the same linear→physical mapping, CS limit and CS.D) and has a case for EIP.
 * - Profiling: otherwise the interpreter runs one instruction and the page's counters count
 *   it; a page that ran HOT_INSTRUCTIONS interpreted instructions is compiled from the
 *   instruction boundaries seen (MAX_COMPILES per page: code that keeps being rewritten stays
 *   interpreted).
 * - Invalidation: a compiled page is marked in memory.codePages; every store into it (CPU,
 *   DMA, loader, migration, post-copy) reaches `codeWritten`, which drops the page's function
 *   when the store overlaps translated bytes and cuts the slice, so a running page function
 *   returns at its next instruction boundary.
 *
 * Nothing here reads the host clock or random numbers: which pages are compiled depends only
 * on the guest's execution, and never changes what the guest sees.
 */
import type { CpuCore } from '../core.js';
import * as aluOps from '../alu.js';
import { execute } from '../exec.js';
import { compilePageSource, instantiatePage, type PageCode } from './page-compiler.js';

/** Interpreted instructions in a page before it is profiled instruction by instruction. */
const WARM_INSTRUCTIONS = 32;
/** ... and before it is compiled. */
const HOT_INSTRUCTIONS = 256;
/** Compilations of one page, at most (rewritten code, new entry points). */
const MAX_COMPILES = 24;

/** A page's function with the window it was compiled for. */
interface CompiledPage {
  readonly run: (c: CpuCore, eip: number) => number;
  readonly fLo: number;
  readonly fLen: number;
  readonly fDelta: number;
  readonly csD: number;
  /** Byte ranges of the page that its translations read. */
  readonly ranges: [number, number][];
  readonly code: PageCode;
}

export interface JitStats {
  compiles: number;
  invalidations: number;
  translated: number;
}

export class Jit {
  private readonly pages: (CompiledPage | undefined)[];
  private readonly heat: Uint32Array;
  private readonly seen: (Uint8Array | undefined)[];
  private readonly compiles: Uint8Array;
  private readonly codePages: Uint8Array;
  readonly stats: JitStats = { compiles: 0, invalidations: 0, translated: 0 };
  private readonly helpers;

  constructor(private readonly c: CpuCore) {
    const pages = c.mem.ramPages;
    this.pages = new Array<CompiledPage | undefined>(pages).fill(undefined);
    this.heat = new Uint32Array(pages);
    this.seen = new Array<Uint8Array | undefined>(pages).fill(undefined);
    this.compiles = new Uint8Array(pages);
    this.codePages = c.mem.codePages;
    const step = (cpu: CpuCore): boolean => stepInPage(cpu, this.pages[((cpu.eip + cpu.fDelta) | 0) >>> 12]);
    this.helpers = {
      alu: aluOps.alu, inc: aluOps.inc, dec: aluOps.dec, neg: aluOps.neg, shift: aluOps.shift, imulTrunc: aluOps.imulTrunc,
      step,
    };
    c.mem.codeWriteHook = (addr, length) => this.codeWritten(addr, length);
  }

  /** The interpreter loop's replacement: execute while clock.icount < c.sliceEnd. */
  execute(): void {
    const c = this.c;
    const clock = c.clock;
    const pages = this.pages;
    while (clock.icount < c.sliceEnd) {
      const eip = c.eip;
      const d = (eip - c.fLo) | 0;
      if (d >= 0 && d < c.fLen) {
        const p = (eip + c.fDelta) | 0;
        const page = pages[p >>> 12];
        if (page !== undefined && page.fDelta === c.fDelta && page.fLo === c.fLo && page.fLen === c.fLen && page.csD === c.csD) {
          if (page.run(c, eip) !== 0) continue;
        }
        this.profile(p);
      }
      stepOne(c);
    }
  }

  /** Drop every translation (the machine's memory or mode was replaced wholesale). */
  flush(): void {
    for (let p = 0; p < this.pages.length; p++) this.drop(p);
  }

  private profile(p: number): void {
    const pn = p >>> 12;
    const h = this.heat[pn] + 1;
    this.heat[pn] = h;
    if (h < WARM_INSTRUCTIONS || this.compiles[pn] >= MAX_COMPILES) return;
    let seen = this.seen[pn];
    if (seen === undefined) seen = this.seen[pn] = new Uint8Array(4096);
    seen[p & 0xfff] = 1;
    if (h >= HOT_INSTRUCTIONS) {
      this.heat[pn] = 0;
      this.compile(pn);
    }
  }

  private compile(pn: number): void {
    const c = this.c;
    const seen = this.seen[pn]!;
    // eipBase: the EIP that maps to the page's first byte under the current window.
    const eipBase = (c.eip - (((c.eip + c.fDelta) | 0) & 0xfff)) | 0;
    const entries: number[] = [];
    for (let off = 0; off < 4096; off++) if (seen[off] !== 0) entries.push((eipBase + off) | 0);
    // The current EIP first: it is the one that made the page hot.
    entries.unshift(c.eip);
    const code = compilePageSource({ ram: c.ram, lo: c.fLo, len: c.fLen, delta: c.fDelta, csD: c.csD === 1 }, eipBase, entries);
    this.compiles[pn]++;
    if (code.instructions === 0) return;
    const run = instantiatePage(code, this.helpers) as (c: CpuCore, eip: number) => number;
    this.pages[pn] = { run, fLo: c.fLo, fLen: c.fLen, fDelta: c.fDelta, csD: c.csD, ranges: code.ranges, code };
    this.codePages[pn] = 1;
    this.stats.compiles++;
    this.stats.translated += code.instructions;
  }

  private codeWritten(addr: number, length: number): void {
    const first = Math.floor(addr / 4096);
    const last = Math.floor((addr + length - 1) / 4096);
    for (let pn = first; pn <= last && pn < this.pages.length; pn++) {
      const page = this.pages[pn];
      if (page === undefined) continue;
      const lo = Math.max(addr, pn * 4096) - pn * 4096;
      const hi = Math.min(addr + length, (pn + 1) * 4096) - pn * 4096;
      if (page.ranges.some(([a, b]) => a < hi && lo < b)) {
        this.drop(pn);
        this.stats.invalidations++;
        this.c.sliceEnd = 0; // a page function running now returns at its next boundary
      }
    }
  }

  private drop(pn: number): void {
    this.pages[pn] = undefined;
    this.codePages[pn] = 0;
  }
}

/** Run the one instruction at c.eip in the interpreter, keeping the slice's end (lowered if the instruction cut it). */
function stepOne(c: CpuCore): void {
  const clock = c.clock;
  const saved = c.sliceEnd;
  const one = clock.icount + 1;
  c.sliceEnd = one;
  execute(c);
  let end = saved;
  const cut = c.sliceEnd;
  if (cut !== one && cut < end) end = cut;
  const next = clock.nextEventAt;
  if (next < end) end = next;
  c.sliceEnd = end;
}

/** A page function's step: one instruction in the interpreter; true when the page may go on (same window). */
function stepInPage(c: CpuCore, page: CompiledPage | undefined): boolean {
  const fLo = c.fLo;
  const fLen = c.fLen;
  const fDelta = c.fDelta;
  const csD = c.csD;
  stepOne(c);
  return page !== undefined && c.fLo === fLo && c.fLen === fLen && c.fDelta === fDelta && c.csD === csD;
}
