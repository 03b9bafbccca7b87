/**
 * TraceWriter: records a run into a LevelDB trace.
 *
 * Records are appended synchronously into a preallocated chunk buffer (ChunkEncoder, which
 * is also the bus observer); a full chunk (4,096 records or 60 KiB) is put into the current
 * chained batch with its index entry, and every 64 chunks a segment summary. Nothing reaches
 * disk until `flush()`. The run loop is synchronous, so a recording loop runs slices and
 * commits between them; LevelDB writes one slice's records on its own thread while the
 * next slice runs:
 *
 *     let committing = Promise.resolve();
 *     while (!done) {
 *       machine.run({ maxInstructions: Math.min(writer.nextCheckpointAt, clock.icount + SLICE) });
 *       if (clock.icount >= writer.nextCheckpointAt) writer.checkpoint({ cpu, devices, memory });
 *       if (writer.flushDue) {
 *         await committing;            // the previous batch is on disk (or its error throws here)
 *         committing = writer.flush(); // commit this one while the next slice runs
 *       }
 *     }
 *     await committing;
 *     await writer.close({ status });
 *
 * `flushDue` turns true once ~1 MiB of packed records (~150 k distinct accesses) waits. A flush also
 * commits the chunk being filled (under the key it will keep), so a crash loses nothing
 * flushed, and chunk boundaries depend only on the records, never on when flushes happened:
 * the same calls give the same trace bytes.
 */
import { createHash } from 'node:crypto';
import { MACHINE_TYPE } from '../board/layout.js';
import type { CpuState } from '../machine/cpu/cpu.js';
import type { BootConfigInfo } from '../board/boot-spec.js';
import { CPU_SCHEMA, encodeCpuState } from '../machine/cpu/state.js';
import { encodeState, type StateLayout, type StateSnapshot } from '../machine/state-schema.js';
import {
  DEFAULT_CHECKPOINT_INTERVAL,
  DEFAULT_CHUNK_BYTES,
  DEFAULT_CHUNK_RECORDS,
  DEFAULT_FLUSH_BYTES,
  DEFAULT_KEYFRAME_EVERY,
  FORMAT_MAJOR,
  FORMAT_MINOR_BOOT_CONFIG,
  FORMAT_MINOR_SLAVE_DISK,
  HASH_BYTES,
  KEY_CHECKPOINT,
  KEY_INDEX,
  KEY_KEYFRAME,
  KEY_SEGMENT,
  TRACE_MAGIC,
  blobKey,
  chunkKey,
  endKey,
  headerKey,
  icountSeqKey,
  type RecordKind,
} from './format.js';
import { ChunkEncoder } from './packed.js';
import { PageHashTracker, type CheckpointMemory, type PageHashDelta } from './pages.js';
import { PageHashThread } from './page-hash-thread.js';
import { SEGMENT_CHUNKS, SummaryBuilder } from './summary.js';
import { encode, pb, type PbChunkSummary } from './proto.js';
import { INTERRUPT_ACTIONS, type DataChannel, type InterruptAction, type TraceEvent } from './records.js';
import { DeferredTraceStore, createTraceDb, type TraceBatch, type TraceStore } from './store.js';
import { hexBytes } from '../hex.js';
import { deviceStateBytes, packedSint64 } from './checkpoint-wire.js';

/** A key range no trace key falls in (every key starts with an ASCII letter, format.ts): see close(). */
const NO_TABLE_RANGE = [Uint8Array.of(0xff), Uint8Array.of(0xff, 0xff)] as const;

export interface DeviceDescriptor {
  readonly id: number;
  readonly name: string;
  readonly schemaVersion: number;
  /** Schema field names in declaration order (a transition's `field` indexes this). */
  readonly fields: readonly string[];
  /** Each field's shape, same order (2.0): what decoding a checkpoint's state needs. */
  readonly shapes: readonly FieldShapeInfo[];
}

/** proto FieldShape: a declared field's width, array length (0: a scalar), timer or not. */
export interface FieldShapeInfo {
  readonly width: number;
  readonly length: number;
  readonly timer: boolean;
}

export interface TraceHeaderInit {
  readonly machine: {
    readonly memoryBytes: number;
    readonly instructionsPerSecond: number;
    readonly devices: readonly DeviceDescriptor[];
  };
  /** sha256 of the guest image: 64 hex digits or 32 bytes. */
  readonly guestImageSha256: string | Uint8Array;
  readonly guestArgs?: string;
  readonly inputScriptSha256?: string | Uint8Array;
  readonly toolVersion: string;
  /** Icount of the first record (0 for a boot; the switch-over icount for a destination). */
  readonly firstIcount?: number;
  /** How to run the recording again (format 1.1); omit for traces that cannot be re-run. */
  readonly run?: RunConfigInit;
  /** Bytes stored beside the header (key "B" + name): the guest image, the input script. */
  readonly blobs?: readonly { readonly name: string; readonly data: Uint8Array }[];
}

/** The shared disk a recording ran with. */
export type DiskInit =
  | { readonly kind: 'boot-image'; readonly sectors: number }
  | { readonly kind: 'file'; readonly path: string; readonly sha256: string; readonly sectors: number };

/** proto RunConfig: what `replay` needs besides the machine configuration and the blobs. */
export interface RunConfigInit {
  /** False: the guest image's argument region was left as built (header guestArgs is then ""). */
  readonly guestArgsSet: boolean;
  readonly rtcStart: number;
  readonly disk: DiskInit;
  readonly inputEvents: number;
  readonly guestLabel: string;
  /** Device 1 (slave) on the primary channel: a file disk, or none. */
  readonly slaveDisk?: Extract<DiskInit, { kind: 'file' }>;
  /** 2.1: how the machine booted, when not from a disk image (src/board/boot-spec.ts). */
  readonly boot?: BootConfigInfo | null;
}

export interface TraceWriterOptions {
  /** The instruction count now (usually `() => clock.icount`); every record is stamped with it. */
  readonly icount: () => number;
  readonly chunkRecords?: number;
  readonly chunkBytes?: number;
  readonly checkpointInterval?: number;
  /** A full page-hash map every N checkpoints (deltas in between). */
  readonly keyframeEvery?: number;
  readonly flushBytes?: number;
  /** fsync each flush (survives power loss, not only a killed process). Default false. */
  readonly sync?: boolean;
  /**
   * Hash a checkpoint's pages on a worker thread (page-hash-thread.ts) when it has at least
   * this many, while the run goes on; its body is put when they are hashed, before the batch
   * that holds its marker is committed. The trace is the same either way. Default: never
   * (recordTrace uses PAGE_HASH_THREAD_MIN).
   */
  readonly pageHashThreadMin?: number;
}

/** What a checkpoint's body holds besides its pages (CheckpointWire's fields). */
interface CheckpointState {
  readonly seq: number;
  readonly icount: number;
  readonly ordinal: number;
  readonly cpu: Uint8Array | undefined;
  readonly deviceStates: Uint8Array[];
}

/** A checkpoint whose marker is recorded and whose pages a thread hashes: its body goes into `batch` once they are. */
interface HashingCheckpoint {
  readonly state: CheckpointState;
  readonly candidates: Uint32Array;
  readonly batch: TraceBatch;
}

/** Pages below which a checkpoint hashes its own (~5 µs a page): a few are not worth a job's message and wake-up. */
export const PAGE_HASH_THREAD_MIN = 256;

/**
 * Pages above which a checkpoint hashes its own after all: the thread's copy of them is
 * shared memory that stays allocated (twice the job: 256 MiB here). A first checkpoint of a
 * machine restored with gigabytes of memory in use is the case; xv6's are ~9,000.
 */
const MAX_THREAD_JOB = 32_768;

/** What a checkpoint takes of a device: its bus id, its declared state and the declaration. */
export interface CheckpointDevice {
  readonly id: number;
  readonly schema: StateLayout;
  snapshot(): StateSnapshot;
  /** encodeState(schema, snapshot()) (a device's, without the snapshot). */
  encodedState?(): number[];
}

export interface CheckpointInput {
  readonly cpu: CpuState;
  /** Every device, in bus id order. */
  readonly devices: readonly CheckpointDevice[];
  readonly memory: CheckpointMemory;
  /** First checkpoint only: the only pages that may be non-zero (PageHashTracker.candidates). Default: scan all memory. */
  readonly firstPages?: ArrayLike<number>;
}

export interface CheckpointWritten {
  readonly ordinal: number;
  readonly seq: number;
  readonly icount: number;
  /** Pages whose hash changed since the previous checkpoint; null while a thread hashes them (pageHashThreadMin). */
  readonly changedPages: number | null;
  /** The memory root after; null as changedPages. */
  readonly root: string | null;
}

export interface TraceEndInit {
  /** The run's status: "exited", "halted", "limit", "fault", "reset", "aborted", … */
  readonly status: string;
  readonly message?: string;
}

/** A header descriptor of a declared state (a device's, or the CPU's with id 0). */
export function describeState(id: number, schema: StateLayout): DeviceDescriptor {
  return {
    id,
    name: schema.device,
    schemaVersion: schema.version,
    fields: schema.fields.map((f) => f.name),
    shapes: schema.fields.map((f) => ({ width: f.width, length: f.length ?? 0, timer: f.timer ?? false })),
  };
}

/** Header device descriptors from device objects (src/devices/device.ts). */
export function describeDevices(devices: readonly { readonly id: number; readonly schema: StateLayout }[]): DeviceDescriptor[] {
  return devices.map((d) => describeState(d.id, d.schema)).sort((a, b) => a.id - b.id);
}

function shaBytes(v: string | Uint8Array | undefined, what: string): Uint8Array {
  if (v === undefined) return new Uint8Array(0);
  if (typeof v !== 'string') return v;
  if (!/^[0-9a-fA-F]{64}$/.test(v)) throw new Error(`${what} must be 64 hex digits`);
  return Uint8Array.from(Buffer.from(v, 'hex'));
}

function encodeRunConfig(r: RunConfigInit): object {
  const d = r.disk;
  return {
    guestArgsSet: r.guestArgsSet,
    rtcStart: r.rtcStart,
    disk:
      d.kind === 'file'
        ? { kind: 1, path: d.path, sha256: shaBytes(d.sha256, 'disk sha256'), sectors: d.sectors }
        : { kind: 0, path: '', sha256: new Uint8Array(0), sectors: d.sectors },
    inputEvents: r.inputEvents,
    guestLabel: r.guestLabel,
    slaveDisk: r.slaveDisk === undefined ? null
      : { kind: 1, path: r.slaveDisk.path, sha256: shaBytes(r.slaveDisk.sha256, 'slave disk sha256'), sectors: r.slaveDisk.sectors },
    boot:
      r.boot === undefined || r.boot === null
        ? null
        : { mode: r.boot.mode, cmdline: r.boot.cmdline, files: r.boot.files.map((f) => ({ role: f.role, sha256: shaBytes(f.sha256, `${f.role} sha256`), length: f.length })) },
  };
}

/** The lowest 2.x minor whose fields the header uses (src/trace/format.ts). */
function formatMinorFor(header: TraceHeaderInit): number {
  if (header.run?.slaveDisk !== undefined) return FORMAT_MINOR_SLAVE_DISK;
  if (header.run?.boot != null) return FORMAT_MINOR_BOOT_CONFIG;
  return 0;
}

function encodeHeader(header: TraceHeaderInit, options: TraceWriterOptions): Uint8Array {
  return encode(pb.TraceHeader, {
    magic: TRACE_MAGIC,
    version: { major: FORMAT_MAJOR, minor: formatMinorFor(header) },
    machine: {
      memoryBytes: header.machine.memoryBytes,
      instructionsPerSecond: header.machine.instructionsPerSecond,
      devices: header.machine.devices.map((d) => ({ ...d, fields: [...d.fields], shapes: d.shapes.map((x) => ({ ...x })) })),
      // This build's board and CPU declaration: a trace always says what it was made on.
      type: { ...MACHINE_TYPE },
      cpu: describeState(0, CPU_SCHEMA),
    },
    guestImageSha256: shaBytes(header.guestImageSha256, 'guestImageSha256'),
    guestArgs: header.guestArgs ?? '',
    inputScriptSha256: shaBytes(header.inputScriptSha256, 'inputScriptSha256'),
    toolVersion: header.toolVersion,
    firstIcount: header.firstIcount ?? 0,
    writer: {
      chunkRecords: options.chunkRecords ?? DEFAULT_CHUNK_RECORDS,
      chunkBytes: options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
      checkpointInterval: options.checkpointInterval ?? DEFAULT_CHECKPOINT_INTERVAL,
      keyframeEvery: options.keyframeEvery ?? DEFAULT_KEYFRAME_EVERY,
      pageHashBytes: HASH_BYTES,
    },
    run: header.run === undefined ? null : encodeRunConfig(header.run),
  });
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** One batch of puts, committed together (a LevelDB chained batch satisfies it). */
const FLUSH_RECORDS = 1 << 20;

export class TraceWriter {
  /** Hand this to `bus.observer`: it records every access and DMA transfer. */
  readonly observer: ChunkEncoder;
  readonly checkpointInterval: number;

  private readonly encoder: ChunkEncoder;
  private readonly icount: () => number;
  private readonly keyframeEvery: number;
  private readonly flushBytes: number;
  private readonly sync: boolean;
  private readonly pages = new PageHashTracker();
  private readonly threadMin: number;
  private thread: PageHashThread | null = null;
  /** A checkpoint whose pages the thread is hashing: its body is not put yet. */
  private hashing: HashingCheckpoint | null = null;
  /** Summary of the sealed chunks of the current segment. */
  private segment = new SummaryBuilder();
  private batch: TraceBatch;
  private pendingBytes = 0;
  /** recordCount at the last flush. */
  private flushedRecords = 0;
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private checkpoints = 0;
  private lastCheckpointIcount = -1;
  private closed = false;

  private constructor(
    private readonly db: TraceStore,
    readonly dir: string,
    readonly firstIcount: number,
    options: TraceWriterOptions,
  ) {
    this.icount = options.icount;
    this.checkpointInterval = options.checkpointInterval ?? DEFAULT_CHECKPOINT_INTERVAL;
    this.keyframeEvery = options.keyframeEvery ?? DEFAULT_KEYFRAME_EVERY;
    this.flushBytes = options.flushBytes ?? DEFAULT_FLUSH_BYTES;
    this.sync = options.sync ?? false;
    this.threadMin = options.pageHashThreadMin ?? Infinity;
    this.encoder = new ChunkEncoder(
      options.icount,
      options.chunkRecords ?? DEFAULT_CHUNK_RECORDS,
      options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
      firstIcount,
      () => this.seal(),
    );
    this.batch = db.batch();
    // The bus calls the encoder directly: one call per access, no wrapper.
    this.observer = this.encoder;
  }

  /** Create a new trace at `dir` (which must not hold one) and commit its header. */
  static async create(dir: string, header: TraceHeaderInit, options: TraceWriterOptions): Promise<TraceWriter> {
    const headerBytes = encodeHeader(header, options); // a bad header is refused before the directory is made
    return TraceWriter.createIn(await createTraceDb(dir), dir, headerBytes, header, options);
  }

  /**
   * Start a new trace at `dir` without waiting for LevelDB to open (DeferredTraceStore): the
   * directory and header are checked now, the header is committed with the first flush. For a
   * recording, which can run its machine meanwhile; an open that fails fails that flush.
   */
  static start(dir: string, header: TraceHeaderInit, options: TraceWriterOptions): TraceWriter {
    const headerBytes = encodeHeader(header, options);
    const writer = new TraceWriter(new DeferredTraceStore(dir), dir, header.firstIcount ?? 0, options);
    writer.put(headerKey(), headerBytes);
    for (const b of header.blobs ?? []) writer.put(blobKey(b.name), b.data);
    return writer;
  }

  /** A writer over another store (replay compares what it puts); `dir` only names it in messages. */
  static async createInStore(store: TraceStore, dir: string, header: TraceHeaderInit, options: TraceWriterOptions): Promise<TraceWriter> {
    return TraceWriter.createIn(store, dir, encodeHeader(header, options), header, options);
  }

  private static async createIn(
    store: TraceStore,
    dir: string,
    headerBytes: Uint8Array,
    header: TraceHeaderInit,
    options: TraceWriterOptions,
  ): Promise<TraceWriter> {
    const batch = store.batch();
    batch.put(headerKey(), headerBytes);
    for (const b of header.blobs ?? []) batch.put(blobKey(b.name), b.data);
    await batch.write({ sync: options.sync ?? false });
    return new TraceWriter(store, dir, header.firstIcount ?? 0, options);
  }

  /** Records appended so far, by kind (checkpoint markers included). */
  recordsByKind(): Record<RecordKind, number> {
    return this.encoder.recordsByKind();
  }

  /** Records appended so far (the next record's seq). */
  get recordCount(): number {
    return this.encoder.firstSeq + this.encoder.count;
  }

  /**
   * True once enough waits uncommitted that the caller should flush: ~1 MiB of packed records,
   * or 1 Mi records (a long polling loop packs into almost nothing but is still worth keeping).
   */
  get flushDue(): boolean {
    return this.pendingBytes + this.encoder.pos >= this.flushBytes || this.recordCount - this.flushedRecords >= FLUSH_RECORDS;
  }

  /**
   * Icount at which the next checkpoint is due (run slices should stop there): the first icount,
   * then every multiple of the interval. A trace recorded from power-on has them at k × interval;
   * so does a destination recorded from a switch-over after its first: the verifier then finds
   * the reference's recorded state at every destination checkpoint instead of re-executing it.
   */
  get nextCheckpointAt(): number {
    if (this.lastCheckpointIcount < 0) return this.firstIcount;
    const interval = this.checkpointInterval;
    return (Math.floor(this.lastCheckpointIcount / interval) + 1) * interval;
  }

  // ---------------------------------------------------------------- records

  /** A device state field changed (DeviceTransitionTracker calls this). `index` is -1 for a scalar. */
  transition(device: number, field: number, index: number, oldValue: number, newValue: number): void {
    this.checkOpen();
    this.encoder.transition(this.icount(), device, field, index, oldValue, newValue);
  }

  /** An ISA line raised/lowered (value: line), or an interrupt acknowledged/delivered (value: vector). */
  interrupt(action: InterruptAction, value: number): void {
    this.checkOpen();
    const a = INTERRUPT_ACTIONS.indexOf(action);
    if (a < 0) throw new Error(`unknown interrupt action "${action}"`);
    this.encoder.interrupt(this.icount(), a, value);
  }

  /** Bytes the outside world gave the machine (replay feeds them back at this icount). */
  input(channel: DataChannel, device: number, data: Uint8Array | number): void {
    this.checkOpen();
    this.encoder.data(this.icount(), false, channel === 'frame', device, data);
  }

  /** Bytes the machine gave the outside world (a number is one serial byte). */
  output(channel: DataChannel, device: number, data: Uint8Array | number): void {
    this.checkOpen();
    this.encoder.data(this.icount(), true, channel === 'frame', device, data);
  }

  /** A hypervisor action or a migration event. */
  event(e: TraceEvent): void {
    this.checkOpen();
    this.encoder.event(this.icount(), e);
  }

  /**
   * Record a checkpoint now: CPU state and every device's declared state (the binary state
   * encoding of their schemas), and the hashes of the
   * pages that changed since the previous checkpoint (all non-zero pages the first time).
   */
  checkpoint(input: CheckpointInput): CheckpointWritten {
    this.checkOpen();
    const icount = this.icount();
    const ordinal = this.checkpoints++;
    const seq = this.recordCount;
    const candidates = this.pages.candidates(input.memory, input.firstPages);
    const cpu = encodeCpuState(input.cpu);
    const state: CheckpointState = {
      seq,
      icount,
      ordinal,
      cpu: cpu.length > 0 ? packedSint64(cpu) : undefined,
      deviceStates: input.devices.map((d) => deviceStateBytes(d.id, d.encodedState?.() ?? encodeState(d.schema, d.snapshot()))),
    };
    this.settle(); // the previous checkpoint's hashes go into the map first
    this.lastCheckpointIcount = icount;
    if (candidates.length >= this.threadMin && candidates.length <= MAX_THREAD_JOB) {
      this.thread ??= new PageHashThread();
      this.thread.submit(candidates, input.memory);
      this.hashing = { state, candidates, batch: this.batch };
      this.encoder.checkpoint(icount, ordinal);
      return { ordinal, seq, icount, changedPages: null, root: null };
    }
    const delta = this.pages.hashHere(input.memory, candidates);
    this.putCheckpoint(this.batch, state, delta);
    this.encoder.checkpoint(icount, ordinal);
    return { ordinal, seq, icount, changedPages: delta.pages.length, root: hexBytes(delta.root) };
  }

  /** The checkpoint being hashed, if any: its hashes (those the thread has not done, hashed here), into the map and its batch. */
  private settle(): void {
    const h = this.hashing;
    if (h === null) return;
    this.hashing = null;
    this.putCheckpoint(h.batch, h.state, this.pages.apply(h.candidates, this.thread!.collect()));
  }

  /** settle(), when the checkpoint being hashed went into `batch`. */
  private settleFor(batch: TraceBatch): void {
    if (this.hashing?.batch === batch) this.settle();
  }

  /** Resolves when the thread has done its part of the checkpoint being hashed (at once without one). */
  private whenHashed(): Promise<void> {
    return this.thread?.finished() ?? Promise.resolve();
  }

  /** Checkpoint's bytes, its state values written by checkpoint-wire.ts (proto/trace.proto CheckpointWire), and every keyframeEvery-th a keyframe. */
  private putCheckpoint(batch: TraceBatch, state: CheckpointState, delta: PageHashDelta): void {
    const { seq, icount, ordinal } = state;
    const body = encode(pb.CheckpointWire, {
      ...state,
      pages: { ramPages: delta.ramPages, pages: delta.pages, hashes: delta.hashes, root: delta.root, oldHashes: delta.oldHashes },
    });
    this.putInto(batch, icountSeqKey(KEY_CHECKPOINT, icount, seq), body);
    if (ordinal % this.keyframeEvery === 0) {
      const full = this.pages.current!.nonZero();
      this.putInto(
        batch,
        icountSeqKey(KEY_KEYFRAME, icount, seq),
        encode(pb.PageHashKeyframe, {
          seq, icount, ordinal, ramPages: delta.ramPages, pages: full.pages, hashes: full.hashes, root: delta.root,
        }),
      );
    }
  }

  // ---------------------------------------------------------------- committing

  /** Commit everything recorded so far. Resolves once LevelDB has written it (to the OS; fsync with `sync`). */
  flush(): Promise<void> {
    this.checkOpen();
    this.putPartialChunk();
    return this.commit();
  }

  /** Commit the rest, write the end marker and close. The trace then reads as complete. */
  async close(end: TraceEndInit): Promise<void> {
    this.checkOpen();
    this.settle();
    void this.thread?.close();
    this.putPartialChunk();
    this.put(
      endKey(),
      encode(pb.TraceEnd, {
        finalIcount: this.encoder.lastIcount,
        recordCount: this.recordCount,
        status: end.status,
        message: end.message ?? '',
      }),
    );
    this.markClosed();
    try {
      await this.commit();
      // Move the last write buffer from the (uncompressed) log into a compressed table, and
      // nothing more: LevelDB flushes the memtable whatever the range, then compacts the
      // tables that overlap the range. Every table spans most key prefixes (a batch holds
      // chunks, index entries, checkpoints), so any range among our keys rewrote the whole
      // trace: 200 ms of a 1.1 s net-echo run. A range above every key (NO_TABLE_RANGE)
      // rewrites none; the tables flushed during the run stay as written (~2% more bytes:
      // the partial chunks each commit re-put).
      // (`level` types omit compactRange; under Node it is classic-level, which has it.)
      const db = this.db as unknown as { compactRange?(start: Uint8Array, end: Uint8Array): Promise<void> };
      await db.compactRange?.(NO_TABLE_RANGE[0], NO_TABLE_RANGE[1]);
    } finally {
      await this.db.close();
    }
  }

  /** Commit what was recorded and close without an end marker: the trace then reads as incomplete. */
  async abandon(): Promise<void> {
    if (this.closed) return;
    this.settle();
    void this.thread?.close();
    this.putPartialChunk();
    this.markClosed();
    try {
      await this.commit();
    } finally {
      await this.db.close();
    }
  }

  private seal(): void {
    this.segment.addSummary(this.putChunk());
    if (this.segment.parts >= SEGMENT_CHUNKS) {
      this.putSegment(this.segment);
      this.segment = new SummaryBuilder();
    }
    this.encoder.reset(this.encoder.firstSeq + this.encoder.count);
  }

  /** The chunk being filled and its segment so far, under the keys they will keep. */
  private putPartialChunk(): void {
    if (this.encoder.count > 0) {
      const partial = this.segment.clone();
      partial.addSummary(this.putChunk());
      this.putSegment(partial);
    } else if (this.segment.parts > 0) {
      this.putSegment(this.segment);
    }
  }

  /** The chunk being filled with its index entry (re-put as it grows). Returns its summary. */
  private putChunk(): PbChunkSummary {
    const enc = this.encoder;
    const summary = enc.summary();
    this.put(chunkKey(enc.firstSeq), enc.encodeChunk());
    this.put(icountSeqKey(KEY_INDEX, enc.firstIcount, enc.firstSeq), encode(pb.ChunkSummary, summary));
    return summary;
  }

  private putSegment(b: SummaryBuilder): void {
    this.put(icountSeqKey(KEY_SEGMENT, b.firstIcount, b.firstSeq), encode(pb.ChunkSummary, b.summary()));
  }

  private put(key: Uint8Array, value: Uint8Array): void {
    this.putInto(this.batch, key, value);
  }

  /** Into `batch`: the current one, or (a hashed checkpoint) the one its marker went into, not yet written. */
  private putInto(batch: TraceBatch, key: Uint8Array, value: Uint8Array): void {
    batch.put(key, value);
    if (batch === this.batch) this.pendingBytes += key.length + value.length;
  }

  private commit(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const batch = this.batch;
    this.batch = this.db.batch();
    this.pendingBytes = 0;
    this.flushedRecords = this.recordCount;
    const options = { sync: this.sync };
    // A checkpoint in this batch still being hashed is put before the batch is written: when
    // the thread has started every page (the run went on meanwhile), or else when the previous
    // batch is on disk. Either way in time for the batch, and never later than the next checkpoint.
    const hashed = this.hashing?.batch === batch ? this.whenHashed() : null;
    this.writing = this.writing.then(
      () =>
        (hashed ?? Promise.resolve()).then(() => this.settleFor(batch)).then(() => batch.write(options)).catch((err: unknown) => {
          this.failure = err;
          throw err;
        }),
    );
    // A caller may hold this promise across a run slice before awaiting it; the failure is
    // kept and rethrown by the next flush/close, so it never goes unhandled meanwhile.
    this.writing.catch(() => {});
    return this.writing;
  }

  private markClosed(): void {
    this.closed = true;
    this.encoder.icount = () => this.refuseClosed(); // the observer refuses too
  }

  private checkOpen(): void {
    if (this.closed) this.refuseClosed();
  }

  private refuseClosed(): never {
    throw new Error(`trace ${this.dir} is closed: no more records can be written`);
  }
}
