/**
 * Trace format constants: magic, version, LevelDB key layout, packed record kinds.
 * docs/trace-format.md is the prose version of this file; keep the two in step.
 */
import { InputError } from '../errors.js';
import { MACHINE_TYPE, machineTypeLabel, type MachineType } from '../board/layout.js';

export const TRACE_MAGIC = 'MIGTRACE';
/**
 * A different major is refused; so is a newer minor (Firecracker's rule).
 * 2.0: checkpoints carry CPU and device state in the schemas' binary state encoding instead
 * of JSON (device oracles' derived values are no longer stored); the header carries the
 * machine type, the CPU state schema and each device field's shape.
 */
export const FORMAT_MAJOR = 2;
/**
 * Minor versions of 2.x: 2.1 adds RunConfig.boot (a boot mode other than a disk image's), 2.2
 * RunConfig.slave_disk (an ATA slave). A writer stamps the lowest minor whose fields the
 * header uses, so a disk boot's trace without a slave is still 2.0, byte for byte, and only a
 * trace that needs a newer minor is refused by an older reader.
 */
export const FORMAT_MINOR = 2;
/** The minor that introduced RunConfig.boot. */
export const FORMAT_MINOR_BOOT_CONFIG = 1;
/** The minor that introduced RunConfig.slave_disk (a second disk on the primary ATA channel). */
export const FORMAT_MINOR_SLAVE_DISK = 2;

export interface FormatVersion {
  readonly major: number;
  readonly minor: number;
}

/** Refuse a version this build cannot read, naming both (what the file says, what we read). */
export function checkFormatVersion(what: string, v: FormatVersion, code: string): void {
  if (v.major < FORMAT_MAJOR) {
    throw new InputError(
      code,
      `${what} was written by trace format ${v.major}.${v.minor}; this migtrace reads ${FORMAT_MAJOR}.x: ` +
        're-record it with `migtrace record`, or regenerate golden traces with `migtrace golden update`',
    );
  }
  if (v.major !== FORMAT_MAJOR || v.minor > FORMAT_MINOR) {
    throw new InputError(
      code,
      `${what} uses trace format ${v.major}.${v.minor}, newer than the format this migtrace reads (${FORMAT_MAJOR}.${FORMAT_MINOR})`,
    );
  }
}

/** Refuse a trace made on another machine type (board layout), naming both. */
export function checkMachineType(what: string, t: MachineType | null, code: string): void {
  if (t !== null && t.name === MACHINE_TYPE.name && t.version === MACHINE_TYPE.version) return;
  throw new InputError(
    code,
    `${what} was made on machine type ${t === null ? '(none recorded)' : machineTypeLabel(t)}; this migtrace simulates ${machineTypeLabel(MACHINE_TYPE)}: ` +
      're-record it with `migtrace record`',
  );
}

// ---------------------------------------------------------------- LevelDB keys
// One-letter prefixes, then fixed-width big-endian numbers so keys sort numerically.

export const KEY_HEADER = 0x48; // 'H'
export const KEY_CHUNK = 0x43; // 'C' + be64 firstSeq
export const KEY_INDEX = 0x49; // 'I' + be64 firstIcount + be64 firstSeq → ChunkSummary
export const KEY_SEGMENT = 0x53; // 'S' + be64 firstIcount + be64 firstSeq → ChunkSummary of 64 chunks
export const KEY_CHECKPOINT = 0x4b; // 'K' + be64 icount + be64 seq → Checkpoint
export const KEY_KEYFRAME = 0x4d; // 'M' + be64 icount + be64 seq → PageHashKeyframe
export const KEY_END = 0x45; // 'E' → TraceEnd
export const KEY_BLOB = 0x42; // 'B' + utf8 name → raw bytes (1.1: guest image, input script)

/** Blob names (1.1). */
export const BLOB_GUEST_IMAGE = 'guest-image';
export const BLOB_INPUT_SCRIPT = 'input-script';

/** Big-endian 64-bit of a non-negative integer; out-of-range values clamp to 0 and 2^53-1 (bounds for seeks). */
export function writeBe64(buf: Uint8Array, offset: number, n: number): void {
  if (!(n >= 0)) n = 0;
  else if (n > Number.MAX_SAFE_INTEGER) n = Number.MAX_SAFE_INTEGER;
  const hi = Math.floor(n / 0x1_0000_0000);
  const lo = n >>> 0;
  buf[offset] = hi >>> 24;
  buf[offset + 1] = hi >>> 16;
  buf[offset + 2] = hi >>> 8;
  buf[offset + 3] = hi;
  buf[offset + 4] = lo >>> 24;
  buf[offset + 5] = lo >>> 16;
  buf[offset + 6] = lo >>> 8;
  buf[offset + 7] = lo;
}

export function readBe64(buf: Uint8Array, offset: number): number {
  const hi = ((buf[offset] << 24) | (buf[offset + 1] << 16) | (buf[offset + 2] << 8) | buf[offset + 3]) >>> 0;
  const lo = ((buf[offset + 4] << 24) | (buf[offset + 5] << 16) | (buf[offset + 6] << 8) | buf[offset + 7]) >>> 0;
  return hi * 0x1_0000_0000 + lo;
}

export function headerKey(): Uint8Array {
  return Uint8Array.of(KEY_HEADER);
}

export function endKey(): Uint8Array {
  return Uint8Array.of(KEY_END);
}

export function blobKey(name: string): Uint8Array {
  const utf8 = Buffer.from(name, 'utf8');
  const k = new Uint8Array(1 + utf8.length);
  k[0] = KEY_BLOB;
  k.set(utf8, 1);
  return k;
}

export function chunkKey(firstSeq: number): Uint8Array {
  const k = new Uint8Array(9);
  k[0] = KEY_CHUNK;
  writeBe64(k, 1, firstSeq);
  return k;
}

/** Key for a (icount, seq)-ordered entry: chunk index, checkpoint, keyframe. */
export function icountSeqKey(prefix: number, icount: number, seq: number): Uint8Array {
  const k = new Uint8Array(17);
  k[0] = prefix;
  writeBe64(k, 1, icount);
  writeBe64(k, 9, seq);
  return k;
}

/** [gte, lt) bounds covering every key with this prefix byte. */
export function prefixRange(prefix: number): { gte: Uint8Array; lt: Uint8Array } {
  return { gte: Uint8Array.of(prefix), lt: Uint8Array.of(prefix + 1) };
}

// ---------------------------------------------------------------- packed records (PACKED_V1)
//
// Every record starts with a kind byte; the fields after it are unsigned LEB128 varints
// unless noted. Δicount is the icount minus the previous record's (the chunk's first_icount
// for the first record). Addresses are zigzag deltas from the previous access of the same
// space in the chunk. Each chunk decodes on its own.

/** 0x00–0x1F: access. bit0 space (0 PIO, 1 MMIO), bit1 dir (0 read), bits2–3 size code (0:1, 1:2, 2:4 bytes), bit4 origin. Fields: Δicount, zigzag Δaddr, value, device. */
export const PK_ACCESS = 0x00;
/** 0x20–0x23: DMA. bit0 dir, bit1 origin. Fields: Δicount, device, addr, length, 16 raw hash bytes. */
export const PK_DMA = 0x20;
/** 0x28: transition. Fields: Δicount, device, field, element index + 1 (0: scalar), zigzag old, zigzag new. */
export const PK_TRANSITION = 0x28;
/** 0x30–0x33: interrupt; bits0–1 action (raise, lower, ack, deliver). Fields: Δicount, line or vector. */
export const PK_INTERRUPT = 0x30;
/** 0x38–0x3B: data; bit0 direction (0 input, 1 output), bit1 channel (0 serial, 1 frame). Fields: Δicount, device, length, bytes. */
export const PK_DATA = 0x38;
/** 0x40: checkpoint marker. Fields: Δicount, ordinal. */
export const PK_CHECKPOINT = 0x40;
/**
 * 0x41: repeat. Field: n. The previous record, which must be an access, happens n more times,
 * each Δicount after the one before (its own Δicount): a polling loop costs two bytes.
 */
export const PK_REPEAT = 0x41;
/** 0x7F: a length-delimited `Record` message. Fields: Δicount, length, bytes. */
export const PK_PROTO = 0x7f;

/** Record classes: bits of ChunkSummary.kind_mask and names of the reader's `kinds` filter. */
export const KIND_CLASSES = [
  'pio',
  'mmio',
  'dma',
  'transition',
  'interrupt',
  'input',
  'output',
  'hypervisor',
  'migration',
  'checkpoint',
] as const;
export type RecordKind = (typeof KIND_CLASSES)[number];

export const KC_PIO = 1 << 0;
export const KC_MMIO = 1 << 1;
export const KC_DMA = 1 << 2;
export const KC_TRANSITION = 1 << 3;
export const KC_INTERRUPT = 1 << 4;
export const KC_INPUT = 1 << 5;
export const KC_OUTPUT = 1 << 6;
export const KC_HYPERVISOR = 1 << 7;
export const KC_MIGRATION = 1 << 8;
export const KC_CHECKPOINT = 1 << 9;

export function kindMask(kinds: readonly RecordKind[]): number {
  let m = 0;
  for (const k of kinds) {
    const i = KIND_CLASSES.indexOf(k);
    if (i < 0) throw new InputError('BAD_RECORD_KIND', `unknown record kind "${k}" (known: ${KIND_CLASSES.join(', ')})`);
    m |= 1 << i;
  }
  return m;
}

/** Bytes per page hash, DMA content hash and memory root. */
export const HASH_BYTES = 16;

export const DEFAULT_CHUNK_RECORDS = 4096;
/** A chunk is sealed once its packed bytes pass this (large inputs/outputs). */
export const DEFAULT_CHUNK_BYTES = 60 * 1024;
/**
 * Instructions between checkpoints. Measured (format 1.x): a checkpoint cost ~0.2 ms fixed (CPU
 * state and a dozen device oracles as JSON; 2.0's binary state encoding is cheaper) plus
 * ~7 µs per changed page (sha256). At 50–100 MIPS, 10 M
 * instructions run 0.1–0.2 s, so the fixed part stays under 0.2% and a hot working set of 64
 * pages re-hashed each time under 0.5% (at 1 M they would be ~2% and ~5%); a verifier reaches
 * any icount by replaying at most 10 M instructions (0.1–0.2 s) from the checkpoint before it.
 * docs/trace-format.md, "Checkpoints".
 */
export const DEFAULT_CHECKPOINT_INTERVAL = 10_000_000;
export const DEFAULT_KEYFRAME_EVERY = 64;
/** flushDue turns true once this many packed bytes wait uncommitted (~150 k distinct accesses). */
export const DEFAULT_FLUSH_BYTES = 1 << 20;

// ---------------------------------------------------------------- varints

/** Unsigned LEB128 of a non-negative safe integer. Returns the new position. */
export function putVarint(buf: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = n >= 0x8000_0000 ? Math.floor(n / 128) : n >>> 7;
  }
  buf[pos++] = n;
  return pos;
}

/** Zigzag for safe integers with |n| < 2^52 (arithmetic, not 32-bit shifts). */
export function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

export function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

