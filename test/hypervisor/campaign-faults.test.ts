/**
 * The faults a migration campaign must catch that the golden matrix's points miss (issue 13):
 * each breaks state that holds only at some points of a run — inside an interrupt handler,
 * with a request pending, with the LAPIC timer running or TPR raised, after SET MULTIPLE,
 * after an RTC update. At a point where that state holds (found by running the guest with a
 * predicate on live device fields) the fault changes the destination in exactly its field;
 * at the golden matrix's points for that guest (a third and a half of the reference's run,
 * as src/golden/golden.ts takes them) it changes nothing essential.
 */
import { describe, expect, it } from 'vitest';
import type { Machine } from '../../src/board/machine.js';
import { GOLDEN_GUESTS } from '../../src/golden/matrix.js';
import { bootWithHypervisor, essential, findIcount, migrate, reference, type GuestSetup } from './helpers.js';

/** A device's live declared fields (read directly: an oracle snapshot per bus access is far too slow). */
const dev = (m: Machine, name: string) => m.devices.find((d) => d.name === name)!.state as Record<string, unknown>;
const num = (m: Machine, name: string, field: string) => dev(m, name)[field] as number;
const arr = (m: Machine, name: string, field: string) => dev(m, name)[field] as number[];

/** The golden matrix's setup of `guest` (args and input as GOLDEN_GUESTS records it). */
function golden(guest: string): GuestSetup {
  const g = GOLDEN_GUESTS.find((x) => x.name === guest)!;
  const input = g.input?.replace(/^guests\/inputs\//, '');
  return { guest, ...(g.args === undefined ? {} : { args: g.args }), ...(input === undefined ? {} : { input }) };
}

/** A third and a half of the reference's run (src/golden/golden.ts). */
function goldenPoints(setup: GuestSetup): number[] {
  const end = reference(setup).icount;
  return [Math.floor(end / 3), Math.floor(end / 2)];
}

function migrateAt(setup: GuestSetup, icount: number, faults: string[]) {
  const set = new Set(faults);
  const { machine, hv } = bootWithHypervisor(setup, { faults: set });
  machine.run({ maxInstructions: icount });
  return { source: machine, m: migrate(machine, hv, setup, { faults: set }) };
}

/** The essential fields (paths, array indexes dropped) a migration leaves different. */
const fieldsOf = (diffs: string[]) => [...new Set(diffs.map((d) => d.split(':')[0].replace(/\[\d+\]$/, '')))];

interface CampaignFault {
  fault: string;
  /** Where the state the fault breaks holds. */
  setup: GuestSetup;
  at: (m: Machine) => boolean;
  from?: number;
  /** Exactly the essential fields it breaks there. */
  fields: string[];
  /** Where it must not matter: the golden matrix's guest. */
  golden: GuestSetup;
}

const TIMER_NORMAL_EOI: GuestSetup = { guest: 'timer', args: 'hz=1000 every=100 ticks=200' };
// Two periodic interrupts a second: the guest runs past its first update cycle (1 s) before it
// rewrites the clock bytes in other formats.
const RTC_LONG: GuestSetup = { guest: 'rtc', args: 'n=3 rate=15' };

const cases: CampaignFault[] = [
  {
    fault: 'pic-isr-dropped',
    setup: TIMER_NORMAL_EOI,
    at: (m) => num(m, 'pic.master', 'isr') !== 0,
    fields: ['pic.master.isr'],
    golden: golden('timer'),
  },
  {
    fault: 'pic-request-dropped',
    setup: TIMER_NORMAL_EOI,
    at: (m) => (num(m, 'pic.master', 'irr') & ~num(m, 'pic.master', 'elcr')) !== 0,
    fields: ['pic.master.irr'],
    golden: golden('timer'),
  },
  {
    fault: 'lapic-timer-not-rearmed',
    setup: golden('apic'),
    at: (m) => num(m, 'lapic', 'initial_count') !== 0 && (arr(m, 'lapic', 'lvt')[0] & 0x20000) !== 0,
    fields: ['lapic.initial_count', 'lapic.timer'],
    golden: golden('apic'),
  },
  {
    fault: 'lapic-tpr-lost',
    setup: golden('apic'),
    at: (m) => num(m, 'lapic', 'tpr') !== 0,
    fields: ['lapic.tpr'],
    golden: golden('apic'),
  },
  {
    fault: 'ata-multiple-lost',
    setup: golden('disk'),
    // Idle after the READ MULTIPLE: the block count, and what re-running that command on a drive
    // without one leaves — ABRT in error, ERR in status, no data in the buffer. (Idle right after
    // SET MULTIPLE the fault hides: the last command, run again, sets the count itself.)
    at: (m) => num(m, 'ata0', 'mult_sectors') !== 0 && num(m, 'ata0', 'xfer_phase') === 0 && num(m, 'ata0', 'command') !== 0xc6,
    fields: ['ata0.error', 'ata0.status', 'ata0.mult_sectors', 'ata0.buffer'],
    golden: golden('disk'),
  },
  {
    fault: 'rtc-time-stale',
    setup: RTC_LONG,
    // Past the first update, once the guest has read register C since (UF clear): right after
    // the update, with UF pending, the stale clock also matches the power-on alarm (00:00:00)
    // and the reconstruction, timing register C by that alarm, loses the flags too.
    at: (m) => arr(m, 'rtc', 'cmos')[0] !== 0 && (arr(m, 'rtc', 'cmos')[12] & 0x10) === 0,
    fields: ['rtc.cmos'],
    golden: golden('rtc'),
  },
];

describe('faults only a campaign\'s chosen points catch', () => {
  for (const c of cases) {
    it(`${c.fault} changes ${c.fields.join(', ')} where that state holds`, () => {
      const icount = findIcount(c.setup, c.at, c.from ?? 0);
      expect(icount, 'the guest never got there').toBeGreaterThan(0);
      const clean = migrateAt(c.setup, icount, []);
      expect(essential(clean.m.diffs), clean.m.notes.join('\n')).toEqual([]);
      const { m } = migrateAt(c.setup, icount, [c.fault]);
      const diffs = essential(m.diffs);
      expect(fieldsOf(diffs), diffs.join('\n')).toEqual(c.fields);
    });

    it(`${c.fault} is invisible at the golden matrix's points for ${c.golden.guest}`, () => {
      for (const at of goldenPoints(c.golden)) {
        const { m } = migrateAt(c.golden, at, [c.fault]);
        expect(essential(m.diffs), `at ${at}: ${m.notes.join('\n')}`).toEqual([]);
      }
    });
  }

  it('ata-multiple-lost mid-READ MULTIPLE: the re-issued command finds no block count, and the transfer is lost with it', () => {
    const setup = golden('disk');
    const icount = findIcount(setup, (m) => num(m, 'ata0', 'mult_sectors') !== 0 && num(m, 'ata0', 'xfer_phase') === 2);
    expect(icount).toBeGreaterThan(0);
    expect(essential(migrateAt(setup, icount, []).m.diffs)).toEqual([]);
    const fields = fieldsOf(essential(migrateAt(setup, icount, ['ata-multiple-lost']).m.diffs));
    expect(fields).toContain('ata0.mult_sectors');
    expect(fields).toContain('ata0.xfer_phase');
  });
});
