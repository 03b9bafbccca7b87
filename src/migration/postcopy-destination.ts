/**
 * The post-copy destination's pager: the guest runs before its memory has arrived. Every page
 * that was not zero on the source starts absent (PAGE_ABSENT in src/machine/memory.ts); the
 * first touch by the CPU or a DMA transfer faults it in, with up to `prepage` absent
 * neighbours on each side (prepaging), while a background push streams the rest in ascending
 * order over whatever bandwidth the faults leave.
 *
 * The link model is evaluated lazily and exactly: the push is computed up to "now" whenever a
 * fault needs to know whether its page has already arrived, and once more at the end. "Now"
 * is the destination's virtual time since the source stopped: downtime, plus the guest's
 * instructions since the switch-over, plus every fault stall so far. A fault stalls the guest
 * for a round trip plus the response's transfer time; the guest's icount does not move while
 * it waits (so the destination's run lines up, instruction for instruction, with a run that
 * was never migrated), the stall is reported instead.
 *
 * Observers (trace checkpoints, the switch-over machine snapshot) read absent pages through
 * memory.page(): those are fetched with reason OBSERVE and put into RAM, but stay absent for
 * the model; the guest's first touch still counts as a fault (served locally). Observation
 * changes neither the guest nor the figures.
 */
import type { AbsentPageHandler, PhysicalMemory } from '../machine/memory.js';
import { PAGE_SIZE } from '../machine/memory.js';
import type { Machine } from '../board/machine.js';
import { MigrationProtocolError } from './errors.js';
import type { LinkModel } from './link.js';
import type { PostCopyFigures } from './metrics.js';
import { BATCH_PAGES, checkPages } from './pages.js';
import {
  REASON_FAULT,
  REASON_OBSERVE,
  REASON_PUSH,
  SECTION,
  StreamWriter,
  decodeSection,
  type PbPageResponse,
} from './stream.js';
import type { DestinationLink } from './transport.js';

/** Link-model bytes of one page in a response or the push (4 KiB, its number, framing amortised). */
export const PAGE_COST_BYTES = PAGE_SIZE + 8;
/** Link-model bytes of a page request. */
export const REQUEST_COST_BYTES = 32;

export interface PostCopyFault {
  readonly icount: number;
  readonly page: number;
  /** Pages fetched: the faulting one and its prepaged neighbours. */
  readonly pages: number;
  readonly stallNs: number;
}

export class PostCopyPager implements AbsentPageHandler {
  /** Called after each fault that waited for the link (the destination trace records it). */
  onFault: ((f: PostCopyFault) => void) | null = null;

  private readonly memory: PhysicalMemory;
  /** 1: the page's bytes are in RAM already (observed), it is still absent for the model. */
  private readonly observed: Uint8Array;
  private pushCursor = 0;
  private resumeNs = 0;
  /** The forward link is accounted for up to this time (push and fault responses). */
  private linkFreeNs = 0;
  private stallNs = 0;
  private lastArrivalNs = 0;
  private nextId = 1;
  private requests = 0;
  private faults = 0;
  private faultPages = 0;
  private pushedPages = 0;
  private pageBytes = 0;
  private finished: PostCopyFigures | null = null;

  constructor(
    private readonly machine: Machine,
    private readonly link: DestinationLink,
    private readonly writer: StreamWriter,
    private readonly model: LinkModel,
    private readonly prepage: number,
    private readonly switchIcount: number,
    /** Pages beyond this are the destination's own (it may have more memory): present, zero. */
    private readonly sourcePages: number,
  ) {
    this.memory = machine.memory;
    this.observed = new Uint8Array(this.memory.ramPages);
  }

  /** Every page not in `zeroPages` (ascending) becomes absent. */
  start(zeroPages: readonly number[]): void {
    const absent: number[] = [];
    let z = 0;
    for (let p = 0; p < this.sourcePages; p++) {
      if (z < zeroPages.length && zeroPages[z] === p) {
        z++;
        continue;
      }
      absent.push(p);
    }
    // A fresh destination's RAM is zero already; the zero pages need nothing.
    this.memory.markAbsent(absent, this);
  }

  /** The guest resumes `downtimeNs` after the source stopped it: the push starts then. */
  resume(downtimeNs: number): void {
    this.resumeNs = downtimeNs;
    this.linkFreeNs = Math.max(this.linkFreeNs, downtimeNs);
    this.lastArrivalNs = Math.max(this.lastArrivalNs, downtimeNs);
  }

  get absentPages(): number {
    return this.memory.absentPages;
  }

  /** Virtual time since the source stopped the guest. */
  now(): number {
    const ran = Math.max(0, this.machine.clock.icount - this.switchIcount);
    return this.resumeNs + this.model.nanoseconds(ran) + this.stallNs;
  }

  // ---------------------------------------------------------------- AbsentPageHandler

  fault(page: number): void {
    const t = this.now();
    this.push(t);
    if (!this.memory.isAbsent(page)) return; // the push brought it in time
    const pages = [page];
    const ram = this.memory.ramPages;
    for (let d = 1; d <= this.prepage; d++) {
      if (page - d >= 0 && this.memory.isAbsent(page - d)) pages.push(page - d);
      if (page + d < ram && this.memory.isAbsent(page + d)) pages.push(page + d);
    }
    pages.sort((a, b) => (a === page ? -1 : b === page ? 1 : a - b));
    this.fetch(REASON_FAULT, pages);
    const bytes = pages.length * PAGE_COST_BYTES;
    const latency = this.model.latencyNs;
    const responseNs = this.model.transferNs(bytes);
    const stall = 2 * latency + this.model.transferNs(REQUEST_COST_BYTES) + responseNs;
    this.linkFreeNs = Math.max(this.linkFreeNs, t + latency + this.model.transferNs(REQUEST_COST_BYTES)) + responseNs;
    this.stallNs += stall;
    this.lastArrivalNs = Math.max(this.lastArrivalNs, t + stall);
    this.faults++;
    this.faultPages += pages.length;
    this.pageBytes += bytes;
    this.onFault?.({ icount: this.machine.clock.icount, page, pages: pages.length, stallNs: stall });
  }

  observe(page: number): void {
    // Its bytes came with an earlier batch. (Scanning on from here for the next batch would make
    // a reader walking all of memory — a checkpoint, the switch-over snapshot — quadratic:
    // 16,384 pages cost 20 s. The next unobserved page read fetches that batch, the same one.)
    if (this.observed[page] !== 0) return;
    const pages: number[] = [];
    for (let p = page; p < this.sourcePages && pages.length < BATCH_PAGES; p++) {
      if (this.memory.isAbsent(p) && this.observed[p] === 0) pages.push(p);
    }
    if (pages.length > 0) this.fetch(REASON_OBSERVE, pages);
  }

  // ---------------------------------------------------------------- the push

  /** Deliver what the background push has sent by time `t`. */
  private push(t: number): void {
    if (t <= this.linkFreeNs || this.memory.absentPages === 0) return;
    const fits = Math.floor(this.model.bytesIn(t - this.linkFreeNs) / PAGE_COST_BYTES);
    if (fits === 0) return;
    const pages = this.nextAbsent(fits);
    this.deliverPushed(pages);
  }

  private nextAbsent(max: number): number[] {
    const out: number[] = [];
    const memory = this.memory;
    while (out.length < max && this.pushCursor < this.sourcePages) {
      if (memory.isAbsent(this.pushCursor)) out.push(this.pushCursor);
      this.pushCursor++;
    }
    return out;
  }

  private deliverPushed(pages: number[]): void {
    if (pages.length === 0) return;
    for (let i = 0; i < pages.length; i += BATCH_PAGES) this.fetch(REASON_PUSH, pages.slice(i, i + BATCH_PAGES));
    const bytes = pages.length * PAGE_COST_BYTES;
    this.linkFreeNs += this.model.transferNs(bytes);
    this.lastArrivalNs = Math.max(this.lastArrivalNs, this.linkFreeNs + this.model.latencyNs);
    this.pushedPages += pages.length;
    this.pageBytes += bytes;
  }

  /**
   * The destination is done running: the push delivers whatever is still absent, and DONE
   * tells the source every page has arrived. Returns the post-copy figures.
   */
  finish(): PostCopyFigures {
    if (this.finished !== null) return this.finished;
    this.push(this.now());
    this.deliverPushed(this.nextAbsent(Infinity));
    if (this.memory.absentPages !== 0) {
      throw new MigrationProtocolError(`post-copy finished with ${this.memory.absentPages} pages still absent`);
    }
    const figures: PostCopyFigures = {
      requests: this.requests,
      faults: this.faults,
      faultPages: this.faultPages,
      pushedPages: this.pushedPages,
      stallNs: this.stallNs,
      totalNs: this.lastArrivalNs,
      pageBytes: this.pageBytes,
    };
    this.writer.write(SECTION.DONE, {
      requests: figures.requests,
      faults: figures.faults,
      faultPages: figures.faultPages,
      pushedPages: figures.pushedPages,
      stallNanoseconds: figures.stallNs,
      totalNanoseconds: figures.totalNs,
      pageBytes: figures.pageBytes,
    });
    this.finished = figures;
    return figures;
  }

  // ---------------------------------------------------------------- the wire

  /**
   * Get `pages` from the source (those not observed before) and install them, or for OBSERVE
   * put their bytes into RAM and leave them absent.
   */
  private fetch(reason: number, pages: number[]): void {
    const memory = this.memory;
    const need = pages.filter((p) => this.observed[p] === 0);
    if (need.length > 0) {
      const id = this.nextId++;
      this.requests++;
      this.writer.write(SECTION.PAGE_REQUEST, { id, reason, pages: need, icount: this.machine.clock.icount });
      this.link.awaiting = `the source's answer to page request ${id}`;
      const section = this.link.next();
      if (section === null) throw new MigrationProtocolError(`the source did not answer page request ${id}`);
      const where = 'migration stream (source → destination)';
      const r = decodeSection<PbPageResponse>(section, SECTION.PAGE_RESPONSE, where);
      if (r.id !== id || r.pages.length !== need.length || r.pages.some((p, i) => p !== need[i])) {
        throw new MigrationProtocolError(`the source answered page request ${id} with response ${r.id} for other pages`);
      }
      checkPages(memory, r.pages, r.data, `${where}: PAGE_RESPONSE ${id}`);
      const ram = memory.ram;
      for (let i = 0; i < need.length; i++) {
        ram.set(r.data.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE), need[i] * PAGE_SIZE);
        memory.codeWritten(need[i] * PAGE_SIZE, PAGE_SIZE);
        this.observed[need[i]] = 1;
      }
    }
    if (reason === REASON_OBSERVE) return;
    for (const p of pages) memory.installPage(p, null);
  }
}
