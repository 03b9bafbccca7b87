/**
 * Page hashes (pages.ts: sha256(le32(page) ‖ page bytes)[0:16], zero for an all-zero page)
 * computed on a worker thread while the machine runs on.
 *
 * A checkpoint can have thousands of dirty pages to hash: xv6 junk-fills its free memory
 * while it boots, 9,000 pages a checkpoint for six checkpoints, ~50 ms each on the run
 * loop's thread — most of what recording its boot cost. Here the run loop only copies the
 * pages (with their numbers: each slot is le32(page) ‖ bytes, what is hashed) into shared
 * memory and goes on; the thread hashes them. The one who needs the hashes (the writer, at
 * its next checkpoint, commit or close) takes whatever pages the thread has not started and
 * hashes them itself, then waits for the ones it has: each page is claimed through one
 * atomic counter, so a thread that is slow to start, busy or gone costs nothing but its share.
 * A page the thread claimed and never finished (it died) is hashed again after a second.
 *
 * The hashes are the same whoever computes them, so the trace is the same byte for byte
 * with the thread or without (test/trace/page-hash-thread.test.ts).
 */
import { Worker } from 'node:worker_threads';
import { HASH_BYTES } from './format.js';
import { PAGE_BYTES, hashPageInto } from './pages.js';

/** Bytes of one slot: the page number (le32), then the page. */
const SLOT = 4 + PAGE_BYTES;

// A job's control words (each job has its own: a late message about an old job finds nothing to claim).
/** Pages in the job. */
const COUNT = 0;
/** The next page to claim (Atomics.add). */
const NEXT = 1;

/** How long to wait for a page the thread claimed before hashing it here (the thread is gone). */
const STALLED_MS = 1000;

/**
 * The thread: claims pages and hashes them, for each job it is told of. Self-contained (it
 * runs from this text): pages.ts hashPageInto, on a slot that holds the page number already.
 */
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { hash } = require('node:crypto');
const SLOT = ${SLOT}, PAGE = ${PAGE_BYTES}, HASH = ${HASH_BYTES};
const ZERO = Buffer.alloc(PAGE);
parentPort.on('message', ({ job, control, done, slots, out }) => {
  const n = Atomics.load(control, ${COUNT});
  for (let i = Atomics.add(control, ${NEXT}, 1); i < n; i = Atomics.add(control, ${NEXT}, 1)) {
    const at = i * SLOT;
    if (Buffer.from(slots.buffer, slots.byteOffset + at + 4, PAGE).equals(ZERO)) out.fill(0, i * HASH, (i + 1) * HASH);
    else out.set(hash('sha256', slots.subarray(at, at + SLOT), 'buffer').subarray(0, HASH), i * HASH);
    Atomics.store(done, i, job);
    Atomics.notify(done, i);
  }
  parentPort.postMessage(job);
});
`;

interface Buffers {
  /** Per page: the job that hashed it. */
  readonly done: Int32Array;
  readonly slots: Uint8Array;
  readonly out: Uint8Array;
}

/** What the thread is given of memory: one RAM page as a view. */
export interface PageSource {
  page(pageNumber: number): Uint8Array;
}

export class PageHashThread {
  private worker: Worker | null = null;
  private buffers: Buffers | null = null;
  /** The open job's control words (COUNT, NEXT). */
  private control: Int32Array = new Int32Array(new SharedArrayBuffer(8));
  private job = 0;
  private count = 0;
  /** A job submitted and not yet collected. */
  private open = false;
  /** The last job the thread said it finished, and who waits for a later one. */
  private finishedJob = 0;
  private waiting: { job: number; resolve: () => void }[] = [];
  /** The thread failed to start or died: every job is hashed here. */
  private broken = false;

  /** Copy `pages` (their bytes now) for hashing and let the thread start on them. One job at a time: collect() first. */
  submit(pages: ArrayLike<number>, memory: PageSource): void {
    if (this.open) throw new Error('PageHashThread: the previous job was not collected');
    const n = pages.length;
    const b = this.buffersFor(n);
    for (let i = 0; i < n; i++) {
      const p = pages[i];
      const at = i * SLOT;
      b.slots[at] = p & 0xff;
      b.slots[at + 1] = (p >>> 8) & 0xff;
      b.slots[at + 2] = (p >>> 16) & 0xff;
      b.slots[at + 3] = p >>> 24;
      b.slots.set(memory.page(p), at + 4);
    }
    this.job = (this.job % 0x7fffffff) + 1;
    this.count = n;
    this.control = new Int32Array(new SharedArrayBuffer(8));
    this.control[COUNT] = n;
    this.open = true;
    // Shared, not copied: the message carries views of the job's memory.
    this.thread()?.postMessage({ job: this.job, control: this.control, ...b });
  }

  /**
   * Resolves when the thread is done with the open job (it hashed its share; collect() then
   * only hashes what it left), at once with no job or no thread, and after a second at most.
   */
  finished(): Promise<void> {
    const job = this.job;
    if (!this.open || this.broken || this.worker === null || this.finishedJob >= job) return Promise.resolve();
    return new Promise((resolve) => {
      // Not unref'd: a commit waiting for this must keep the process alive (the thread is unref'd).
      const timer = setTimeout(resolve, STALLED_MS);
      this.waiting.push({ job, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  private release(job: number): void {
    this.finishedJob = Math.max(this.finishedJob, job);
    const ready = this.waiting.filter((w) => w.job <= job);
    this.waiting = this.waiting.filter((w) => w.job > job);
    for (const w of ready) w.resolve();
  }

  /** The open job's hashes, HASH_BYTES per page in submit order: the pages no one started are hashed here. */
  collect(): Uint8Array {
    if (!this.open) throw new Error('PageHashThread: no job to collect');
    const { done, out } = this.buffers!;
    const control = this.control;
    const n = this.count;
    const job = this.job;
    for (let i = Atomics.add(control, NEXT, 1); i < n; i = Atomics.add(control, NEXT, 1)) this.hashHere(i);
    for (let i = 0; i < n; i++) {
      for (;;) {
        const seen = Atomics.load(done, i);
        if (seen === job) break;
        if (Atomics.wait(done, i, seen, STALLED_MS) === 'timed-out' && Atomics.load(done, i) !== job) {
          this.broken = true; // claimed a second ago and not done: the thread is gone
          this.hashHere(i);
        }
      }
    }
    this.open = false;
    return out.slice(0, n * HASH_BYTES);
  }

  /** Stop the thread (the object can still hash, here). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w !== null) await w.terminate();
  }

  private hashHere(i: number): void {
    const { done, slots, out } = this.buffers!;
    const at = i * SLOT;
    const page = (slots[at] | (slots[at + 1] << 8) | (slots[at + 2] << 16) | (slots[at + 3] << 24)) >>> 0;
    hashPageInto(page, slots.subarray(at + 4, at + SLOT), out, i * HASH_BYTES);
    Atomics.store(done, i, this.job);
  }

  private buffersFor(n: number): Buffers {
    const b = this.buffers;
    if (b !== null && b.done.length >= n) return b;
    // Room for twice the job: memory is faulted in on its first write (~3 µs a page against
    // ~0.8 µs for a page copied into memory written before), so a buffer is better grown once.
    const pages = Math.max(2 * n, 1024, (b?.done.length ?? 0) * 2);
    this.buffers = {
      done: new Int32Array(new SharedArrayBuffer(pages * 4)),
      slots: new Uint8Array(new SharedArrayBuffer(pages * SLOT)),
      out: new Uint8Array(new SharedArrayBuffer(pages * HASH_BYTES)),
    };
    return this.buffers;
  }

  private thread(): Worker | null {
    if (this.broken) return null;
    if (this.worker === null) {
      try {
        const w = new Worker(THREAD_SOURCE, { eval: true });
        w.unref(); // never what keeps the process alive
        w.on('message', (job: number) => this.release(job));
        w.on('error', () => {
          this.broken = true;
          this.release(Infinity);
        });
        w.on('exit', () => {
          if (this.worker === w) this.broken = true;
          this.release(Infinity);
        });
        this.worker = w;
      } catch {
        this.broken = true;
        return null;
      }
    }
    return this.worker;
  }
}
