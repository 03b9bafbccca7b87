/**
 * A machine with an ATA slave (ata0.slave) migrates: both drives captured through the channel's
 * own registers (the DEV bit switched to read the drive the guest did not select, and switched
 * back) and rebuilt through the bus, the guest's selection last. The destination's drives must
 * equal the source's at the switch-over in every essential field, and the guest must print
 * exactly what the unmigrated run did.
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/board/machine.js';
import { BareMetalHypervisor } from '../../src/hypervisor/hypervisor.js';
import { guestImage } from '../guests/expectations.js';
import { runTestAgent } from './test-agent.js';
import { MemoryDiskBacking } from '../../src/devices/disk-backing.js';
import { SLAVE_POINTS, slaveBytes, type SlavePoint as Point } from './ata-slave-points.js';
import {
  bootWithHypervisor, essential, findIcount, finish, machineOptions, migrate, reference, type GuestSetup,
} from './helpers.js';

const setup: GuestSetup = { guest: 'disk-slave', slaveDisk: () => new MemoryDiskBacking(slaveBytes()) };
const num = (m: Machine, name: string, field: string) => m.devices.find((d) => d.name === name)!.oracle().state[field] as number;

function migrateAt(point: Point, faults = new Set<string>()) {
  const icount = findIcount(setup, point.at);
  expect(icount, `${point.name}: the guest never got there`).toBeGreaterThan(0);
  const { machine, hv } = bootWithHypervisor(setup, { faults });
  machine.run({ maxInstructions: icount });
  expect(point.at(machine), `${point.name}: not there on the re-run`).toBe(true);
  return migrate(machine, hv, setup, { faults });
}

describe('a machine with an ATA slave migrates', () => {
  const ref = reference(setup);

  it('the guest drives both drives (the unmigrated run)', () => {
    expect(ref.serial).toMatch(/slave IDENTIFY model "MIGTRACE SLAVE DISK"/);
    expect(ref.serial).toMatch(/master READ SECTORS: all match/);
  });

  for (const p of SLAVE_POINTS) {
    it(`${p.name}: both drives and the guest's output survive migration`, () => {
      const m = migrateAt(p);
      const allowed = new Set(p.residual ?? []);
      expect(essential(m.diffs).filter((d) => !allowed.has(d.split(':')[0])), m.notes.join('\n')).toEqual([]);
      const out = finish(m.dest);
      expect(out.status).toBe('exited');
      expect(m.serialBefore + out.serial).toBe(ref.serial);
    });
  }

  it('the pending slave interrupt is re-raised on the destination', () => {
    const m = migrateAt(SLAVE_POINTS[3]);
    expect(num(m.dest, 'ata0.slave', 'irq_pending')).toBe(1);
    expect(m.diffs.filter((d) => d.path.startsWith('ata0')), m.notes.join('\n')).toEqual([]);
  });

  it('ata-selected-drive-lost leaves the master selected: the device/head registers differ', () => {
    const m = migrateAt(SLAVE_POINTS[0], new Set(['ata-selected-drive-lost']));
    const diffs = essential(m.diffs);
    expect(diffs.some((d) => d.startsWith('ata0.slave.select')), diffs.join('\n')).toBe(true);
  });

  describe('after a late attach (the slave\'s SET MULTIPLE was written before it)', () => {
    /** Boot unmonitored, attach once the master's SET MULTIPLE is done, run on to the slave-idle point. */
    const lateAttach = (agent: boolean) => {
      const attachAt = findIcount(setup, (m) => num(m, 'ata0', 'command') === 0xc6 && num(m, 'ata0', 'mult_sectors') === 2 && num(m, 'ata0', 'xfer_phase') === 0);
      const at = findIcount(setup, SLAVE_POINTS[0].at);
      expect(attachAt).toBeGreaterThan(0);
      expect(at).toBeGreaterThan(attachAt);
      const machine = Machine.boot(guestImage(setup.guest), machineOptions(setup));
      machine.run({ maxInstructions: attachAt });
      const hv = BareMetalHypervisor.attach(machine, { attach: 'late', agent });
      if (agent) runTestAgent(machine);
      machine.run({ maxInstructions: at });
      return { machine, hv };
    };

    it('without an agent: the slave\'s settings are named unknown, per drive, and the destination loses them', () => {
      const { machine, hv } = lateAttach(false);
      expect(hv.unknownFields()).toEqual(expect.arrayContaining(['ata0.mult_sectors', 'ata0.slave.mult_sectors']));
      const m = migrate(machine, hv, setup);
      expect(m.capture.devices.find((d) => d.device === 'ata0.slave')!.unknown).toContain('mult_sectors');
      expect(essential(m.diffs).some((d) => d.startsWith('ata0.slave.mult_sectors'))).toBe(true);
    });

    it('with a guest agent reporting both drives the migration is exact', () => {
      const { machine, hv } = lateAttach(true);
      expect(hv.unknownFields()).toEqual([]);
      const m = migrate(machine, hv, setup);
      expect(m.capture.devices.find((d) => d.device === 'ata0.slave')!.provenance.mult_sectors).toBe('agent');
      expect(essential(m.diffs), m.notes.join('\n')).toEqual([]);
      const out = finish(m.dest);
      expect(m.serialBefore + out.serial).toBe(ref.serial);
    });
  });
});
