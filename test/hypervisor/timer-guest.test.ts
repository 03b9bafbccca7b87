/**
 * The timer guest (8259A pair + 8254 channel 0) migrated at several points; the destination's
 * devices must equal the source's at the switch-over and the guest must print what the
 * unmigrated run printed.
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/machine/machine.js';
import { guestImage } from '../guests/expectations.js';
import { bootWithHypervisor, essential, finish, migrate, reference, type GuestSetup } from './helpers.js';

/** Run until `predicate` holds (checked every `step` instructions) or the guest stops. */
export function runUntil(m: Machine, predicate: () => boolean, step = 50, limit = 200_000_000): boolean {
  while (m.clock.icount < limit && !m.stopped) {
    if (predicate()) return true;
    const r = m.run({ maxInstructions: m.clock.icount + step });
    if (r.status !== 'limit') return predicate();
  }
  return predicate();
}

function migrateAt(setup: GuestSetup, position: (m: Machine) => void): void {
  const ref = reference(setup);
  const { machine, hv } = bootWithHypervisor(setup);
  position(machine);
  const m = migrate(machine, hv, setup);
  expect(essential(m.diffs)).toEqual([]);
  const out = finish(m.dest);
  expect(m.serialBefore + out.serial).toBe(ref.serial);
  expect(out.status).toBe('exited');
}

describe('timer guest migration', () => {
  const normal: GuestSetup = { guest: 'timer' };
  const auto: GuestSetup = { guest: 'timer', args: 'hz=1000 every=100 ticks=500 eoi=auto' };

  it('mid-run: PIT phase, IRQ0 and the PIC survive migration', () => {
    const total = reference(normal).icount;
    migrateAt(normal, (m) => m.run({ maxInstructions: Math.floor(total / 2) }));
  });

  it('auto-EOI mode survives migration', () => {
    const total = reference(auto).icount;
    migrateAt(auto, (m) => m.run({ maxInstructions: Math.floor(total * 0.6) }));
  });

  it('inside the IRQ0 handler: the in-service bit survives migration', () => {
    migrateAt(normal, (m) => {
      m.run({ maxInstructions: 5_000_000 });
      const isr = () => m.board.pic.master.oracle().state.isr as number;
      expect(runUntil(m, () => (isr() & 1) === 1, 7)).toBe(true);
    });
  });

  it('between the lobyte and hibyte of the PIT count: the write flip-flop survives migration', () => {
    migrateAt(normal, (m) => {
      const ws = () => (m.board.pit.oracle().state.write_state as number[])[0];
      expect(runUntil(m, () => ws() === 4, 1)).toBe(true);
    });
  });

  it('in the middle of the ICW sequence: the 8259A init state survives migration', () => {
    migrateAt(normal, (m) => {
      const st = () => m.board.pic.master.oracle().state.init_state as number;
      expect(runUntil(m, () => st() === 2, 1)).toBe(true);
    });
  });

  it('the image under test is the committed one', () => {
    expect(guestImage('timer').length).toBeGreaterThan(512);
  });
});
