/**
 * test/campaign/fixtures/report.json: a campaign report written by hand (xv6, 3 points × 3
 * link settings; one divergence with its post-mortem, one error, a pre-copy setting that runs
 * 8 rounds without converging), read through a check of every key CampaignReport requires —
 * JSON gives `unknown`, and a fixture that drifted from the type should fail here by name,
 * not as `undefined` somewhere in a renderer.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CampaignReport } from '../../src/campaign/types.js';

export const REPORT_FIXTURE = fileURLToPath(new URL('./fixtures/report.json', import.meta.url));

export function loadReportFixture(): CampaignReport {
  return asCampaignReport(JSON.parse(readFileSync(REPORT_FIXTURE, 'utf8')), REPORT_FIXTURE);
}

type Shape = Record<string, 'number' | 'string' | 'array' | 'object' | 'number|null' | 'string|null' | 'object|null'>;

function check(value: unknown, shape: Shape, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where}: not an object`);
  const o = value as Record<string, unknown>;
  for (const [key, want] of Object.entries(shape)) {
    const v = o[key];
    const got = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
    if (!want.split('|').includes(got)) throw new Error(`${where}.${key}: ${got}, expected ${want}`);
  }
  return o;
}

function each(value: unknown, shape: Shape, where: string): Record<string, unknown>[] {
  return (value as unknown[]).map((x, i) => check(x, shape, `${where}[${i}]`));
}

const FEATURE: Shape = { id: 'string', group: 'string', kind: 'string', doc: 'string' };
const SETTING: Shape = { name: 'string', strategy: 'string', bandwidth: 'string', latency: 'string', threshold: 'string', maxRounds: 'number', prepage: 'number', leadInstructions: 'number', doc: 'string' };

/** The type assertion, after checking every required key at every level. */
export function asCampaignReport(value: unknown, where = 'report'): CampaignReport {
  const r = check(value, { format: 'number', trace: 'object', settings: 'array', features: 'array', unreached: 'array', points: 'array', jobs: 'array', failures: 'array', summary: 'object' }, where);
  if (r.format !== 1) throw new Error(`${where}.format: ${String(r.format)}, expected 1`);
  check(r.trace, { guest: 'string', sha256: 'string', endIcount: 'number' }, `${where}.trace`);
  each(r.settings, SETTING, `${where}.settings`);
  each(r.features, { ...FEATURE, points: 'array' }, `${where}.features`);
  each(r.unreached, { ...FEATURE, why: 'string' }, `${where}.unreached`);
  each(r.points, { index: 'number', icount: 'number', features: 'array', newlyCovered: 'array' }, `${where}.points`);
  each(r.jobs, { id: 'string', traceSha256: 'string', point: 'number', pointIndex: 'number', setting: 'object', faults: 'array', result: 'object' }, `${where}.jobs`).forEach((j, i) => {
    const at = `${where}.jobs[${i}]`;
    check(j.setting, SETTING, `${at}.setting`);
    const res = check(j.result, { id: 'string', verdict: 'string', cause: 'string|null', fields: 'array', divergenceIcount: 'number|null', migration: 'object|null', postMortem: 'string' }, `${at}.result`);
    if (!['match', 'divergence', 'error'].includes(res.verdict as string)) throw new Error(`${at}.result.verdict: ${String(res.verdict)}`);
    if (res.migration === null) return;
    const m = check(res.migration, { startIcount: 'number', switchIcount: 'number', rounds: 'array', stopCopyPages: 'number', downtimeNs: 'number', downtimeParts: 'object', postcopy: 'object|null' }, `${at}.result.migration`);
    each(m.rounds, { round: 'number', pages: 'number', dirtied: 'number', startIcount: 'number', endIcount: 'number', ns: 'number' }, `${at}.result.migration.rounds`);
    check(m.downtimeParts, { captureNs: 'number', lastPagesNs: 'number', deviceStateNs: 'number', registerWritesNs: 'number', residualAlignmentNs: 'number' }, `${at}.result.migration.downtimeParts`);
    if (m.postcopy !== null) check(m.postcopy, { faults: 'number', faultPages: 'number', pushedPages: 'number', stallNs: 'number' }, `${at}.result.migration.postcopy`);
  });
  each(r.failures, { field: 'string', cause: 'string', jobs: 'array' }, `${where}.failures`);
  const summary: Shape = { points: 'number', jobs: 'number', match: 'number', divergence: 'number', error: 'number', featuresReached: 'number', featuresCovered: 'number' };
  check(r.summary, summary, `${where}.summary`);
  return value as CampaignReport;
}
