/**
 * The disk guest (a lone master) migrated where `migtrace campaign` found the thin hypervisor
 * wrong (docs/campaign.md, "What campaigns found"): in the drive's soft reset, with the drive's
 * INTRQ pending in a data block the reconstruction re-issues, and BSY after a transfer (the
 * registers not readable, the shadow behind the drive). Every field of the drive
 * and of the 8259As must come out as the source's — INTRQ (`irq_pending`, a line, which the
 * essential-field comparison would pass over) and the PIC request it drives included — and the
 * guest must print what the unmigrated run printed.
 */
import { describe, expect, it } from 'vitest';
import type { Machine } from '../../src/board/machine.js';
import { bootWithHypervisor, findIcount, finish, migrate, reference, type GuestSetup } from './helpers.js';

const setup: GuestSetup = { guest: 'disk', args: 'count=4' };
const num = (m: Machine, device: string, field: string) => (m.devices.find((d) => d.name === device)!.state as Record<string, number>)[field];
const ata = (m: Machine, field: string) => num(m, 'ata0', field);

/**
 * Migrate at the first instruction after which `at` holds: found at a bus access, or — for state a
 * drive's timer changes between accesses (INTRQ raised while the guest halts) — by stepping one
 * instruction at a time from the first access where `anchor` holds.
 */
function migrateAt(at: (m: Machine) => boolean, anchor?: (m: Machine) => boolean): string[] {
  const icount = findIcount(setup, anchor ?? at);
  expect(icount, 'the guest never got there').toBeGreaterThan(0);
  const { machine, hv } = bootWithHypervisor(setup);
  machine.run({ maxInstructions: icount });
  for (let i = 0; i < 100_000 && !at(machine); i++) machine.run({ maxInstructions: machine.clock.icount + 1 });
  expect(at(machine), 'not there on the re-run').toBe(true);
  const m = migrate(machine, hv, setup);
  const diffs = m.diffs.filter((d) => /^(ata0|pic)\./.test(d.path)).map((d) => `${d.path}: source ${d.source}, destination ${d.destination}`);
  expect(diffs, m.notes.join('\n')).toEqual([]);
  const out = finish(m.dest);
  expect(out.status).toBe('exited');
  expect(m.serialBefore + out.serial).toBe(reference(setup).serial);
  return m.notes;
}

describe('disk guest migration: the soft reset', () => {
  // Campaign point 17 481: SRST released, the drive BSY until its diagnostic ends. The capture
  // took it for a command's BSY (the error register unknown, the shadow's task file zeros) and
  // the destination ran a command instead of a reset: error 0 for 1, and the guest failed.
  it('SRST released, the diagnostic running: the reset is rebuilt with its BSY time and the error register keeps the diagnostic code', () => {
    const notes = migrateAt((m) => ata(m, 'xfer_phase') === 6);
    expect(notes.join('\n')).toMatch(/error register holds the diagnostic code/);
  });

  it('SRST held: the drive is rebuilt as before the reset, then SRST asserted', () => {
    migrateAt((m) => ata(m, 'xfer_phase') === 5);
  });

  // The first command after the reset, BSY: the error register still holds the diagnostic code
  // and the task file the reset's signature, none of them readable while BSY.
  it('IDENTIFY DEVICE\'s BSY right after the reset: the error register holds the diagnostic code, the task file the signature', () => {
    migrateAt((m) => ata(m, 'xfer_phase') === 1 && ata(m, 'command') === 0xec);
  });
});

describe('disk guest migration: INTRQ pending in a re-issued data block', () => {
  // IDENTIFY was re-issued and its status read, dropping the INTRQ its DRQ had raised anew.
  it('IDENTIFY DEVICE\'s data-in block, before the handler\'s status read: INTRQ survives', () => {
    migrateAt((m) => ata(m, 'xfer_phase') === 2 && ata(m, 'xfer_cmd') === 0xec && ata(m, 'irq_pending') === 1, (m) => ata(m, 'command') === 0xec);
  });

  // A data-out block after the first raises INTRQ when it begins; re-issued at that block, the
  // write began with it, and a write's first block raises none (DRQ at once).
  it('a WRITE SECTORS block after the first, before the handler\'s status read: INTRQ survives', () => {
    migrateAt(
      (m) => ata(m, 'xfer_phase') === 3 && ata(m, 'xfer_cmd') === 0x30 && ata(m, 'irq_pending') === 1,
      (m) => ata(m, 'xfer_phase') === 4 && ata(m, 'xfer_cmd') === 0x30, // the first block written: BSY until the second
    );
  });
});

describe('disk guest migration: BSY after a transfer', () => {
  // The drive advances its LBA registers as sectors move; the shadow advanced only the sector
  // count, so a command's BSY after a transfer (the task file not readable) had the LBA the guest wrote.
  it('FLUSH CACHE\'s BSY after WRITE SECTORS: the task file as the write left it', () => {
    migrateAt((m) => ata(m, 'xfer_phase') === 1 && ata(m, 'command') === 0xe7);
  });

  // The shadow ended the write at its last word, so the completion's BSY was taken for a
  // command's: WRITE SECTORS issued again with the sector count the write had counted down to 0
  // (256 sectors: past the end of the disk, IDNF).
  it('WRITE SECTORS\' last block written, BSY until the completion: the write is rebuilt to its last word', () => {
    migrateAt((m) => ata(m, 'xfer_phase') === 4 && ata(m, 'xfer_cmd') === 0x30 && ata(m, 'xfer_remaining') === 0);
  });
});
