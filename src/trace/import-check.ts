/**
 * Everything an import accepts is decoded and checked before a byte is written: a checksum
 * only proves the file is as its writer made it, not that its writer made a trace. A frame
 * that decodes but says something impossible (a header with no clock, a chunk whose records
 * run past it, a checkpoint whose state does not fit the header's layouts, an end marker
 * that counts records the file does not hold) would otherwise be imported and crash a later
 * `inspect` or `verify`. Each refusal is EXPORT_CORRUPT, one line, naming the frame.
 */
import { InputError, MigtraceError } from '../errors.js';
import { CheckpointStateDecoder } from './checkpoint-state.js';
import { HASH_BYTES } from './format.js';
import { decodeChunk } from './packed.js';
import { decodeStored, pb, type PbCheckpoint, type PbChunk, type PbChunkSummary, type PbPageHashKeyframe, type PbTraceEnd } from './proto.js';
import { parseHeader } from './reader.js';
import { SummaryBuilder } from './summary.js';

export interface CheckedChunk {
  readonly bytes: Uint8Array;
  readonly firstSeq: number;
  readonly summary: PbChunkSummary;
}

export interface CheckedExport {
  readonly chunks: CheckedChunk[];
  readonly checkpoints: { bytes: Uint8Array; icount: number; seq: number }[];
  readonly keyframes: { bytes: Uint8Array; icount: number; seq: number }[];
  readonly records: number;
}

export interface ExportParts {
  header: Uint8Array;
  blobs: { name: string; data: Uint8Array }[];
  chunks: Uint8Array[];
  checkpoints: Uint8Array[];
  keyframes: Uint8Array[];
  end: Uint8Array | undefined;
}

/** Decode and cross-check every frame of an export; returns what import writes. */
export function checkExportContents(parts: ExportParts, file: string): CheckedExport {
  const what = `export ${file}`;
  const bad = (why: string) => new InputError('EXPORT_CORRUPT', `${what} is corrupt: ${why}`);
  // Errors the decoders raise in a trace's terms (TRACE_CORRUPT, BAD_STATE_ENCODING, ...) keep
  // their text but become this file's refusal; refusals with their own code (a newer version,
  // another machine type) keep it.
  const asExport = <T>(f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (err instanceof MigtraceError && !/^(TRACE_CORRUPT|NOT_A_TRACE|BAD_STATE_ENCODING)$/.test(err.code)) throw err;
      const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new InputError('EXPORT_CORRUPT', msg.startsWith(what) ? msg : `${what} is corrupt: ${msg}`);
    }
  };

  const header = asExport(() => parseHeader(parts.header, file, what));
  const names = new Set<string>();
  for (const b of parts.blobs) {
    if (b.name.length === 0 || b.name.includes('\uFFFD') || names.has(b.name)) throw bad(`blob name ${JSON.stringify(b.name)} is empty, not UTF-8 or repeated`);
    names.add(b.name);
  }

  const fields = new Map(header.machine.devices.map((d) => [d.id, d.fields]));
  const chunks: CheckedChunk[] = [];
  let nextSeq = 0;
  let lastIcount = 0;
  parts.chunks.forEach((bytes, i) => {
    const c = asExport(() => decodeStored<PbChunk>(pb.Chunk, bytes, `${what}: chunk frame ${i}`, 'EXPORT_CORRUPT'));
    if (c.firstSeq !== nextSeq) throw bad(`chunk frame ${i} starts at seq ${c.firstSeq}, expected ${nextSeq}`);
    if (c.recordCount < 1) throw bad(`chunk frame ${i} (seq ${c.firstSeq}) holds no records`);
    if (c.firstIcount < lastIcount) throw bad(`chunk at seq ${c.firstSeq} starts at icount ${c.firstIcount}, before the one before it ends (${lastIcount})`);
    const b = new SummaryBuilder();
    asExport(() => decodeChunk(c, fields, (r) => b.addRecord(r)));
    if (b.recordCount !== c.recordCount) throw bad(`chunk at seq ${c.firstSeq} declares ${c.recordCount} records and holds ${b.recordCount}`);
    if (b.lastIcount !== c.lastIcount || !Number.isSafeInteger(b.lastIcount)) {
      throw bad(`chunk at seq ${c.firstSeq} says it ends at icount ${c.lastIcount}, its records end at ${b.lastIcount}`);
    }
    chunks.push({ bytes, firstSeq: c.firstSeq, summary: { ...b.summary(), firstSeq: c.firstSeq, firstIcount: c.firstIcount, lastIcount: c.lastIcount } });
    nextSeq = c.firstSeq + c.recordCount;
    lastIcount = c.lastIcount;
  });
  const records = nextSeq;

  const ramPages = header.machine.memoryBytes / 4096;
  const checkPages = (where: string, pages: readonly number[], hashes: Uint8Array, root: Uint8Array, old?: Uint8Array) => {
    for (let k = 0; k < pages.length; k++) {
      if (pages[k] >= ramPages || (k > 0 && pages[k] <= pages[k - 1])) throw bad(`${where} lists page ${pages[k]} out of order or past memory (${ramPages} pages)`);
    }
    if (hashes.length !== pages.length * HASH_BYTES || (old !== undefined && old.length !== pages.length * HASH_BYTES) || root.length !== HASH_BYTES) {
      throw bad(`${where} has ${pages.length} pages and hashes of the wrong length`);
    }
  };

  const state = new CheckpointStateDecoder(what, header.machine.devices);
  const checkpoints = parts.checkpoints.map((bytes, i) => {
    const c = asExport(() => decodeStored<PbCheckpoint>(pb.Checkpoint, bytes, `${what}: checkpoint frame ${i}`, 'EXPORT_CORRUPT'));
    const where = `checkpoint ${c.ordinal} (frame ${i})`;
    if (c.seq >= records || !Number.isSafeInteger(c.icount)) throw bad(`${where} is at seq ${c.seq}, icount ${c.icount}: past the records (${records})`);
    asExport(() => {
      state.cpu(c);
      state.devices(c);
    });
    if (c.pages !== null) checkPages(where, c.pages.pages, c.pages.hashes, c.pages.root, c.pages.oldHashes);
    return { bytes, icount: c.icount, seq: c.seq };
  });
  const keyframes = parts.keyframes.map((bytes, i) => {
    const k = asExport(() => decodeStored<PbPageHashKeyframe>(pb.PageHashKeyframe, bytes, `${what}: keyframe frame ${i}`, 'EXPORT_CORRUPT'));
    const where = `keyframe ${k.ordinal} (frame ${i})`;
    if (k.seq >= records || !Number.isSafeInteger(k.icount)) throw bad(`${where} is at seq ${k.seq}, icount ${k.icount}: past the records (${records})`);
    checkPages(where, k.pages, k.hashes, k.root);
    return { bytes, icount: k.icount, seq: k.seq };
  });

  if (parts.end !== undefined) {
    const e = asExport(() => decodeStored<PbTraceEnd>(pb.TraceEnd, parts.end!, `${what}: the end marker`, 'EXPORT_CORRUPT'));
    if (e.recordCount !== records) throw bad(`its end marker counts ${e.recordCount} records, the file holds ${records}`);
    if (e.finalIcount < lastIcount || !Number.isSafeInteger(e.finalIcount)) throw bad(`its end marker's final icount ${e.finalIcount} is before its last record (${lastIcount})`);
    if (e.status.length === 0) throw bad('its end marker has no run status');
  }
  return { chunks, checkpoints, keyframes, records };
}
