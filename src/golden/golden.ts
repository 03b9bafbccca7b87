/**
 * Golden traces: traces/ holds the exported traces of a scenario matrix (matrix.ts) — every
 * device guest, recorded from power-on, and migrated at two points with pre-copy and with
 * post-copy, and at the points a campaign chooses on it (campaign-points.ts); Linux 6.1 and
 * xv6 at fixed points, kept as digests — and traces/manifest.json lists them.
 *
 * `check` re-records every reference, re-migrates every scenario, and compares each export
 * byte for byte with its golden file or digest (runs are deterministic, exports are
 * canonical); a difference is shown readably: the first record where the two streams part
 * and a post-mortem diff of the machine state there (for a digest: how the two runs end). A
 * third-party guest not built here, or built from other inputs, is skipped with the reason;
 * one built from the same inputs to other bytes fails (build-identity.ts). Every new
 * destination must also verify against its new reference. `update` rewrites the files —
 * only ever on request, never from a test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../errors.js';
import { recordingSetup, resolveGuestRequest } from '../cli/guest-options.js';
import { listThirdPartyGuests, packageRoot } from '../guests/catalog.js';
import { missingFiles, type ThirdPartyGuest } from '../guests/third-party.js';
import { migrateTraceInProcess, type TraceMigrationResult } from '../migration/trace-migration.js';
import { exportTrace } from '../trace/export.js';
import { TraceReader } from '../trace/reader.js';
import { recordBoot } from '../trace/session.js';
import { verifyTraces } from '../../verify/verify.js';
import { buildIdentity, checkBuild } from './build-identity.js';
import { campaignMigrations, campaignPoints, goldenMigrationOptions } from './campaign-points.js';
import { compareExport, digestOf, type GoldenVerdict } from './compare.js';
import {
  GOLDEN_GUESTS, GOLDEN_STRATEGIES, goldenDir, readManifest, writeManifest,
  type GoldenDigest, type GoldenGuest, type GoldenGuestSpec, type GoldenManifest, type GoldenMigration, type GoldenScenario,
} from './matrix.js';

export { GOLDEN_GUESTS, goldenDir, readManifest, type GoldenGuest, type GoldenManifest, type GoldenScenario } from './matrix.js';

/** What builds the third-party guests. */
const BUILD_COMMAND = 'npm run guests:third-party';

export interface ScenarioResult {
  readonly name: string;
  readonly kind: 'reference' | 'migration';
  /**
   * 'same': byte-identical to the golden file (or digest); 'differs': not (see `diff`);
   * 'missing': no golden file; 'skipped': a third-party guest not built here, or built from
   * other inputs (see `reason`).
   */
  readonly golden: GoldenVerdict;
  readonly reason?: string;
  /** Migrations: the new destination verified against the new reference. */
  readonly verified?: 'match' | 'divergence';
  readonly diff?: string;
}

export interface GoldenReport {
  readonly ok: boolean;
  readonly results: readonly ScenarioResult[];
}

function thirdParty(name: string): ThirdPartyGuest | undefined {
  return listThirdPartyGuests().find((g) => g.name === name);
}

async function recordGuest(g: GoldenGuestSpec, out: string): Promise<void> {
  const input = g.input === undefined ? undefined : path.join(packageRoot(), g.input);
  const { setup, close } = recordingSetup(resolveGuestRequest(g.name, { args: g.args, input }));
  try {
    await recordBoot(out, { ...setup, label: g.name }, { until: g.until });
  } finally {
    close();
  }
}

function migrate(ref: string, s: GoldenMigration, out: string): Promise<TraceMigrationResult> {
  return migrateTraceInProcess({ trace: ref, at: s.at, out, options: goldenMigrationOptions(s) });
}

/**
 * A third-party guest's build against the golden one: null to go on, else its result
 * (skipped: not built or built from other inputs; differs: same inputs, other bytes).
 */
function buildResult(g: GoldenGuest): ScenarioResult | null {
  const third = thirdParty(g.name);
  if (third === undefined) return null;
  if (g.build === undefined || g.digest === undefined) {
    throw new InputError('BAD_GOLDEN_MANIFEST', `golden guest ${g.name} is a third-party guest but its manifest entry has no build or digest: regenerate it with \`migtrace golden update --only ${g.name}\``);
  }
  const b = checkBuild(third, g.build, BUILD_COMMAND);
  if (b.kind === 'same') return null;
  if (b.kind === 'not-reproducible') return { name: g.name, kind: 'reference', golden: 'differs', diff: b.reason };
  return { name: g.name, kind: 'reference', golden: 'skipped', reason: b.reason };
}

/**
 * Re-record and re-migrate every scenario of the manifest; compare with the golden files and
 * verify. `only`: one guest, or the scenarios whose name contains it; `pick` (tests): of
 * those, only the scenarios it accepts.
 */
export async function checkGolden(
  options: { dir?: string; only?: string; pick?: (s: GoldenScenario) => boolean; say?: (line: string) => void } = {},
): Promise<GoldenReport> {
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
      const scenarios = manifest.scenarios.filter(
        (s) => s.guest === g.name && (only === undefined || s.name.includes(only) || g.name === only) && (options.pick?.(s) ?? true),
      );
      if (scenarios.length === 0 && options.only !== undefined && g.name !== options.only) continue;
      const build = buildResult(g);
      if (build !== null) {
        results.push(build);
        say(`${build.golden === 'skipped' ? 'skip' : 'FAIL'} ${g.name} and its ${scenarios.length} scenarios: ${build.reason ?? build.diff}`);
        continue;
      }
      const ref = path.join(tmp, `${g.name}.ref`);
      await recordGuest(g, ref);
      const refFile = path.join(tmp, g.file);
      await exportTrace(ref, refFile);
      const refResult: ScenarioResult = { name: g.name, kind: 'reference', ...(await compareExport(g, refFile, ref, dir, tmp)) };
      results.push(refResult);
      say(`${refResult.golden === 'same' ? 'ok  ' : 'FAIL'} ${g.name} (reference)${refResult.golden === 'same' ? '' : `: ${refResult.golden}`}`);
      for (const s of scenarios) {
        const dst = path.join(tmp, `${s.name}.dst`);
        await migrate(ref, s, dst);
        const file = path.join(tmp, s.file);
        await exportTrace(dst, file);
        const compared = await compareExport(s, file, dst, dir, tmp);
        const report = await verifyTraces(ref, dst);
        const r: ScenarioResult = { name: s.name, kind: 'migration', ...compared, verified: report.verdict };
        results.push(r);
        const good = r.golden === 'same' && report.verdict === 'match';
        say(`${good ? 'ok  ' : 'FAIL'} ${s.name}${r.golden === 'same' ? '' : `: golden ${r.golden}`}${report.verdict === 'match' ? '' : '; does not verify'}`);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const ok = results.every((r) => r.golden === 'skipped' || (r.golden === 'same' && (r.verified === undefined || r.verified === 'match')));
  return { ok, results };
}

/**
 * Record and migrate the matrix again and write traces/ and its manifest: every guest, or
 * `only` one (the others' entries are kept). A third-party guest not built here keeps its
 * entries, saying so.
 */
export async function updateGolden(options: { dir?: string; only?: string; say?: (line: string) => void } = {}): Promise<GoldenManifest> {
  const dir = options.dir ?? goldenDir();
  const say = options.say ?? (() => {});
  if (options.only !== undefined && !GOLDEN_GUESTS.some((g) => g.name === options.only)) {
    throw new InputError('UNKNOWN_GOLDEN', `--only ${options.only}: not a golden guest (guests: ${GOLDEN_GUESTS.map((g) => g.name).join(', ')})`);
  }
  const old = fs.existsSync(path.join(dir, 'manifest.json')) ? readManifest(dir) : null;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migtrace-golden-'));
  const guests: GoldenGuest[] = [];
  const scenarios: GoldenScenario[] = [];
  const keep = (name: string, why: string): void => {
    const g = old?.guests.find((x) => x.name === name);
    if (g === undefined) return;
    guests.push(g);
    scenarios.push(...old!.scenarios.filter((s) => s.guest === name));
    say(`kept ${name}'s golden entries (${why})`);
  };
  try {
    for (const g of GOLDEN_GUESTS) {
      if (options.only !== undefined && g.name !== options.only) {
        keep(g.name, `--only ${options.only}`);
        continue;
      }
      const third = thirdParty(g.name);
      const missing = third === undefined ? [] : missingFiles(third);
      if (missing.length > 0) {
        keep(g.name, `not built here: ${missing[0]} is missing; ${BUILD_COMMAND}`);
        continue;
      }
      const written = await updateGuest(g, third, dir, tmp, say);
      guests.push(written.guest);
      scenarios.push(...written.scenarios);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return writeManifest(dir, guests, scenarios);
}

/** Record one guest and its scenarios; built-in guests' exports go to `dir`, a third-party guest's become digests. */
async function updateGuest(g: GoldenGuestSpec, third: ThirdPartyGuest | undefined, dir: string, tmp: string, say: (line: string) => void): Promise<{ guest: GoldenGuest; scenarios: GoldenScenario[] }> {
  const keepBytes = third === undefined;
  const ref = path.join(tmp, `${g.name}.ref`);
  await recordGuest(g, ref);
  const reader = await TraceReader.open(ref);
  const end = reader.status.complete ? reader.status.finalIcount : 0;
  await reader.close();
  const out = async (name: string, trace: string): Promise<GoldenDigest | undefined> => {
    const file = path.join(keepBytes ? dir : tmp, name);
    await exportTrace(trace, file);
    say(keepBytes ? `wrote ${name}` : `digest of ${name}`);
    return keepBytes ? undefined : digestOf(file, trace);
  };
  const file = `${g.name}.reference.mtx`;
  const digest = await out(file, ref);
  const points = g.campaign === true ? await campaignPoints(ref) : undefined;
  const guest: GoldenGuest = {
    ...g,
    file,
    ...(digest === undefined ? {} : { digest, build: buildIdentity(third!) }),
    ...(points === undefined ? {} : { campaignPoints: points }),
  };
  const scenarios: GoldenScenario[] = [];
  /** Migrate, verify and export one scenario; a campaign point's must switch over exactly at the point. */
  const add = async (name: string, m: GoldenMigration, campaignPoint?: number): Promise<void> => {
    const dst = path.join(tmp, `${name}.dst`);
    const switched = (await migrate(ref, m, dst)).destination.metrics.switchIcount;
    if (campaignPoint !== undefined && switched !== campaignPoint) {
      throw new InputError('GOLDEN_SWITCH_MISSED', `golden scenario ${name} switched over at icount ${switched}, not at its point ${campaignPoint}`);
    }
    const report = await verifyTraces(ref, dst);
    if (report.verdict !== 'match') throw new InputError('GOLDEN_DOES_NOT_VERIFY', `golden scenario ${name} does not verify: ${report.firstDivergence?.cause ?? ''}`);
    const sfile = `${name}.mtx`;
    const sdigest = await out(sfile, dst);
    const source = campaignPoint === undefined ? {} : { source: 'campaign' as const };
    scenarios.push({ name, guest: g.name, ...m, ...source, file: sfile, ...(sdigest === undefined ? {} : { digest: sdigest }) });
  };
  for (const at of g.points ?? [Math.floor(end / 3), Math.floor(end / 2)]) {
    for (const strategy of GOLDEN_STRATEGIES) await add(`${g.name}@${at}-${strategy}`, { at, strategy });
  }
  for (const { point, migration } of points === undefined ? [] : await campaignMigrations(ref, points)) {
    await add(`${g.name}@${point}-campaign-${migration.strategy}`, migration, point);
  }
  return { guest, scenarios };
}
