/**
 * The shared disk of a boot that brings none (a kernel, ROM or multiboot boot without
 * --disk): one blank sector behind a copy-on-write overlay, like every shared disk. Linux's
 * /init writes it (its network workload's O_DIRECT rounds); before, it was a plain in-memory
 * sector whose writes were in no machine snapshot and never reached a migration destination,
 * so the destination's ATA reconstruction found no sector holding the captured buffer and
 * verify reported ata0 and pic.slave.irr at the switch-over.
 */
import { describe, expect, it } from 'vitest';
import { machineForBoot } from '../../src/board/boot.js';
import { encodeBootImage } from '../../src/board/boot-spec.js';
import { Machine } from '../../src/board/machine.js';
import { CopyOnWriteDiskBacking } from '../../src/devices/disk-backing.js';
import { captureMachineSnapshot, restoreMachineSnapshot } from '../../src/trace/machine-snapshot.js';

describe('a machine booted without a disk', () => {
  it('has one blank shared sector whose writes are in its snapshot and reach a restored machine', () => {
    const source = new Machine();
    expect(source.board.disk.backing).toBeInstanceOf(CopyOnWriteDiskBacking);
    expect(source.board.disk.backing.sectors).toBe(1);
    const sector = Uint8Array.from({ length: 512 }, (_, i) => (i * 7 + 1) & 0xff);
    source.board.disk.backing.writeSector(0, sector);
    const snapshot = captureMachineSnapshot(source);
    expect(snapshot.diskSectors === null ? null : [...snapshot.diskSectors]).toEqual([0]);

    const destination = new Machine();
    const buf = new Uint8Array(512);
    destination.board.disk.backing.readSector(0, buf);
    expect(buf.every((b) => b === 0)).toBe(true); // the shared medium itself is blank
    restoreMachineSnapshot(destination, snapshot);
    destination.board.disk.backing.readSector(0, buf);
    expect([...buf]).toEqual([...sector]);
  });

  it('so does a migration destination of a kernel boot (machineForBoot), which a migration\'s STORAGE section writes into', () => {
    const image = encodeBootImage({ mode: 'linux', files: [{ role: 'kernel', name: 'bzImage', bytes: new Uint8Array(4096) }], cmdline: '' });
    const destination = machineForBoot(image);
    expect(destination.board.disk.backing).toBeInstanceOf(CopyOnWriteDiskBacking);
    expect(destination.board.disk.backing.sectors).toBe(1);
  });
});
