/**
 * Moving RAM pages through the stream: batches of up to 256 pages (1 MiB) per PAGES section,
 * zero pages sent as their number only (zero-page detection: a fresh 1 GiB guest costs about
 * a megabyte, not a gigabyte), and applying a batch on the destination.
 */
import { PAGE_SIZE, type PhysicalMemory } from '../machine/memory.js';
import { MigrationStreamError, SECTION, type PbPageBatch, type PbPageResponse, type StreamWriter } from './stream.js';

export const BATCH_PAGES = 256;
const ZERO_PAGE = Buffer.alloc(PAGE_SIZE);

/**
 * Zero-page test against RAM in place (memcmp, no allocation per page). `maybeNonZero`, when
 * given, marks the only pages that can hold data (those written since a fresh boot): the rest
 * are zero without reading them, so a large, mostly unused guest costs what it uses.
 */
export class ZeroPageTest {
  private readonly ram: Buffer;

  constructor(
    memory: PhysicalMemory,
    private readonly maybeNonZero: Uint8Array | null = null,
  ) {
    this.ram = Buffer.from(memory.ram.buffer, memory.ram.byteOffset, memory.ram.byteLength);
  }

  isZero(page: number): boolean {
    if (this.maybeNonZero !== null && this.maybeNonZero[page] === 0) return true;
    const at = page * PAGE_SIZE;
    return this.ram.compare(ZERO_PAGE, 0, PAGE_SIZE, at, at + PAGE_SIZE) === 0;
  }
}

export interface PagesSent {
  /** Pages sent, zero pages included. */
  pages: number;
  zeroPages: number;
  /** Stream bytes of the PAGES sections. */
  bytes: number;
  sections: number;
}

/** Send `pages` (ascending) as PAGES sections of one phase and round. */
export function sendPages(
  writer: StreamWriter,
  memory: PhysicalMemory,
  pages: ArrayLike<number>,
  phase: number,
  round: number,
  icount: number,
  /** Mark the last batch as the end of a pre-copy round (an empty round still sends one). */
  roundEnd = false,
  zero = new ZeroPageTest(memory),
): PagesSent {
  const out: PagesSent = { pages: pages.length, zeroPages: 0, bytes: 0, sections: 0 };
  const ram = memory.ram;
  for (let start = 0; start < pages.length || (roundEnd && start === 0); start += BATCH_PAGES) {
    const end = Math.min(pages.length, start + BATCH_PAGES);
    const full: number[] = [];
    const zeros: number[] = [];
    for (let i = start; i < end; i++) {
      const p = pages[i];
      if (zero.isZero(p)) zeros.push(p);
      else full.push(p);
    }
    const data = new Uint8Array(full.length * PAGE_SIZE);
    for (let i = 0; i < full.length; i++) data.set(ram.subarray(full[i] * PAGE_SIZE, (full[i] + 1) * PAGE_SIZE), i * PAGE_SIZE);
    const batch: PbPageBatch = { phase, round, pages: full, data, zeroPages: zeros, sourceIcount: icount, roundEnd: roundEnd && end >= pages.length };
    out.bytes += writer.write(SECTION.PAGES, batch);
    out.sections++;
    out.zeroPages += zeros.length;
  }
  return out;
}

/**
 * Write a batch into the destination's RAM. `written` marks the pages that hold data from an
 * earlier batch: only those need clearing for a zero page (the destination starts fresh, all
 * zero, and writing zeros over untouched RAM would make the host allocate it: a 1 GiB guest
 * would cost a gigabyte for nothing).
 */
export function applyPageBatch(memory: PhysicalMemory, batch: PbPageBatch, written: Uint8Array, where: string): void {
  checkPages(memory, batch.pages, batch.data, where);
  const ram = memory.ram;
  const dirty = memory.dirty.bytes;
  for (let i = 0; i < batch.pages.length; i++) {
    const p = batch.pages[i];
    ram.set(batch.data.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE), p * PAGE_SIZE);
    dirty[p] = 1;
    written[p] = 1;
    memory.codeWritten(p * PAGE_SIZE, PAGE_SIZE);
  }
  for (const p of batch.zeroPages) {
    if (p >= memory.ramPages) throw new MigrationStreamError('BAD_SECTION', `${where}: zero page ${p} is outside the destination's RAM`);
    if (written[p] === 0) continue;
    ram.fill(0, p * PAGE_SIZE, (p + 1) * PAGE_SIZE);
    dirty[p] = 1;
    written[p] = 0;
    memory.codeWritten(p * PAGE_SIZE, PAGE_SIZE);
  }
}

export function checkPages(memory: PhysicalMemory, pages: readonly number[], data: Uint8Array, where: string): void {
  if (data.length !== pages.length * PAGE_SIZE) {
    throw new MigrationStreamError('BAD_SECTION', `${where}: ${pages.length} pages but ${data.length} bytes of page data`);
  }
  for (const p of pages) {
    if (p >= memory.ramPages) throw new MigrationStreamError('BAD_SECTION', `${where}: page ${p} is outside the destination's RAM (${memory.ramPages} pages)`);
  }
}

/** The page data of a post-copy response, for page `i` of it. */
export function responsePage(r: PbPageResponse, i: number): Uint8Array {
  return r.data.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
}
