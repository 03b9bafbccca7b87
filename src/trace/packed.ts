/**
 * The packed record layout inside a chunk (PACKED_V1, see format.ts and docs/trace-format.md):
 * a kind byte, then delta/varint fields. Measured on this machine with a realistic access
 * mix: 6.6 bytes per access before compression and 5.2 on disk after LevelDB's snappy,
 * where a column layout of the same varints stayed at 6.6 (snappy found less to repeat);
 * a scratch encoder wrote ~10 M records/s into LevelDB, against ~1.3 M/s for a protobuf
 * message per record. Identical accesses at a fixed stride (polling loops: 99.8% of the
 * cpu-selftest guest's 14 M accesses) collapse into one repeat record.
 *
 * ChunkEncoder is the hot path and the writer's BusObserver: appends write straight into a
 * preallocated byte buffer and update the chunk's summary (record classes, devices,
 * port/address ranges); nothing is allocated per access. decodeChunk is the read side
 * (summary.ts builds summaries from it).
 */
import { DmaHasher } from './dma-hash.js';
import { HASH_BYTES, KC_CHECKPOINT, KC_DMA, KC_HYPERVISOR, KC_INPUT, KC_INTERRUPT, KC_MIGRATION, KC_OUTPUT, KC_TRANSITION, KIND_CLASSES, PK_CHECKPOINT, PK_DATA, PK_DMA, PK_INTERRUPT, PK_PROTO, PK_REPEAT, PK_TRANSITION, putVarint, unzigzag, zigzag, type RecordKind } from './format.js';
import { hexBytes } from '../hex.js';
import { decode, encode, pb, type PbChunk, type PbChunkSummary, type PbRecord } from './proto.js';
import { INTERRUPT_ACTIONS, type AccessRecord, type TraceEvent, type TraceRecord } from './records.js';
import type { BusObserver } from '../machine/bus.js';
import { InputError } from '../errors.js';

/** Worst-case size of a fixed-size record (DMA: 1 + 8 + 3 + 5 + 5 + 16). */
const SLACK = 64;
const NO_MIN = 0xffffffff;

const CODE_SIZE = [1, 2, 4, 0];

/** Also the writer's BusObserver: the bus calls access()/dma() on it directly (one call, no wrapper). */
export class ChunkEncoder implements BusObserver {
  buf: Uint8Array;
  pos = 0;
  count = 0;
  firstSeq = 0;
  firstIcount = 0;
  /** Icount of the last record appended (kept across chunks: icounts never go back). */
  lastIcount: number;
  private prevPio = 0;
  private prevMmio = 0;
  // ---- the last access, for run-length encoding of identical accesses (polling loops)
  /** Its kind byte, or -1 when the last record was not an access (no repeat possible). */
  private lastKind = -1;
  private lastAddr = 0;
  private lastValue = 0;
  private lastDevice = 0;
  /** Its encoded Δicount: a repeat has the same. */
  private lastDelta = 0;
  /** Repeats of the last access not yet written (a PK_REPEAT record once something else comes). */
  private repeat = 0;

  /** Records appended since construction, by record class (KIND_CLASSES order; never reset). */
  private readonly kinds = new Float64Array(KIND_CLASSES.length);
  /** DMA content hashes (descriptors from a cache). */
  readonly hasher = new DmaHasher();

  // ---- summary, updated as records arrive
  kindMask = 0;
  private readonly deviceSeen = new Uint8Array(65536);
  private readonly deviceList = new Uint16Array(65536);
  deviceCount = 0;
  pioMin = NO_MIN;
  pioMax = 0;
  mmioMin = NO_MIN;
  mmioMax = 0;

  constructor(
    /** The icount now: the bus-observer methods stamp records with it (the writer swaps it for a refusal on close). */
    public icount: () => number,
    readonly maxRecords: number,
    readonly maxBytes: number,
    firstIcount: number,
    /** Called when the chunk is full (by records or bytes), after the append that filled it. */
    private readonly onFull: () => void,
  ) {
    this.buf = new Uint8Array(maxBytes + SLACK);
    this.lastIcount = firstIcount;
  }

  /** Start the next chunk at `firstSeq` (the previous chunk's bytes have been taken). */
  reset(firstSeq: number): void {
    this.firstSeq = firstSeq;
    this.pos = 0;
    this.count = 0;
    this.prevPio = 0;
    this.prevMmio = 0;
    this.lastKind = -1;
    this.repeat = 0;
    this.kindMask = 0;
    for (let i = 0; i < this.deviceCount; i++) this.deviceSeen[this.deviceList[i]] = 0;
    this.deviceCount = 0;
    this.pioMin = NO_MIN;
    this.pioMax = 0;
    this.mmioMin = NO_MIN;
    this.mmioMax = 0;
  }

  /** Kind byte and Δicount of a record other than an access; checks icounts never go back. */
  private begin(kind: number, icount: number): number {
    const d = icount - this.lastIcount;
    if (!(d >= 0)) this.wentBack(icount);
    this.lastIcount = icount;
    const buf = this.buf;
    let p = this.pos;
    if (this.repeat > 0) p = this.writeRepeat(buf, p);
    this.lastKind = -1;
    buf[p++] = kind;
    if (this.count === 0) {
      this.firstIcount = icount; // the chunk's deltas start from its own first icount
      buf[p++] = 0;
      return p;
    }
    return putVarint(buf, p, d);
  }

  private writeRepeat(buf: Uint8Array, p: number): number {
    buf[p++] = PK_REPEAT;
    p = putVarint(buf, p, this.repeat);
    this.repeat = 0;
    return p;
  }

  private end(p: number): void {
    this.pos = p;
    if (++this.count >= this.maxRecords || p >= this.maxBytes) this.onFull();
  }

  private device(d: number): void {
    if (this.deviceSeen[d] === 0) {
      this.deviceSeen[d] = 1;
      this.deviceList[this.deviceCount++] = d;
    }
  }

  private ensure(extra: number): void {
    if (this.pos + extra + SLACK <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.pos + extra + SLACK));
    bigger.set(this.buf.subarray(0, this.pos));
    this.buf = bigger;
  }

  /**
   * The access the last record was, again (the caller compared every field): counted as a
   * repeat when it came as far after the last one as that one after its predecessor — what
   * access() would decide. False when it cannot be a repeat (another record came between, a
   * new chunk began, or the stride changed): the caller then calls access(). A polling loop
   * pays this and nothing more per read (see RecordingHooks.access in session.ts).
   */
  again(): boolean {
    if (this.lastKind < 0) return false;
    const icount = this.icount();
    if (icount - this.lastIcount !== this.lastDelta) return false;
    this.lastIcount = icount;
    this.repeat++;
    this.kinds[this.lastKind & 1]++;
    if (++this.count >= this.maxRecords) this.onFull();
    return true;
  }

  /**
   * The last record, an access, `times` more times, `stride` instructions apart: what `times`
   * calls of access() with it at those counts would append, in one call (a compiled poll loop's
   * skipped reads). False, appending nothing, when the last record is not an access.
   */
  repeatAccess(times: number, stride: number): boolean {
    const kind = this.lastKind;
    if (kind < 0) return false;
    const addr = this.lastAddr;
    const value = this.lastValue;
    const device = this.lastDevice;
    let left = times;
    while (left > 0) {
      if (this.lastKind === kind && this.lastDelta === stride) {
        // Repeats, up to the chunk's end.
        const n = Math.min(left, this.maxRecords - this.count);
        this.lastIcount += n * stride;
        this.repeat += n;
        this.kinds[kind & 1] += n;
        this.count += n;
        left -= n;
        if (this.count >= this.maxRecords) this.onFull();
      } else {
        // The first in a new chunk, or the stride changed: encoded in full, as access() would.
        this.accessAt(this.lastIcount + stride, kind & 1, (kind >> 1) & 1, addr, CODE_SIZE[(kind >> 2) & 3], value, device, kind >> 4);
        left--;
      }
    }
    return true;
  }

  /** BusObserver.access, the hot path (every bus access): flat, no allocation. */
  access(space: number, dir: number, addr: number, size: number, value: number, device: number, origin: number): void {
    this.accessAt(this.icount(), space, dir, addr, size, value, device, origin);
  }

  private accessAt(icount: number, space: number, dir: number, addr: number, size: number, value: number, device: number, origin: number): void {
    let d = icount - this.lastIcount;
    if (!(d >= 0)) this.wentBack(icount);
    this.lastIcount = icount;
    const kind = space | (dir << 1) | ((size >>> 1) << 2) | (origin << 4); // size 1/2/4 → code 0/1/2
    if (kind === this.lastKind && d === this.lastDelta && addr === this.lastAddr && value === this.lastValue && device === this.lastDevice) {
      // The same access again, as far apart as the last two: a polling loop. Count it only.
      this.repeat++;
      this.kinds[space]++;
      if (++this.count >= this.maxRecords) this.onFull();
      return;
    }
    const buf = this.buf;
    let p = this.pos;
    if (this.repeat > 0) p = this.writeRepeat(buf, p);
    if (this.count === 0) {
      this.firstIcount = icount;
      d = 0;
    }
    this.lastKind = kind;
    this.lastDelta = d;
    this.lastAddr = addr;
    this.lastValue = value;
    this.lastDevice = device;
    buf[p++] = kind;
    while (d >= 0x80) {
      buf[p++] = (d & 0x7f) | 0x80;
      d = d >= 0x8000_0000 ? Math.floor(d / 128) : d >>> 7;
    }
    buf[p++] = d;
    let z: number;
    if (space === 0) {
      z = addr - this.prevPio;
      this.prevPio = addr;
      if (addr < this.pioMin) this.pioMin = addr;
      if (addr > this.pioMax) this.pioMax = addr;
    } else {
      z = addr - this.prevMmio;
      this.prevMmio = addr;
      if (addr < this.mmioMin) this.mmioMin = addr;
      if (addr > this.mmioMax) this.mmioMax = addr;
    }
    this.kindMask |= 1 << space; // KC_PIO, KC_MMIO
    this.kinds[space]++;
    // zigzag of a delta between two uint32s: |z| < 2^32, so the arithmetic form is exact.
    z = z >= 0 ? z * 2 : -z * 2 - 1;
    while (z >= 0x80) {
      buf[p++] = (z & 0x7f) | 0x80;
      z = z >= 0x8000_0000 ? Math.floor(z / 128) : z >>> 7;
    }
    buf[p++] = z;
    while (value >= 0x80) {
      buf[p++] = (value & 0x7f) | 0x80;
      value >>>= 7; // value is a uint32
    }
    buf[p++] = value;
    if (device >= 0x80) {
      buf[p++] = (device & 0x7f) | 0x80;
      if (device >= 0x4000) {
        buf[p++] = ((device >>> 7) & 0x7f) | 0x80;
        buf[p++] = device >>> 14;
      } else buf[p++] = device >>> 7;
    } else buf[p++] = device;
    if (this.deviceSeen[device] === 0) this.device(device);
    this.pos = p;
    if (++this.count >= this.maxRecords || p >= this.maxBytes) this.onFull();
  }

  private wentBack(icount: number): never {
    throw new Error(`trace record at icount ${icount} after one at ${this.lastIcount}: icounts must not go back`);
  }

  /** BusObserver.dma: the transfer's length and a content hash, not its bytes. */
  dma(dir: number, device: number, addr: number, data: Uint8Array, origin: number): void {
    let p = this.begin(PK_DMA | dir | (origin << 1), this.icount());
    const buf = this.buf;
    p = putVarint(buf, p, device);
    p = putVarint(buf, p, addr);
    p = putVarint(buf, p, data.length);
    this.hasher.hashInto(data, buf, p);
    p += HASH_BYTES;
    this.kindMask |= KC_DMA;
    this.kinds[2]++;
    this.device(device);
    this.end(p);
  }

  transition(icount: number, device: number, field: number, index: number, oldValue: number, newValue: number): void {
    let p = this.begin(PK_TRANSITION, icount);
    const buf = this.buf;
    p = putVarint(buf, p, device);
    p = putVarint(buf, p, field);
    p = putVarint(buf, p, index + 1);
    p = putVarint(buf, p, zigzag(oldValue));
    p = putVarint(buf, p, zigzag(newValue));
    this.kindMask |= KC_TRANSITION;
    this.kinds[3]++;
    if (this.deviceSeen[device] === 0) this.device(device);
    this.end(p);
  }

  interrupt(icount: number, action: number, value: number): void {
    const p = this.begin(PK_INTERRUPT | action, icount);
    this.kindMask |= KC_INTERRUPT;
    this.kinds[4]++;
    this.end(putVarint(this.buf, p, value));
  }

  data(icount: number, output: boolean, frame: boolean, device: number, data: Uint8Array | number): void {
    const length = typeof data === 'number' ? 1 : data.length;
    this.ensure(length + 24);
    let p = this.begin(PK_DATA | (output ? 1 : 0) | (frame ? 2 : 0), icount);
    const buf = this.buf;
    p = putVarint(buf, p, device);
    p = putVarint(buf, p, length);
    if (typeof data === 'number') buf[p++] = data;
    else {
      buf.set(data, p);
      p += length;
    }
    this.kindMask |= output ? KC_OUTPUT : KC_INPUT;
    this.kinds[output ? 6 : 5]++;
    this.device(device);
    this.end(p);
  }

  checkpoint(icount: number, ordinal: number): void {
    const p = this.begin(PK_CHECKPOINT, icount);
    this.kindMask |= KC_CHECKPOINT;
    this.kinds[9]++;
    this.end(putVarint(this.buf, p, ordinal));
  }

  event(icount: number, e: TraceEvent): void {
    const rec =
      e.type === 'hypervisor'
        ? { hypervisor: { icount, action: e.action, device: e.device ?? 0, detail: e.detail ?? '' } }
        : {
            migration: {
              icount,
              phase: e.phase,
              round: e.round ?? 0,
              pages: e.pages ?? 0,
              bytes: e.bytes ?? 0,
              detail: e.detail ?? '',
            },
          };
    const bytes = encode(pb.Record, rec);
    this.ensure(bytes.length + 24);
    let p = this.begin(PK_PROTO, icount);
    p = putVarint(this.buf, p, bytes.length);
    this.buf.set(bytes, p);
    p += bytes.length;
    if (e.type === 'hypervisor') {
      this.kindMask |= KC_HYPERVISOR;
      this.kinds[7]++;
      this.device(e.device ?? 0);
    } else {
      this.kindMask |= KC_MIGRATION;
      this.kinds[8]++;
    }
    this.end(p);
  }

  /**
   * The chunk so far as a Chunk message (a copy: the encoder keeps appending), written by
   * hand in one allocation; the bytes are what protobufjs writes for the same message
   * (every field present, in field order), which a test pins.
   */
  encodeChunk(): Uint8Array {
    // A pending repeat goes into the copy only: the encoder may still extend it, and the
    // stored bytes must not depend on when a flush happened.
    const tail = new Uint8Array(16);
    const tailLength = this.repeat > 0 ? putVarint(tail, (tail[0] = PK_REPEAT, 1), this.repeat) : 0;
    const records = this.pos + tailLength;
    const out = new Uint8Array(records + 64);
    let p = 0;
    out[p++] = 0x08; // 1: first_seq
    p = putVarint(out, p, this.firstSeq);
    out[p++] = 0x10; // 2: first_icount
    p = putVarint(out, p, this.firstIcount);
    out[p++] = 0x18; // 3: last_icount
    p = putVarint(out, p, this.lastIcount);
    out[p++] = 0x20; // 4: record_count
    p = putVarint(out, p, this.count);
    out[p++] = 0x28; // 5: encoding = PACKED_V1
    out[p++] = 1;
    out[p++] = 0x32; // 6: records, length-delimited
    p = putVarint(out, p, records);
    out.set(this.buf.subarray(0, this.pos), p);
    out.set(tail.subarray(0, tailLength), p + this.pos);
    return out.subarray(0, p + records);
  }

  /** Records appended so far, by kind. */
  recordsByKind(): Record<RecordKind, number> {
    const out = {} as Record<RecordKind, number>;
    KIND_CLASSES.forEach((k, i) => (out[k] = this.kinds[i]));
    return out;
  }

  summary(): PbChunkSummary {
    let maxDevice = -1;
    for (let i = 0; i < this.deviceCount; i++) if (this.deviceList[i] > maxDevice) maxDevice = this.deviceList[i];
    const bitmap = new Uint8Array((maxDevice + 8) >>> 3);
    for (let i = 0; i < this.deviceCount; i++) {
      const d = this.deviceList[i];
      bitmap[d >>> 3] |= 1 << (d & 7);
    }
    return {
      firstSeq: this.firstSeq,
      firstIcount: this.firstIcount,
      lastIcount: this.lastIcount,
      recordCount: this.count,
      kindMask: this.kindMask,
      deviceBitmap: bitmap,
      pioMin: this.pioMin === NO_MIN ? 1 : this.pioMin,
      pioMax: this.pioMin === NO_MIN ? 0 : this.pioMax,
      mmioMin: this.mmioMin === NO_MIN ? 1 : this.mmioMin,
      mmioMax: this.mmioMin === NO_MIN ? 0 : this.mmioMax,
    };
  }
}

// ---------------------------------------------------------------- read side

/** Field names per device id, from the header: resolves a transition's field index. */
export type FieldNames = ReadonlyMap<number, readonly string[]>;

function corrupt(chunk: PbChunk, why: string): InputError {
  return new InputError('TRACE_CORRUPT', `trace chunk at seq ${chunk.firstSeq} is corrupt: ${why}`);
}

/**
 * Every record of a chunk, in order. `visit` returns false to stop early. Records are
 * plain objects (the read side allocates; the write side does not).
 */
export function decodeChunk(chunk: PbChunk, fields: FieldNames, visit: (r: TraceRecord) => boolean | void): void {
  if (chunk.encoding !== 1) throw corrupt(chunk, `unknown record encoding ${chunk.encoding}`);
  const buf = chunk.records;
  const end = buf.length;
  let p = 0;
  let icount = chunk.firstIcount;
  let prevPio = 0;
  let prevMmio = 0;
  // Varint reader over `buf` at `p` (inlined closure; reads past the end are caught below).
  const v = (): number => {
    let result = 0;
    let mul = 1;
    for (;;) {
      if (p >= end) throw corrupt(chunk, 'record runs past the end of the chunk');
      const b = buf[p++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
      if (mul > 2 ** 56) throw corrupt(chunk, 'varint too long');
    }
  };
  const bytes = (n: number): Uint8Array => {
    if (p + n > end) throw corrupt(chunk, 'record runs past the end of the chunk');
    const out = new Uint8Array(buf.subarray(p, p + n)); // a plain copy, not a Buffer view
    p += n;
    return out;
  };
  let lastAccess: AccessRecord | null = null;
  let lastDelta = 0;
  for (let i = 0; i < chunk.recordCount; i++) {
    if (p >= end) throw corrupt(chunk, `${chunk.recordCount} records declared, ${i} present`);
    const seq = chunk.firstSeq + i;
    const kind = buf[p++];
    if (kind === PK_REPEAT) {
      const n = v();
      const base: AccessRecord | null = lastAccess;
      if (base === null || n === 0 || i + n > chunk.recordCount) throw corrupt(chunk, `bad repeat at byte ${p}`);
      for (let k = 0; k < n; k++) {
        icount += lastDelta;
        if (visit({ ...base, seq: chunk.firstSeq + i + k, icount }) === false) return;
      }
      i += n - 1;
      continue;
    }
    const delta = v();
    icount += delta;
    lastAccess = null;
    let r: TraceRecord;
    if (kind < 0x20) {
      const space = kind & 1;
      const zz = v();
      const addrDelta = zz % 2 === 0 ? zz / 2 : -(zz + 1) / 2;
      let addr: number;
      if (space === 0) addr = prevPio = prevPio + addrDelta;
      else addr = prevMmio = prevMmio + addrDelta;
      const value = v();
      const device = v();
      r = {
        kind: space === 0 ? 'pio' : 'mmio',
        seq,
        icount,
        dir: (kind >>> 1) & 1,
        addr,
        size: CODE_SIZE[(kind >>> 2) & 3],
        value,
        device,
        origin: (kind >>> 4) & 1,
      };
      lastAccess = r;
      lastDelta = delta;
    } else if (kind < 0x24) {
      const device = v();
      const addr = v();
      const length = v();
      const hash = hexBytes(bytes(HASH_BYTES));
      r = { kind: 'dma', seq, icount, dir: kind & 1, device, addr, length, hash, origin: (kind >>> 1) & 1 };
    } else if (kind === PK_TRANSITION) {
      const device = v();
      const field = v();
      const index = v() - 1;
      const oldValue = unzigzag(v());
      const newValue = unzigzag(v());
      const fieldName = fields.get(device)?.[field] ?? '';
      r = { kind: 'transition', seq, icount, device, field, fieldName, index, oldValue, newValue };
    } else if (kind >= PK_INTERRUPT && kind < PK_INTERRUPT + 4) {
      r = { kind: 'interrupt', seq, icount, action: INTERRUPT_ACTIONS[kind & 3], value: v() };
    } else if (kind >= PK_DATA && kind < PK_DATA + 4) {
      const device = v();
      const data = bytes(v());
      r = { kind: kind & 1 ? 'output' : 'input', seq, icount, channel: kind & 2 ? 'frame' : 'serial', device, data };
    } else if (kind === PK_CHECKPOINT) {
      r = { kind: 'checkpoint', seq, icount, ordinal: v() };
    } else if (kind === PK_PROTO) {
      r = fromProtoRecord(decode<PbRecord>(pb.Record, bytes(v())), seq, icount, fields, chunk);
    } else {
      throw corrupt(chunk, `unknown record kind 0x${kind.toString(16)} at byte ${p - 1}`);
    }
    if (visit(r) === false) return;
  }
}

/** A record carried in message form (escape kind 0x7F). Its icount field is informational; the delta rules. */
function fromProtoRecord(m: PbRecord, seq: number, icount: number, fields: FieldNames, chunk: PbChunk): TraceRecord {
  if (m.access) {
    const a = m.access;
    return {
      kind: a.space === 0 ? 'pio' : 'mmio',
      seq, icount, dir: a.direction, addr: a.address, size: a.size, value: a.value, device: a.device, origin: a.origin,
    };
  }
  if (m.transition) {
    const t = m.transition;
    return {
      kind: 'transition', seq, icount, device: t.device, field: t.field,
      fieldName: fields.get(t.device)?.[t.field] ?? '', index: t.index, oldValue: t.oldValue, newValue: t.newValue,
    };
  }
  if (m.interrupt) return { kind: 'interrupt', seq, icount, action: INTERRUPT_ACTIONS[m.interrupt.action & 3], value: m.interrupt.value };
  if (m.dma) {
    const d = m.dma;
    return {
      kind: 'dma', seq, icount, dir: d.direction, device: d.device, addr: d.address, length: d.length,
      hash: hexBytes(d.contentHash), origin: d.origin,
    };
  }
  if (m.input) return { kind: 'input', seq, icount, channel: m.input.channel ? 'frame' : 'serial', device: m.input.device, data: new Uint8Array(m.input.data) };
  if (m.output) return { kind: 'output', seq, icount, channel: m.output.channel ? 'frame' : 'serial', device: m.output.device, data: new Uint8Array(m.output.data) };
  if (m.hypervisor) {
    const h = m.hypervisor;
    return { kind: 'hypervisor', seq, icount, action: h.action, device: h.device, detail: h.detail };
  }
  if (m.migration) {
    const g = m.migration;
    return { kind: 'migration', seq, icount, phase: g.phase, round: g.round, pages: g.pages, bytes: g.bytes, detail: g.detail };
  }
  if (m.checkpoint) return { kind: 'checkpoint', seq, icount, ordinal: m.checkpoint.ordinal };
  throw corrupt(chunk, `record ${seq} is an empty Record message (written by a newer migtrace?)`);
}
