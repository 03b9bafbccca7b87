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
 * Each says what it did in a note that travels to the destination trace.
 */
import { createHash } from 'node:crypto';
import { PAGE_SIZE } from '../machine/memory.js';
import { DIRTY_BIT_LOST, LAST_DIRTY_ROUND_SKIPPED } from './faults.js';
import { hex } from '../hex.js';

function pageHex(p: number): string {
  return hex(p, 5);
}

export class DirtyLogFaults {
  private readonly skipLast: boolean;
  private readonly dropOne: boolean;
  /** dirty-bit-lost: each page's hash as a round last sent it, and that round. */
  private readonly sentHash = new Map<number, string>();
  private readonly sentRound = new Map<number, { round: number; icount: number }>();

  constructor(
    faults: readonly string[],
    private readonly ram: Uint8Array,
  ) {
    this.skipLast = faults.includes(LAST_DIRTY_ROUND_SKIPPED);
    this.dropOne = faults.includes(DIRTY_BIT_LOST);
  }

  private hash(page: number): string {
    return createHash('sha1').update(this.ram.subarray(page * PAGE_SIZE, (page + 1) * PAGE_SIZE)).digest('hex');
  }

  /** A round has just sent `pages` as they are now (the guest has not run since). */
  sent(pages: ArrayLike<number>, round: number, icount: number): void {
    if (!this.dropOne) return;
    for (let i = 0; i < pages.length; i++) {
      this.sentHash.set(pages[i], this.hash(pages[i]));
      this.sentRound.set(pages[i], { round, icount });
    }
  }

  /** The pages the stop-and-copy sends out of the final dirty set `pages` (ascending), and notes. */
  finalSet(pages: Uint32Array, rounds: number): { pages: Uint32Array; notes: string[] } {
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
