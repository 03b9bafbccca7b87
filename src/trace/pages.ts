/**
 * Page hashes for checkpoints.
 *
 * A page hash is 16 bytes: all zero for an all-zero page (so a fresh machine's map is empty
 * and zero pages cost nothing to hash: a memcmp), else the first 16 bytes of
 * sha256(le32(page number) || page bytes). Mixing in the page number lets the memory root be
 * the XOR of all page hashes: two pages swapping contents still change it, and a checkpoint
 * updates it in O(changed pages). Node's built-in sha256 (~0.7 GB/s) is fast enough: a
 * checkpoint hashes only the pages dirtied since the previous one.
 */
import { hash } from 'node:crypto';
import { HASH_BYTES } from './format.js';
import { hexBytes } from '../hex.js';

export const PAGE_BYTES = 4096;
const ZERO_PAGE = Buffer.alloc(PAGE_BYTES);

/** One client of memory's multi-client dirty log (src/machine/memory.ts). */
export interface DirtyLogClient {
  /** Ascending page numbers dirtied since this client's previous take; clears them for this client only. */
  takeAndClear(): Uint32Array;
}

/** What a checkpoint needs from physical memory (PhysicalMemory satisfies it). */
export interface CheckpointMemory {
  readonly ramPages: number;
  /** A view of one RAM page. */
  page(pageNumber: number): Uint8Array;
  readonly dirty: { createClient(name: string): DirtyLogClient };
}

export function isZeroPage(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).equals(ZERO_PAGE);
}

/** le32(page number) || page bytes, reused: one-shot crypto.hash is ~25% faster than a Hash object per page. */
const hashInput = Buffer.alloc(4 + PAGE_BYTES);

/** The page hash defined above, written into `out` at `offset`. */
export function hashPageInto(page: number, bytes: Uint8Array, out: Uint8Array, offset: number): void {
  if (isZeroPage(bytes)) {
    out.fill(0, offset, offset + HASH_BYTES);
    return;
  }
  let input: Uint8Array = hashInput;
  if (bytes.length === PAGE_BYTES) {
    hashInput.writeUInt32LE(page >>> 0, 0);
    hashInput.set(bytes, 4);
  } else {
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32LE(page >>> 0, 0);
    input = Buffer.concat([prefix, bytes]);
  }
  out.set(hash('sha256', input, 'buffer').subarray(0, HASH_BYTES), offset);
}

export function hashPage(page: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(HASH_BYTES);
  hashPageInto(page, bytes, out, 0);
  return out;
}

/** The full page → hash map at one checkpoint, with its root. */
export class PageHashMap {
  readonly hashes: Uint8Array;
  readonly root = new Uint8Array(HASH_BYTES);

  constructor(readonly ramPages: number) {
    this.hashes = new Uint8Array(ramPages * HASH_BYTES);
  }

  get rootHex(): string {
    return hexBytes(this.root);
  }

  hash(page: number): Uint8Array {
    return this.hashes.subarray(page * HASH_BYTES, (page + 1) * HASH_BYTES);
  }

  hashHex(page: number): string {
    return hexBytes(this.hash(page));
  }

  /** True when the page's hash equals `hash` at `offset`. */
  matches(page: number, hash: Uint8Array, offset = 0): boolean {
    const h = this.hashes;
    const base = page * HASH_BYTES;
    for (let i = 0; i < HASH_BYTES; i++) if (h[base + i] !== hash[offset + i]) return false;
    return true;
  }

  /** Set one page's hash, keeping the root (XOR of all hashes) current. */
  set(page: number, hash: Uint8Array, offset = 0): void {
    const h = this.hashes;
    const r = this.root;
    const base = page * HASH_BYTES;
    for (let i = 0; i < HASH_BYTES; i++) {
      const next = hash[offset + i];
      r[i] ^= h[base + i] ^ next;
      h[base + i] = next;
    }
  }

  /** Apply a list of (page, hash) entries: `hashes` holds 16 bytes per page, same order. */
  apply(pages: readonly number[] | Uint32Array, hashes: Uint8Array): void {
    for (let i = 0; i < pages.length; i++) this.set(pages[i], hashes, i * HASH_BYTES);
  }

  /** Pages whose hash is not the zero-page hash, ascending, with their hashes. */
  nonZero(): { pages: number[]; hashes: Uint8Array } {
    const pages: number[] = [];
    // Compared a word at a time (`hashes` is its own buffer, so aligned).
    const words = HASH_BYTES >> 2;
    const w = new Uint32Array(this.hashes.buffer, this.hashes.byteOffset, this.ramPages * words);
    for (let p = 0; p < this.ramPages; p++) {
      const b = p * words;
      for (let i = 0; i < words; i++) {
        if (w[b + i] !== 0) {
          pages.push(p);
          break;
        }
      }
    }
    const hashes = new Uint8Array(pages.length * HASH_BYTES);
    pages.forEach((p, i) => hashes.set(this.hash(p), i * HASH_BYTES));
    return { pages, hashes };
  }

  clone(): PageHashMap {
    const c = new PageHashMap(this.ramPages);
    c.hashes.set(this.hashes);
    c.root.set(this.root);
    return c;
  }

  sameRoot(other: PageHashMap): boolean {
    for (let i = 0; i < HASH_BYTES; i++) if (this.root[i] !== other.root[i]) return false;
    return true;
  }
}

/**
 * Pages whose hashes differ between two maps (of two traces, say). Equal roots answer in
 * O(1); otherwise every page is compared once. Within one trace, TraceReader.changedPages
 * answers in time proportional to the pages that changed.
 */
export function comparePageHashes(a: PageHashMap, b: PageHashMap): number[] {
  if (a.ramPages === b.ramPages && a.sameRoot(b)) return [];
  const n = Math.max(a.ramPages, b.ramPages);
  const out: number[] = [];
  const zero = new Uint8Array(HASH_BYTES);
  for (let p = 0; p < n; p++) {
    const ha = p < a.ramPages ? a.hash(p) : zero;
    if (p >= b.ramPages || !b.matches(p, ha)) {
      if (p >= b.ramPages && ha.every((x) => x === 0)) continue;
      out.push(p);
    }
  }
  return out;
}

/** Pages per block in the first checkpoint's zero scan (one memcmp each). */
const SCAN_BLOCK_PAGES = 256;
const ZERO_BLOCK = Buffer.alloc(SCAN_BLOCK_PAGES * PAGE_BYTES);

/**
 * Every page that may be non-zero: the first checkpoint hashes these. When memory's pages are
 * views of one buffer (PhysicalMemory's are), whole 1 MiB blocks are compared with zeros in
 * one memcmp each instead of 16,384 page compares (each with a Buffer view): ~2.5 ms for
 * 64 MiB once the memory is mapped. Memory the guest never touched still costs a page fault
 * per 4 KiB on first read (~25 ms for 64 MiB); `firstPages` (below) avoids reading it. A
 * post-copy destination with pages still absent is read page by page: page() fetches them.
 */
export function maybeNonZeroPages(memory: Pick<CheckpointMemory, 'ramPages' | 'page'>): Uint32Array {
  const n = memory.ramPages;
  const all = () => Uint32Array.from({ length: n }, (_, i) => i);
  if (n === 0 || ((memory as { absentPages?: number }).absentPages ?? 0) !== 0) return all();
  const first = memory.page(0);
  const last = memory.page(n - 1);
  if (last.buffer !== first.buffer || last.byteOffset !== first.byteOffset + (n - 1) * PAGE_BYTES) return all();
  const ram = Buffer.from(first.buffer, first.byteOffset, n * PAGE_BYTES);
  const out: number[] = [];
  for (let b = 0; b < n; b += SCAN_BLOCK_PAGES) {
    const end = Math.min(n, b + SCAN_BLOCK_PAGES);
    if (ram.compare(ZERO_BLOCK, 0, (end - b) * PAGE_BYTES, b * PAGE_BYTES, end * PAGE_BYTES) === 0) continue;
    for (let p = b; p < end; p++) out.push(p);
  }
  return Uint32Array.from(out);
}

/** Pages whose hash changed at a checkpoint (ascending), their new and old hashes, and the root after. */
export interface PageHashDelta {
  readonly pages: number[];
  readonly hashes: Uint8Array;
  readonly oldHashes: Uint8Array;
  readonly root: Uint8Array;
  readonly ramPages: number;
}

/**
 * The writer's side: keeps the current map and turns "pages dirtied since last time" into
 * "pages whose hash changed". It owns its own dirty-log client, so the pre-copy migration's
 * dirty bits are never taken from it.
 */
export class PageHashTracker {
  private map: PageHashMap | null = null;
  private client: DirtyLogClient | null = null;
  private memory: CheckpointMemory | null = null;

  get current(): PageHashMap | null {
    return this.map;
  }

  /** apply() with the candidates hashed now, on this thread. */
  hashHere(memory: CheckpointMemory, candidates: ArrayLike<number>): PageHashDelta {
    const hashes = new Uint8Array(candidates.length * HASH_BYTES);
    for (let i = 0; i < candidates.length; i++) hashPageInto(candidates[i], memory.page(candidates[i]), hashes, i * HASH_BYTES);
    return this.apply(candidates, hashes);
  }

  /**
   * A checkpoint's changed pages (ascending) and their new hashes since the previous one,
   * everything non-zero the first time, in two halves: candidates() then hashHere() or, with
   * the candidates hashed elsewhere (hash thread), apply(). `firstPages`, first time only: the
   * only pages that may be non-zero (the caller vouches for the rest: a machine just booted
   * has its boot image and nothing else), so untouched memory is not read — reading it costs
   * a page fault per 4 KiB (~25 ms for 64 MiB, most of a short run's recording overhead).
   *
   * This half: the pages to hash now (the dirty log's since the last call; the first time,
   * `firstPages` or every page that may be non-zero), RAM pages only.
   */
  candidates(memory: CheckpointMemory, firstPages?: ArrayLike<number>): Uint32Array {
    let candidates: ArrayLike<number>;
    if (this.memory === null) {
      this.memory = memory;
      this.map = new PageHashMap(memory.ramPages);
      this.client = memory.dirty.createClient('trace-checkpoints');
      this.client.takeAndClear(); // start clean: every page is hashed below
      candidates = firstPages ?? maybeNonZeroPages(memory);
    } else {
      if (memory !== this.memory) throw new Error('a trace checkpoints one machine memory: got a different one');
      candidates = this.client!.takeAndClear();
    }
    const ram = this.map!.ramPages;
    const out: number[] = [];
    for (let i = 0; i < candidates.length; i++) if (candidates[i] < ram) out.push(candidates[i]);
    return Uint32Array.from(out);
  }

  /** The candidates' hashes (HASH_BYTES each, same order) into the map, and what changed. */
  apply(candidates: ArrayLike<number>, candidateHashes: Uint8Array): PageHashDelta {
    const map = this.map!;
    const pages: number[] = [];
    const changed: number[] = [];
    for (let i = 0; i < candidates.length; i++) if (!map.matches(candidates[i], candidateHashes, i * HASH_BYTES)) changed.push(i);
    const hashes = new Uint8Array(changed.length * HASH_BYTES);
    const oldHashes = new Uint8Array(changed.length * HASH_BYTES);
    changed.forEach((i, k) => {
      const p = candidates[i];
      oldHashes.set(map.hash(p), k * HASH_BYTES);
      map.set(p, candidateHashes, i * HASH_BYTES);
      hashes.set(candidateHashes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES), k * HASH_BYTES);
      pages.push(p);
    });
    return { pages, hashes, oldHashes, root: map.root.slice(), ramPages: map.ramPages };
  }
}
