/**
 * What a migration cost, in the link model's virtual time: bytes and pages per pre-copy round,
 * downtime (the guest stopped on the source until it resumes on the destination), total
 * migration time, and for post-copy the faults and the time the guest waited for them.
 *
 * Both ends compute the same figures from the same numbers (the source learns the
 * destination's reconstruction window from its ACK and the post-copy figures from DONE), so
 * `migrate` prints the same metrics on either side of a TCP link.
 */
import { LinkModel, type LinkParameters } from './link.js';

export type Strategy = 'precopy' | 'postcopy';

export interface RoundReport {
  readonly round: number;
  /** Pages sent this round, zero pages included. */
  readonly pages: number;
  readonly zeroPages: number;
  /** Stream bytes of the round's PAGES sections. */
  readonly bytes: number;
  /** The guest ran from here… */
  readonly startIcount: number;
  /** …to here while the round crossed the link. */
  readonly endIcount: number;
  /** Virtual time the round took on the link. */
  readonly ns: number;
  /** Pages dirtied during the round (the next round's pages, or the stop-and-copy's). */
  readonly dirtied: number;
  /** Share of the round the source machine was held by auto-converge (convergence.ts), percent. */
  readonly throttlePercent: number;
}

export interface PostCopyFigures {
  readonly requests: number;
  readonly faults: number;
  readonly faultPages: number;
  readonly pushedPages: number;
  readonly stallNs: number;
  /** From the source's stop to the last page's arrival. */
  readonly totalNs: number;
  readonly pageBytes: number;
}

export interface MigrationFigures {
  readonly strategy: Strategy;
  readonly link: LinkParameters;
  readonly instructionsPerSecond: number;
  readonly thresholdBytes: number;
  readonly maxRounds: number;
  /** Icount at which the migration began. */
  readonly startIcount: number;
  readonly rounds: readonly RoundReport[];
  /** Pre-copy stopped at max rounds without the dirty set falling under the threshold. */
  readonly forced: boolean;
  /** What pre-copy does when it does not converge ('' when not said: an older source). */
  readonly onNoConvergence: string;
  /** The round after which pre-copy was found not to converge (0: it converged, or post-copy). */
  readonly noConvergenceRound: number;
  readonly switchIcount: number;
  /** Stop-and-copy pages (pre-copy's last dirty set; none for post-copy). */
  readonly stopCopyPages: number;
  readonly stopCopyZeroPages: number;
  /** Stream bytes from SWITCH_OVER to END: what crosses the link while the guest is stopped. */
  readonly stopCopyBytes: number;
  /** Of stopCopyBytes, the stop-and-copy's PAGES sections. */
  readonly stopCopyPageBytes: number;
  readonly capturePausedInstructions: number;
  /** The destination's whole reconstruction window (ReconstructReport.budget). */
  readonly reconstructInstructions: number;
  /** How that window splits (ReconstructReport; splitKnown false from an older destination). */
  readonly window: ReconstructionSplit;
  /**
   * From here the time-driven devices' configuration was known and unchanged: the migration's
   * start, or the guest's last access that changed it (the source sends it again then).
   */
  readonly aheadFromIcount: number;
  readonly postcopy: PostCopyFigures | null;
}

export interface ReconstructionSplit {
  readonly splitKnown: boolean;
  readonly aheadInstructions: number;
  readonly residualInstructions: number;
  readonly switchAccesses: number;
}

export const WINDOW_UNSPLIT: ReconstructionSplit = { splitKnown: false, aheadInstructions: 0, residualInstructions: 0, switchAccesses: 0 };

/**
 * The cost of one port or MMIO access by the hypervisor, for the switch-over's register writes.
 * The machine model gives a hypervisor access no virtual time (it is not an instruction); on a
 * PC an access to a legacy I/O port crosses the LPC bus and takes about a microsecond.
 */
export const PORT_ACCESS_NS = 1000;

/**
 * Downtime, one definition for `migrate`, `demo`, the bench and the destination trace
 * (docs/migration-figures.md): from the source stopping the guest to the destination resuming
 * it, in the link model's virtual time. The parts add up to `downtimeNs`.
 */
export interface DowntimeParts {
  /** The source hypervisor's capture (guest paused while it drives devices). */
  readonly captureNs: number;
  /**
   * The stop-and-copy's pages on the link (pre-copy's last dirty set; none for post-copy), and
   * the rest of a last round the guest stopped in the middle of (`--switch-at`).
   */
  readonly lastPagesNs: number;
  /** CPU and device state, switch-over and end sections on the link, plus the one-way latency. */
  readonly deviceStateNs: number;
  /** The destination hypervisor's port/MMIO accesses that need the switch-over state (PORT_ACCESS_NS each). */
  readonly registerWritesNs: number;
  /**
   * Timed reconstruction after the state arrived: from the first timed action that needs the
   * switch-over state to the switch-over, plus whatever part of the time-driven (ahead) work
   * could not overlap the pre-copy rounds.
   */
  readonly residualAlignmentNs: number;
}

export interface MigrationMetrics extends MigrationFigures {
  /** Guest stopped on the source → guest running on the destination: the sum of `downtimeParts`. */
  readonly downtimeNs: number;
  readonly downtimeParts: DowntimeParts;
  /** The destination's time-driven reconstruction that ran during pre-copy (not downtime). */
  readonly aheadOverlappedNs: number;
  /** First page sent → last page on the destination. */
  readonly totalNs: number;
  /** Bytes the link model counted: rounds, stop-and-copy, post-copy pages. */
  readonly bytes: number;
  /** Pages moved (zero pages included), all phases. */
  readonly pages: number;
  /** The stop-and-copy alone, in virtual time (the paper's "64 MiB took 0.5 s"). */
  readonly finalCopyNs: number;
}

export function computeMetrics(f: MigrationFigures): MigrationMetrics {
  const link = new LinkModel(f.link, f.instructionsPerSecond);
  const finalCopyNs = link.transferNs(f.stopCopyBytes);
  const lastPagesNs = Math.min(finalCopyNs, link.transferNs(f.stopCopyPageBytes)) + unfinishedRoundNs(f, link);
  let alignmentInstructions: number;
  let overlapped = 0;
  if (f.window.splitKnown) {
    // The ahead work begins on the destination once the configuration it needs is there: one
    // latency after the source sent it (at the migration's start, or the guest's last change).
    const ready = f.aheadFromIcount + link.instructions(link.latencyNs);
    const aheadStart = f.switchIcount - f.window.aheadInstructions;
    const late = Math.max(0, Math.min(f.window.aheadInstructions, ready - aheadStart));
    overlapped = f.window.aheadInstructions - late;
    alignmentInstructions = f.window.residualInstructions + late;
  } else {
    alignmentInstructions = f.reconstructInstructions; // an older destination: the whole window
  }
  const downtimeParts: DowntimeParts = {
    captureNs: link.nanoseconds(f.capturePausedInstructions),
    lastPagesNs,
    deviceStateNs: finalCopyNs - lastPagesNs + link.latencyNs,
    registerWritesNs: f.window.switchAccesses * PORT_ACCESS_NS,
    residualAlignmentNs: link.nanoseconds(alignmentInstructions),
  };
  const d = downtimeParts;
  const downtimeNs = d.captureNs + d.lastPagesNs + d.deviceStateNs + d.registerWritesNs + d.residualAlignmentNs;
  const roundsNs = f.rounds.reduce((n, r) => n + r.ns, 0);
  const totalNs = f.postcopy !== null ? Math.max(f.postcopy.totalNs, downtimeNs) : roundsNs + downtimeNs;
  const roundBytes = f.rounds.reduce((n, r) => n + r.bytes, 0);
  const roundPages = f.rounds.reduce((n, r) => n + r.pages, 0);
  return {
    ...f,
    downtimeNs,
    downtimeParts,
    aheadOverlappedNs: link.nanoseconds(overlapped),
    totalNs,
    finalCopyNs,
    bytes: roundBytes + f.stopCopyBytes + (f.postcopy?.pageBytes ?? 0),
    pages: roundPages + f.stopCopyPages + (f.postcopy === null ? 0 : f.postcopy.faultPages + f.postcopy.pushedPages),
  };
}

/**
 * A last pre-copy round still on the link when the guest stopped (stop-and-copy asked for at
 * an icount inside it, `migrate --switch-at`): the rest of its time passes with the guest
 * stopped. From the round's own figures, so both ends compute it alike: the guest ran fewer
 * instructions than the round's time (at its throttle) allows.
 */
function unfinishedRoundNs(f: MigrationFigures, link: LinkModel): number {
  const r = f.rounds.at(-1);
  if (r === undefined || r.throttlePercent >= 100) return 0;
  const share = 100 - r.throttlePercent;
  const allowed = Math.floor((link.instructions(r.ns) * share) / 100);
  const ran = r.endIcount - r.startIcount;
  return ran >= allowed ? 0 : link.nanoseconds(Math.ceil(((allowed - ran) * 100) / share));
}

function nsOf(m: MigrationFigures, instructions: number): number {
  return new LinkModel(m.link, m.instructionsPerSecond).nanoseconds(instructions);
}

/** "downtime X: last pages … + device state … + register writes … + residual alignment … (+ capture …)". */
export function formatDowntime(m: MigrationMetrics): string {
  const d = m.downtimeParts;
  return (
    `downtime ${ms(m.downtimeNs)}: last pages ${ms(d.lastPagesNs)} + device state ${ms(d.deviceStateNs)} + ` +
    `register writes ${ms(d.registerWritesNs)} + residual alignment ${ms(d.residualAlignmentNs)} + capture ${ms(d.captureNs)}`
  );
}

/** What happened about convergence, when pre-copy did not converge by itself. */
function convergenceLine(m: MigrationMetrics): string[] {
  if (m.noConvergenceRound === 0) return [];
  const max = Math.max(...m.rounds.map((r) => r.throttlePercent));
  return [
    `not converging after round ${m.noConvergenceRound} (the guest dirtied memory at over half the link's rate): ` +
      (m.onNoConvergence === 'throttle' ? `auto-converge held the source machine up to ${max}% of each round` : m.onNoConvergence),
  ];
}

function ms(ns: number): string {
  return `${(ns / 1e6).toFixed(3)} ms`;
}

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
}

/** The per-round progress line. */
export function formatRound(r: RoundReport): string {
  return (
    `round ${r.round}: ${r.pages} pages (${r.zeroPages} zero), ${mb(r.bytes)} in ${ms(r.ns)}; ` +
    `guest ran ${r.startIcount}→${r.endIcount} and dirtied ${r.dirtied} pages`
  );
}

/** The metrics block printed after a migration. */
export function formatMetrics(m: MigrationMetrics): string[] {
  const lines = [
    `strategy ${m.strategy}, link ${(m.link.bandwidthBitsPerSecond / 1e9).toFixed(3)} Gbps, latency ${(m.link.latencyNanoseconds / 1e3).toFixed(1)} µs`,
    `switch-over at icount ${m.switchIcount} (migration began at ${m.startIcount})`,
  ];
  if (m.strategy === 'precopy') {
    lines.push(
      `pre-copy: ${m.rounds.length} rounds${m.forced ? ` (max ${m.maxRounds} reached without converging)` : ''}, ` +
        `threshold ${mb(m.thresholdBytes)}`,
      ...convergenceLine(m),
      `stop-and-copy: ${m.stopCopyPages} pages (${m.stopCopyZeroPages} zero), ${mb(m.stopCopyBytes)} in ${ms(m.finalCopyNs)}`,
    );
  } else {
    const p = m.postcopy;
    lines.push(`switch-over state: ${mb(m.stopCopyBytes)} in ${ms(m.finalCopyNs)}`);
    if (p !== null) {
      lines.push(
        `post-copy: ${p.faults} faults (${p.faultPages} pages with prepaging), ${p.pushedPages} pages pushed, ` +
          `guest waited ${ms(p.stallNs)} for faulted pages, ${p.requests} requests`,
      );
    }
  }
  lines.push(
    formatDowntime(m),
    m.window.splitKnown
      ? `reconstruction window ${ms(nsOf(m, m.reconstructInstructions))}: ahead ${ms(nsOf(m, m.window.aheadInstructions))} ` +
        `(${ms(m.aheadOverlappedNs)} of it during pre-copy), switch window ${ms(nsOf(m, m.window.residualInstructions))}`
      : `reconstruction window ${ms(nsOf(m, m.reconstructInstructions))}, all of it downtime (the destination did not split it)`,
    `total migration time ${ms(m.totalNs)}, ${mb(m.bytes)} and ${m.pages} pages over the link`,
  );
  return lines;
}
