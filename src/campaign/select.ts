/**
 * Choosing migration points: the fewest points at which every feature the run reaches holds
 * at least once — greedy set cover over the coverage's segments (each segment is a candidate:
 * its first instruction boundary, where its features begin to hold together). Greedy takes
 * the segment holding the most features not yet covered, the earliest on a tie, until
 * nothing is left; within ln(n) of the optimum, and the same coverage always gives the same
 * points.
 */
import type { CampaignPoint, Coverage } from './types.js';

export interface SelectOptions {
  /** Stop after this many points even if features remain uncovered (they are reported). */
  readonly maxPoints?: number;
}

interface Candidate {
  readonly icount: number;
  readonly bits: Uint32Array;
}

export function choosePoints(coverage: Coverage, options: SelectOptions = {}): CampaignPoint[] {
  const n = coverage.features.length;
  const words = Math.max(1, Math.ceil(n / 32));
  const candidates = distinctCandidates(coverage, words);
  const uncovered = new Uint32Array(words);
  for (let i = 0; i < n; i++) uncovered[i >>> 5] |= 1 << (i & 31);
  const chosen: { icount: number; bits: Uint32Array; newly: Uint32Array }[] = [];
  const max = options.maxPoints ?? Infinity;
  while (chosen.length < max) {
    let best: Candidate | null = null;
    let bestGain = 0;
    for (const c of candidates) {
      const gain = overlap(c.bits, uncovered);
      if (gain > bestGain) { // candidates run in icount order: the earliest wins a tie
        best = c;
        bestGain = gain;
      }
    }
    if (best === null) break;
    const newly = new Uint32Array(words);
    for (let w = 0; w < words; w++) {
      newly[w] = best.bits[w] & uncovered[w];
      uncovered[w] &= ~best.bits[w];
    }
    chosen.push({ icount: best.icount, bits: best.bits, newly });
  }
  const ids = (bits: Uint32Array) => coverage.features.filter((_, i) => (bits[i >>> 5] & (1 << (i & 31))) !== 0).map((f) => f.id);
  return chosen
    .sort((a, b) => a.icount - b.icount)
    .map((c, index) => ({ index, icount: c.icount, features: ids(c.bits), newlyCovered: ids(c.newly) }));
}

/**
 * One candidate per distinct feature set (its earliest segment), skipping segments a
 * migration cannot start in: at power-on (nothing has run) or at the run's very end.
 */
function distinctCandidates(coverage: Coverage, words: number): Candidate[] {
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const s of coverage.segments) {
    if (s.from <= coverage.firstIcount || s.from >= coverage.endIcount || s.holding.length === 0) continue;
    const key = s.holding.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    const bits = new Uint32Array(words);
    for (const i of s.holding) bits[i >>> 5] |= 1 << (i & 31);
    out.push({ icount: s.from, bits });
  }
  return out;
}

function overlap(a: Uint32Array, b: Uint32Array): number {
  let n = 0;
  for (let w = 0; w < a.length; w++) n += popcount(a[w] & b[w]);
  return n;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
