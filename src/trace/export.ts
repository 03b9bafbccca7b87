/**
 * Portable export/import: one file per trace, for golden traces and bug reports.
 *
 *   "MIGTRACE-EXPORT\n"            16 bytes
 *   le16 major, le16 minor         trace format version
 *   frames                         varint length + ExportFrame (proto/trace.proto):
 *                                  header, blobs (name order), chunks (seq order), checkpoints, keyframes,
 *                                  end marker (if the recording finished), export_end
 *   le64 file length               so a truncated file is told from a corrupt one
 *   sha256                         of every byte before it
 *
 * Frames carry the exact bytes stored in LevelDB, in key order, and nothing derived (import
 * rebuilds the chunk index and segment summaries from the chunks): exporting a trace twice
 * gives the same bytes, and import followed by export gives the file back byte for byte.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { InputError } from '../errors.js';
import { readRegularFile } from '../files.js';
import {
  KEY_BLOB,
  KEY_CHECKPOINT,
  KEY_CHUNK,
  KEY_INDEX,
  KEY_KEYFRAME,
  KEY_SEGMENT,
  TRACE_MAGIC,
  blobKey,
  checkFormatVersion,
  checkMachineType,
  chunkKey,
  endKey,
  headerKey,
  icountSeqKey,
  putVarint,
} from './format.js';
import { SEGMENT_CHUNKS, SummaryBuilder } from './summary.js';
import { checkExportContents, type ExportParts } from './import-check.js';
import { decode, decodeStored, encode, pb, type PbExportFrame, type PbTraceHeader } from './proto.js';
import { TraceReader } from './reader.js';
import { createTraceDb } from './store.js';

export const EXPORT_MAGIC = 'MIGTRACE-EXPORT\n';
const PREAMBLE = 20;
const TRAILER = 8 + 32;
const WRITE_BLOCK = 1 << 20;

/** Buffered file writer that hashes what it writes. */
class HashingFile {
  private readonly hash = createHash('sha256');
  private block = Buffer.allocUnsafe(WRITE_BLOCK);
  private used = 0;
  length = 0;

  constructor(private readonly fh: fsp.FileHandle) {}

  async write(bytes: Uint8Array): Promise<void> {
    this.hash.update(bytes);
    this.length += bytes.length;
    if (this.used + bytes.length > this.block.length) await this.drain();
    if (bytes.length > this.block.length) {
      await this.fh.write(bytes);
      return;
    }
    this.block.set(bytes, this.used);
    this.used += bytes.length;
  }

  async drain(): Promise<void> {
    if (this.used > 0) await this.fh.write(this.block.subarray(0, this.used));
    this.used = 0;
  }

  digest(): Buffer {
    return this.hash.digest();
  }
}

function frameBytes(frame: object): Uint8Array {
  const body = encode(pb.ExportFrame, frame);
  const head = new Uint8Array(10);
  const n = putVarint(head, 0, body.length);
  const out = new Uint8Array(n + body.length);
  out.set(head.subarray(0, n));
  out.set(body, n);
  return out;
}

/** Write the trace at `dir` to one portable file (replaced atomically if it exists). Returns its sha256. */
export async function exportTrace(dir: string, file: string): Promise<{ bytes: number; sha256: string; frames: number }> {
  if (fs.existsSync(file) && !fs.statSync(file).isFile()) {
    throw new InputError('BAD_EXPORT_PATH', `${file} exists and is not a file (a directory?): name the export file to write`);
  }
  const reader = await TraceReader.open(dir);
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fh = await fsp.open(tmp, 'w');
    let out: HashingFile;
    let frames = 0;
    let digest: Buffer;
    try {
      out = new HashingFile(fh);
      const pre = Buffer.alloc(PREAMBLE);
      pre.write(EXPORT_MAGIC, 0, 'latin1');
      pre.writeUInt16LE(reader.header.formatVersion.major, 16);
      pre.writeUInt16LE(reader.header.formatVersion.minor, 18);
      await out.write(pre);
      const put = async (frame: object) => {
        await out.write(frameBytes(frame));
        frames++;
      };
      await put({ header: (await reader.rawValue(headerKey()))! });
      for await (const [k, v] of reader.rawEntries(KEY_BLOB)) {
        await put({ blob: { name: Buffer.from(k.subarray(1)).toString('utf8'), data: v } });
      }
      for await (const v of reader.rawValues(KEY_CHUNK)) await put({ chunk: v });
      for await (const v of reader.rawValues(KEY_CHECKPOINT)) await put({ checkpoint: v });
      for await (const v of reader.rawValues(KEY_KEYFRAME)) await put({ keyframe: v });
      const end = await reader.rawValue(endKey());
      if (end !== undefined) await put({ end });
      await out.write(frameBytes({ exportEnd: { frames } }));
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(out.length + TRAILER));
      await out.write(len);
      await out.drain();
      digest = out.digest();
      await fh.write(digest);
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, file);
    return { bytes: out.length + 32, sha256: digest.toString('hex'), frames };
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  } finally {
    await reader.close();
  }
}

/** Check and split an export file; every refusal is one line with a stable code. Reads only. */
export function parseExport(bytes: Uint8Array, file: string): ExportParts {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 16 || buf.toString('latin1', 0, 16) !== EXPORT_MAGIC) {
    throw new InputError('NOT_AN_EXPORT', `${file} is not a migtrace export file (no ${JSON.stringify(EXPORT_MAGIC.trim())} magic)`);
  }
  if (buf.length < PREAMBLE) throw truncated(file, buf.length);
  checkFormatVersion(`export ${file}`, { major: buf.readUInt16LE(16), minor: buf.readUInt16LE(18) }, 'EXPORT_VERSION_UNSUPPORTED');
  if (buf.length < PREAMBLE + TRAILER) throw truncated(file, buf.length);
  const declared = Number(buf.readBigUInt64LE(buf.length - TRAILER));
  if (declared !== buf.length) throw truncated(file, buf.length);
  const sum = createHash('sha256').update(buf.subarray(0, buf.length - 32)).digest();
  if (!sum.equals(buf.subarray(buf.length - 32))) {
    throw new InputError('EXPORT_CHECKSUM_MISMATCH', `export ${file} is corrupt: its sha256 checksum does not match its contents`);
  }
  const out: ExportParts = { header: new Uint8Array(0), blobs: [], chunks: [], checkpoints: [], keyframes: [], end: undefined };
  const end = buf.length - TRAILER;
  let p = PREAMBLE;
  let frames = 0;
  let sawHeader = false;
  for (;;) {
    if (p >= end) throw corruptExport(file, 'it ends without its closing frame');
    let len = 0;
    let mul = 1;
    for (;;) {
      const b = buf[p++];
      len += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) break;
      if (p >= end) throw corruptExport(file, 'a frame length runs past the end');
    }
    if (p + len > end) throw corruptExport(file, `frame ${frames} runs past the end`);
    let f: PbExportFrame;
    try {
      f = decode<PbExportFrame>(pb.ExportFrame, buf.subarray(p, p + len));
    } catch {
      throw corruptExport(file, `frame ${frames} does not decode`);
    }
    p += len;
    if (f.item === 'exportEnd') {
      if (p !== end || f.exportEnd!.frames !== frames) throw corruptExport(file, 'its closing frame is misplaced');
      break;
    }
    frames++;
    if (f.item === 'header') {
      out.header = f.header!;
      sawHeader = true;
    } else if (f.item === 'chunk') out.chunks.push(f.chunk!);
    else if (f.item === 'checkpoint') out.checkpoints.push(f.checkpoint!);
    else if (f.item === 'keyframe') out.keyframes.push(f.keyframe!);
    else if (f.item === 'end') out.end = f.end!;
    else if (f.item === 'blob') out.blobs.push({ name: f.blob!.name, data: f.blob!.data });
    else throw corruptExport(file, `frame ${frames - 1} is of a kind this migtrace does not know`);
  }
  if (!sawHeader) throw corruptExport(file, 'it has no trace header');
  const h = decodeStored<PbTraceHeader>(pb.TraceHeader, out.header, `export ${file}: its header`, 'EXPORT_CORRUPT');
  if (h.magic !== TRACE_MAGIC) throw corruptExport(file, 'its header magic is wrong');
  checkFormatVersion(`export ${file}`, h.version ?? { major: 0, minor: 0 }, 'EXPORT_VERSION_UNSUPPORTED');
  checkMachineType(`export ${file}`, h.machine?.type ?? null, 'EXPORT_MACHINE_TYPE');
  return out;
}

function truncated(file: string, length: number): InputError {
  return new InputError(
    'EXPORT_TRUNCATED',
    `export ${file} is truncated: ${length} bytes, and it does not end with its trailer`,
  );
}

function corruptExport(file: string, why: string): InputError {
  return new InputError('EXPORT_CORRUPT', `export ${file} is corrupt: ${why}`);
}

/** Recreate a trace directory from an export file. `dir` must not hold anything yet. */
export async function importTrace(file: string, dir: string): Promise<{ records: number; chunks: number }> {
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
    throw new InputError('NOT_AN_EXPORT', `${file} is a directory, not an export file (a trace? use it directly)`);
  }
  const bytes = readRegularFile(file, 'export file', { notFound: 'EXPORT_NOT_FOUND', bad: 'NOT_AN_EXPORT' });
  const parsed = parseExport(bytes, file);
  const checked = checkExportContents(parsed, file);
  const records = checked.records;
  const existed = fs.existsSync(dir);
  const db = await createTraceDb(dir);
  try {
    let batch = db.batch();
    let pending = 0;
    const put = async (k: Uint8Array, v: Uint8Array) => {
      batch.put(k, v);
      pending += k.length + v.length;
      if (pending >= 4 << 20) {
        await batch.write();
        batch = db.batch();
        pending = 0;
      }
    };
    await put(headerKey(), parsed.header);
    for (const b of parsed.blobs) await put(blobKey(b.name), b.data);
    // The chunk index and segment summaries are derived data: rebuilt exactly as the writer builds them.
    let segment = new SummaryBuilder();
    const putSegment = () => put(icountSeqKey(KEY_SEGMENT, segment.firstIcount, segment.firstSeq), encode(pb.ChunkSummary, segment.summary()));
    for (const c of checked.chunks) {
      await put(chunkKey(c.firstSeq), c.bytes);
      await put(icountSeqKey(KEY_INDEX, c.summary.firstIcount, c.firstSeq), encode(pb.ChunkSummary, c.summary));
      segment.addSummary(c.summary);
      if (segment.parts >= SEGMENT_CHUNKS) {
        await putSegment();
        segment = new SummaryBuilder();
      }
    }
    if (segment.parts > 0) await putSegment();
    for (const c of checked.checkpoints) await put(icountSeqKey(KEY_CHECKPOINT, c.icount, c.seq), c.bytes);
    for (const k of checked.keyframes) await put(icountSeqKey(KEY_KEYFRAME, k.icount, k.seq), k.bytes);
    if (parsed.end !== undefined) await put(endKey(), parsed.end);
    await batch.write();
    const cdb = db as unknown as { compactRange?(start: Uint8Array, end: Uint8Array): Promise<void> };
    await cdb.compactRange?.(Uint8Array.of(0), Uint8Array.of(0xff));
    await db.close();
  } catch (err) {
    await db.close().catch(() => {});
    await fsp.rm(dir, { recursive: true, force: true });
    if (existed) await fsp.mkdir(dir).catch(() => {});
    throw err;
  }
  return { records, chunks: parsed.chunks.length };
}

