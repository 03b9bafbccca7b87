/**
 * Bindings to proto/trace.proto, loaded at run time with protobufjs reflection (as fast as
 * generated static code on this machine, and the .proto stays the only source of truth).
 *
 * The file is found relative to this module: src/trace/ under vitest, dist/src/trace/ once
 * built; both reach the package's proto/ folder.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { InputError } from '../errors.js';

function findProto(): string {
  for (const rel of ['../../proto/trace.proto', '../../../proto/trace.proto']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (fs.existsSync(p)) return p;
  }
  throw new Error('proto/trace.proto not found next to the migtrace package');
}

const root = protobuf.loadSync(findProto());

function type(name: string): protobuf.Type {
  return root.lookupType(`migtrace.trace.${name}`);
}

export const pb = {
  TraceHeader: type('TraceHeader'),
  Chunk: type('Chunk'),
  ChunkSummary: type('ChunkSummary'),
  Record: type('Record'),
  Checkpoint: type('Checkpoint'),
  CheckpointWire: type('CheckpointWire'),
  PageHashKeyframe: type('PageHashKeyframe'),
  TraceEnd: type('TraceEnd'),
  ExportFrame: type('ExportFrame'),
};

export function encode(t: protobuf.Type, value: object): Uint8Array {
  return t.encode(value).finish();
}

/** Decode to a plain object: longs as numbers, enums as numbers, bytes as Uint8Array, defaults filled. */
export function decode<T>(t: protobuf.Type, bytes: Uint8Array): T {
  return t.toObject(t.decode(bytes), { longs: Number, defaults: true, oneofs: true }) as T;
}

/**
 * Decode bytes read from a trace or an export; a message that does not decode (protobufjs
 * throws RangeError / Error with its own wording) becomes TRACE_CORRUPT naming `what`.
 */
export function decodeStored<T>(t: protobuf.Type, bytes: Uint8Array, what: string, code = 'TRACE_CORRUPT'): T {
  try {
    return decode<T>(t, bytes);
  } catch (err) {
    throw new InputError(code, `${what} is corrupt: its ${t.name} message does not decode (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
  }
}

// ---- plain shapes of the decoded messages (snake_case keys become camelCase in protobufjs)

export interface PbDeviceDescriptor {
  id: number;
  name: string;
  schemaVersion: number;
  fields: string[];
  /** 2.0 */
  shapes: { width: number; length: number; timer: boolean }[];
}

export interface PbTraceHeader {
  magic: string;
  version: { major: number; minor: number } | null;
  machine: {
    memoryBytes: number;
    instructionsPerSecond: number;
    devices: PbDeviceDescriptor[];
    /** 2.0 */
    type: { name: string; version: number } | null;
    /** 2.0: the CPU state schema. */
    cpu: PbDeviceDescriptor | null;
  } | null;
  guestImageSha256: Uint8Array;
  guestArgs: string;
  inputScriptSha256: Uint8Array;
  toolVersion: string;
  firstIcount: number;
  writer: {
    chunkRecords: number;
    chunkBytes: number;
    checkpointInterval: number;
    keyframeEvery: number;
    pageHashBytes: number;
  } | null;
  /** 1.1; null in older traces and traces not recorded from a boot image. */
  run: PbRunConfig | null;
}

export interface PbDiskConfig {
  /** 0: boot image, 1: file. */
  kind: number;
  path: string;
  sha256: Uint8Array;
  sectors: number;
}

export interface PbRunConfig {
  guestArgsSet: boolean;
  rtcStart: number;
  disk: PbDiskConfig | null;
  inputEvents: number;
  guestLabel: string;
  /** Device 1's image; null when the machine had none. */
  slaveDisk: PbDiskConfig | null;
  /** 2.1; null: a disk boot. */
  boot: PbBootConfig | null;
}

export interface PbBootConfig {
  mode: string;
  cmdline: string;
  files: { role: string; sha256: Uint8Array; length: number }[];
}

export interface PbChunk {
  firstSeq: number;
  firstIcount: number;
  lastIcount: number;
  recordCount: number;
  encoding: number;
  records: Uint8Array;
}

export interface PbChunkSummary {
  firstSeq: number;
  firstIcount: number;
  lastIcount: number;
  recordCount: number;
  kindMask: number;
  deviceBitmap: Uint8Array;
  pioMin: number;
  pioMax: number;
  mmioMin: number;
  mmioMax: number;
}

export interface PbPageHashDelta {
  ramPages: number;
  pages: number[];
  hashes: Uint8Array;
  root: Uint8Array;
  oldHashes: Uint8Array;
}

export interface PbCheckpoint {
  seq: number;
  icount: number;
  ordinal: number;
  pages: PbPageHashDelta | null;
  /** 2.0: the CPU schema's binary state encoding. */
  cpu: number[];
  deviceStates: { device: number; values: number[] }[];
}

export interface PbPageHashKeyframe {
  seq: number;
  icount: number;
  ordinal: number;
  ramPages: number;
  pages: number[];
  hashes: Uint8Array;
  root: Uint8Array;
}

export interface PbTraceEnd {
  finalIcount: number;
  recordCount: number;
  status: string;
  message: string;
}

export interface PbRecord {
  kind?: string;
  access?: { icount: number; space: number; direction: number; address: number; size: number; value: number; device: number; origin: number };
  transition?: { icount: number; device: number; field: number; index: number; oldValue: number; newValue: number };
  interrupt?: { icount: number; action: number; value: number };
  dma?: { icount: number; direction: number; device: number; address: number; length: number; contentHash: Uint8Array; origin: number };
  input?: { icount: number; channel: number; device: number; data: Uint8Array };
  output?: { icount: number; channel: number; device: number; data: Uint8Array };
  hypervisor?: { icount: number; action: string; device: number; detail: string };
  migration?: { icount: number; phase: string; round: number; pages: number; bytes: number; detail: string };
  checkpoint?: { icount: number; ordinal: number };
}

export interface PbExportFrame {
  item?: 'header' | 'chunk' | 'checkpoint' | 'keyframe' | 'end' | 'exportEnd' | 'blob';
  header?: Uint8Array;
  chunk?: Uint8Array;
  checkpoint?: Uint8Array;
  keyframe?: Uint8Array;
  end?: Uint8Array;
  exportEnd?: { frames: number };
  blob?: { name: string; data: Uint8Array };
}
