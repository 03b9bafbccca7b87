/**
 * The engine's dirty-log faults (faults.ts), acting on pre-copy's final dirty set — the pages
 * the guest dirtied during the last round (and the capture), which the stop-and-copy must
 * send:
 *
 * - last-dirty-round-skipped: none of them is sent;
 * - dirty-bit-lost: one is dropped, chosen deterministically as the lowest-numbered page of
 *   the set whose bytes really differ from the copy a round last sent (a dirty page written
 *   with its own contents would lose nothing). To know that, every page's hash is kept as
 *   each round sends it — only while this fault is injected.
 *
 * - walker-dirty-bit-untracked: every dirty set (each round's and the final one) loses the
 *   pages whose only change since a round last sent them is in entries' Accessed/Dirty bits
 *   (bits 5 and 6 of a dword) — what a dirty log that does not see the page walker's writes
 *   hands over. To know that, a copy of every page is kept as each round sends it — only
 *   while this fault is injected.
 *
 * - top-page-not-sent: the final dirty set loses the highest RAM page (the bitmap scan's
 *   off-by-one at its last word); rounds send it as they should.
 *
 * Each says what it did in a note that travels to the destination trace.
 */
import { createHash } from 'node:crypto';
import { PAGE_SIZE } from '../machine/memory.js';
import { DIRTY_BIT_LOST, LAST_DIRTY_ROUND_SKIPPED, TOP_PAGE_NOT_SENT, WALKER_DIRTY_BIT_UNTRACKED } from './faults.js';
import { hex } from '../hex.js';

function pageHex(p: number): string {
  return hex(p, 5);
}

/** The bits the page walker sets in a page-directory or page-table entry (SDM vol. 3, 4.8). */
const ACCESSED_DIRTY = 0x60;

export class DirtyLogFaults {
  private readonly skipLast: boolean;
  private readonly dropOne: boolean;
  /** dirty-bit-lost: each page's hash as a round last sent it, and that round. */
  private readonly sentHash = new Map<number, string>();
  private readonly sentRound = new Map<number, { round: number; icount: number }>();
  private readonly walkerUntracked: boolean;
  /** walker-dirty-bit-untracked: each page as a round last sent it, and the pages it kept from a resend. */
  private readonly sentCopy = new Map<number, Uint32Array>();
  private readonly sentIn = new Map<number, number>();
  private readonly untracked = new Set<number>();
  private readonly dropTop: boolean;
  /** top-page-not-sent: the round that last sent each page's copy (only the top page's is asked for). */
  private readonly lastSentIn = new Map<number, number>();

  constructor(
    faults: readonly string[],
    private readonly ram: Uint8Array,
  ) {
    this.skipLast = faults.includes(LAST_DIRTY_ROUND_SKIPPED);
    this.dropOne = faults.includes(DIRTY_BIT_LOST);
    this.walkerUntracked = faults.includes(WALKER_DIRTY_BIT_UNTRACKED);
    this.dropTop = faults.includes(TOP_PAGE_NOT_SENT);
  }

  /** The highest RAM page: the one the off-by-one scan never reaches. */
  private get topPage(): number {
    return this.ram.length / PAGE_SIZE - 1;
  }

  private words(page: number): Uint32Array {
    return new Uint32Array(this.ram.buffer, this.ram.byteOffset + page * PAGE_SIZE, PAGE_SIZE / 4);
  }

  /** Whether `page` differs from the copy a round sent only in A/D bits (and does differ). */
  private onlyWalkerChanged(page: number): boolean {
    const was = this.sentCopy.get(page);
    if (was === undefined) return false;
    const now = this.words(page);
    let changed = false;
    for (let i = 0; i < now.length; i++) {
      const x = now[i] ^ was[i];
      if (x === 0) continue;
      if ((x & ~ACCESSED_DIRTY) !== 0) return false;
      changed = true;
    }
    return changed;
  }

  /**
   * The pages a round takes out of the dirty set `pages` (ascending): all of them, unless
   * walker-dirty-bit-untracked drops those only the page walker changed.
   */
  roundSet(pages: Uint32Array): Uint32Array {
    if (!this.walkerUntracked) return pages;
    return pages.filter((p) => {
      if (!this.onlyWalkerChanged(p)) return true;
      this.untracked.add(p);
      return false;
    });
  }

  /** walker-dirty-bit-untracked's note: the pages the destination keeps stale. */
  private walkerNote(): string {
    const stale = [...this.untracked].filter((p) => this.onlyWalkerChanged(p)).sort((a, b) => a - b);
    const listed = stale.slice(0, 8).map((p) => `${pageHex(p)} (as round ${this.sentIn.get(p)} sent it)`).join(', ');
    return stale.length > 0
      ? `${WALKER_DIRTY_BIT_UNTRACKED}: ${stale.length} page(s) whose only change since a round sent them was the page walker's A/D bits were not resent: ${listed}${stale.length > 8 ? ', …' : ''}`
      : `${WALKER_DIRTY_BIT_UNTRACKED}: no page's only change was the page walker's A/D bits: nothing to lose`;
  }

  private hash(page: number): string {
    return createHash('sha1').update(this.ram.subarray(page * PAGE_SIZE, (page + 1) * PAGE_SIZE)).digest('hex');
  }

  /** A round has just sent `pages` as they are now (the guest has not run since). */
  sent(pages: ArrayLike<number>, round: number, icount: number): void {
    if (this.dropTop) {
      const top = this.topPage;
      for (let i = 0; i < pages.length; i++) if (pages[i] === top) this.lastSentIn.set(top, round);
    }
    if (this.walkerUntracked) {
      for (let i = 0; i < pages.length; i++) {
        this.sentCopy.set(pages[i], this.words(pages[i]).slice());
        this.sentIn.set(pages[i], round);
      }
    }
    if (!this.dropOne) return;
    for (let i = 0; i < pages.length; i++) {
      this.sentHash.set(pages[i], this.hash(pages[i]));
      this.sentRound.set(pages[i], { round, icount });
    }
  }

  /** The pages the stop-and-copy sends out of the final dirty set `dirty` (ascending), and notes. */
  finalSet(dirty: Uint32Array, rounds: number): { pages: Uint32Array; notes: string[] } {
    const top = this.withoutTopPage(this.roundSet(dirty));
    const r = this.lostFromFinal(top.pages, rounds);
    const notes = [...(this.walkerUntracked ? [this.walkerNote()] : []), ...top.notes, ...r.notes];
    return { pages: r.pages, notes };
  }

  /** top-page-not-sent on the final set (ascending: the top page, if there, is last). */
  private withoutTopPage(pages: Uint32Array): { pages: Uint32Array; notes: string[] } {
    if (!this.dropTop) return { pages, notes: [] };
    const top = this.topPage;
    if (pages.length === 0 || pages[pages.length - 1] !== top) {
      return { pages, notes: [`${TOP_PAGE_NOT_SENT}: the highest RAM page was not dirtied since the last round sent it: nothing to lose`] };
    }
    const round = this.lastSentIn.get(top);
    const stale = round === undefined ? 'no round sent it: it stays zero there' : `keeps the copy round ${round} sent`;
    return {
      pages: pages.subarray(0, pages.length - 1),
      notes: [`${TOP_PAGE_NOT_SENT}: the highest RAM page ${pageHex(top)} was dropped from the stop-and-copy's dirty set (the bitmap scan stops one page short); the guest had written it since, and the destination ${stale}`],
    };
  }

  /** last-dirty-round-skipped and dirty-bit-lost on the final set. */
  private lostFromFinal(pages: Uint32Array, rounds: number): { pages: Uint32Array; notes: string[] } {
    if (this.skipLast) {
      const listed = [...pages.subarray(0, 8)].map(pageHex).join(', ');
      return {
        pages: new Uint32Array(0),
        notes: [
          `${LAST_DIRTY_ROUND_SKIPPED}: the stop-and-copy did not send the ${pages.length} page(s) dirtied during round ${rounds} and the capture` +
            (pages.length > 0 ? ` (${listed}${pages.length > 8 ? ', …' : ''}); the destination keeps the copies earlier rounds sent` : ''),
        ],
      };
    }
    if (this.dropOne) {
      for (let i = 0; i < pages.length; i++) {
        const p = pages[i];
        const was = this.sentHash.get(p);
        if (was !== undefined && was === this.hash(p)) continue;
        const at = this.sentRound.get(p);
        const kept = new Uint32Array(pages.length - 1);
        kept.set(pages.subarray(0, i), 0);
        kept.set(pages.subarray(i + 1), i);
        const stale = at === undefined ? 'never sent it: it stays zero there' : `keeps the copy round ${at.round} sent (source icount ${at.icount})`;
        return { pages: kept, notes: [`${DIRTY_BIT_LOST}: page ${pageHex(p)}'s dirty bit was dropped from the stop-and-copy's dirty set; the guest had changed it since, and the destination ${stale}`] };
      }
      return { pages, notes: [`${DIRTY_BIT_LOST}: no page of the final dirty set (${pages.length} pages) differs from the copy a round sent: nothing to lose`] };
    }
    return { pages, notes: [] };
  }
}
