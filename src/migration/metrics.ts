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
  readonly switchIcount: number;
  /** Stop-and-copy pages (pre-copy's last dirty set; none for post-copy). */
  readonly stopCopyPages: number;
  readonly stopCopyZeroPages: number;
  /** Stream bytes from SWITCH_OVER to END: what crosses the link while the guest is stopped. */
  readonly stopCopyBytes: number;
  readonly capturePausedInstructions: number;
  readonly reconstructInstructions: number;
  readonly postcopy: PostCopyFigures | null;
}

export interface MigrationMetrics extends MigrationFigures {
  /** Guest stopped on the source → guest running on the destination: the sum of the parts below. */
  readonly downtimeNs: number;
  readonly downtimeParts: {
    /** The source hypervisor's capture (guest paused while it drives devices). */
    readonly captureNs: number;
    /** The stop-and-copy (or post-copy switch-over state) on the link, plus one latency. */
    readonly copyNs: number;
    /** The destination hypervisor's reconstruction window. */
    readonly reconstructNs: number;
  };
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
  const downtimeParts = {
    captureNs: link.nanoseconds(f.capturePausedInstructions),
    copyNs: finalCopyNs + link.latencyNs,
    reconstructNs: link.nanoseconds(f.reconstructInstructions),
  };
  const downtimeNs = downtimeParts.captureNs + downtimeParts.copyNs + downtimeParts.reconstructNs;
  const roundsNs = f.rounds.reduce((n, r) => n + r.ns, 0);
  const totalNs = f.postcopy !== null ? Math.max(f.postcopy.totalNs, downtimeNs) : roundsNs + downtimeNs;
  const roundBytes = f.rounds.reduce((n, r) => n + r.bytes, 0);
  const roundPages = f.rounds.reduce((n, r) => n + r.pages, 0);
  return {
    ...f,
    downtimeNs,
    downtimeParts,
    totalNs,
    finalCopyNs,
    bytes: roundBytes + f.stopCopyBytes + (f.postcopy?.pageBytes ?? 0),
    pages: roundPages + f.stopCopyPages + (f.postcopy === null ? 0 : f.postcopy.faultPages + f.postcopy.pushedPages),
  };
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
  const d = m.downtimeParts;
  lines.push(
    `downtime ${ms(m.downtimeNs)}: capture ${ms(d.captureNs)} + copy ${ms(d.copyNs)} + reconstruction ${ms(d.reconstructNs)}`,
    `total migration time ${ms(m.totalNs)}, ${mb(m.bytes)} and ${m.pages} pages over the link`,
  );
  return lines;
}
