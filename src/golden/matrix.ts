/**
 * The golden matrix: which guests, recorded how, migrated where — and traces/manifest.json,
 * what `migtrace golden update` wrote for it.
 *
 * A guest is one entry in GOLDEN_GUESTS. A built-in guest's traces are kept in traces/ as
 * exports. A third-party guest (guests/third-party.json: Linux, later xv6) is built on this
 * machine and its traces carry the kernel's bytes, which the project does not ship: the
 * manifest keeps each export's sha256 and size instead (a `digest`), with the build it was
 * made from (`build`, build-identity.ts) so a check tells "not built" and "built from other
 * inputs" (skipped, saying why) from "same inputs, other bytes" (a failure: the build is not
 * reproducible).
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { packageRoot } from '../guests/catalog.js';
import type { BuildIdentity } from './build-identity.js';

/** One guest of the matrix, as GOLDEN_GUESTS lists it. */
export interface GoldenGuestSpec {
  readonly name: string;
  readonly args?: string;
  /** Input script, relative to the package root. */
  readonly input?: string;
  /** Stop the reference here (a short part of a long run); default: when the guest stops. */
  readonly until?: number;
  /** Migration points (icounts); default: a third and a half of the reference's run. */
  readonly points?: readonly number[];
  /**
   * Also migrate at the points `migtrace campaign` chooses on the reference (campaign-points.ts):
   * every state feature the run reaches holds at one of them.
   */
  readonly campaign?: boolean;
}

/** A point the campaign chose on a guest's reference, and why (the campaign report's CampaignPoint). */
export interface GoldenCampaignPoint {
  readonly icount: number;
  /** The features no earlier-chosen point holds: why greedy set cover took it. A guest's points' lists partition the features its run reaches. */
  readonly newlyCovered: readonly string[];
}

/** How a scenario migrates, as `migrate` flags. */
export interface GoldenMigration {
  /** Where the migration begins (`--at`): post-copy switches over here, pre-copy starts its rounds here. */
  readonly at: number;
  readonly strategy: 'precopy' | 'postcopy';
  /** Pre-copy: stop the guest and copy exactly here (`--switch-at`); default: when the rounds converge. */
  readonly switchAt?: number;
}

/** What identifies an export that is not kept in traces/. */
export interface GoldenDigest {
  /** compare.ts exportDigest: the export's frames, paths in the guest cache dir made machine-independent. */
  readonly sha256: string;
  readonly bytes: number;
  /** How the trace ends, to say more than "the bytes differ" when they do. */
  readonly records: number;
  readonly finalIcount: number;
  readonly status: string;
}

export interface GoldenGuest extends GoldenGuestSpec {
  /** The reference's export, relative to traces/ (a third-party guest's: its name only). */
  readonly file: string;
  /** A third-party guest's: the export's identity (its bytes are not kept). */
  readonly digest?: GoldenDigest;
  /** A third-party guest's: the built files the traces were made from. */
  readonly build?: BuildIdentity;
  /** With `campaign`: the points the campaign chose on this reference, in icount order. */
  readonly campaignPoints?: readonly GoldenCampaignPoint[];
}

export interface GoldenScenario extends GoldenMigration {
  readonly name: string;
  readonly guest: string;
  /** Where the point came from: absent, the guest's `points` (or a third and a half of its run); `campaign`, one of its `campaignPoints` (the switch-over: `switchAt` or, post-copy, `at`). */
  readonly source?: 'campaign';
  readonly file: string;
  readonly digest?: GoldenDigest;
}

export interface GoldenManifest {
  readonly format: 1;
  readonly note: string;
  readonly guests: readonly GoldenGuest[];
  readonly scenarios: readonly GoldenScenario[];
}

export const GOLDEN_STRATEGIES = ['precopy', 'postcopy'] as const;

/**
 * The matrix `update` writes: every device guest (small configurations), two points × two
 * strategies, and the campaign's points × its pre-copy and post-copy; Linux 6.1's boot to
 * its /init's power-off, migrated inside the kernel's init (80 M) and while it probes its
 * drivers (120 M). xv6 joins with one entry (its input script,
 * `until` for a short run, its points) once its migrations verify.
 */
export const GOLDEN_GUESTS: readonly GoldenGuestSpec[] = [
  { name: 'timer', args: 'hz=1000 every=100 ticks=200 eoi=auto', campaign: true },
  { name: 'rtc', campaign: true },
  { name: 'serial-echo', input: 'guests/inputs/serial-echo.input', campaign: true },
  { name: 'disk', args: 'count=4', campaign: true },
  { name: 'apic', args: 'n=10 pit=10', campaign: true },
  { name: 'net-echo', input: 'guests/inputs/net-echo.input', campaign: true },
  { name: 'paging', campaign: true },
  { name: 'linux', points: [80_000_000, 120_000_000] },
  // The shell answering `echo hi`; a LAPIC timer interrupt pending, and fork in copyuvm (test/long/xv6-points.ts).
  { name: 'xv6', input: 'guests/inputs/xv6-commands.input', until: 125_000_000, points: [112_755_232, 117_094_608] },
];

export function goldenDir(): string {
  return path.join(packageRoot(), 'traces');
}

export function readManifest(dir = goldenDir()): GoldenManifest {
  const file = path.join(dir, 'manifest.json');
  if (!fs.existsSync(file)) throw new InputError('NO_GOLDEN_MANIFEST', `no golden traces: ${file} is missing (create them with \`migtrace golden update\`)`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as GoldenManifest;
}

export const MANIFEST_NOTE =
  'Golden traces: exports of each reference and of its migrations (`migtrace export`); a third-party guest\'s are kept as a digest (sha256 of the frames, paths in the guest cache made machine-independent; size) with the build they were made from. Regenerate only with `migtrace golden update`, in a commit that says why the new traces are right.';

export function writeManifest(dir: string, guests: readonly GoldenGuest[], scenarios: readonly GoldenScenario[]): GoldenManifest {
  const manifest: GoldenManifest = { format: 1, note: MANIFEST_NOTE, guests, scenarios };
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}
