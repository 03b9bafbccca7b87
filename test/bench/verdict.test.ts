/** `npm run bench` says met or missed for every figure whose target is a bound (issue 15). */
import { describe, expect, it } from 'vitest';
import { verdict, type Figure } from '../../bench/harness.js';

const fig = (value: number, target?: string): Figure => ({ name: 'x', value, unit: '', target });

describe('bench verdicts', () => {
  it('bounds: <=, <, >=, >, and a required value', () => {
    expect(verdict(fig(1.1, '<= 1.10'))).toBe('met');
    expect(verdict(fig(2.42, '<= 1.10'))).toBe('missed');
    expect(verdict(fig(50, '< 50'))).toBe('missed');
    expect(verdict(fig(4.26, '>= 3'))).toBe('met');
    expect(verdict(fig(91.1, '>= 91.2 (3 × interpreter)'))).toBe('missed');
    expect(verdict(fig(0, '> 0'))).toBe('missed');
    expect(verdict(fig(1, '1'))).toBe('met');
    expect(verdict(fig(0, '1'))).toBe('missed');
  });

  it('a figure not measured misses; a target that is no bound has no verdict', () => {
    expect(verdict(fig(NaN, '>= 0.5'))).toBe('missed');
    expect(verdict(fig(3, 'none, the baseline'))).toBeNull();
    expect(verdict(fig(3))).toBeNull();
  });
});
