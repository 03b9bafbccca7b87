import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/board/machine.js';
import { MigrationDestination } from '../../src/migration/destination.js';
import { destinationMismatch, machineShape } from '../../src/migration/sections.js';
import { EMPTY_ENVIRONMENT } from '../../src/migration/source.js';
import { SECTION, StreamWriter, decodeSection, type PbAck, type PbMachine } from '../../src/migration/stream.js';
import { InProcessLink } from '../../src/migration/transport.js';
import { MiB, freshDestination } from './helpers.js';

function describeSource(machine: Machine, change: (m: PbMachine) => void = () => {}): PbMachine {
  const shape = machineShape(machine);
  const m: PbMachine = {
    memoryBytes: shape.memoryBytes,
    instructionsPerSecond: shape.instructionsPerSecond,
    devices: shape.devices.map((d) => ({ ...d })),
    link: null,
    strategy: 1,
    startIcount: 0,
    thresholdBytes: 0,
    maxRounds: 1,
    prepagePages: 0,
    faults: [],
    machineType: { ...shape.machineType },
  };
  change(m);
  return m;
}

/** A fresh destination offered a hand-made MACHINE section (then an empty ENVIRONMENT); `ack` is what it answers. */
function offerMachine(machine: PbMachine): { destination: MigrationDestination; ack: () => Promise<PbAck> } {
  const link = new InProcessLink();
  const destination = new MigrationDestination(link.destination, freshDestination());
  link.onForward = () => {
    try {
      destination.pump();
    } catch {
      // recorded in destination.failure
    }
  };
  const w = new StreamWriter((b) => link.source.send(b));
  w.write(SECTION.MACHINE, machine);
  w.write(SECTION.ENVIRONMENT, EMPTY_ENVIRONMENT);
  return { destination, ack: async () => decodeSection<PbAck>(await link.source.receive(), SECTION.ACK) };
}

describe('the destination must be an identical machine', () => {
  const here = machineShape(new Machine({ memory: 16 * MiB }));

  it('accepts the same machine, or one with more memory', () => {
    const m = new Machine({ memory: 16 * MiB });
    expect(destinationMismatch(describeSource(m), here)).toBeNull();
    expect(destinationMismatch(describeSource(m), { ...here, memoryBytes: 32 * MiB })).toBeNull();
  });

  it('names what differs: machine type, memory, clock rate, a device in another slot, another schema, a missing or extra device', () => {
    const m = new Machine({ memory: 16 * MiB });
    const cases: [(p: PbMachine) => void, RegExp][] = [
      [(p) => (p.memoryBytes = 32 * MiB), /has 16 MiB of memory, less than the source's 32 MiB/],
      [(p) => (p.instructionsPerSecond = 50_000_000), /runs 100000000 instructions per virtual second, the source 50000000/],
      [(p) => ([p.devices[0], p.devices[1]] = [p.devices[1], p.devices[0]]), /slot 0 holds pic\.slave on the source but pic\.master on the destination/],
      [(p) => (p.devices[2] = { ...p.devices[2], schemaVersion: 99 }), new RegExp(`pit has state schema version 99 on the source but ${here.devices[2].schemaVersion} on the destination`)],
      [(p) => p.devices.push({ name: 'floppy', schemaVersion: 1 }), /lacks the source's device in slot \d+ \(floppy\)/],
      [(p) => p.devices.pop(), /has a device the source lacks in slot \d+ \(input\)/],
      [(p) => (p.machineType = { name: 'migtrace-pc', version: 99 }), /the source is migtrace-pc v99, the destination migtrace-pc v2/],
      [(p) => (p.machineType = { name: 'other-pc', version: 1 }), /the source is other-pc v1, the destination migtrace-pc v2/],
      [(p) => (p.machineType = null), /the source is an unnamed machine type, the destination migtrace-pc v2/],
    ];
    for (const [change, re] of cases) expect(destinationMismatch(describeSource(m, change), here)).toMatch(re);
  });

  it('refuses a source of another machine type before any page arrives, naming both types to the source', () => {
    const { destination, ack } = offerMachine(describeSource(new Machine({ memory: 16 * MiB }), (p) => (p.machineType = { name: 'migtrace-pc', version: 3 })));
    expect(destination.failed).toBe(true);
    expect(destination.failure).toMatchObject({ code: 'MIGRATION_REFUSED' });
    return ack().then((a) => {
      expect(a.ok).toBe(false);
      expect(a.message).toMatch(/not an identical machine: the source is migtrace-pc v3, the destination migtrace-pc v2/);
    });
  });

  it('refuses a source with other devices before any page arrives, and says why to the source', () => {
    const { destination, ack } = offerMachine(describeSource(new Machine({ memory: 16 * MiB }), (p) => p.devices.splice(3, 1)));
    expect(destination.failed).toBe(true);
    expect(destination.failure).toMatchObject({ code: 'MIGRATION_REFUSED' });
    expect(destination.machine).toBeNull();
    return ack().then((a) => {
      expect(a.ok).toBe(false);
      expect(a.message).toMatch(/not an identical machine: slot 3 holds uart on the source but rtc on the destination/);
    });
  });
});

describe('the switch-over commit (stream 2.1)', () => {
  it('refuses a source that does not know COMMIT (an older migtrace would take the ACK for the switch-over)', async () => {
    const { destination, ack } = offerMachine(describeSource(new Machine({ memory: 16 * MiB })));
    expect(destination.failure).toMatchObject({ code: 'MIGRATION_REFUSED' });
    expect(destination.machine).toBeNull();
    const a = await ack();
    expect(a.ok).toBe(false);
    expect(a.message).toMatch(/does not know the switch-over commit \(stream 2\.1\): run the same migtrace release at both ends/);
  });
});
