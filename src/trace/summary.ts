/**
 * What a chunk, or a segment of 64 chunks, holds: record classes, devices named, PIO port
 * and MMIO address ranges (ChunkSummary in proto/trace.proto). Readers skip whatever cannot
 * match a filter without reading it: first by segment ("S" keys, one per ~64 k records),
 * then by chunk ("I" keys). A device listing reads one summary per 64 chunks plus the chunks
 * that name the device, not the trace.
 *
 * (Per-device posting keys were measured first: one LevelDB put per device per chunk cost
 * more than encoding the chunk's records; a summary per segment costs one put per 64 chunks.)
 */
import {
  KC_CHECKPOINT,
  KC_DMA,
  KC_HYPERVISOR,
  KC_INPUT,
  KC_INTERRUPT,
  KC_MIGRATION,
  KC_MMIO,
  KC_OUTPUT,
  KC_PIO,
  KC_TRANSITION,
} from './format.js';
import { decodeChunk } from './packed.js';
import type { PbChunk, PbChunkSummary } from './proto.js';
import type { TraceRecord } from './records.js';

/** Chunks per segment summary. */
export const SEGMENT_CHUNKS = 64;

const NO_MIN = 0xffffffff;

const KIND_BIT: Record<TraceRecord['kind'], number> = {
  pio: KC_PIO,
  mmio: KC_MMIO,
  dma: KC_DMA,
  transition: KC_TRANSITION,
  interrupt: KC_INTERRUPT,
  input: KC_INPUT,
  output: KC_OUTPUT,
  hypervisor: KC_HYPERVISOR,
  migration: KC_MIGRATION,
  checkpoint: KC_CHECKPOINT,
};

export function kindBit(kind: TraceRecord['kind']): number {
  return KIND_BIT[kind];
}

/** The device a record names, or -1 (interrupts, migration events, checkpoint markers). */
export function recordDevice(r: TraceRecord): number {
  return r.kind === 'migration' ? -1 : 'device' in r ? r.device : -1;
}

export function bitmapHas(bitmap: Uint8Array, device: number): boolean {
  const i = device >>> 3;
  return i < bitmap.length && (bitmap[i] & (1 << (device & 7))) !== 0;
}

/** Builds a summary from records or from other summaries (a segment from its chunks). */
export class SummaryBuilder {
  firstSeq = 0;
  firstIcount = 0;
  lastIcount = 0;
  recordCount = 0;
  kindMask = 0;
  /** Summaries merged so far (chunks in a segment). */
  parts = 0;
  private bitmap = new Uint8Array(0);
  private pioMin = NO_MIN;
  private pioMax = 0;
  private mmioMin = NO_MIN;
  private mmioMax = 0;

  addDevice(d: number): void {
    const i = d >>> 3;
    if (i >= this.bitmap.length) {
      const bigger = new Uint8Array(i + 1);
      bigger.set(this.bitmap);
      this.bitmap = bigger;
    }
    this.bitmap[i] |= 1 << (d & 7);
  }

  addRecord(r: TraceRecord): void {
    if (this.recordCount === 0) {
      this.firstSeq = r.seq;
      this.firstIcount = r.icount;
    }
    this.recordCount++;
    this.lastIcount = r.icount;
    this.kindMask |= KIND_BIT[r.kind];
    const d = recordDevice(r);
    if (d >= 0) this.addDevice(d);
    if (r.kind === 'pio') {
      if (r.addr < this.pioMin) this.pioMin = r.addr;
      if (r.addr > this.pioMax) this.pioMax = r.addr;
    } else if (r.kind === 'mmio') {
      if (r.addr < this.mmioMin) this.mmioMin = r.addr;
      if (r.addr > this.mmioMax) this.mmioMax = r.addr;
    }
  }

  addSummary(s: PbChunkSummary): void {
    if (this.recordCount === 0) {
      this.firstSeq = s.firstSeq;
      this.firstIcount = s.firstIcount;
    }
    this.recordCount += s.recordCount;
    this.lastIcount = s.lastIcount;
    this.kindMask |= s.kindMask;
    this.parts++;
    if (s.deviceBitmap.length > this.bitmap.length) {
      const bigger = new Uint8Array(s.deviceBitmap.length);
      bigger.set(this.bitmap);
      this.bitmap = bigger;
    }
    for (let i = 0; i < s.deviceBitmap.length; i++) this.bitmap[i] |= s.deviceBitmap[i];
    if (s.pioMin <= s.pioMax) {
      if (s.pioMin < this.pioMin) this.pioMin = s.pioMin;
      if (s.pioMax > this.pioMax) this.pioMax = s.pioMax;
    }
    if (s.mmioMin <= s.mmioMax) {
      if (s.mmioMin < this.mmioMin) this.mmioMin = s.mmioMin;
      if (s.mmioMax > this.mmioMax) this.mmioMax = s.mmioMax;
    }
  }

  summary(): PbChunkSummary {
    let n = this.bitmap.length;
    while (n > 0 && this.bitmap[n - 1] === 0) n--;
    return {
      firstSeq: this.firstSeq,
      firstIcount: this.firstIcount,
      lastIcount: this.lastIcount,
      recordCount: this.recordCount,
      kindMask: this.kindMask,
      deviceBitmap: this.bitmap.slice(0, n),
      pioMin: this.pioMin === NO_MIN ? 1 : this.pioMin,
      pioMax: this.pioMin === NO_MIN ? 0 : this.pioMax,
      mmioMin: this.mmioMin === NO_MIN ? 1 : this.mmioMin,
      mmioMax: this.mmioMin === NO_MIN ? 0 : this.mmioMax,
    };
  }

  clone(): SummaryBuilder {
    const c = new SummaryBuilder();
    Object.assign(c, this);
    c.bitmap = this.bitmap.slice();
    return c;
  }
}

/** A chunk's summary recomputed from its records (import rebuilds the index this way). */
export function summarizeChunk(chunk: PbChunk): PbChunkSummary {
  const b = new SummaryBuilder();
  decodeChunk(chunk, new Map(), (r) => b.addRecord(r));
  const s = b.summary();
  // An empty chunk never exists, but keep its envelope's numbers if one did.
  return { ...s, firstSeq: chunk.firstSeq, firstIcount: chunk.firstIcount, lastIcount: chunk.lastIcount };
}

/** Could any record summarised by `s` pass the filter? */
export interface SummaryFilter {
  readonly kindMask: number;
  readonly device?: number;
  readonly ports?: { readonly first: number; readonly last: number };
  readonly addrs?: { readonly first: number; readonly last: number };
}

export function summaryMayMatch(s: PbChunkSummary, f: SummaryFilter): boolean {
  if ((s.kindMask & f.kindMask) === 0) return false;
  if (f.device !== undefined && !bitmapHas(s.deviceBitmap, f.device)) return false;
  const pioHit = f.ports !== undefined && s.pioMin <= s.pioMax && s.pioMax >= f.ports.first && s.pioMin <= f.ports.last;
  const mmioHit = f.addrs !== undefined && s.mmioMin <= s.mmioMax && s.mmioMax >= f.addrs.first && s.mmioMin <= f.addrs.last;
  if ((f.ports !== undefined || f.addrs !== undefined) && !pioHit && !mmioHit) return false;
  return true;
}
