/**
 * The migration stream: a versioned header, then checksummed sections, each a protobuf
 * message of proto/migration.proto (the framing is described there). Both directions of a
 * migration use it. The writer is a pure function of what it is given, so the same
 * migration produces a byte-identical stream over any transport.
 *
 * Readers check before acting: the magic, the version (a different major or a newer minor
 * is refused, naming both versions), each section's CRC-32 (a bad one names the section),
 * the section kind and its protobuf body. Nothing from a damaged section is ever applied.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import protobuf from 'protobufjs';
import { InputError } from '../errors.js';
import { hexDigits } from '../hex.js';

export const STREAM_MAGIC = 'MIGSTRM\n';
/**
 * 1.1: ENVIRONMENT section; SwitchOver.input_events_delivered; PageBatch.round_end; Ack.reconstruct_instructions, dummy_frames; Done's link-model figures.
 * 1.2: SOURCE_NOTES section (late attach, guest agent, the source's notes).
 * 2.0: the CPU section is the CPU schema's binary state encoding (CpuState.values); MachineDescription.machine_type.
 * 2.1: the switch-over commit (COMMIT, COMMIT_ACK, MachineDescription.commit_handshake); HEARTBEAT.
 */
export const STREAM_MAJOR = 2;
export const STREAM_MINOR = 1;
export const HEADER_BYTES = 12;
/** kind byte + le32 length before the payload, le32 CRC after it. */
export const SECTION_OVERHEAD = 9;
/** A section larger than this is refused as damaged (page batches are ~1 MiB). */
export const MAX_SECTION_BYTES = 256 * 1024 * 1024;

export const SECTION = {
  MACHINE: 1,
  PAGES: 2,
  SWITCH_OVER: 3,
  CPU: 4,
  DEVICE: 5,
  STORAGE: 6,
  POSTCOPY_MAP: 7,
  PAGE_RESPONSE: 8,
  END: 9,
  ENVIRONMENT: 10,
  SOURCE_NOTES: 11,
  COMMIT: 12,
  ACK: 16,
  PAGE_REQUEST: 17,
  DONE: 18,
  COMMIT_ACK: 19,
  HEARTBEAT: 32,
} as const;
export type SectionKindName = keyof typeof SECTION;
export type SectionKind = (typeof SECTION)[SectionKindName];

const KIND_NAMES = new Map<number, SectionKindName>(
  (Object.entries(SECTION) as [SectionKindName, number][]).map(([name, kind]) => [kind, name]),
);

export function sectionKindName(kind: number): string {
  return KIND_NAMES.get(kind) ?? `unknown kind ${kind}`;
}

/** A damaged, truncated or unreadable stream. Bad input: CLI exit status 2. */
export class MigrationStreamError extends InputError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'MigrationStreamError';
  }
}

// ---------------------------------------------------------------- protobuf bindings

function findProto(): string {
  for (const rel of ['../../proto/migration.proto', '../../../proto/migration.proto']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (fs.existsSync(p)) return p;
  }
  throw new Error('proto/migration.proto not found next to the migtrace package');
}

const root = protobuf.loadSync(findProto());
function type(name: string): protobuf.Type {
  return root.lookupType(`migtrace.migration.${name}`);
}

/** The message type of each section kind. */
export const SECTION_TYPES: Record<SectionKind, protobuf.Type> = {
  [SECTION.MACHINE]: type('MachineDescription'),
  [SECTION.PAGES]: type('PageBatch'),
  [SECTION.SWITCH_OVER]: type('SwitchOver'),
  [SECTION.CPU]: type('CpuState'),
  [SECTION.DEVICE]: type('DeviceCapture'),
  [SECTION.STORAGE]: type('SharedDiskWrites'),
  [SECTION.POSTCOPY_MAP]: type('PostCopyMap'),
  [SECTION.PAGE_RESPONSE]: type('PageResponse'),
  [SECTION.END]: type('StreamEnd'),
  [SECTION.ENVIRONMENT]: type('Environment'),
  [SECTION.SOURCE_NOTES]: type('SourceNotes'),
  [SECTION.ACK]: type('Ack'),
  [SECTION.PAGE_REQUEST]: type('PageRequest'),
  [SECTION.DONE]: type('Done'),
  [SECTION.COMMIT]: type('Commit'),
  [SECTION.COMMIT_ACK]: type('CommitAck'),
  [SECTION.HEARTBEAT]: type('Heartbeat'),
};

// ---------------------------------------------------------------- message shapes (decoded)

export interface PbDeviceSlot { name: string; schemaVersion: number }
export interface PbLink { bandwidthBitsPerSecond: number; latencyNanoseconds: number }
export const STRATEGY_PRECOPY = 1;
export const STRATEGY_POSTCOPY = 2;
export interface PbMachine {
  memoryBytes: number;
  instructionsPerSecond: number;
  devices: PbDeviceSlot[];
  link: PbLink | null;
  strategy: number;
  startIcount: number;
  thresholdBytes: number;
  maxRounds: number;
  prepagePages: number;
  faults: string[];
  /** 2.0; null only in a hand-made description. */
  machineType: PbMachineType | null;
  /** 2.1: the source knows the switch-over commit (absent: an older source, refused). */
  commitHandshake?: boolean;
  onNoConvergence?: string;
}
export interface PbMachineType { name: string; version: number }
export const PHASE_PRECOPY_ROUND = 1;
export const PHASE_STOP_AND_COPY = 2;
export interface PbPageBatch {
  phase: number;
  round: number;
  pages: number[];
  data: Uint8Array;
  zeroPages: number[];
  sourceIcount: number;
  roundEnd: boolean;
}
export interface PbSwitchOver {
  switchIcount: number;
  pausedInstructions: number;
  rounds: number;
  forced: boolean;
  inputEventsDelivered: number;
  aheadFromIcount?: number;
  aheadFromSet?: boolean;
  noConvergenceRound?: number;
}
export interface PbAttach { late: boolean; icount: number; agent: boolean }
/** Null attach: attached at power-on. */
export interface PbSourceNotes { attach: PbAttach | null; notes: string[] }
/** The CPU schema's version and its values in declaration order (src/machine/state-schema.ts encodeState). */
export interface PbCpu { schemaVersion: number; values: number[] }
export interface PbFieldValue { name: string; values: number[]; array: boolean; provenance: number }
export interface PbDeviceCapture { device: string; schemaVersion: number; fields: PbFieldValue[]; unknown: string[] }
export interface PbDiskWrites { lbas: number[]; data: Uint8Array; slaveLbas?: number[]; slaveData?: Uint8Array }
export interface PbPostCopyMap { ramPages: number; zeroPages: number[] }
export const REASON_FAULT = 1;
export const REASON_PUSH = 2;
export const REASON_OBSERVE = 3;
export interface PbPageRequest { id: number; reason: number; pages: number[]; icount: number }
export interface PbPageResponse { id: number; pages: number[]; data: Uint8Array }
export interface PbRoundSummary {
  round: number;
  pages: number;
  zeroPages: number;
  bytes: number;
  startIcount: number;
  endIcount: number;
  throttlePercent?: number;
}
export interface PbStreamEnd { sections: number; bytes: number; rounds: PbRoundSummary[] }
export interface PbDiskConfig { file: boolean; path: string; sha256: string; sectors: number }
export interface PbEnvironment {
  guestLabel: string;
  guestImage: Uint8Array;
  guestArgsSet: boolean;
  guestArgs: string;
  rtcStart: number;
  disk: PbDiskConfig | null;
  inputScript: Uint8Array;
  runUntil: number;
  referenceStatus: string;
  toolVersion: string;
  /** Device 1 on the primary ATA channel (null or absent: none). */
  slaveDisk?: PbDiskConfig | null;
}
export interface PbCommit { switchIcount: number }
export interface PbAck {
  ok: boolean;
  message: string;
  reconstructInstructions: number;
  dummyFrames: number;
  aheadInstructions?: number;
  residualInstructions?: number;
  switchAccesses?: number;
  splitKnown?: boolean;
}
export interface PbDone {
  requests: number;
  faults: number;
  faultPages: number;
  pushedPages: number;
  stallNanoseconds: number;
  totalNanoseconds: number;
  pageBytes: number;
}

// ---------------------------------------------------------------- writing

const crc32 = zlib.crc32 as (data: Uint8Array, value?: number) => number;

/** The 12-byte stream header (a test may ask for another version). */
export function streamHeader(major = STREAM_MAJOR, minor = STREAM_MINOR): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  out.set(Buffer.from(STREAM_MAGIC, 'latin1'), 0);
  const dv = new DataView(out.buffer);
  dv.setUint16(8, major, true);
  dv.setUint16(10, minor, true);
  return out;
}

/** One framed section: kind, length, payload, CRC-32 of all three. */
export function frameSection(kind: SectionKind, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(SECTION_OVERHEAD + payload.length);
  out[0] = kind;
  const dv = new DataView(out.buffer);
  dv.setUint32(1, payload.length, true);
  out.set(payload, 5);
  dv.setUint32(5 + payload.length, crc32(out.subarray(0, 5 + payload.length)) >>> 0, true);
  return out;
}

export function encodeSection(kind: SectionKind, body: object): Uint8Array {
  return frameSection(kind, SECTION_TYPES[kind].encode(body).finish());
}

/**
 * Writes one direction of a stream: the header on the first section, then framed sections.
 * Counts sections and bytes (the END section states both, so a reader can cross-check).
 */
export class StreamWriter {
  sections = 0;
  bytes = 0;
  private started = false;

  constructor(private readonly sink: (bytes: Uint8Array) => void) {}

  write(kind: SectionKind, body: object): number {
    const framed = encodeSection(kind, body);
    if (!this.started) {
      this.started = true;
      const header = streamHeader();
      this.bytes += header.length;
      this.sink(header);
    }
    this.sections++;
    this.bytes += framed.length;
    this.sink(framed);
    return framed.length;
  }
}

// ---------------------------------------------------------------- reading

export interface RawSection {
  /** 0 for the first section after the header. */
  readonly index: number;
  readonly kind: number;
  readonly payload: Uint8Array;
  /** Framed size on the wire. */
  readonly bytes: number;
}

/**
 * Reads one direction of a stream incrementally: push bytes as they arrive, take complete
 * sections with next(). Errors name the section by its position and kind.
 */
export class StreamReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private headerDone = false;
  private index = 0;
  /** Bytes consumed so far (header included). */
  consumed = 0;
  /** HEARTBEAT sections skipped. */
  heartbeats = 0;

  constructor(private readonly what = 'migration stream') {}

  get sectionsRead(): number {
    return this.index;
  }

  /** Bytes pushed but not yet returned as sections. */
  get pending(): number {
    return this.buffered;
  }

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.buffered += bytes.length;
  }

  /** The next complete section, or null when more bytes are needed. */
  next(): RawSection | null {
    if (!this.headerDone) {
      if (this.buffered < HEADER_BYTES) return null;
      this.checkHeader(this.take(HEADER_BYTES));
      this.headerDone = true;
    }
    if (this.buffered < 5) return null;
    const head = this.peek(5);
    const kind = head[0];
    const length = new DataView(head.buffer, head.byteOffset, 5).getUint32(1, true);
    const where = `${this.what}: section ${this.index} (${sectionKindName(kind)})`;
    if (length > MAX_SECTION_BYTES) {
      throw new MigrationStreamError('BAD_SECTION', `${where}: length ${length} is implausible: the stream is damaged`);
    }
    if (this.buffered < SECTION_OVERHEAD + length) return null;
    const framed = this.take(SECTION_OVERHEAD + length);
    const stored = new DataView(framed.buffer, framed.byteOffset, framed.length).getUint32(5 + length, true);
    const computed = crc32(framed.subarray(0, 5 + length)) >>> 0;
    if (stored !== computed) {
      throw new MigrationStreamError(
        'BAD_CHECKSUM',
        `${where}: checksum mismatch (stored crc32 0x${hexDigits(stored, 8)}, computed 0x${hexDigits(computed, 8)}): the section is damaged and was not applied`,
      );
    }
    if (!KIND_NAMES.has(kind)) {
      throw new MigrationStreamError('UNKNOWN_SECTION', `${where}: this migtrace does not know section kind ${kind}`);
    }
    if (kind === SECTION.HEARTBEAT) {
      // Link-level keep-alive: not a section of the stream (not counted, not indexed).
      this.heartbeats++;
      return this.next();
    }
    return { index: this.index++, kind, payload: framed.subarray(5, 5 + length), bytes: framed.length };
  }

  private checkHeader(h: Uint8Array): void {
    const magic = Buffer.from(h.subarray(0, 8)).toString('latin1');
    if (magic !== STREAM_MAGIC) {
      throw new MigrationStreamError(
        'BAD_MAGIC',
        `${this.what}: not a migtrace migration stream (magic ${JSON.stringify(magic)}, expected ${JSON.stringify(STREAM_MAGIC)})`,
      );
    }
    const dv = new DataView(h.buffer, h.byteOffset, HEADER_BYTES);
    const major = dv.getUint16(8, true);
    const minor = dv.getUint16(10, true);
    if (major !== STREAM_MAJOR || minor > STREAM_MINOR) {
      const why = major < STREAM_MAJOR ? ' (an older migtrace wrote it: run the same migtrace release at both ends)' : '';
      throw new MigrationStreamError(
        'UNSUPPORTED_VERSION',
        `${this.what}: stream format version ${major}.${minor} is not supported${why}: this migtrace reads version ${STREAM_MAJOR}.0 to ${STREAM_MAJOR}.${STREAM_MINOR}`,
      );
    }
  }

  private peek(n: number): Uint8Array {
    const first = this.chunks[0];
    if (first.length >= n) return first.subarray(0, n);
    return this.gather(n, false);
  }

  private take(n: number): Uint8Array {
    this.consumed += n;
    this.buffered -= n;
    const first = this.chunks[0];
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    return this.gather(n, true);
  }

  private gather(n: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    let i = 0;
    while (filled < n) {
      const c = this.chunks[i];
      const part = Math.min(c.length, n - filled);
      out.set(c.subarray(0, part), filled);
      filled += part;
      if (consume) {
        if (part === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(part);
      } else {
        i++;
      }
    }
    return out;
  }
}


/** Decode a section's protobuf body (longs as numbers, defaults filled), naming the section on failure. */
export function decodeSection<T>(section: RawSection, expected: SectionKind, what = 'migration stream'): T {
  if (section.kind !== expected) {
    throw new MigrationStreamError(
      'UNEXPECTED_SECTION',
      `${what}: section ${section.index} is ${sectionKindName(section.kind)} where ${sectionKindName(expected)} was expected`,
    );
  }
  const t = SECTION_TYPES[expected];
  try {
    return t.toObject(t.decode(section.payload), { longs: Number, defaults: true, arrays: true }) as T;
  } catch (err) {
    throw new MigrationStreamError(
      'BAD_SECTION',
      `${what}: section ${section.index} (${sectionKindName(section.kind)}) does not decode: ${(err as Error).message}`,
    );
  }
}

/** A HEARTBEAT section, framed (the TCP transport sends it between sections; readers skip it). */
export const HEARTBEAT_FRAME: Uint8Array = encodeSection(SECTION.HEARTBEAT, {});

/** Split a whole stream held in memory into its sections (tests, tools). */
export function readAllSections(bytes: Uint8Array, what?: string): RawSection[] {
  const reader = new StreamReader(what);
  reader.push(bytes);
  const out: RawSection[] = [];
  for (let s = reader.next(); s !== null; s = reader.next()) out.push(s);
  if (reader.pending > 0) {
    throw new MigrationStreamError('TRUNCATED', `${what ?? 'migration stream'}: ends inside section ${reader.sectionsRead} (${reader.pending} bytes left over)`);
  }
  return out;
}
