/**
 * Replay: re-run a recording from its header and blobs and check that it writes the same
 * trace — a determinism check of the whole machine, record by record.
 *
 * The replay records the re-run with the same MachineRecorder and TraceWriter a recording
 * uses, into a ComparingStore instead of LevelDB: each committed batch is compared with
 * the stored trace as it arrives (streaming; one batch, ~1 MiB, in memory at a time). Chunks
 * whose bytes are equal hold equal records (the packed layout is a function of the records,
 * and chunk boundaries depend on nothing else); a chunk that differs is decoded on both
 * sides to name the first record that differs. Checkpoint bodies (CPU state, device declared
 * state, page hashes) and the end marker are compared too. The run stops at the first
 * mismatch.
 */
import { InputError } from '../errors.js';
import { CPU_SCHEMA } from '../machine/cpu/state.js';
import { diffSnapshots } from '../machine/state-schema.js';
import { CheckpointStateDecoder } from './checkpoint-state.js';
import { KEY_CHECKPOINT, KEY_CHUNK, KEY_END, KEY_KEYFRAME, readBe64 } from './format.js';
import { hexBytes } from '../hex.js';
import { decodeChunk, type FieldNames } from './packed.js';
import { decode, pb, type PbCheckpoint, type PbChunk, type PbTraceEnd } from './proto.js';
import { TraceReader, type TraceHeaderInfo } from './reader.js';
import type { TraceRecord } from './records.js';
import { describeRecordBody, deviceNames, type DeviceNames } from './describe.js';
import { bootMachine, runSetupFromTrace, traceHeaderFor } from './run-setup.js';
import { MachineRecorder, type RecordingProgress, type RecordingStatus } from './session.js';
import { TraceWriter, describeDevices } from './writer.js';
import type { TraceBatch, TraceStore } from './store.js';
import type { Machine } from '../board/machine.js';

export interface ReplayOptions {
  /** A file disk's new path, when it moved since the recording (its contents must hash the same). */
  readonly disk?: string;
  /** The slave disk's new path, likewise. */
  readonly slaveDisk?: string;
  readonly onProgress?: (p: RecordingProgress) => void;
  readonly signal?: AbortSignal;
}

export interface ReplayMismatch {
  /** Where the replay and the trace part: the first record (or checkpoint) that differs. */
  readonly seq: number;
  readonly icount: number;
  /** record: a record differs or is missing on one side; checkpoint: a checkpoint body differs; end: the runs end differently. */
  readonly what: 'record' | 'checkpoint' | 'end';
  /** The trace's record (null: the trace has none there). */
  readonly expected: TraceRecord | null;
  /** The replay's record (null: the replay produced none there). */
  readonly actual: TraceRecord | null;
  /** One line saying what differs. */
  readonly message: string;
}

export interface ReplayResult {
  readonly dir: string;
  /** The trace had an end marker; an incomplete trace is checked up to its last record. */
  readonly complete: boolean;
  readonly traceRecords: number;
  /** Records compared and found equal. */
  readonly recordsChecked: number;
  readonly checkpointsChecked: number;
  /** Where the replay stopped, and why. */
  readonly icount: number;
  readonly status: RecordingStatus;
  readonly mismatch: ReplayMismatch | null;
}

/** Re-run the recording at `dir` and compare; never modifies the trace. */
export async function replayTrace(dir: string, options: ReplayOptions = {}): Promise<ReplayResult> {
  const reader = await TraceReader.open(dir);
  try {
    const header = reader.header;
    if (header.firstIcount !== 0) {
      throw new InputError(
        'TRACE_NOT_REPLAYABLE',
        `trace ${dir} starts at icount ${header.firstIcount} (a migration destination): replay re-runs recordings from boot; compare it with \`migtrace verify\``,
      );
    }
    const setup = await runSetupFromTrace(dir, header, reader, { disk: options.disk, slaveDisk: options.slaveDisk });
    try {
      const machine = bootMachine(setup);
      checkSameMachine(dir, header, machine);
      const status = reader.status;
      const lastRecord = status.complete ? undefined : status.lastSeq >= 0 ? await reader.recordAt(status.lastSeq) : undefined;
      const store = new ComparingStore(reader, status.complete ? null : status.lastSeq);
      const clock = machine.clock;
      const writer = await TraceWriter.createInStore(store, dir, traceHeaderFor(setup, machine), {
        icount: () => clock.icount,
        chunkRecords: header.writer.chunkRecords,
        chunkBytes: header.writer.chunkBytes,
        checkpointInterval: header.writer.checkpointInterval,
        keyframeEvery: header.writer.keyframeEvery,
      });
      const recorder = new MachineRecorder(machine, writer, machine.loadedPages());
      // A complete trace ends where the recording stopped (its last checkpoint). An incomplete one
      // is run one instruction past its last record: records carry the icount of the instruction
      // that made them, so those of the last one exist only once it has run.
      const until = status.complete ? status.finalIcount : lastRecord === undefined ? 0 : lastRecord.icount + 1;
      const outcome = await recorder.run({
        until,
        stopWhen: () => store.done,
        onProgress: options.onProgress,
        signal: options.signal,
      });
      recorder.detach();
      if (status.complete && !store.done && outcome.status !== 'aborted') {
        await writer.close({ status: outcome.status, message: outcome.message }); // compares the end marker
      } else {
        await writer.abandon();
      }
      await store.settled();
      return {
        dir,
        complete: status.complete,
        traceRecords: status.recordCount,
        recordsChecked: store.recordsChecked,
        checkpointsChecked: store.checkpointsChecked,
        icount: outcome.icount,
        status: outcome.status,
        mismatch: store.mismatch,
      };
    } finally {
      setup.disk?.close();
      setup.slaveDisk?.close();
    }
  } finally {
    await reader.close();
  }
}

/** The rebuilt machine must be the one recorded: same devices, ids and schemas (else every transition would misread). */
function checkSameMachine(dir: string, header: TraceHeaderInfo, machine: Machine): void {
  const now = describeDevices(machine.devices);
  const then = header.machine.devices;
  for (let i = 0; i < Math.max(now.length, then.length); i++) {
    const a = then[i];
    const b = now[i];
    const same =
      a !== undefined &&
      b !== undefined &&
      a.id === b.id &&
      a.name === b.name &&
      a.schemaVersion === b.schemaVersion &&
      a.fields.length === b.fields.length &&
      a.fields.every((f, k) => f === b.fields[k]);
    if (!same) {
      const what = (d: typeof a) => (d === undefined ? 'nothing' : `${d.name} (id ${d.id}, schema version ${d.schemaVersion}, ${d.fields.length} fields)`);
      throw new InputError(
        'TRACE_MACHINE_MISMATCH',
        `trace ${dir} was recorded on a different machine: it lists ${what(a)} where this migtrace has ${what(b)}`,
      );
    }
  }
}

/**
 * A TraceStore that compares what the replay's writer commits with the stored trace. The
 * header, blobs and derived summaries ("H", "B", "I", "S") are not compared: the header is
 * rebuilt from the stored one, and summaries are functions of the chunks.
 */
class ComparingStore implements TraceStore {
  mismatch: ReplayMismatch | null = null;
  recordsChecked = 0;
  checkpointsChecked = 0;
  /** The replay has gone past the last record of an incomplete trace. */
  private pastEnd = false;
  private pending: Promise<void> = Promise.resolve();
  private readonly fields: FieldNames;
  private readonly names: DeviceNames;
  private readonly state: CheckpointStateDecoder;

  /** `lastSeq`: the last stored record of an incomplete trace; null for a complete one. */
  constructor(
    private readonly reader: TraceReader,
    private readonly lastSeq: number | null,
  ) {
    const devices = reader.header.machine.devices;
    this.fields = new Map(devices.map((d) => [d.id, d.fields]));
    this.names = deviceNames(devices);
    this.state = new CheckpointStateDecoder(`trace ${reader.dir}`, devices);
  }

  /** Stop the run: a mismatch was found, or the replay is past the end of an incomplete trace. */
  get done(): boolean {
    return this.mismatch !== null || this.pastEnd;
  }

  batch(): TraceBatch {
    const puts: [Uint8Array, Uint8Array][] = [];
    return {
      put: (key, value) => {
        puts.push([key, value]);
      },
      write: () => {
        this.pending = this.pending.then(() => this.compare(puts));
        return this.pending;
      },
    };
  }

  async close(): Promise<void> {}

  settled(): Promise<void> {
    return this.pending;
  }

  private async compare(puts: readonly [Uint8Array, Uint8Array][]): Promise<void> {
    if (this.done) return;
    const found: ReplayMismatch[] = [];
    for (const [key, value] of puts) {
      let m: ReplayMismatch | null = null;
      if (key[0] === KEY_CHUNK) m = await this.compareChunk(key, value);
      else if (key[0] === KEY_CHECKPOINT || key[0] === KEY_KEYFRAME) m = await this.compareCheckpoint(key, value);
      else if (key[0] === KEY_END && key.length === 1) m = await this.compareEnd(value);
      if (m !== null) found.push(m);
    }
    // Several may differ in one batch: the first in recording order is the one to report, and
    // every record before it matched (later chunks of the batch may have been counted).
    if (found.length > 0) {
      this.mismatch = found.reduce((a, b) => (b.seq < a.seq ? b : a));
      this.recordsChecked = Math.min(this.recordsChecked, this.mismatch.seq);
    }
  }

  private beyondEnd(seq: number): boolean {
    return this.lastSeq !== null && seq > this.lastSeq;
  }

  private async compareChunk(key: Uint8Array, value: Uint8Array): Promise<ReplayMismatch | null> {
    const produced = decode<PbChunk>(pb.Chunk, value);
    const stored = await this.reader.rawValue(key);
    if (stored !== undefined && Buffer.compare(stored, value) === 0) {
      this.checked(produced.firstSeq + produced.recordCount);
      return null;
    }
    const actual = this.records(produced);
    if (stored === undefined) {
      if (this.beyondEnd(produced.firstSeq)) {
        this.pastEnd = true;
        return null;
      }
      return this.recordMismatch(null, actual[0], 'the trace has no record here');
    }
    const expected = this.records(decode<PbChunk>(pb.Chunk, stored));
    const n = Math.min(actual.length, expected.length);
    for (let i = 0; i < n; i++) {
      if (!sameRecord(expected[i], actual[i])) return this.recordMismatch(expected[i], actual[i], 'the records differ');
    }
    this.checked(produced.firstSeq + n);
    if (actual.length > expected.length) {
      // The stored chunk is the trace's last: an incomplete trace ends here; a complete one must not.
      if (this.lastSeq !== null) {
        this.pastEnd = true;
        return null;
      }
      return this.recordMismatch(null, actual[n], 'the trace ends before this record');
    }
    return null; // the replay's chunk is a prefix (a partial chunk, committed while it fills)
  }

  private async compareCheckpoint(key: Uint8Array, value: Uint8Array): Promise<ReplayMismatch | null> {
    const stored = await this.reader.rawValue(key);
    const icount = readBe64(key, 1);
    const seq = readBe64(key, 9);
    if (stored !== undefined && Buffer.compare(stored, value) === 0) {
      if (key[0] === KEY_CHECKPOINT) this.checkpointsChecked++;
      return null;
    }
    if (stored === undefined && this.beyondEnd(seq)) return null;
    const what = key[0] === KEY_KEYFRAME ? 'page-hash keyframe' : 'checkpoint';
    const message =
      stored === undefined
        ? `the replay took a ${what} the trace does not have`
        : key[0] === KEY_KEYFRAME
          ? 'the page-hash keyframes differ'
          : checkpointDifference(decode<PbCheckpoint>(pb.Checkpoint, stored), decode<PbCheckpoint>(pb.Checkpoint, value), this.state);
    const marker = await this.reader.recordAt(seq);
    return {
      seq,
      icount,
      what: 'checkpoint',
      expected: marker?.kind === 'checkpoint' ? marker : null,
      actual: null,
      message: `${what} at icount ${icount}: ${message}`,
    };
  }

  private async compareEnd(value: Uint8Array): Promise<ReplayMismatch | null> {
    const status = this.reader.status;
    if (!status.complete) return null;
    const replay = decode<PbTraceEnd>(pb.TraceEnd, value);
    if (replay.recordCount < status.recordCount) {
      const expected = (await this.reader.recordAt(replay.recordCount)) ?? null;
      return {
        seq: replay.recordCount,
        icount: expected?.icount ?? replay.finalIcount,
        what: 'end',
        expected,
        actual: null,
        message: `the replay ended (${replay.status}: ${replay.message}) where the trace goes on`,
      };
    }
    // A recording stopped from outside (Ctrl-C) ends where it was stopped; the replay stops there at its limit.
    const stoppedFromOutside = status.runStatus === 'aborted' || status.runStatus === 'stopped';
    const sameEnd = stoppedFromOutside
      ? replay.status === 'limit' && replay.finalIcount === status.finalIcount
      : replay.status === status.runStatus && replay.message === status.message && replay.finalIcount === status.finalIcount;
    if (!sameEnd || replay.recordCount !== status.recordCount) {
      return {
        seq: replay.recordCount,
        icount: replay.finalIcount,
        what: 'end',
        expected: null,
        actual: null,
        message:
          `the runs end differently: the trace ${status.runStatus} at icount ${status.finalIcount} (${status.message}), ` +
          `the replay ${replay.status} at icount ${replay.finalIcount} (${replay.message})`,
      };
    }
    return null;
  }

  private checked(throughSeq: number): void {
    const limit = this.lastSeq === null ? throughSeq : Math.min(throughSeq, this.lastSeq + 1);
    if (limit > this.recordsChecked) this.recordsChecked = limit;
  }

  private records(chunk: PbChunk): TraceRecord[] {
    const out: TraceRecord[] = [];
    decodeChunk(chunk, this.fields, (r) => {
      out.push(r);
    });
    return out;
  }

  private recordMismatch(expected: TraceRecord | null, actual: TraceRecord | null, why: string): ReplayMismatch {
    const at = (expected ?? actual)!;
    const show = (r: TraceRecord | null) => (r === null ? 'nothing' : `icount ${r.icount}: ${describeRecordBody(r, this.names)}`);
    return {
      seq: at.seq,
      icount: at.icount,
      what: 'record',
      expected,
      actual,
      message: `${why}: the trace has ${show(expected)}; the replay has ${show(actual)}`,
    };
  }
}

/** Same record: every field, bytes by value. */
export function sameRecord(a: TraceRecord, b: TraceRecord): boolean {
  if (a.kind !== b.kind) return false;
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  for (const k of Object.keys(ra)) {
    const x = ra[k];
    const y = rb[k];
    if (x instanceof Uint8Array) {
      if (!(y instanceof Uint8Array) || Buffer.compare(x, y) !== 0) return false;
    } else if (x !== y) {
      return false;
    }
  }
  return Object.keys(rb).length === Object.keys(ra).length;
}

/** What differs between two checkpoint bodies, in words: CPU fields (by the CPU schema's names), device states, memory. */
function checkpointDifference(expected: PbCheckpoint, actual: PbCheckpoint, state: CheckpointStateDecoder): string {
  const parts: string[] = [];
  const cpu = diffSnapshots(CPU_SCHEMA, state.cpuSnapshot(expected), state.cpuSnapshot(actual));
  if (cpu.length > 0) {
    const names = [...new Set(cpu.map((d) => d.field.name))];
    parts.push(`CPU state differs (${names.slice(0, 6).join(', ')}${names.length > 6 ? ', …' : ''})`);
  }
  const devices = new Map(actual.deviceStates.map((d) => [d.device, d.values]));
  const same = (a: readonly number[], b: readonly number[] | undefined) => b !== undefined && a.length === b.length && a.every((v, i) => v === b[i]);
  const differing = expected.deviceStates.filter((d) => !same(d.values, devices.get(d.device))).map((d) => state.deviceName(d.device));
  if (differing.length > 0) parts.push(`device state differs (${differing.join(', ')})`);
  const root = (c: PbCheckpoint) => hexBytes(c.pages?.root ?? new Uint8Array(0));
  if (root(expected) !== root(actual)) parts.push(`memory differs (root ${root(expected).slice(0, 12)}… vs ${root(actual).slice(0, 12)}…)`);
  return parts.length > 0 ? parts.join('; ') : 'the checkpoint records differ';
}
