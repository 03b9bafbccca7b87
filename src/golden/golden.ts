/**
 * Golden traces: traces/ holds the exported traces of a scenario matrix — every device guest,
 * recorded from power-on, and migrated at two points (a third and a half of its run) with
 * pre-copy and with post-copy — and traces/manifest.json lists them.
 *
 * `check` re-records every reference, re-migrates every scenario, and compares each export
 * byte for byte with its golden file (runs are deterministic, exports are canonical); a
 * difference is shown readably: the first record where the two streams part and a post-mortem
 * diff of the machine state there. Every new destination must also verify against its new
 * reference. `update` rewrites the files — only ever on request, never from a test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../errors.js';
import { loadInputScript } from '../devices/input-script.js';
import { packageRoot, resolveImage } from '../guests/catalog.js';
import { migrationOptions } from '../migration/options.js';
import { migrateTraceInProcess } from '../migration/trace-migration.js';
import { exportTrace, importTrace } from '../trace/export.js';
import { TraceReader } from '../trace/reader.js';
import { recordBoot } from '../trace/session.js';
import { postMortem } from '../../verify/post-mortem.js';
import { renderPostMortem } from '../../verify/post-mortem-render.js';
import { compareStreams } from '../../verify/stream-compare.js';
import { describeRecordBody } from '../trace/describe.js';
import { verifyTraces } from '../../verify/verify.js';

export interface GoldenGuest {
  readonly name: string;
  readonly args?: string;
  /** Input script, relative to the package root. */
  readonly input?: string;
  /** The reference's export, relative to traces/. */
  readonly file: string;
}

export interface GoldenScenario {
  readonly name: string;
  readonly guest: string;
  readonly at: number;
  readonly strategy: 'precopy' | 'postcopy';
  readonly file: string;
}

export interface GoldenManifest {
  readonly format: 1;
  readonly note: string;
  readonly guests: readonly GoldenGuest[];
  readonly scenarios: readonly GoldenScenario[];
}

/** The matrix `update` writes: every device guest (small configurations), two points × two strategies. */
export const GOLDEN_GUESTS: readonly Omit<GoldenGuest, 'file'>[] = [
  { name: 'timer', args: 'hz=1000 every=100 ticks=200 eoi=auto' },
  { name: 'rtc' },
  { name: 'serial-echo', input: 'guests/inputs/serial-echo.input' },
  { name: 'disk', args: 'count=4' },
  { name: 'apic', args: 'n=10 pit=10' },
  { name: 'net-echo', input: 'guests/inputs/net-echo.input' },
];

export function goldenDir(): string {
  return path.join(packageRoot(), 'traces');
}

export function readManifest(dir = goldenDir()): GoldenManifest {
  const file = path.join(dir, 'manifest.json');
  if (!fs.existsSync(file)) throw new InputError('NO_GOLDEN_MANIFEST', `no golden traces: ${file} is missing (create them with \`migtrace golden update\`)`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as GoldenManifest;
}

export interface ScenarioResult {
  readonly name: string;
  readonly kind: 'reference' | 'migration';
  /** 'same': byte-identical to the golden file; 'differs': not (see `diff`); 'missing': no golden file. */
  readonly golden: 'same' | 'differs' | 'missing';
  /** Migrations: the new destination verified against the new reference. */
  readonly verified?: 'match' | 'divergence';
  readonly diff?: string;
}

export interface GoldenReport {
  readonly ok: boolean;
  readonly results: readonly ScenarioResult[];
}

async function recordGuest(g: Omit<GoldenGuest, 'file'>, out: string): Promise<void> {
  const image = resolveImage(g.name);
  const input = g.input === undefined ? undefined : loadInputScript(path.join(packageRoot(), g.input));
  await recordBoot(out, { label: g.name, image: image.bytes, args: g.args ?? image.guest?.args, input });
}

async function migrate(ref: string, s: { at: number; strategy: 'precopy' | 'postcopy' }, out: string): Promise<void> {
  await migrateTraceInProcess({ trace: ref, at: s.at, out, options: migrationOptions({ strategy: s.strategy }) });
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

/** Re-record and re-migrate every scenario of the manifest; compare with the golden files and verify. */
export async function checkGolden(options: { dir?: string; only?: string; say?: (line: string) => void } = {}): Promise<GoldenReport> {
  const dir = options.dir ?? goldenDir();
  const say = options.say ?? (() => {});
  const manifest = readManifest(dir);
  const only = options.only;
  if (only !== undefined && !manifest.guests.some((g) => g.name === only) && !manifest.scenarios.some((s) => s.name.includes(only))) {
    const names = manifest.guests.map((g) => g.name).join(', ');
    throw new InputError('UNKNOWN_GOLDEN', `--only ${only}: no golden guest or scenario matches (guests: ${names}; or part of a scenario name, e.g. "${manifest.scenarios[0]?.name ?? 'timer@…'}")`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migtrace-golden-'));
  const results: ScenarioResult[] = [];
  try {
    for (const g of manifest.guests) {
      const scenarios = manifest.scenarios.filter((s) => s.guest === g.name && (options.only === undefined || s.name.includes(options.only) || g.name === options.only));
      if (scenarios.length === 0 && options.only !== undefined && g.name !== options.only) continue;
      const ref = path.join(tmp, `${g.name}.ref`);
      await recordGuest(g, ref);
      const refFile = path.join(tmp, g.file);
      await exportTrace(ref, refFile);
      const goldenRef = path.join(dir, g.file);
      const refResult: ScenarioResult = !fs.existsSync(goldenRef)
        ? { name: g.name, kind: 'reference', golden: 'missing' }
        : sameBytes(goldenRef, refFile)
          ? { name: g.name, kind: 'reference', golden: 'same' }
          : { name: g.name, kind: 'reference', golden: 'differs', diff: await explain(goldenRef, ref, tmp) };
      results.push(refResult);
      say(`${refResult.golden === 'same' ? 'ok  ' : 'FAIL'} ${g.name} (reference)${refResult.golden === 'same' ? '' : `: ${refResult.golden}`}`);
      for (const s of scenarios) {
        const dst = path.join(tmp, `${s.name}.dst`);
        await migrate(ref, s, dst);
        const file = path.join(tmp, s.file);
        await exportTrace(dst, file);
        const goldenFile = path.join(dir, s.file);
        const golden = !fs.existsSync(goldenFile) ? 'missing' : sameBytes(goldenFile, file) ? 'same' : 'differs';
        const report = await verifyTraces(ref, dst);
        const r: ScenarioResult = {
          name: s.name,
          kind: 'migration',
          golden,
          verified: report.verdict,
          diff: golden === 'differs' ? await explain(goldenFile, dst, tmp) : undefined,
        };
        results.push(r);
        const good = golden === 'same' && report.verdict === 'match';
        say(`${good ? 'ok  ' : 'FAIL'} ${s.name}${golden === 'same' ? '' : `: golden ${golden}`}${report.verdict === 'match' ? '' : '; does not verify'}`);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return { ok: results.every((r) => r.golden === 'same' && (r.verified === undefined || r.verified === 'match')), results };
}

/** Record and migrate the whole matrix again and write traces/ and its manifest. */
export async function updateGolden(options: { dir?: string; say?: (line: string) => void } = {}): Promise<GoldenManifest> {
  const dir = options.dir ?? goldenDir();
  const say = options.say ?? (() => {});
  fs.mkdirSync(dir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migtrace-golden-'));
  const guests: GoldenGuest[] = [];
  const scenarios: GoldenScenario[] = [];
  try {
    for (const g of GOLDEN_GUESTS) {
      const ref = path.join(tmp, `${g.name}.ref`);
      await recordGuest(g, ref);
      const reader = await TraceReader.open(ref);
      const end = reader.status.complete ? reader.status.finalIcount : 0;
      await reader.close();
      const file = `${g.name}.reference.mtx`;
      await exportTrace(ref, path.join(dir, file));
      guests.push({ ...g, file });
      say(`wrote ${file}`);
      for (const at of [Math.floor(end / 3), Math.floor(end / 2)]) {
        for (const strategy of ['precopy', 'postcopy'] as const) {
          const name = `${g.name}@${at}-${strategy}`;
          const dst = path.join(tmp, `${name}.dst`);
          await migrate(ref, { at, strategy }, dst);
          const report = await verifyTraces(ref, dst);
          if (report.verdict !== 'match') throw new InputError('GOLDEN_DOES_NOT_VERIFY', `golden scenario ${name} does not verify: ${report.firstDivergence?.cause ?? ''}`);
          const out = `${name}.mtx`;
          await exportTrace(dst, path.join(dir, out));
          scenarios.push({ name, guest: g.name, at, strategy, file: out });
          say(`wrote ${out}`);
        }
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const manifest: GoldenManifest = {
    format: 1,
    note: 'Golden traces: exports of each reference and of its migrations (`migtrace export`). Regenerate only with `migtrace golden update`, in a commit that says why the new traces are right.',
    guests,
    scenarios,
  };
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}
