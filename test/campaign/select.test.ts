/**
 * Point selection: greedy set cover over coverage segments — every reached feature covered by
 * the fewest points greedy finds, the earliest on a tie, never at power-on or the run's end.
 */
import { describe, expect, it } from 'vitest';
import { choosePoints } from '../../src/campaign/select.js';
import type { Coverage, FeatureCoverage } from '../../src/campaign/types.js';

function feature(id: string): FeatureCoverage {
  return { id, group: id.split('.')[0], kind: 'field', doc: id, ranges: [], instructions: 0 };
}

/** Features a..f; segments as [from, to, holding ids]. */
function coverage(segments: [number, number, string[]][], ids = ['a', 'b', 'c', 'd', 'e', 'f']): Coverage {
  return {
    guest: 'test',
    firstIcount: 0,
    endIcount: 1000,
    features: ids.map(feature),
    unreached: [],
    segments: segments.map(([from, to, holding]) => ({ from, to, holding: holding.map((h) => ids.indexOf(h)) })),
  };
}

describe('choosing migration points', () => {
  it('covers every feature with the set greedy finds: the biggest gain first, then what is left', () => {
    const c = coverage([
      [0, 10, ['a', 'b', 'c', 'd']], // power-on: never a point
      [10, 100, ['a', 'b']],
      [100, 200, ['a', 'b', 'c']],
      [200, 300, ['d', 'e']],
      [300, 400, ['c', 'f']],
      [400, 500, ['a']],
    ]);
    const points = choosePoints(c);
    expect(points.map((p) => p.icount)).toEqual([100, 200, 300]);
    expect(points.map((p) => p.index)).toEqual([0, 1, 2]);
    expect(points[0]).toMatchObject({ features: ['a', 'b', 'c'], newlyCovered: ['a', 'b', 'c'] });
    expect(points[2]).toMatchObject({ features: ['c', 'f'], newlyCovered: ['f'] });
    expect(new Set(points.flatMap((p) => p.features))).toEqual(new Set(['a', 'b', 'c', 'd', 'e', 'f']));
  });

  it('takes the earliest of equal gains, and a set seen before is not a new candidate', () => {
    const c = coverage([
      [5, 50, ['a']],
      [50, 60, ['b']],
      [60, 70, ['a']],
      [70, 80, ['b']],
    ], ['a', 'b']);
    expect(choosePoints(c).map((p) => p.icount)).toEqual([5, 50]);
  });

  it('never picks the run\'s end, and stops at maxPoints (what is left stays uncovered)', () => {
    const c = coverage([
      [10, 20, ['a']],
      [20, 30, ['b']],
      [1000, 1000, ['c']],
    ], ['a', 'b', 'c']);
    expect(choosePoints(c).map((p) => p.icount)).toEqual([10, 20]);
    expect(choosePoints(c, { maxPoints: 1 })).toHaveLength(1);
  });

  it('is the same for the same coverage, with many features (more than one bitset word)', () => {
    const ids = Array.from({ length: 70 }, (_, i) => `f${i}`);
    const segs: [number, number, string[]][] = Array.from({ length: 40 }, (_, i) => [10 + i * 10, 20 + i * 10, ids.filter((_, k) => (k * 7 + i) % 11 === 0)]);
    const c = coverage(segs, ids);
    const a = choosePoints(c);
    expect(choosePoints(c)).toEqual(a);
    const reached = new Set(segs.flatMap((s) => s[2]));
    expect(new Set(a.flatMap((p) => p.features))).toEqual(reached);
  });
});
