/**
 * The campaign's shared vocabulary (docs/campaign.md): state features and where a reference
 * run holds them (coverage.ts), the migration jobs a campaign runs at its chosen points, what
 * each job found, and the report. Everything here is plain data: jobs and results cross
 * process boundaries (worker threads, BullMQ workers) as JSON, and a report is the same bytes
 * for the same inputs — no wall time in it.
 */

/** What kind of state a feature is about. */
export type FeatureKind =
  /** An essential declared field (config or processing) away from its power-on value. */
  | 'field'
  /** One element of an essential array field away from its power-on value (a CMOS byte, a redirection entry). */
  | 'element'
  /** A device timer armed (a timer field of the schema). */
  | 'timer'
  /** A write-only sequence in progress, or another device condition named by hand (features.ts). */
  | 'device'
  /** The CPU: a mode, ring 3, an interrupt shadow, halted, … */
  | 'cpu'
  /** Guest memory written in the stretch before a point (what pre-copy's later rounds and stop-and-copy carry). */
  | 'memory';

export interface FeatureInfo {
  /** Stable name, e.g. `pic.master.isr`, `cmos[0]`, `lapic.timer armed`, `cpu.ring3`, `memory.top-page`. */
  readonly id: string;
  /** The device (bus name), `cpu` or `memory`. */
  readonly group: string;
  readonly kind: FeatureKind;
  /** One line: what holding it means. */
  readonly doc: string;
}

/** A range of icounts [from, to): the feature holds at every instruction boundary in it. */
export type IcountRange = readonly [number, number];

export interface FeatureCoverage extends FeatureInfo {
  readonly ranges: readonly IcountRange[];
  /** Instructions it holds for in all (the ranges' lengths summed). */
  readonly instructions: number;
}

export interface UnreachedFeature extends FeatureInfo {
  /** Why the run never holds it, as far as the trace tells. */
  readonly why: string;
}

/**
 * A stretch of the run where the same features hold. `holding` indexes `Coverage.features`.
 * Consecutive segments differ in at least one feature.
 */
export interface CoverageSegment {
  readonly from: number;
  readonly to: number;
  readonly holding: readonly number[];
}

export interface Coverage {
  readonly guest: string;
  /** The reference's first and last icount. */
  readonly firstIcount: number;
  readonly endIcount: number;
  /** Features the run holds somewhere, in definition order. */
  readonly features: readonly FeatureCoverage[];
  /** Features defined for this machine that the run never holds (declared fields never changed are not listed one by one). */
  readonly unreached: readonly UnreachedFeature[];
  readonly segments: readonly CoverageSegment[];
}

/** How a job migrates: strategy and link settings (one column of the campaign's matrix). */
export interface LinkSetting {
  /** Stable name: `precopy`, `precopy-rounds`, `postcopy`, … */
  readonly name: string;
  readonly strategy: 'precopy' | 'postcopy';
  /** `migrate` flag values, as a user would type them. */
  readonly bandwidth: string;
  readonly latency: string;
  readonly threshold: string;
  readonly maxRounds: number;
  readonly prepage: number;
  /**
   * Pre-copy: the migration starts this many instructions before the point, and its
   * stop-and-copy happens exactly at the point (`migrate --switch-at`). 0 for post-copy (its
   * switch-over is the point itself).
   */
  readonly leadInstructions: number;
  /** One line: what this setting exercises. */
  readonly doc: string;
}

export interface CampaignJob {
  /** Stable: `p<point index>-<setting name>` (with `+fault` suffixes when faults are injected). */
  readonly id: string;
  /** sha256 of the reference trace's portable export (its content address). */
  readonly traceSha256: string;
  /** The switch-over icount: the source stops here. */
  readonly point: number;
  readonly pointIndex: number;
  readonly setting: LinkSetting;
  /** Injected migration bugs (tests and demonstrations; empty in a real campaign). */
  readonly faults: readonly string[];
}

/** Pre-copy round figures as the report shows them. */
export interface JobRound {
  readonly round: number;
  readonly pages: number;
  readonly dirtied: number;
  readonly startIcount: number;
  readonly endIcount: number;
  readonly ns: number;
}

export interface JobMigration {
  readonly startIcount: number;
  readonly switchIcount: number;
  readonly rounds: readonly JobRound[];
  readonly stopCopyPages: number;
  readonly downtimeNs: number;
  /** The parts of downtimeNs (src/migration/metrics.ts DowntimeParts). */
  readonly downtimeParts: {
    readonly captureNs: number;
    readonly lastPagesNs: number;
    readonly deviceStateNs: number;
    readonly registerWritesNs: number;
    readonly residualAlignmentNs: number;
  };
  readonly postcopy: { readonly faults: number; readonly faultPages: number; readonly pushedPages: number; readonly stallNs: number } | null;
}

export interface JobResult {
  readonly id: string;
  /** `error`: the migration or the verification could not run (the message says why). */
  readonly verdict: 'match' | 'divergence' | 'error';
  /** The verifier's one-line cause (divergence), or the error's message. */
  readonly cause: string | null;
  /** The fields that differ at the first divergence, the root cause first. */
  readonly fields: readonly string[];
  readonly divergenceIcount: number | null;
  readonly migration: JobMigration | null;
  /** The post-mortem diff (verify's first divergence rendered), for the report; empty when it matched. */
  readonly postMortem: string;
}

export interface CampaignPoint {
  readonly index: number;
  readonly icount: number;
  /** Features holding at the point. */
  readonly features: readonly string[];
  /** Of those, the ones no earlier-chosen point covered (why greedy selection took it). */
  readonly newlyCovered: readonly string[];
}

export interface CampaignFailure {
  /** The root field the verifier names (or the error). */
  readonly field: string;
  readonly cause: string;
  /** Jobs that reproduce it, in job order. */
  readonly jobs: readonly string[];
}

export interface CampaignReport {
  readonly format: 1;
  readonly trace: { readonly guest: string; readonly sha256: string; readonly endIcount: number };
  readonly settings: readonly LinkSetting[];
  readonly features: readonly { readonly id: string; readonly group: string; readonly kind: FeatureKind; readonly doc: string; readonly points: readonly number[] }[];
  readonly unreached: readonly UnreachedFeature[];
  readonly points: readonly CampaignPoint[];
  readonly jobs: readonly (CampaignJob & { readonly result: JobResult })[];
  readonly failures: readonly CampaignFailure[];
  readonly summary: {
    readonly points: number;
    readonly jobs: number;
    readonly match: number;
    readonly divergence: number;
    readonly error: number;
    readonly featuresReached: number;
    readonly featuresCovered: number;
  };
}

/** Runs one job against a trace directory on this machine (job.ts). */
export type JobRunner = (job: CampaignJob, traceDir: string) => Promise<JobResult>;
