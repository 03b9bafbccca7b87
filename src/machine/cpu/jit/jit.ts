/**
 * The compiling CPU: hot blocks of guest code run as JavaScript functions (block-compiler.ts),
 * the rest in the interpreter, with the same instruction count at every interrupt, device
 * access, exception and timer event as the interpreter alone.
 *
 * - Dispatch: at each instruction boundary in the fetch window, the physical page the window
 *   maps is looked up; a block function starting at this byte runs if the page's blocks were
 *   compiled for this window (the same linear→physical mapping, CS limit and CS.D).
 * - Profiling: otherwise the interpreter runs a stretch (`interpret`), up to a near jump, call
 *   or return taken into a page with blocks or one in BRANCH_SAMPLE of the others, and such a
 *   stretch's start is counted per byte of its page once the page is warm; an instruction
 *   counted BLOCK_HOT / BRANCH_SAMPLE times becomes a block's start (jump targets, return
 *   addresses and loop heads: where the interpreter keeps arriving).
 * - Invalidation: a page with blocks is marked in memory.codePages; every store into it (CPU,
 *   DMA, loader, migration, post-copy) reaches `codeWritten`, which drops the page's blocks when
 *   the store overlaps translated bytes and cuts the slice, so a running block returns at its
 *   next instruction boundary. A page rewritten MAX_INVALIDATIONS times stays interpreted.
 *   Compiled stores look finer, at 64-byte lines (c.codeLines), so that data sharing a page
 *   with hot code costs them nothing.
 * - Sharing: block functions are kept by source for every machine in the thread (blockCache).
 *
 * Nothing here reads the host clock or random numbers: what gets compiled depends only on the
 * guest's execution, and never changes what the guest sees.
 */
import type { CpuCore } from '../core.js';
import { CS } from '../constants.js';
import * as aluOps from '../alu.js';
import { execute } from '../exec.js';
import { cli, ioRead, ioWrite, pushf } from '../ops-system.js';
import { rdtsc } from '../ops-msr.js';
import { compileBlockSource, instantiateBlock, type BlockCode, type BlockHelpers } from './block-compiler.js';
import { CODE_LINE_SHIFT } from './emit-mem.js';
import { skipPolls, skipTsc } from './poll-loop.js';
import { findPollPath, pathRunner } from './poll-path.js';

/** Interpreted instructions in a page before its instructions are counted one by one. */
const WARM_INSTRUCTIONS = 64;
/**
 * Interpreted stretches starting at one instruction (a branch target, mostly) that make it a
 * block's start. High, because a block V8 never optimises runs in its bytecode interpreter,
 * slower than our own: at 100, Linux's boot to 150 M compiled 1,323 blocks, only ~300 of them
 * reached TurboFan, and the boot ran 1.5× slower than interpreted; at 4,000 it compiles ~100,
 * runs about as fast as the interpreter, and coremark keeps its speed (docs/design.md). At
 * 12,000, coremark iterations=500 compiles 39 blocks instead of 64 (the other 25 ran ~1% of
 * its instructions, each costing V8 5-40 ms of compiling) and runs ~1.3x faster; cpu-selftest
 * compiles only its UART poll loop.
 */
const BLOCK_HOT = 12000;
/**
 * The interpreter's stretches end at a taken transfer into a page with blocks, and otherwise at
 * one in BRANCH_SAMPLE (CpuCore.sampleBranch): the profile counts those samples, so an
 * instruction becomes a block's start after BLOCK_HOT / BRANCH_SAMPLE of them. Ending every
 * stretch at every transfer made the dispatch loop a fifth of Linux's boot.
 */
const BRANCH_SAMPLE = 8; // a power of two
/** Blocks per page, at most. */
const MAX_BLOCKS = 2048;
/** Times a page's blocks are dropped by stores before the page stays interpreted. */
const MAX_INVALIDATIONS = 16;

type BlockFunction = (c: CpuCore) => number;

/** A page's blocks, with the window they were compiled for. */
interface CompiledPage {
  readonly fLo: number;
  readonly fLen: number;
  readonly fDelta: number;
  readonly csD: number;
  /** Paging on (c.pg): a block's accesses are compiled for one or the other. */
  readonly pg: number;
  /** Per byte offset of the page: 1 + the index in `runs` of the block starting there, or 0. */
  readonly blockOf: Uint16Array;
  readonly runs: BlockFunction[];
  /** Per byte offset of the page: 1 if a translation read it (a store there drops the page's blocks). */
  readonly translated: Uint8Array;
  /** The same for the next physical page, which blocks here may go on into (spanWindow); null until one does. */
  spill: Uint8Array | null;
  /** CS's limit when compiled: a block that goes on into the next page ran within it. */
  readonly csLimit: number;
}

export interface JitStats {
  compiles: number;
  invalidations: number;
  translated: number;
  /** Instructions the interpreter ran since the compiler was turned on (the rest ran compiled). */
  interpreted: number;
}

export class Jit {
  private readonly pages: (CompiledPage | undefined)[];
  private readonly heat: Uint32Array;
  private readonly counts: (Uint16Array | undefined)[];
  private readonly invalidations: Uint8Array;
  private readonly codePages: Uint8Array;
  /** c.codeLines: per 64-byte line of RAM, 1 if a store there may overwrite translated bytes. */
  private readonly codeLines: Uint8Array;
  private readonly tally = { compiles: 0, invalidations: 0, translated: 0 };
  /** c.interpreted when this compiler was made. */
  private readonly interpreted0: number;
  /** memory.mapEpoch when the blocks were last checked against the memory map (remapped). */
  private mapEpoch: number;

  private readonly warm: number;
  private readonly hot: number;

  /** `eager`: compile every block the second time it starts (tests: nearly everything then runs compiled). */
  constructor(private readonly c: CpuCore, eager = false) {
    this.warm = eager ? 0 : WARM_INSTRUCTIONS;
    this.hot = eager ? 2 : BLOCK_HOT / BRANCH_SAMPLE;
    c.branchMask = eager ? 0 : BRANCH_SAMPLE - 1;
    const pages = c.mem.ramPages;
    this.pages = new Array<CompiledPage | undefined>(pages).fill(undefined);
    this.heat = new Uint32Array(pages);
    this.counts = new Array<Uint16Array | undefined>(pages).fill(undefined);
    this.invalidations = new Uint8Array(pages);
    this.codePages = c.mem.codePages;
    this.codeLines = c.codeLines = new Uint8Array(pages << (12 - CODE_LINE_SHIFT));
    c.mem.codeWriteHook = (addr, length) => this.codeWritten(addr, length);
    this.interpreted0 = c.interpreted;
    this.mapEpoch = c.mem.mapEpoch;
  }

  get stats(): JitStats {
    return { ...this.tally, interpreted: this.c.interpreted - this.interpreted0 };
  }

  /** The interpreter loop's replacement: execute while clock.icount < c.sliceEnd. */
  execute(): void {
    const c = this.c;
    if (c.mem.mapEpoch !== this.mapEpoch) this.remapped();
    const clock = c.clock;
    const pages = this.pages;
    // Whether the last stretch or block ended at a sampled transfer (a block's possible start,
    // which the profile counts) rather than anywhere else — the previous slice's end, an event,
    // STRETCH instructions — which is not counted: every count is a sample at one rate.
    let atBranch = false;
    while (clock.icount < c.sliceEnd) {
      const eip = c.eip;
      const d = (eip - c.fLo) | 0;
      // The window is one page: after a transfer to another, look there as the interpreter's fetch would.
      if ((d >= 0 && d < c.fLen) || c.refillFetchKnown()) {
        const p = (eip + c.fDelta) | 0;
        const page = pages[p >>> 12];
        if (page !== undefined && compiledFor(page, c)) {
          const k = page.blockOf[p & 0xfff];
          if (k !== 0) {
            if (page.runs[k - 1](c) !== 0) {
              // Left by a transfer (the slice goes on) or at the slice's end (an event, a device
              // access: anywhere, not counted); a transfer is sampled at the interpreter's rate.
              atBranch = clock.icount < c.sliceEnd && c.sampleBranch();
              continue;
            }
            // A block that ran nothing found too little of the slice left for its first run:
            // the interpreter runs to the slice's end (not profiled: the block exists).
            atBranch = false;
          }
        }
        if (atBranch) this.profile(p);
      }
      atBranch = interpret(c, stretchFor(c), true);
    }
  }

  /**
   * The memory map changed (MMIO windows, ROM, post-copy's absent pages; memory.mapEpoch): drop
   * the pages whose blocks went on into the next page, which may no longer be RAM. (A page's
   * own blocks run only from a fetch window on RAM, which the CPU drops itself.)
   */
  private remapped(): void {
    this.mapEpoch = this.c.mem.mapEpoch;
    for (let p = 0; p < this.pages.length; p++) if ((this.pages[p]?.spill ?? null) !== null) this.drop(p);
  }

  /** Drop every translation. */
  flush(): void {
    for (let p = 0; p < this.pages.length; p++) this.drop(p);
  }

  private profile(p: number): void {
    const pn = p >>> 12;
    const h = this.heat[pn] + 1;
    this.heat[pn] = h;
    if (h < this.warm || this.invalidations[pn] >= MAX_INVALIDATIONS) return;
    let counts = this.counts[pn];
    if (counts === undefined) counts = this.counts[pn] = new Uint16Array(4096);
    const off = p & 0xfff;
    const n = counts[off] + 1;
    if (n < this.hot) {
      counts[off] = n;
      return;
    }
    counts[off] = 0;
    this.compile(pn, off);
  }

  /** Compile the block that starts at EIP (page `pn`, byte `off`). */
  private compile(pn: number, off: number): void {
    const c = this.c;
    let page = this.pages[pn];
    if (page === undefined || !compiledFor(page, c)) {
      // New, or compiled for another window: start over (this window is the one running now).
      page = {
        fLo: c.fLo, fLen: c.fLen, fDelta: c.fDelta, csD: c.csD, pg: c.pg, blockOf: new Uint16Array(4096), runs: [],
        translated: new Uint8Array(4096), spill: null, csLimit: c.segLimit[CS],
      };
    }
    if (page.runs.length >= MAX_BLOCKS) return;
    const eipBase = (c.eip - off) | 0;
    const span = spanWindow(c, pn);
    const window = { ram: c.ram, lo: c.fLo, len: c.fLen + span, delta: c.fDelta, csD: c.csD === 1, paging: c.pg === 1, readTable: tableReader(c) };
    const code = compileBlockSource(window, eipBase, c.eip, span === 0 ? 4096 : 8192);
    if (code.instructions === 0) return;
    // A poll loop through calls and blocks starting here (poll-path.ts): its runner skips iterations first.
    const path = findPollPath(c, c.eip);
    page.runs.push(path === null ? blockFunction(code) : pathRunner(path, blockFunction(code)));
    page.blockOf[off] = page.runs.length;
    for (const [a, b] of code.ranges) {
      if (a < 4096) page.translated.fill(1, a, Math.min(b, 4096));
      if (b > 4096) {
        // Bytes of the next page (physically the next: spanWindow); a store there reaches codeWritten.
        page.spill ??= new Uint8Array(4096);
        page.spill.fill(1, Math.max(a, 4096) - 4096, b - 4096);
        this.codePages[pn + 1] = 1;
      }
      this.markLines(pn, a, b); // the lines of the two pages are consecutive
    }
    this.pages[pn] = page;
    this.codePages[pn] = 1;
    this.tally.compiles++;
    this.tally.translated += code.instructions;
  }

  private codeWritten(addr: number, length: number): void {
    const first = Math.floor(addr / 4096);
    const last = Math.floor((addr + length - 1) / 4096);
    for (let pn = first; pn <= last && pn < this.pages.length; pn++) {
      const lo = Math.max(addr, pn * 4096) - pn * 4096;
      const hi = Math.min(addr + length, (pn + 1) * 4096) - pn * 4096;
      const page = this.pages[pn];
      if (page !== undefined && overlaps(page.translated, lo, hi)) this.invalidate(pn);
      const spill = this.spillInto(pn);
      if (spill !== null && overlaps(spill, lo, hi)) this.invalidate(pn - 1);
    }
  }

  /** Drop page pn's blocks after a store into bytes they were translated from. */
  private invalidate(pn: number): void {
    this.drop(pn);
    if (this.invalidations[pn] < 255) this.invalidations[pn]++;
    this.tally.invalidations++;
    this.c.sliceEnd = 0; // a block running now returns at its next boundary
  }

  private drop(pn: number): void {
    const page = this.pages[pn];
    this.pages[pn] = undefined;
    this.codePages[pn] = 0;
    this.codeLines.fill(0, pn << (12 - CODE_LINE_SHIFT), (pn + 1) << (12 - CODE_LINE_SHIFT));
    // What the previous page's blocks went on into here stays watched.
    const before = this.spillInto(pn);
    if (before !== null) this.watch(pn, before);
    // What this page's blocks went on into is no one's now, unless the next page has blocks of its own.
    if (page !== undefined && page.spill !== null && this.pages[pn + 1] === undefined) {
      this.codePages[pn + 1] = 0;
      this.codeLines.fill(0, (pn + 1) << (12 - CODE_LINE_SHIFT), (pn + 2) << (12 - CODE_LINE_SHIFT));
    }
  }

  /** Page pn's bytes that the previous page's blocks went on into (spill), or null. */
  private spillInto(pn: number): Uint8Array | null {
    return pn > 0 ? (this.pages[pn - 1]?.spill ?? null) : null;
  }

  /** Mark page pn, and the lines a compiled store into the bytes marked in `bytes` may reach. */
  private watch(pn: number, bytes: Uint8Array): void {
    this.codePages[pn] = 1;
    for (let i = 0; i < 4096; i++) if (bytes[i] !== 0) this.markLines(pn, i, i + 1);
  }

  /**
   * Mark the 64-byte lines (c.codeLines) a compiled store into bytes [a, b) of page pn (b may
   * pass the page's end) may start in: at most 4 bytes, so only one that starts in [a - 3, b).
   */
  private markLines(pn: number, a: number, b: number): void {
    const base = pn << (12 - CODE_LINE_SHIFT);
    this.codeLines.fill(1, base + (Math.max(0, a - 3) >> CODE_LINE_SHIFT), base + ((b - 1) >> CODE_LINE_SHIFT) + 1);
  }
}

/** Any byte in [lo, hi) translated: a store's check, so a loop over the few bytes it wrote. */
function overlaps(translated: Uint8Array, lo: number, hi: number): boolean {
  for (let i = lo; i < hi; i++) if (translated[i] !== 0) return true;
  return false;
}

/** Instructions the interpreter runs between blocks, at most, when no jump is taken. */
const STRETCH = 64;

/**
 * STRETCH, or past the end of the REP string instruction the stretch starts with (ECX counts
 * its iterations, each an instruction): cut at STRETCH, a 4 KiB memset went through dispatch
 * sixteen times (xv6: 814 k stretches of 60 instructions per 150 M).
 */
function stretchFor(c: CpuCore): number {
  const d = (c.eip - c.fLo) | 0;
  if (d < 0 || d >= c.fLen) return STRETCH;
  const b = c.ram[(c.eip + c.fDelta) | 0];
  return b === 0xf3 || b === 0xf2 ? STRETCH + (c.regs[1] >>> 0) : STRETCH;
}

/** What every block function calls: nothing here belongs to one machine (the CPU is an argument). */
const HELPERS: BlockHelpers = {
  alu: aluOps.alu, inc: aluOps.inc, dec: aluOps.dec, neg: aluOps.neg, shift: aluOps.shift, imulTrunc: aluOps.imulTrunc,
  mulAcc: aluOps.mulAcc, divAcc: aluOps.divAcc, shiftDouble: aluOps.shiftDouble,
  step: (c: CpuCore): boolean => stepInBlock(c, 1),
  // ECX + 1 instructions end the REP instruction whatever its address size: if the
  // interpreter goes on past it, it runs those instructions as exactly as a block would.
  stepRep: (c: CpuCore): boolean => stepInBlock(c, (c.regs[1] >>> 0) + 1),
  codeStore: (c: CpuCore, addr: number, length: number): void => c.mem.codeWritten(addr, length),
  ioRead, ioWrite, rdtsc, cli, skipPolls, skipTsc,
  pushf: (c: CpuCore, o32: number): void => {
    // The interpreter's PUSHF reads the operand size from its decode state, which a block does
    // not keep: set for it, and put back (an exception marks that state stale itself).
    const rest = c.o32;
    c.o32 = o32;
    pushf(c);
    c.o32 = rest;
  },
};

/**
 * Block functions by source, shared by every machine in this thread (a migration's source and
 * destination, a verifier's two replays, a test file's runs). A block's source says everything
 * it does — the guest's instructions, their addresses and the window they were decoded for —
 * and it reads and writes the machine only through its argument, so the same source is the
 * same function for any machine. Sharing it means V8 compiles and optimises it once: a second
 * run of coremark skips ~0.4 s of optimising compiles.
 */
const blockCache = new Map<string, BlockFunction>();
/** Functions kept, at most (the oldest is dropped first): ~6 KiB of source each. */
const BLOCK_CACHE_SIZE = 4096;

function blockFunction(code: BlockCode): BlockFunction {
  let f = blockCache.get(code.source);
  if (f === undefined) {
    f = instantiateBlock(code, HELPERS) as BlockFunction;
    if (blockCache.size >= BLOCK_CACHE_SIZE) blockCache.delete(blockCache.keys().next().value as string);
    blockCache.set(code.source, f);
  }
  return f;
}

/**
 * What the block compiler may read of a jump table now (CodeWindow.readTable): an aligned RAM
 * dword through a flat segment, its physical address known without a walk (paging off, or a
 * TLB entry that grants the read at the CPL, as the blocks' inline loads find it).
 */
function tableReader(c: CpuCore): (seg: number, offset: number) => number | null {
  return (seg, offset) => {
    if (((c.flatRead >> seg) & 1) === 0) return null;
    let p = offset & c.a20;
    if (c.pg === 1) {
      if (!c.readCached(offset >>> 12)) return null;
      p = c.tlbPhys[offset >>> 12] | (offset & 0xfff);
    }
    if ((p & 3) !== 0 || p < 0 || p + 4 > c.ram.length || c.pageKind[p >>> 12] !== 0) return null;
    return c.ram32[p >> 2];
  };
}

/** The page's blocks were compiled for the fetch window the CPU has now (and CS's limit, which bounds what they span). */
function compiledFor(page: CompiledPage, c: CpuCore): boolean {
  return page.fDelta === c.fDelta && page.fLo === c.fLo && page.fLen === c.fLen && page.csD === c.csD && page.pg === c.pg && page.csLimit === c.segLimit[CS];
}

/**
 * Bytes of the next page a block compiled now in physical page `pn` may go on into: 4096, or
 * 0. Only with paging off, where a linear page's physical page cannot change under a block:
 * the fetch window runs to the end of its page, CS's limit covers the whole next page (on the
 * same side of EIP 2^31), the next page is RAM, and neither page's address has bit 20 set (A20
 * cannot move them). A loop over the page boundary then runs in one block, not two an
 * iteration (a guest loaded at 0x7C00 has a boundary at 0x8000, 1 KiB into its code).
 */
function spanWindow(c: CpuCore, pn: number): number {
  if (c.pg !== 0 || pn + 1 >= c.mem.ramPages) return 0;
  const end = (c.fLo + c.fLen) >>> 0; // EIP just past the window
  const lin = (c.segBase[CS] + end) | 0; // the next page's first byte, linear (= physical: paging off)
  if ((lin & 0xfff) !== 0 || lin !== (pn + 1) << 12) return 0;
  if (((lin | (lin - 1)) & 0x100000) !== 0) return 0;
  if (end + 4095 > c.segLimit[CS] >>> 0 || (end < 0x80000000 && end + 4096 > 0x80000000)) return 0;
  return c.pageKind[pn + 1] === 0 ? 4096 : 0;
}

/**
 * Run at most `count` instructions in the interpreter (the slice may end first), keeping the
 * slice's end (lowered if an instruction cut it). `toBranch`: stop after a near jump, call or
 * return taken that CpuCore.branchTaken picks (into a page with blocks, or a sample) — its
 * target is where a block may start. Returns whether a sampled transfer ended the stretch.
 */
function interpret(c: CpuCore, count: number, toBranch: boolean): boolean {
  const clock = c.clock;
  const saved = c.sliceEnd;
  const stop = Math.min(saved, clock.icount + count);
  c.sliceEnd = stop;
  c.stopAtBranch = toBranch;
  c.branchCut = false;
  const start = clock.icount;
  try {
    execute(c);
  } finally {
    c.stopAtBranch = false;
    c.interpreted += clock.icount - start;
  }
  let end = saved;
  const cut = c.sliceEnd;
  const atBranch = c.branchCut && c.branchSampled;
  if (c.branchCut) c.branchCut = false;
  else if (cut !== stop && cut < end) end = cut;
  const next = clock.nextEventAt;
  if (next < end) end = next;
  c.sliceEnd = end;
  return atBranch;
}

/** A block's step: the interpreter runs `count` instructions; true when the block may go on (same fetch window). */
function stepInBlock(c: CpuCore, count: number): boolean {
  const fLo = c.fLo;
  const fLen = c.fLen;
  const fDelta = c.fDelta;
  const csD = c.csD;
  const pg = c.pg;
  interpret(c, count, false);
  return c.fLo === fLo && c.fLen === fLen && c.fDelta === fDelta && c.csD === csD && c.pg === pg;
}
