/**
 * Comparing a fresh export with its golden entry: a file in traces/ (byte for byte, and on a
 * difference the first record where the streams part and a post-mortem diff), or a digest
 * (a third-party guest's: sha256, and on a difference how the two runs end).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { guestCacheDir } from '../guests/third-party.js';
import { importTrace, parseExport } from '../trace/export.js';
import { decodeStored, pb, type PbTraceHeader } from '../trace/proto.js';
import { TraceReader } from '../trace/reader.js';
import { describeRecordBody } from '../trace/describe.js';
import { postMortem } from '../../verify/post-mortem.js';
import { renderPostMortem } from '../../verify/post-mortem-render.js';
import { compareStreams } from '../../verify/stream-compare.js';
import type { GoldenDigest } from './matrix.js';

export type GoldenVerdict = 'same' | 'differs' | 'missing' | 'skipped';

/**
 * The digest of an export: sha256 over its frames, the header decoded with every path inside
 * the guest cache dir written "$MIGTRACE_GUESTS/…" (a catalog guest's disk file, xv6's fs.img,
 * is recorded by its absolute path, which differs between machines); everything else as
 * stored. Equal runs of equal builds give equal digests on any machine.
 */
export function exportDigest(bytes: Uint8Array, what: string, cache = guestCacheDir()): string {
  const parts = parseExport(bytes, what);
  const prefix = cache.endsWith(path.sep) ? cache : cache + path.sep;
  const header = decodeStored<PbTraceHeader>(pb.TraceHeader, parts.header, `export ${what}: its header`, 'EXPORT_CORRUPT');
  const canonical = JSON.stringify(header, (_k, v: unknown) => (typeof v === 'string' && v.startsWith(prefix) ? `$MIGTRACE_GUESTS/${v.slice(prefix.length)}` : v));
  const h = createHash('sha256').update('migtrace golden digest 1\n').update(canonical);
  const frame = (tag: string, data: Uint8Array): void => {
    h.update(`${tag} ${data.length}\n`).update(data);
  };
  for (const b of parts.blobs) frame(`blob ${b.name}`, b.data);
  for (const c of parts.chunks) frame('chunk', c);
  for (const c of parts.checkpoints) frame('checkpoint', c);
  for (const k of parts.keyframes) frame('keyframe', k);
  if (parts.end !== undefined) frame('end', parts.end);
  return h.digest('hex');
}

/** The identity of an export `file` of the trace at `dir`. */
export async function digestOf(file: string, dir: string): Promise<GoldenDigest> {
  const bytes = fs.readFileSync(file);
  const reader = await TraceReader.open(dir);
  try {
    const st = reader.status;
    return {
      sha256: exportDigest(bytes, file),
      bytes: bytes.length,
      records: st.complete ? st.recordCount : 0,
      finalIcount: st.complete ? st.finalIcount : 0,
      status: st.complete ? st.runStatus : 'incomplete',
    };
  } finally {
    await reader.close();
  }
}

/** Why an export differs from a golden digest: the bytes are not kept, so how the two runs end. */
function explainDigest(golden: GoldenDigest, now: GoldenDigest): string {
  const end = (d: GoldenDigest) => `${d.records} records, ends at icount ${d.finalIcount} (${d.status})`;
  return [
    `export digest ${now.sha256.slice(0, 16)}… (${now.bytes} bytes), golden ${golden.sha256.slice(0, 16)}… (${golden.bytes} bytes)`,
    `now:    ${end(now)}`,
    `golden: ${end(golden)}`,
    'a third-party guest\'s golden traces are kept as digests (its kernel is not ours to ship): to see where the runs part, record it at the commit of the golden manifest and run `migtrace diff`',
  ].join('\n');
}

/** A fresh export against its golden entry (a file in `dir`, or a digest). */
export async function compareExport(entry: { file: string; digest?: GoldenDigest }, fresh: string, freshDir: string, dir: string, tmp: string): Promise<{ golden: GoldenVerdict; diff?: string }> {
  if (entry.digest !== undefined) {
    const now = await digestOf(fresh, freshDir);
    return now.sha256 === entry.digest.sha256 ? { golden: 'same' } : { golden: 'differs', diff: explainDigest(entry.digest, now) };
  }
  const goldenFile = path.join(dir, entry.file);
  if (!fs.existsSync(goldenFile)) return { golden: 'missing' };
  if (sameBytes(goldenFile, fresh)) return { golden: 'same' };
  return { golden: 'differs', diff: await explain(goldenFile, freshDir, tmp) };
}

/** Why `fresh` (a trace dir) is not the golden export `goldenFile`: the first record that differs and the state there. */
async function explain(goldenFile: string, fresh: string, tmp: string): Promise<string> {
  const golden = path.join(tmp, `golden-${path.basename(goldenFile, '.mtx')}`);
  await importTrace(goldenFile, golden);
  const a = await TraceReader.open(golden);
  const b = await TraceReader.open(fresh);
  const lines: string[] = [];
  try {
    const from = Math.max(a.header.firstIcount, b.header.firstIcount);
    const s = await compareStreams(a, b, from);
    const names = new Map(a.header.machine.devices.map((x) => [x.id, x.name]));
    const name = (id: number): string => names.get(id) ?? `device ${id}`;
    if (s.divergence === null) {
      lines.push('the record streams agree; the traces differ elsewhere (header, checkpoints or end)');
      const ha = JSON.stringify(a.header);
      const hb = JSON.stringify(b.header);
      if (ha !== hb) lines.push(`headers: golden ${ha}`, `         now    ${hb}`);
    } else {
      const d = s.divergence;
      lines.push(`the streams part at icount ${d.icount} (after ${s.matched} matching records):`);
      lines.push(`  golden  ${d.reference === null ? '(ends)' : `#${d.reference.seq} @${d.reference.icount} ${describeRecordBody(d.reference, name, true)}`}`);
      lines.push(`  now     ${d.destination === null ? '(ends)' : `#${d.destination.seq} @${d.destination.icount} ${describeRecordBody(d.destination, name, true)}`}`);
    }
  } finally {
    await a.close();
    await b.close();
  }
  try {
    lines.push(renderPostMortem(await postMortem(golden, fresh, undefined, { maxPages: 2, context: 4 })));
  } catch (err) {
    lines.push(`(no post-mortem: ${(err as Error).message})`);
  }
  return lines.join('\n');
}

function sameBytes(a: string, b: string): boolean {
  return fs.existsSync(a) && fs.existsSync(b) && fs.readFileSync(a).equals(fs.readFileSync(b));
}

