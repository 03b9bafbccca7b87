/**
 * Record-by-record comparison of the destination's stream with the reference's, from the
 * switch-over on.
 *
 * Compared exactly (icount and every field): guest port and MMIO accesses, DMA transfers,
 * interrupt acknowledgements and deliveries, inputs and outputs. Expected extras in the
 * destination, counted and never divergences: hypervisor-origin accesses and DMA (capture,
 * reconstruction, dummy frames), hypervisor actions and migration events. Interrupt line
 * raise/lower records are compared too, but a difference there is a note: line levels are
 * not essential state (a destination's interrupt fabric starts with every line low and
 * reports the first raise the reference never saw change). Transition records are state, not
 * events: checkpoints compare state, and the cause finder reads transitions.
 *
 * At the switch-over icount itself the reference may hold records the source made before it
 * stopped (a timer that fired at exactly that icount): the destination's records at that
 * icount must equal the reference's last ones there, and the ones before are skipped.
 */
import { ORIGIN_HYPERVISOR } from '../src/machine/bus.js';
import type { TraceReader } from '../src/trace/reader.js';
import type { TraceRecord } from '../src/trace/records.js';
import { recordChunks } from './chunk-scan.js';
import { describeRecordBody } from '../src/trace/describe.js';


export interface StreamExtras {
  hypervisorAccesses: number;
  hypervisorDma: number;
  hypervisorEvents: number;
  migrationEvents: number;
}

export interface StreamDivergence {
  /** 'differs': two records at the same position differ; 'missing': the destination ended first; 'extra': the reference ended first. */
  readonly kind: 'differs' | 'missing' | 'extra';
  /** Icount where the streams part. */
  readonly icount: number;
  readonly reference: TraceRecord | null;
  readonly destination: TraceRecord | null;
  /** Position among compared records (0 = first record after the switch-over). */
  readonly index: number;
}

export interface StreamComparison {
  /** Compared (essential) records that matched before the divergence, or all of them. */
  readonly matched: number;
  readonly lineRecordsMatched: number;
  readonly extras: StreamExtras;
  readonly divergence: StreamDivergence | null;
  /** Line (raise/lower) differences, as notes. */
  readonly lineNotes: string[];
  /** Reference records at the switch-over icount that the source made before it stopped. */
  readonly skippedAtSwitch: number;
}

/** Transitions and checkpoint markers: state, compared at checkpoints, not as events. */
function isState(r: TraceRecord): boolean {
  return r.kind === 'transition' || r.kind === 'checkpoint';
}

function isLine(r: TraceRecord): boolean {
  return r.kind === 'interrupt' && (r.action === 'raise' || r.action === 'lower');
}

/** Records the destination may have that the reference cannot: the migration's own. */
export function isExpectedExtra(r: TraceRecord): boolean {
  switch (r.kind) {
    case 'pio':
    case 'mmio':
    case 'dma':
      return r.origin === ORIGIN_HYPERVISOR;
    case 'hypervisor':
    case 'migration':
      return true;
    default:
      return false;
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Same event at the same icount (seq aside: positions differ between traces). */
export function sameRecord(a: TraceRecord, b: TraceRecord): boolean {
  if (a.kind !== b.kind || a.icount !== b.icount) return false;
  switch (a.kind) {
    case 'pio':
    case 'mmio': {
      const y = b as typeof a;
      return a.dir === y.dir && a.addr === y.addr && a.size === y.size && a.value === y.value && a.device === y.device && a.origin === y.origin;
    }
    case 'dma': {
      const y = b as typeof a;
      return a.dir === y.dir && a.device === y.device && a.addr === y.addr && a.length === y.length && a.hash === y.hash;
    }
    case 'interrupt': {
      const y = b as typeof a;
      return a.action === y.action && a.value === y.value;
    }
    case 'input':
    case 'output': {
      const y = b as typeof a;
      return a.channel === y.channel && a.device === y.device && bytesEqual(a.data, y.data);
    }
    default:
      return true;
  }
}

/** Pulls records from a reader a chunk at a time (chunk-scan.ts), with look-ahead. */
class Cursor {
  private readonly it: AsyncIterator<TraceRecord[]>;
  private buf: TraceRecord[] = [];
  private pos = 0;
  private done = false;

  constructor(reader: TraceReader, fromIcount: number) {
    this.it = recordChunks(reader, fromIcount)[Symbol.asyncIterator]();
  }

  async peek(): Promise<TraceRecord | null> {
    while (this.pos >= this.buf.length && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else {
        this.buf = r.value;
        this.pos = 0;
      }
    }
    return this.pos < this.buf.length ? this.buf[this.pos] : null;
  }

  async take(): Promise<TraceRecord | null> {
    const r = await this.peek();
    if (r !== null) this.pos++;
    return r;
  }

  /** The records waiting in the current chunk (taken), or the next chunk's; empty at the end. */
  async takeChunk(): Promise<TraceRecord[]> {
    await this.peek();
    const out = this.pos === 0 ? this.buf : this.buf.slice(this.pos);
    this.pos = this.buf.length;
    return out;
  }

  async close(): Promise<void> {
    await this.it.return?.(undefined);
  }
}

/**
 * One trace's records as the comparison consumes them: the current chunk and a position in
 * it; extras are counted and line records set aside as the position passes them. Nothing is
 * copied per record (the comparison runs at the speed of chunk decoding).
 */
class Stream {
  readonly lines: TraceRecord[] = [];
  ended = false;
  private buf: readonly TraceRecord[] = [];
  private pos = 0;

  constructor(
    private readonly cursor: Cursor,
    private readonly extras: StreamExtras | null,
    first: readonly TraceRecord[],
  ) {
    this.buf = first;
  }

  /** The next essential record in the current chunk, or undefined when the chunk is used up. */
  peek(): TraceRecord | undefined {
    const buf = this.buf;
    let p = this.pos;
    while (p < buf.length) {
      const r = buf[p];
      const k = r.kind;
      if (k === 'transition' || k === 'checkpoint') {
        p++;
      } else if (isExpectedExtra(r)) {
        if (this.extras !== null) count(this.extras, r);
        p++;
      } else if (k === 'interrupt' && (r.action === 'raise' || r.action === 'lower')) {
        this.lines.push(r);
        p++;
      } else {
        this.pos = p;
        return r;
      }
    }
    this.pos = p;
    return undefined;
  }

  /** The next essential record, reading chunks as needed; null at the end of the trace. */
  async next(): Promise<TraceRecord | null> {
    for (;;) {
      const r = this.peek();
      if (r !== undefined) return r;
      if (this.ended) return null;
      const chunk = await this.cursor.takeChunk();
      if (chunk.length === 0) this.ended = true;
      else {
        this.buf = chunk;
        this.pos = 0;
      }
    }
  }

  /** Past the record `peek`/`next` returned. */
  advance(): void {
    this.pos++;
  }

  /** Read to the end (collecting line records and extras). */
  async drain(): Promise<void> {
    while ((await this.next()) !== null) this.advance();
  }
}

function count(extras: StreamExtras, r: TraceRecord): void {
  if (r.kind === 'hypervisor') extras.hypervisorEvents++;
  else if (r.kind === 'migration') extras.migrationEvents++;
  else if (r.kind === 'dma') extras.hypervisorDma++;
  else extras.hypervisorAccesses++;
}

/** Records of the reference at exactly `icount` made before the source stopped there (see the file comment). */
async function alignAtSwitch(ref: Cursor, dst: Cursor, icount: number, extras: StreamExtras): Promise<{ skipped: number; refAt: TraceRecord[]; dstAt: TraceRecord[] }> {
  const refAt: TraceRecord[] = [];
  const dstAt: TraceRecord[] = [];
  for (let r = await ref.peek(); r !== null && r.icount === icount; r = await ref.peek()) {
    await ref.take();
    if (!isExpectedExtra(r) && !isState(r)) refAt.push(r);
  }
  for (let r = await dst.peek(); r !== null && r.icount === icount; r = await dst.peek()) {
    await dst.take();
    if (isExpectedExtra(r)) count(extras, r);
    else if (!isState(r)) dstAt.push(r);
  }
  // Essential and line records each align as a suffix.
  const refE = refAt.filter((r) => !isLine(r));
  const dstE = dstAt.filter((r) => !isLine(r));
  const refL = refAt.filter(isLine);
  const dstL = dstAt.filter(isLine);
  const skipE = Math.max(0, refE.length - dstE.length);
  const skipL = Math.max(0, refL.length - dstL.length);
  return { skipped: skipE + skipL, refAt: [...refE.slice(skipE), ...refL.slice(skipL)], dstAt };
}

const LINE_NOTES_MAX = 5;
/** How far ahead a line record may have moved before the line streams count as parted. */
const LINE_RESYNC_WINDOW = 8;

/** Compare the two traces' streams from `switchIcount` on. */
export async function compareStreams(reference: TraceReader, destination: TraceReader, switchIcount: number): Promise<StreamComparison> {
  const extras: StreamExtras = { hypervisorAccesses: 0, hypervisorDma: 0, hypervisorEvents: 0, migrationEvents: 0 };
  const refCursor = new Cursor(reference, switchIcount);
  const dstCursor = new Cursor(destination, switchIcount);
  // Destination records before the switch-over (reconstruction) are all the migration's own.
  try {
    const aligned = await alignAtSwitch(refCursor, dstCursor, switchIcount, extras);
    const ref = new Stream(refCursor, null, aligned.refAt);
    const dst = new Stream(dstCursor, extras, aligned.dstAt);

    const lineNotes: string[] = [];
    let linesMatched = 0;
    let linesParted = false;
    const compareLines = (upTo: number, final: boolean): void => {
      // Line records up to icount `upTo` (both streams have read past it) are compared, loosely:
      // a record on one side only is a note, and the two sides re-align after it.
      const a = ref.lines;
      const b = dst.lines;
      let i = 0;
      let j = 0;
      while (!linesParted && i < a.length && j < b.length && a[i].icount <= upTo && b[j].icount <= upTo) {
        if (sameRecord(a[i], b[j])) {
          i++;
          j++;
          linesMatched++;
          continue;
        }
        let skipA = -1;
        let skipB = -1;
        for (let k = 1; k < LINE_RESYNC_WINDOW && skipA < 0 && i + k < a.length; k++) if (sameRecord(a[i + k], b[j])) skipA = k;
        for (let k = 1; k < LINE_RESYNC_WINDOW && skipB < 0 && j + k < b.length; k++) if (sameRecord(b[j + k], a[i])) skipB = k;
        if (skipB > 0 && (skipA < 0 || skipB <= skipA)) {
          for (const x of b.slice(j, j + skipB)) note(lineNotes, `destination only: ${describeRecordBody(x, undefined, true)}`);
          j += skipB;
        } else if (skipA > 0) {
          for (const x of a.slice(i, i + skipA)) note(lineNotes, `reference only: ${describeRecordBody(x, undefined, true)}`);
          i += skipA;
        } else {
          note(lineNotes, `interrupt line records part at icount ${Math.min(a[i].icount, b[j].icount)}: reference ${describeRecordBody(a[i], undefined, true)}, destination ${describeRecordBody(b[j], undefined, true)}; line levels are not compared further`);
          linesParted = true;
        }
      }
      a.splice(0, i);
      b.splice(0, j);
      if (final && !linesParted) {
        for (const x of a.filter((r) => r.icount <= upTo)) note(lineNotes, `reference only: ${describeRecordBody(x, undefined, true)}`);
        for (const x of b.filter((r) => r.icount <= upTo)) note(lineNotes, `destination only: ${describeRecordBody(x, undefined, true)}`);
      }
      if (!linesParted && (a.length > 4096 || b.length > 4096)) {
        note(lineNotes, 'interrupt line records drift apart; not compared further');
        linesParted = true;
      }
      if (linesParted) {
        a.length = 0;
        b.length = 0;
      }
    };

    let matched = 0;
    let divergence: StreamDivergence | null = null;
    for (;;) {
      // Synchronous within chunks: an await only where a chunk runs out.
      const a = ref.peek() ?? (await ref.next());
      const b = dst.peek() ?? (await dst.next());
      if (a === null || b === null) {
        if (a !== null) divergence = { kind: 'missing', icount: a.icount, reference: a, destination: null, index: matched };
        else if (b !== null) divergence = { kind: 'extra', icount: b.icount, reference: null, destination: b, index: matched };
        break;
      }
      if (!sameRecord(a, b)) {
        divergence = { kind: 'differs', icount: Math.min(a.icount, b.icount), reference: a, destination: b, index: matched };
        break;
      }
      ref.advance();
      dst.advance();
      matched++;
      if (ref.lines.length + dst.lines.length >= 256) compareLines(a.icount - 1, false);
    }
    const upTo = divergence === null ? Infinity : divergence.icount - 1;
    if (divergence === null) {
      // Both ended: the rest of the line records.
      await Promise.all([ref.drain(), dst.drain()]);
    }
    compareLines(upTo, true);
    return { matched, lineRecordsMatched: linesMatched, extras, divergence, lineNotes, skippedAtSwitch: aligned.skipped };
  } finally {
    await Promise.all([refCursor.close(), dstCursor.close()]);
  }
}

function note(notes: string[], line: string): void {
  if (notes.length < LINE_NOTES_MAX) notes.push(line);
  else if (notes.length === LINE_NOTES_MAX) notes.push('… more interrupt line differences');
}


