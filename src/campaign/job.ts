/**
 * One campaign job: migrate the reference at the job's point with its link setting, verify
 * the destination against the reference, and say what was found — the verdict, the root
 * field and cause of a divergence, the migration's rounds and downtime, and the post-mortem
 * diff. The same job on any machine gives the same result: no wall time, no temporary paths
 * in it. It never throws: a migration or verification that cannot run is verdict `error`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSize } from '../units.js';
import { parseBandwidth, parseLatency } from '../migration/link.js';
import type { MigrationMetrics } from '../migration/metrics.js';
import { migrationOptions, type MigrationOptions } from '../migration/options.js';
import { migrateTraceInProcess } from '../migration/trace-migration.js';
import { postMortem } from '../../verify/post-mortem.js';
import { renderPostMortem } from '../../verify/post-mortem-render.js';
import { renderVerifyReport } from '../../verify/report.js';
import { verifyTraces, type VerifyReport } from '../../verify/verify.js';
import type { CampaignJob, JobMigration, JobResult } from './types.js';

export interface JobOptions {
  /** Where the destination trace is written while the job runs (removed after). Default: the OS temp dir. */
  readonly workDir?: string;
}

/** Where a job's migration starts: a pre-copy leads its point by the setting's lead; post-copy starts at it. */
export function migrationStart(job: CampaignJob): number {
  return job.setting.strategy === 'precopy' ? Math.max(0, job.point - job.setting.leadInstructions) : job.point;
}

/** How a job migrates: its setting's link, threshold and rounds; a pre-copy stops the guest exactly at the point. */
export function jobMigrationOptions(job: CampaignJob): MigrationOptions {
  const s = job.setting;
  return migrationOptions({
    strategy: s.strategy,
    link: { bandwidthBitsPerSecond: parseBandwidth(s.bandwidth), latencyNanoseconds: parseLatency(s.latency) },
    thresholdBytes: parseSize(s.threshold, 'threshold'),
    maxRounds: s.maxRounds,
    prepagePages: s.prepage,
    faults: job.faults,
    ...(s.strategy === 'precopy' ? { switchAt: job.point } : {}),
  });
}

export async function runCampaignJob(job: CampaignJob, traceDir: string, options: JobOptions = {}): Promise<JobResult> {
  const work = fs.mkdtempSync(path.join(options.workDir ?? os.tmpdir(), 'migtrace-job-'));
  const out = path.join(work, 'destination');
  try {
    const migration = await migrateTraceInProcess({ trace: traceDir, at: migrationStart(job), out, options: jobMigrationOptions(job) });
    const figures = jobMigration(migration.destination.metrics);
    const report = await verifyTraces(traceDir, out);
    if (report.verdict === 'match') {
      return { id: job.id, verdict: 'match', cause: null, fields: [], divergenceIcount: null, migration: figures, postMortem: '' };
    }
    return {
      id: job.id,
      verdict: 'divergence',
      cause: report.firstDivergence?.cause ?? 'the verifier found a divergence',
      fields: differingFields(report),
      divergenceIcount: report.firstDivergence?.icount ?? null,
      migration: figures,
      postMortem: await explain(report, traceDir, out),
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { id: job.id, verdict: 'error', cause: placeholders(message, traceDir, out), fields: [], divergenceIcount: null, migration: null, postMortem: '' };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function jobMigration(m: MigrationMetrics): JobMigration {
  const d = m.downtimeParts;
  return {
    startIcount: m.startIcount,
    switchIcount: m.switchIcount,
    rounds: m.rounds.map((r) => ({ round: r.round, pages: r.pages, dirtied: r.dirtied, startIcount: r.startIcount, endIcount: r.endIcount, ns: r.ns })),
    stopCopyPages: m.stopCopyPages,
    downtimeNs: m.downtimeNs,
    downtimeParts: {
      captureNs: d.captureNs,
      lastPagesNs: d.lastPagesNs,
      deviceStateNs: d.deviceStateNs,
      registerWritesNs: d.registerWritesNs,
      residualAlignmentNs: d.residualAlignmentNs,
    },
    postcopy: m.postcopy === null ? null : { faults: m.postcopy.faults, faultPages: m.postcopy.faultPages, pushedPages: m.postcopy.pushedPages, stallNs: m.postcopy.stallNs },
  };
}

/**
 * The fields that differ where the verifier first saw the divergence, in its order: the roots
 * first (verify/root-cause.ts; a root may be a non-essential field that essential ones follow
 * from), then the essential fields that follow.
 */
function differingFields(r: VerifyReport): string[] {
  const fromState = r.firstDivergence?.state?.differences ?? [];
  const fromCheck = r.switchOver?.failures ?? r.checkpoints.first?.failures ?? [];
  const list = fromState.length > 0 ? fromState : fromCheck;
  return [...new Set(list.filter((d) => d.essential || d.root === true).map((d) => d.path))];
}

/** The verify report and the post-mortem diff at the divergence, with the traces' paths left out. */
async function explain(report: VerifyReport, reference: string, destination: string): Promise<string> {
  const parts = [renderVerifyReport(report)];
  try {
    parts.push(renderPostMortem(await postMortem(reference, destination)));
  } catch (err) {
    parts.push(`(no post-mortem diff: ${err instanceof Error ? err.message : String(err)})`);
  }
  return placeholders(parts.join('\n\n'), reference, destination);
}

function placeholders(text: string, reference: string, destination: string): string {
  return text.split(destination).join('<destination>').split(reference).join('<reference>');
}
