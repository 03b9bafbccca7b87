/**
 * Records a chunk at a time. TraceReader.records() hands out one record per await, which
 * costs ~2 µs a record; the verifier reads every record of two traces, so it walks the
 * chunks in key (= seq) order with one LevelDB iterator and decodes each in one go, skipping
 * chunks that end before `fromIcount` undecoded. Measured on a 0.9 M record trace: records()
 * 3.2 s, a get per chunk 0.16–0.29 s, one iterator 0.13–0.15 s (warm).
 */
import { KEY_CHUNK } from '../src/trace/format.js';
import { decodeChunk, type FieldNames } from '../src/trace/packed.js';
import { decode, pb, type PbChunk } from '../src/trace/proto.js';
import type { TraceReader } from '../src/trace/reader.js';
import type { TraceRecord } from '../src/trace/records.js';

/** Chunks of records with icount ≥ `fromIcount`, in order; `keep` filters records (all when omitted). */
export async function* recordChunks(reader: TraceReader, fromIcount = 0, keep?: (r: TraceRecord) => boolean): AsyncGenerator<TraceRecord[]> {
  const fields: FieldNames = new Map(reader.header.machine.devices.map((d) => [d.id, d.fields]));
  for await (const bytes of reader.rawValues(KEY_CHUNK)) {
    const chunk = decode<PbChunk>(pb.Chunk, bytes);
    if (chunk.lastIcount < fromIcount) continue;
    const out: TraceRecord[] = [];
    decodeChunk(chunk, fields, (r) => {
      if (r.icount >= fromIcount && (keep === undefined || keep(r))) out.push(r);
    });
    if (out.length > 0) yield out;
  }
}
