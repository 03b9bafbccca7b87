/**
 * TraceReader: reads a trace directory without modifying it (store.ts explains how).
 *
 * Seeks use the chunk index ("I" keys, ordered by first icount): the last chunk starting
 * before the target icount, one reverse seek. Filters skip by summaries (record classes,
 * devices, port and address ranges; summary.ts): a segment summary per 64 chunks, then a
 * chunk summary, and only chunks that may match are read and decoded.
 */
import { InputError, MigtraceError } from '../errors.js';
import type { MachineType } from '../board/layout.js';
import type { BootConfigInfo, BootMode } from '../board/boot-spec.js';
import type { CpuState } from '../machine/cpu/cpu.js';
import { CheckpointStateDecoder, checkCpuDescriptor, type CheckpointDevice } from './checkpoint-state.js';
import { HASH_BYTES, KEY_CHECKPOINT, KEY_CHUNK, KEY_INDEX, KEY_KEYFRAME, KEY_SEGMENT, TRACE_MAGIC, blobKey, checkFormatVersion, checkMachineType, chunkKey, endKey, headerKey, icountSeqKey, kindMask, prefixRange, type RecordKind } from './format.js';
import { hexBytes } from '../hex.js';
import { decodeChunk, type FieldNames } from './packed.js';
import { kindBit, recordDevice, summaryMayMatch, type SummaryFilter } from './summary.js';
import { PageHashMap } from './pages.js';
import {
  decode,
  decodeStored,
  pb,
  type PbCheckpoint,
  type PbChunk,
  type PbDeviceDescriptor,
  type PbChunkSummary,
  type PbPageHashKeyframe,
  type PbRunConfig,
  type PbTraceEnd,
  type PbTraceHeader,
} from './proto.js';
import type { TraceRecord } from './records.js';
import { levelCorruptError, openSnapshot, type DbSnapshot, type TraceDb } from './store.js';
import type { DeviceDescriptor } from './writer.js';

export interface TraceHeaderInfo {
  readonly formatVersion: { readonly major: number; readonly minor: number };
  readonly machine: {
    readonly memoryBytes: number;
    readonly instructionsPerSecond: number;
    readonly devices: readonly DeviceDescriptor[];
    /** 2.0: the board the trace was made on (a reader of another type refuses it). */
    readonly type: MachineType;
    /** 2.0: the CPU state schema, as a descriptor (id 0, name "cpu"). */
    readonly cpu: DeviceDescriptor;
  };
  readonly guestImageSha256: string;
  readonly guestArgs: string;
  /** null when the run had no input script. */
  readonly inputScriptSha256: string | null;
  readonly toolVersion: string;
  readonly firstIcount: number;
  readonly writer: {
    readonly chunkRecords: number;
    readonly chunkBytes: number;
    readonly checkpointInterval: number;
    readonly keyframeEvery: number;
  };
  /** How to run the recording again (format 1.1); null when the trace does not say. */
  readonly run: RunConfigInfo | null;
}

export interface RunConfigInfo {
  /** False: the guest image's argument region was left as built. */
  readonly guestArgsSet: boolean;
  readonly rtcStart: number;
  readonly disk:
    | { readonly kind: 'boot-image'; readonly sectors: number }
    | { readonly kind: 'file'; readonly path: string; readonly sha256: string; readonly sectors: number };
  readonly inputEvents: number;
  readonly guestLabel: string;
  /** Device 1's image file; null when the recording had no slave disk. */
  readonly slaveDisk: { readonly path: string; readonly sha256: string; readonly sectors: number } | null;
  /** 2.1: how the machine booted; null for a disk image at 0x7C00. */
  readonly boot: BootConfigInfo | null;
}

export type TraceStatus =
  | {
      readonly complete: true;
      readonly recordCount: number;
      readonly finalIcount: number;
      readonly runStatus: string;
      readonly message: string;
    }
  | {
      readonly complete: false;
      readonly recordCount: number;
      /** Seq of the last committed record, -1 when none was committed. */
      readonly lastSeq: number;
      readonly message: string;
    };

export interface RecordFilter {
  /** First icount included. */
  readonly fromIcount?: number;
  /** Last icount included. */
  readonly toIcount?: number;
  readonly kinds?: readonly RecordKind[];
  /** Records naming this bus device id (accesses, DMA, transitions, inputs/outputs, hypervisor actions). */
  readonly device?: number;
  /** PIO accesses to ports first..last (inclusive); other records are left out. */
  readonly portRange?: { readonly first: number; readonly last: number };
  /** MMIO accesses to addresses first..last (inclusive); other records are left out. */
  readonly addressRange?: { readonly first: number; readonly last: number };
}

export interface CheckpointRecord {
  readonly ordinal: number;
  readonly seq: number;
  readonly icount: number;
  /** The CPU state (cpu.getState() when the checkpoint was written). */
  readonly cpu: CpuState;
  /** Every device's declared state (device.snapshot()), in bus id order. */
  readonly devices: readonly CheckpointDevice[];
  readonly ramPages: number;
  /** Pages whose hash changed since the previous checkpoint, ascending (all non-zero pages at the first). */
  readonly changedPages: readonly number[];
  /** Memory root (XOR of all page hashes), hex: equal roots, equal memory. */
  readonly root: string;
}

interface RawCheckpoint {
  readonly pb: PbCheckpoint;
  readonly key: Uint8Array;
}

const ALL_KINDS = (1 << 10) - 1;

export function parseHeader(bytes: Uint8Array | undefined, dir: string, what = `trace ${dir}`): TraceHeaderInfo {
  if (bytes === undefined) throw new InputError('NOT_A_TRACE', `${dir} is not a trace: it is a LevelDB database with no migtrace header (a recording killed before its first commit leaves one)`);
  let h: PbTraceHeader;
  try {
    h = decode<PbTraceHeader>(pb.TraceHeader, bytes);
  } catch {
    throw new InputError('NOT_A_TRACE', `${dir} is not a trace: its header does not decode`);
  }
  if (h.magic !== TRACE_MAGIC) throw new InputError('NOT_A_TRACE', `${dir} is not a trace: header magic is not ${TRACE_MAGIC}`);
  checkFormatVersion(what, h.version ?? { major: 0, minor: 0 }, 'TRACE_VERSION_UNSUPPORTED');
  const m = h.machine ?? { memoryBytes: 0, instructionsPerSecond: 0, devices: [], type: null, cpu: null };
  checkMachineType(what, m.type, 'TRACE_MACHINE_TYPE');
  checkCpuDescriptor(what, m.cpu === null ? null : descriptor(m.cpu));
  checkMachine(what, m, h.firstIcount);
  return {
    formatVersion: { major: h.version!.major, minor: h.version!.minor },
    machine: {
      memoryBytes: m.memoryBytes,
      instructionsPerSecond: m.instructionsPerSecond,
      devices: m.devices.map(descriptor),
      type: { name: m.type!.name, version: m.type!.version },
      cpu: descriptor(m.cpu!),
    },
    guestImageSha256: hexBytes(h.guestImageSha256),
    guestArgs: h.guestArgs,
    inputScriptSha256: h.inputScriptSha256.length === 0 ? null : hexBytes(h.inputScriptSha256),
    toolVersion: h.toolVersion,
    firstIcount: h.firstIcount,
    writer: {
      chunkRecords: h.writer?.chunkRecords ?? 0,
      chunkBytes: h.writer?.chunkBytes ?? 0,
      checkpointInterval: h.writer?.checkpointInterval ?? 0,
      keyframeEvery: h.writer?.keyframeEvery ?? 0,
    },
    run: h.run === null || h.run === undefined ? null : runConfigInfo(h.run),
  };
}

/**
 * What the rest of migtrace takes for granted about a header: a clock that runs, memory in
 * whole pages, one descriptor per device id with a shape for every field. A header that
 * decodes but breaks these (a flipped byte that still parses) is refused here, not by a
 * division by zero or a crash in whatever reads it later.
 */
function checkMachine(what: string, m: NonNullable<PbTraceHeader['machine']>, firstIcount: number): void {
  const bad = (why: string) => new InputError('TRACE_CORRUPT', `${what} is corrupt: its header ${why}`);
  if (!(m.instructionsPerSecond > 0) || !Number.isSafeInteger(m.instructionsPerSecond)) throw bad(`gives ${m.instructionsPerSecond} instructions per second`);
  if (!(m.memoryBytes > 0) || m.memoryBytes % 4096 !== 0 || !Number.isSafeInteger(m.memoryBytes)) throw bad(`gives ${m.memoryBytes} bytes of memory (not whole 4 KiB pages)`);
  if (!Number.isSafeInteger(firstIcount) || firstIcount < 0) throw bad(`gives first icount ${firstIcount}`);
  const ids = new Set<number>();
  for (const d of m.devices) {
    if (ids.has(d.id)) throw bad(`declares device id ${d.id} twice`);
    ids.add(d.id);
    if (d.shapes.length !== d.fields.length) throw bad(`declares ${d.fields.length} fields of ${d.name} but ${d.shapes.length} shapes`);
    for (const s of d.shapes) {
      if (s.width < 1 || s.width > 64 || s.length < 0 || s.length > 1 << 20) throw bad(`declares a field of ${d.name} ${s.width} bits wide, ${s.length} long`);
    }
  }
}

function descriptor(d: PbDeviceDescriptor): DeviceDescriptor {
  return {
    id: d.id,
    name: d.name,
    schemaVersion: d.schemaVersion,
    fields: d.fields,
    shapes: d.shapes.map((s) => ({ width: s.width, length: s.length, timer: s.timer })),
  };
}

function runConfigInfo(r: PbRunConfig): RunConfigInfo {
  const d = r.disk;
  return {
    guestArgsSet: r.guestArgsSet,
    rtcStart: r.rtcStart,
    disk:
      d !== null && d.kind === 1
        ? { kind: 'file', path: d.path, sha256: hexBytes(d.sha256), sectors: d.sectors }
        : { kind: 'boot-image', sectors: d?.sectors ?? 0 },
    inputEvents: r.inputEvents,
    guestLabel: r.guestLabel,
    slaveDisk: r.slaveDisk === null ? null : { path: r.slaveDisk.path, sha256: hexBytes(r.slaveDisk.sha256), sectors: r.slaveDisk.sectors },
    boot:
      r.boot === null || r.boot === undefined
        ? null
        : {
            mode: r.boot.mode as BootMode,
            cmdline: r.boot.cmdline,
            files: r.boot.files.map((f) => ({ role: f.role, name: f.role, sha256: hexBytes(f.sha256), length: f.length })),
          },
  };
}

function checkpointRecord(c: PbCheckpoint, state: CheckpointStateDecoder): CheckpointRecord {
  return {
    ordinal: c.ordinal,
    seq: c.seq,
    icount: c.icount,
    cpu: state.cpu(c),
    devices: state.devices(c),
    ramPages: c.pages?.ramPages ?? 0,
    changedPages: c.pages?.pages ?? [],
    root: hexBytes(c.pages?.root ?? new Uint8Array(HASH_BYTES)),
  };
}

export class TraceReader {
  private readonly fields: FieldNames;
  private readonly state: CheckpointStateDecoder;

  private constructor(
    private readonly snapshot: DbSnapshot,
    readonly dir: string,
    readonly header: TraceHeaderInfo,
    readonly status: TraceStatus,
  ) {
    this.fields = new Map(header.machine.devices.map((d) => [d.id, d.fields]));
    this.state = new CheckpointStateDecoder(`trace ${dir}`, header.machine.devices);
  }

  private get db(): TraceDb {
    return this.snapshot.db;
  }

  /** Open a trace read-only. Refuses, with one line each: not a trace, an unreadable version, a trace still being written. */
  static async open(dir: string): Promise<TraceReader> {
    const snapshot = await openSnapshot(dir);
    try {
      const header = parseHeader(await snapshot.db.get(headerKey()), dir);
      const status = await readStatus(snapshot.db, dir);
      return new TraceReader(snapshot, dir, header, status);
    } catch (err) {
      await snapshot.close().catch(() => {});
      throw err instanceof MigtraceError ? err : levelCorruptError(err, dir, snapshot.privateDir);
    }
  }

  async close(): Promise<void> {
    await this.snapshot.close();
  }

  // ---------------------------------------------------------------- records

  /** Records in order, filtered (all conditions must hold). */
  records(filter: RecordFilter = {}): AsyncGenerator<TraceRecord> {
    return this.guardAll(this.recordsIn(filter));
  }

  private async *recordsIn(filter: RecordFilter): AsyncGenerator<TraceRecord> {
    const from = filter.fromIcount ?? 0;
    const to = filter.toIcount ?? Infinity;
    const mask = filter.kinds === undefined ? ALL_KINDS : kindMask(filter.kinds);
    const { device, portRange: ports, addressRange: addrs } = filter;
    const rangeMask = (ports ? kindBit('pio') : 0) | (addrs ? kindBit('mmio') : 0);
    const f: SummaryFilter = { kindMask: rangeMask === 0 ? mask : mask & rangeMask, device, ports, addrs };
    if (f.kindMask === 0) return;

    const keep = (r: TraceRecord): boolean => {
      if (r.icount < from || (kindBit(r.kind) & f.kindMask) === 0) return false;
      if (device !== undefined && recordDevice(r) !== device) return false;
      if (r.kind === 'pio' && ports !== undefined && (r.addr < ports.first || r.addr > ports.last)) return false;
      if (r.kind === 'mmio' && addrs !== undefined && (r.addr < addrs.first || r.addr > addrs.last)) return false;
      return true;
    };

    const start = await this.chunkAtIcount(from);
    if (start === undefined) {
      await this.checkNothingFrom(from);
      return;
    }
    await this.checkStart(start, from);
    const startKey = icountSeqKey(KEY_INDEX, start.firstIcount, start.firstSeq);
    const out: TraceRecord[] = [];
    // The index is derived data and can be damaged like anything else: the summaries walked
    // must tile the seqs with no gap (a lost or altered summary would silently skip records),
    // and every chunk read must be the one its summary describes.
    let expect = start.firstSeq;
    let segExpect: number | null = null;
    for await (const seg of this.summaries(KEY_SEGMENT, await this.segmentKeyFor(start))) {
      if (segExpect === null ? seg.firstSeq > start.firstSeq || seg.firstSeq + seg.recordCount <= start.firstSeq : seg.firstSeq !== segExpect) {
        throw this.indexCorrupt(`segment summary at seq ${seg.firstSeq} does not follow on from seq ${segExpect ?? start.firstSeq}`);
      }
      segExpect = seg.firstSeq + seg.recordCount;
      if (seg.firstIcount > to) return;
      if (!summaryMayMatch(seg, f)) {
        expect = segExpect;
        continue;
      }
      const lo = icountSeqKey(KEY_INDEX, seg.firstIcount, seg.firstSeq);
      const range = {
        gte: Buffer.compare(lo, startKey) < 0 ? startKey : lo,
        lte: icountSeqKey(KEY_INDEX, seg.lastIcount, seg.firstSeq + seg.recordCount - 1),
      };
      for await (const c of this.summaries(KEY_INDEX, range)) {
        if (c.firstSeq !== expect) throw this.indexCorrupt(`chunk summary at seq ${c.firstSeq} where seq ${expect} was next`);
        expect = c.firstSeq + c.recordCount;
        if (c.firstIcount > to) return;
        if (!summaryMayMatch(c, f)) continue;
        out.length = 0;
        let past = false;
        const chunk = await this.chunk(c.firstSeq);
        this.checkSummary(c, chunk);
        decodeChunk(chunk, this.fields, (r) => {
          if ((kindBit(r.kind) & c.kindMask) === 0) throw this.indexCorrupt(`chunk summary at seq ${c.firstSeq} leaves out the ${r.kind} record at seq ${r.seq}`);
          if (r.icount > to) {
            past = true;
            return false;
          }
          if (keep(r)) out.push(r);
        });
        yield* out;
        if (past) return;
      }
      if (expect !== segExpect) throw this.indexCorrupt(`segment summary at seq ${seg.firstSeq} ends at seq ${segExpect - 1}, its chunks at seq ${expect - 1}`);
    }
    if (this.status.recordCount !== expect) {
      throw this.indexCorrupt(`the chunk index ends at seq ${expect - 1}, the trace at seq ${this.status.recordCount - 1}`);
    }
  }

  private indexCorrupt(why: string): InputError {
    return new InputError('TRACE_CORRUPT', `trace ${this.dir} is corrupt: its chunk index disagrees with its records (${why}); re-import it from an export to rebuild the index`);
  }

  /** A chunk must be what its summary says it is. */
  private checkSummary(s: PbChunkSummary, c: PbChunk): void {
    if (s.firstSeq !== c.firstSeq || s.firstIcount !== c.firstIcount || s.lastIcount !== c.lastIcount || s.recordCount !== c.recordCount) {
      throw this.indexCorrupt(
        `summary says seq ${s.firstSeq}+${s.recordCount}, icount ${s.firstIcount}..${s.lastIcount}; the chunk holds seq ${c.firstSeq}+${c.recordCount}, icount ${c.firstIcount}..${c.lastIcount}`,
      );
    }
  }

  /** The chunk before the one an icount seek found must end before that icount (one extra read). */
  private async checkStart(start: PbChunkSummary, icount: number): Promise<void> {
    if (start.firstSeq === 0) return;
    const prev = await this.chunkBefore(start.firstSeq);
    if (prev === undefined || prev.firstSeq + prev.recordCount !== start.firstSeq || prev.lastIcount >= icount) {
      throw this.indexCorrupt(`seeking icount ${icount} found the chunk at seq ${start.firstSeq}, but the chunk before it ${prev === undefined ? 'is missing' : `(seq ${prev.firstSeq}+${prev.recordCount}) runs to icount ${prev.lastIcount}`}`);
    }
  }

  /** The index found nothing at or after `icount`: the last chunk must agree. */
  private async checkNothingFrom(icount: number): Promise<void> {
    const last = await this.db.values({ ...prefixRange(KEY_CHUNK), reverse: true, limit: 1 }).all();
    if (last.length === 0) return;
    const c = decodeStored<PbChunk>(pb.Chunk, last[0], `trace ${this.dir}: its last chunk`);
    if (c.lastIcount >= icount) throw this.indexCorrupt(`it has no chunk at or after icount ${icount}, but the last chunk runs to icount ${c.lastIcount}`);
  }

  private async chunkBefore(seq: number): Promise<PbChunk | undefined> {
    const v = await this.db.values({ gte: Uint8Array.of(KEY_CHUNK), lt: chunkKey(seq), reverse: true, limit: 1 }).all();
    return v.length === 0 ? undefined : decodeStored<PbChunk>(pb.Chunk, v[0], `trace ${this.dir}: the chunk before seq ${seq}`);
  }

  /** The first record at or after `icount`, or undefined past the end. */
  async seekIcount(icount: number): Promise<TraceRecord | undefined> {
    return this.guard(async () => {
      const start = await this.chunkAtIcount(icount);
      if (start === undefined) {
        await this.checkNothingFrom(icount);
        return undefined;
      }
      await this.checkStart(start, icount);
      const chunk = await this.chunk(start.firstSeq);
      this.checkSummary(start, chunk);
      let found: TraceRecord | undefined;
      decodeChunk(chunk, this.fields, (r) => {
        if (r.icount >= icount) {
          found = r;
          return false;
        }
      });
      return found;
    });
  }

  /** The record with this seq, or undefined. */
  async recordAt(seq: number): Promise<TraceRecord | undefined> {
    return this.guard(async () => {
      const it = this.db.iterator({ lte: chunkKey(seq), gte: Uint8Array.of(KEY_CHUNK), reverse: true, limit: 1 });
      const entry = (await it.all())[0];
      if (entry === undefined) return undefined;
      const chunk = decode<PbChunk>(pb.Chunk, entry[1]);
      if (seq >= chunk.firstSeq + chunk.recordCount) return undefined;
      let found: TraceRecord | undefined;
      decodeChunk(chunk, this.fields, (r) => {
        if (r.seq === seq) {
          found = r;
          return false;
        }
      });
      return found;
    });
  }

  /** Summary of the chunk holding the first record with icount ≥ `icount`. */
  private async chunkAtIcount(icount: number): Promise<PbChunkSummary | undefined> {
    const below = await this.db
      .values({ gte: Uint8Array.of(KEY_INDEX), lt: icountSeqKey(KEY_INDEX, icount, 0), reverse: true, limit: 1 })
      .all();
    if (below.length === 1) {
      const s = decode<PbChunkSummary>(pb.ChunkSummary, below[0]);
      if (s.lastIcount >= icount) return s;
    }
    const above = await this.db
      .values({ gte: icountSeqKey(KEY_INDEX, icount, 0), lt: Uint8Array.of(KEY_INDEX + 1), limit: 1 })
      .all();
    return above.length === 1 ? decode<PbChunkSummary>(pb.ChunkSummary, above[0]) : undefined;
  }

  /** Key of the segment holding this chunk. */
  private async segmentKeyFor(chunk: PbChunkSummary): Promise<{ gte: Uint8Array; lt: Uint8Array }> {
    const keys = await this.db
      .keys({ gte: Uint8Array.of(KEY_SEGMENT), lte: icountSeqKey(KEY_SEGMENT, chunk.firstIcount, chunk.firstSeq), reverse: true, limit: 1 })
      .all();
    return { gte: keys[0] ?? Uint8Array.of(KEY_SEGMENT), lt: Uint8Array.of(KEY_SEGMENT + 1) };
  }

  /** Decoded summaries (chunk index or segments) in a key range. */
  private async *summaries(prefix: number, range: { gte: Uint8Array; lt?: Uint8Array; lte?: Uint8Array }): AsyncGenerator<PbChunkSummary> {
    const it = this.db.values(range.lt === undefined && range.lte === undefined ? { ...range, lt: Uint8Array.of(prefix + 1) } : range);
    try {
      for await (const v of it) yield decode<PbChunkSummary>(pb.ChunkSummary, v);
    } finally {
      await it.close();
    }
  }

  private async chunk(firstSeq: number): Promise<PbChunk> {
    const v = await this.db.get(chunkKey(firstSeq));
    if (v === undefined) throw new InputError('TRACE_CORRUPT', `trace ${this.dir} is corrupt: chunk at seq ${firstSeq} is indexed but missing`);
    return decodeStored<PbChunk>(pb.Chunk, v, `trace ${this.dir}: chunk at seq ${firstSeq}`);
  }

  // ---------------------------------------------------------------- checkpoints

  checkpoints(): AsyncGenerator<CheckpointRecord> {
    return this.guardAll(this.checkpointsIn());
  }

  private async *checkpointsIn(): AsyncGenerator<CheckpointRecord> {
    for await (const raw of this.rawCheckpoints(prefixRange(KEY_CHECKPOINT))) yield checkpointRecord(raw.pb, this.state);
  }

  /** The last checkpoint at or before `icount`. */
  async checkpointAt(icount: number): Promise<CheckpointRecord | undefined> {
    return this.guard(async () => {
      const v = await this.db
        .values({ gte: Uint8Array.of(KEY_CHECKPOINT), lte: icountSeqKey(KEY_CHECKPOINT, icount, Number.MAX_SAFE_INTEGER), reverse: true, limit: 1 })
        .all();
      return v.length === 1 ? checkpointRecord(decode<PbCheckpoint>(pb.Checkpoint, v[0]), this.state) : undefined;
    });
  }

  /** The full page → hash map at a checkpoint: the keyframe at or before it, plus the deltas since. */
  async pageHashesAt(cp: { readonly icount: number; readonly seq: number }): Promise<PageHashMap> {
    return this.guard(async () => {
      const kf = await this.db
        .values({ gte: Uint8Array.of(KEY_KEYFRAME), lte: icountSeqKey(KEY_KEYFRAME, cp.icount, cp.seq), reverse: true, limit: 1 })
        .all();
      let map: PageHashMap | null = null;
      let fromKey: Uint8Array = Uint8Array.of(KEY_CHECKPOINT);
      if (kf.length === 1) {
        const k = decode<PbPageHashKeyframe>(pb.PageHashKeyframe, kf[0]);
        map = new PageHashMap(k.ramPages);
        map.apply(k.pages, k.hashes);
        fromKey = icountSeqKey(KEY_CHECKPOINT, k.icount, k.seq + 1);
      }
      for await (const raw of this.rawCheckpoints({ gte: fromKey, lte: icountSeqKey(KEY_CHECKPOINT, cp.icount, cp.seq) })) {
        const d = raw.pb.pages;
        if (d === null) continue;
        map ??= new PageHashMap(d.ramPages);
        map.apply(d.pages, d.hashes);
      }
      if (map === null) throw new InputError('NO_CHECKPOINT', `trace ${this.dir} has no checkpoint at icount ${cp.icount}`);
      return map;
    });
  }

  /**
   * Pages whose hash differs between two checkpoints of this trace, ascending. Reads only the
   * deltas between them (each delta names old and new hashes): time proportional to the pages
   * that changed, not to memory size.
   */
  async changedPages(
    a: { readonly icount: number; readonly seq: number },
    b: { readonly icount: number; readonly seq: number },
  ): Promise<number[]> {
    return this.guard(async () => {
      if (a.icount > b.icount || (a.icount === b.icount && a.seq > b.seq)) [a, b] = [b, a];
      const first = new Map<number, string>();
      const last = new Map<number, string>();
      const range = { gt: icountSeqKey(KEY_CHECKPOINT, a.icount, a.seq), lte: icountSeqKey(KEY_CHECKPOINT, b.icount, b.seq) };
      for await (const raw of this.rawCheckpoints(range)) {
        const d = raw.pb.pages;
        if (d === null) continue;
        d.pages.forEach((p, i) => {
          const at = i * HASH_BYTES;
          if (!first.has(p)) first.set(p, hexBytes(d.oldHashes.subarray(at, at + HASH_BYTES)));
          last.set(p, hexBytes(d.hashes.subarray(at, at + HASH_BYTES)));
        });
      }
      const out: number[] = [];
      for (const [p, h] of last) if (first.get(p) !== h) out.push(p);
      return out.sort((x, y) => x - y);
    });
  }

  private async *rawCheckpoints(range: { gte?: Uint8Array; gt?: Uint8Array; lt?: Uint8Array; lte?: Uint8Array }): AsyncGenerator<RawCheckpoint> {
    const it = this.db.iterator(range);
    try {
      for await (const [key, value] of it) yield { key, pb: decode<PbCheckpoint>(pb.Checkpoint, value) };
    } finally {
      await it.close();
    }
  }

  // ---------------------------------------------------------------- blobs

  /** A blob stored beside the header (format 1.1: the guest image, the input script), or undefined. */
  async blob(name: string): Promise<Uint8Array | undefined> {
    return this.guard(() => this.db.get(blobKey(name)));
  }

  // ---------------------------------------------------------------- raw access (export)

  /** @internal Raw stored values under one key prefix, in key order. */
  rawValues(prefix: number): AsyncGenerator<Uint8Array> {
    return this.guardAll(this.rawValuesIn(prefix));
  }

  private async *rawValuesIn(prefix: number): AsyncGenerator<Uint8Array> {
    const it = this.db.values(prefixRange(prefix));
    try {
      for await (const v of it) yield v;
    } finally {
      await it.close();
    }
  }

  /** @internal Raw stored entries under one key prefix, in key order. */
  rawEntries(prefix: number): AsyncGenerator<[Uint8Array, Uint8Array]> {
    return this.guardAll(this.rawEntriesIn(prefix));
  }

  private async *rawEntriesIn(prefix: number): AsyncGenerator<[Uint8Array, Uint8Array]> {
    const it = this.db.iterator(prefixRange(prefix));
    try {
      for await (const e of it) yield e;
    } finally {
      await it.close();
    }
  }

  /** @internal */
  async rawValue(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.guard(() => this.db.get(key));
  }

  // ---------------------------------------------------------------- errors

  /**
   * Whatever goes wrong reading a stored value — LevelDB's own errors ("IO error: <private
   * path>", "Corruption: ..."), protobufjs's RangeErrors, a decoder's TypeError on a value
   * that is not what it should be — is a damaged trace: one line, naming the trace.
   */
  private corrupt(err: unknown): unknown {
    if (err instanceof MigtraceError) return err;
    return levelCorruptError(err, this.dir, this.snapshot.privateDir);
  }

  private async guard<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (err) {
      throw this.corrupt(err);
    }
  }

  private async *guardAll<T>(g: AsyncGenerator<T>): AsyncGenerator<T> {
    try {
      yield* g;
    } catch (err) {
      throw this.corrupt(err);
    }
  }
}

async function readStatus(db: TraceDb, dir: string): Promise<TraceStatus> {
  const end = await db.get(endKey());
  if (end !== undefined) {
    const e = decodeStored<PbTraceEnd>(pb.TraceEnd, end, `trace ${dir}: the end marker`);
    return {
      complete: true,
      recordCount: e.recordCount,
      finalIcount: e.finalIcount,
      runStatus: e.status,
      message: e.message,
    };
  }
  const last = await db.values({ ...prefixRange(KEY_CHUNK), reverse: true, limit: 1 }).all();
  if (last.length === 0) {
    return { complete: false, recordCount: 0, lastSeq: -1, message: 'trace has no records and no end marker: incomplete recording' };
  }
  const c = decodeStored<PbChunk>(pb.Chunk, last[0], `trace ${dir}: its last chunk`);
  const lastSeq = c.firstSeq + c.recordCount - 1;
  return {
    complete: false,
    recordCount: lastSeq + 1,
    lastSeq,
    message: `trace ends at seq ${lastSeq} (icount ${c.lastIcount}) without an end marker: incomplete recording`,
  };
}

