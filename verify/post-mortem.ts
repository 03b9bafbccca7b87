/**
 * `migtrace diff A B [--at ICOUNT|#SEQ]`: a post-mortem of two traces (or two points of
 * traces: `DIR@ICOUNT`, `DIR@#SEQ`). Each side is re-executed to its point — a boot trace
 * from power-on, a destination from its switch-over snapshot — so every byte is there to
 * show: unified diffs of CPU state, of each device's declared state and of each differing
 * memory page (as hexdumps), and the two access sequences side by side around the point
 * where the streams part.
 *
 * Without --at, the point is where the two streams part (or the end both reach).
 */
import type { CpuState } from '../src/machine/cpu/cpu.js';
import { CPU_SCHEMA, cpuSnapshot } from '../src/machine/cpu/state.js';
import { createTwoFilesPatch } from 'diff';
import { InputError } from '../src/errors.js';
import type { Machine } from '../src/board/machine.js';
import type { StateSchema } from '../src/devices/schema.js';
import { MACHINE_SNAPSHOT_BLOB, decodeMachineSnapshot, restoreMachineSnapshot } from '../src/trace/machine-snapshot.js';
import { PAGE_BYTES } from '../src/trace/pages.js';
import { TraceReader } from '../src/trace/reader.js';
import type { TraceRecord } from '../src/trace/records.js';
import { hexdumpLines } from './hexdump.js';
import { deviceSchemas, machinePages, oracleStates } from './machine-state.js';
import { orderByRootCause } from './root-cause.js';
import { compareDevices, comparePageSources, pageLabel } from './state-compare.js';
import { compareStreams, isExpectedExtra } from './stream-compare.js';
import { describeRecordBody } from '../src/trace/describe.js';
import { machineFactoryFor } from './trace-machine.js';
import { hex } from '../src/hex.js';

export interface PointSpec {
  readonly dir: string;
  /** An icount, a record by seq, or unspecified (the divergence or the end). */
  readonly at: { readonly icount: number } | { readonly seq: number } | null;
}

/** "DIR", "DIR@123456", "DIR@#42"; `at` ("123456" or "#42") applies where the spec names none. */
export function parsePoint(text: string, at?: string): PointSpec {
  const m = /^(.*)@(#?\d+)$/.exec(text);
  const dir = m === null ? text : m[1];
  const where = m === null ? at : m[2];
  if (where === undefined) return { dir, at: null };
  const w = /^(#|seq:)?(\d+)$/.exec(where.trim());
  if (w === null) throw new InputError('BAD_POINT', `--at must be an icount or #SEQ (a record number), not "${where}"`);
  const n = Number(w[2]);
  return { dir, at: w[1] === undefined ? { icount: n } : { seq: n } };
}

export interface SideView {
  readonly dir: string;
  readonly icount: number;
  /** How the state was reached: "re-executed from power-on", "re-executed from the switch-over snapshot". */
  readonly source: string;
}

export interface PatchView {
  readonly name: string;
  /** Number of differing fields / lines. */
  readonly differences: number;
  /** Unified diff (the `diff` package). */
  readonly patch: string;
}

export interface AccessRow {
  readonly a: string | null;
  readonly b: string | null;
  readonly same: boolean;
  /** The row where the streams part. */
  readonly divergence: boolean;
}

export interface PostMortem {
  /** Why the diff looks where it does: the point given, where the streams part, or (neither) the end both reach. */
  readonly point: { readonly chosen: 'given' | 'divergence' | 'end'; readonly explanation: string };
  readonly a: SideView;
  readonly b: SideView;
  readonly cpu: PatchView | null;
  readonly devices: readonly PatchView[];
  /** Device fields that differ only because another does (root-cause.ts): "pic.slave.last_irr" follows from "ata0.select". */
  readonly follows: readonly { readonly path: string; readonly follows: string; readonly because: string }[];
  readonly memory: { readonly pagesDiffering: number; readonly pages: readonly (PatchView & { readonly page: number })[] };
  readonly accesses: { readonly partAt: number | null; readonly rows: readonly AccessRow[] };
}

export interface PostMortemOptions {
  /** Differing pages shown as hexdump diffs (the count covers all). */
  readonly maxPages?: number;
  /** Records shown before and after the point. */
  readonly context?: number;
}

/** One line per CPU schema field, in declaration order ("cs.base = 0x000f0000"). */
function cpuLines(cpu: CpuState): string[] {
  const snap = cpuSnapshot(cpu);
  return CPU_SCHEMA.fields.map((f) => {
    const v = snap[f.name] as number;
    return `${f.name} = ${f.width === 1 ? String(v) : hex(v, Math.ceil(f.width / 4))}`;
  });
}

function deviceLines(schema: StateSchema, state: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const f of schema.fields) {
    const v = state[f.name];
    const tag = `${f.access} ${f.role}`;
    const fmt = (x: unknown): string => (typeof x === 'number' && x >= 0 && !f.timer ? hex(x) : String(x));
    if (Array.isArray(v)) v.forEach((x, i) => out.push(`${f.name}[${i}] = ${fmt(x)}    (${tag})`));
    else out.push(`${f.name} = ${fmt(v)}    (${tag})`);
  }
  return out;
}

function patch(name: string, aLabel: string, bLabel: string, a: string[], b: string[]): PatchView | null {
  let differences = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) differences++;
  if (differences === 0) return null;
  return { name, differences, patch: createTwoFilesPatch(`a/${name}`, `b/${name}`, a.join('\n') + '\n', b.join('\n') + '\n', aLabel, bLabel, { context: 3 }) };
}

interface OpenSide {
  readonly reader: TraceReader;
  readonly spec: PointSpec;
}

async function resolveIcount(side: OpenSide, fallback: number): Promise<number> {
  const at = side.spec.at;
  if (at === null) return fallback;
  if ('icount' in at) return at.icount;
  const r = await side.reader.recordAt(at.seq);
  if (r === undefined) throw new InputError('NO_SUCH_RECORD', `trace ${side.spec.dir} has no record #${at.seq}`);
  return r.icount;
}

/** The trace's machine at `icount`, re-executed: a destination from its switch-over snapshot, a boot trace from power-on. */
async function machineAt(reader: TraceReader, icount: number): Promise<{ machine: Machine; source: string }> {
  const factory = await machineFactoryFor(reader);
  const blob = await reader.blob(MACHINE_SNAPSHOT_BLOB);
  const machine = factory.build();
  let source = 're-executed from power-on';
  if (blob !== undefined) {
    const snap = decodeMachineSnapshot(blob, `the switch-over snapshot in ${reader.dir}`);
    if (icount < snap.icount) throw new InputError('POINT_BEFORE_SWITCH_OVER', `icount ${icount} is before trace ${reader.dir} begins (its switch-over is at icount ${snap.icount})`);
    restoreMachineSnapshot(machine, snap);
    source = `re-executed from its switch-over snapshot (icount ${snap.icount})`;
  } else if (reader.header.firstIcount > 0) {
    throw new InputError('NOT_REEXECUTABLE', `trace ${reader.dir} starts at icount ${reader.header.firstIcount} and carries no switch-over snapshot: it cannot be re-executed`);
  }
  const r = machine.run({ maxInstructions: icount });
  if (machine.clock.icount < icount) source += `; the run ended (${r.status}) at icount ${machine.clock.icount}`;
  return { machine, source };
}

/** Up to `n` comparable records before the one with `seq` (exclusive), in order. */
async function recordsBefore(reader: TraceReader, seq: number, icount: number, floor: number, n: number): Promise<TraceRecord[]> {
  for (let window = 50_000; ; window *= 8) {
    const from = Math.max(floor, icount - window);
    const got: TraceRecord[] = [];
    for await (const r of reader.records({ fromIcount: from, toIcount: icount })) {
      if (r.seq >= seq) break;
      if (isComparable(r)) got.push(r);
    }
    if (got.length >= n || from === floor) return got.slice(-n);
  }
}

async function recordsFrom(reader: TraceReader, seq: number, icount: number, n: number): Promise<TraceRecord[]> {
  const got: TraceRecord[] = [];
  for await (const r of reader.records({ fromIcount: icount })) {
    if (r.seq < seq || !isComparable(r)) continue;
    got.push(r);
    if (got.length >= n) break;
  }
  return got;
}

function isComparable(r: TraceRecord): boolean {
  return r.kind !== 'transition' && r.kind !== 'checkpoint' && !isExpectedExtra(r);
}

async function firstRecordAt(reader: TraceReader, icount: number): Promise<TraceRecord | null> {
  for await (const r of reader.records({ fromIcount: icount })) if (isComparable(r)) return r;
  return null;
}

export async function postMortem(aText: string, bText: string, at?: string, options: PostMortemOptions = {}): Promise<PostMortem> {
  const maxPages = options.maxPages ?? 4;
  const context = options.context ?? 6;
  const specA = parsePoint(aText, at);
  const specB = parsePoint(bText, at);
  const readerA = await TraceReader.open(specA.dir);
  try {
    const readerB = await TraceReader.open(specB.dir);
    try {
      const a: OpenSide = { reader: readerA, spec: specA };
      const b: OpenSide = { reader: readerB, spec: specB };
      const from = Math.max(readerA.header.firstIcount, readerB.header.firstIcount);
      const namesA = new Map(readerA.header.machine.devices.map((d) => [d.id, d.name]));
      const namer = (id: number): string => namesA.get(id) ?? `device ${id}`;

      // Where the streams part (from where both traces have records).
      const streams = await compareStreams(readerA, readerB, from);
      const part = streams.divergence;
      const endA = readerA.status.complete ? readerA.status.finalIcount : Infinity;
      const endB = readerB.status.complete ? readerB.status.finalIcount : Infinity;
      const fallback = part?.icount ?? Math.min(endA, endB);
      const icountA = await resolveIcount(a, fallback);
      const icountB = await resolveIcount(b, fallback);

      // State: both sides re-executed to their points.
      const [ma, mb] = [await machineAt(readerA, icountA), await machineAt(readerB, icountB)];
      const la = `${specA.dir}@${icountA}`;
      const lb = `${specB.dir}@${icountB}`;
      const cpu = patch('cpu', la, lb, cpuLines(ma.machine.cpu.getState()), cpuLines(mb.machine.cpu.getState()));
      const schemas = deviceSchemas(ma.machine);
      const statesA = oracleStates(ma.machine);
      const statesB = oracleStates(mb.machine);
      const devA = new Map(statesA.map((d) => [d.name, d.state]));
      const devices: PatchView[] = [];
      const follows = orderByRootCause(compareDevices(schemas, statesA, statesB), statesA).flatMap((d) =>
        d.follows === undefined ? [] : [{ path: d.path, follows: d.follows, because: d.because ?? '' }],
      );
      for (const d of statesB) {
        const schema = schemas.get(d.name);
        const sa = devA.get(d.name);
        if (schema === undefined || sa === undefined) continue;
        const p = patch(d.name, la, lb, deviceLines(schema, sa), deviceLines(schema, d.state));
        if (p !== null) devices.push(p);
      }
      const pa = machinePages(ma.machine);
      const pb = machinePages(mb.machine);
      const differing = comparePageSources(pa, pb);
      const pages = differing.slice(0, maxPages).flatMap((page) => {
        const p = patch(pageLabel(page), la, lb, hexdumpLines(pa.page(page), page * PAGE_BYTES), hexdumpLines(pb.page(page), page * PAGE_BYTES));
        return p === null ? [] : [{ ...p, page }];
      });

      // Accesses side by side around the divergence (or the point).
      let anchorA: TraceRecord | null;
      let anchorB: TraceRecord | null;
      if (part !== null && specA.at === null && specB.at === null) {
        anchorA = part.reference;
        anchorB = part.destination;
      } else {
        anchorA = await firstRecordAt(readerA, icountA);
        anchorB = await firstRecordAt(readerB, icountB);
      }
      const before = async (r: OpenSide, anchor: TraceRecord | null, icount: number): Promise<TraceRecord[]> =>
        recordsBefore(r.reader, anchor?.seq ?? Number.MAX_SAFE_INTEGER, anchor?.icount ?? icount, Math.max(from, r.reader.header.firstIcount), context);
      const after = async (r: OpenSide, anchor: TraceRecord | null): Promise<TraceRecord[]> => (anchor === null ? [] : recordsFrom(r.reader, anchor.seq, anchor.icount, context + 1));
      const [ba, bb, fa, fb] = [await before(a, anchorA, icountA), await before(b, anchorB, icountB), await after(a, anchorA), await after(b, anchorB)];
      const rows: AccessRow[] = [];
      const fmt = (r: TraceRecord | undefined): string | null => (r === undefined ? null : `#${r.seq} @${r.icount} ${describeRecordBody(r, namer, true)}`);
      const nb = Math.max(ba.length, bb.length);
      for (let i = 0; i < nb; i++) {
        const x = ba[ba.length - nb + i];
        const y = bb[bb.length - nb + i];
        rows.push({ a: fmt(x), b: fmt(y), same: x !== undefined && y !== undefined && sameShort(x, y), divergence: false });
      }
      const nf = Math.max(fa.length, fb.length);
      for (let i = 0; i < nf; i++) {
        rows.push({ a: fmt(fa[i]), b: fmt(fb[i]), same: fa[i] !== undefined && fb[i] !== undefined && sameShort(fa[i], fb[i]), divergence: i === 0 && part !== null });
      }

      const given = specA.at !== null || specB.at !== null;
      const point: PostMortem['point'] = given
        ? { chosen: 'given', explanation: 'the point given (--at or DIR@POINT)' }
        : part !== null
          ? { chosen: 'divergence', explanation: `where the two streams part (icount ${part.icount})` }
          : { chosen: 'end', explanation: `the streams never part, so the end both runs reach (icount ${fallback}); give --at ICOUNT or --at #SEQ to look elsewhere` };
      return {
        point,
        a: { dir: specA.dir, icount: ma.machine.clock.icount, source: ma.source },
        b: { dir: specB.dir, icount: mb.machine.clock.icount, source: mb.source },
        cpu,
        devices,
        follows,
        memory: { pagesDiffering: differing.length, pages },
        accesses: { partAt: part?.icount ?? null, rows },
      };
    } finally {
      await readerB.close();
    }
  } finally {
    await readerA.close();
  }
}

function sameShort(a: TraceRecord, b: TraceRecord): boolean {
  return a.icount === b.icount && describeRecordBody(a, undefined, true) === describeRecordBody(b, undefined, true);
}
