import { describe, expect, it } from 'vitest';
import { Clock, mulDivFloor } from '../../src/machine/clock.js';

describe('virtual clock', () => {
  it('fires timers at their icount, earliest first, ties in arming order', () => {
    const clock = new Clock();
    const fired: string[] = [];
    const a = clock.createTimer('a', (now) => fired.push(`a@${now}`));
    const b = clock.createTimer('b', (now) => fired.push(`b@${now}`));
    const c = clock.createTimer('c', (now) => fired.push(`c@${now}`));
    b.arm(100);
    a.arm(50);
    c.arm(100);
    expect(clock.nextEventAt).toBe(50);
    clock.icount = 100;
    clock.runDue();
    expect(fired).toEqual(['a@100', 'b@100', 'c@100']);
    expect(clock.nextEventAt).toBe(Infinity);
  });

  it('saves a pending timer as an offset from now and re-arms it on restore at the same distance', () => {
    const src = new Clock();
    const t = src.createTimer('pit', () => {});
    src.icount = 1000;
    t.armIn(250);
    const offset = t.remaining();
    const dst = new Clock();
    dst.icount = 5000;
    const u = dst.createTimer('pit', () => {});
    u.armIn(offset);
    expect(u.at).toBe(5250);
  });

  it('lets a callback re-arm its own timer (periodic devices)', () => {
    const clock = new Clock();
    let n = 0;
    const t = clock.createTimer('tick', () => {
      n++;
      t.armIn(10);
    });
    t.arm(10);
    for (clock.icount = 0; clock.icount <= 100; clock.icount++) clock.runDue();
    expect(n).toBe(10);
    expect(t.at).toBe(110);
  });

  it('cancel disarms', () => {
    const clock = new Clock();
    const t = clock.createTimer('x', () => {
      throw new Error('must not fire');
    });
    t.arm(5);
    t.cancel();
    clock.icount = 10;
    clock.runDue();
    expect(t.remaining()).toBe(-1);
  });

  it('scales icounts to device clocks exactly, even past 2^53 intermediate products', () => {
    expect(mulDivFloor(100_000_000, 1193182, 100_000_000)).toBe(1193182);
    expect(mulDivFloor(2 ** 50, 1193182, 100_000_000)).toBe(Number((2n ** 50n * 1193182n) / 100_000_000n));
  });
});
