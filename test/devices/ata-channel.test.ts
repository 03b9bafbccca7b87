import { describe, expect, it } from 'vitest';
import { describeConformance, makeTestBoard, type TestBoard } from './conformance.js';
import { AtaChannel } from '../../src/devices/ata-channel.js';
import { AtaDisk, ATA_SLAVE_NAME } from '../../src/devices/ata-disk.js';
import { MemoryDiskBacking } from '../../src/devices/disk-backing.js';
import { BOARD } from '../../src/board/layout.js';
import { Machine } from '../../src/board/machine.js';
import type { AnyDevice } from '../../src/board/board.js';

const BASE = BOARD.ata.command.base;
const DELAYS = { commandDelay: 100, sectorDelay: 50, resetDelay: 200 };

/** A disk whose every byte is `fill`. */
function disk(fill: number, sectors = 64): MemoryDiskBacking {
  return new MemoryDiskBacking(new Uint8Array(sectors * 512).fill(fill));
}

function setup(): { board: TestBoard; channel: AtaChannel } {
  const board = makeTestBoard();
  const channel = new AtaChannel(board.ctx, BOARD.ata, disk(0x11), disk(0x22), DELAYS);
  channel.attach(board.bus);
  channel.master.reset();
  channel.slave.reset();
  return { board, channel };
}

const status = (b: TestBoard) => b.bus.pioRead(BASE + 7, 1);
function waitReady(b: TestBoard): number {
  for (let i = 0; i < 100 && status(b) & 0x80; i++) b.advance(50);
  return status(b);
}
/** xv6 ide.c: select drive 1, poll the status for anything non-zero. */
function havedisk1(b: TestBoard): boolean {
  b.bus.pioWrite(BASE + 6, 1, 0xe0 | (1 << 4));
  let found = false;
  for (let i = 0; i < 1000; i++) if (b.bus.pioRead(BASE + 7, 1) !== 0) found = true;
  b.bus.pioWrite(BASE + 6, 1, 0xe0 | (0 << 4));
  return found;
}
function readSector(b: TestBoard, drive: 0 | 1, lba: number): number[] {
  b.bus.pioWrite(BASE + 2, 1, 1);
  b.bus.pioWrite(BASE + 3, 1, lba);
  b.bus.pioWrite(BASE + 4, 1, 0);
  b.bus.pioWrite(BASE + 5, 1, 0);
  b.bus.pioWrite(BASE + 6, 1, 0xe0 | (drive << 4));
  b.bus.pioWrite(BASE + 7, 1, 0x20);
  waitReady(b);
  const out: number[] = [];
  for (let i = 0; i < 256; i++) {
    const w = b.bus.pioRead(BASE, 2);
    out.push(w & 0xff, w >> 8);
  }
  return out;
}

describeConformance({
  name: 'ATA device 1 (slave) on a two-drive channel',
  create(board) {
    const channel = new AtaChannel(board.ctx, BOARD.ata, disk(0x11), disk(0x22), DELAYS);
    channel.attach(board.bus);
    channel.master.reset();
    channel.slave.reset();
    return {
      device: channel.slave as unknown as AnyDevice,
      windows: [{ space: 'pio', base: BASE, length: 8 }, { space: 'pio', base: BOARD.ata.control, length: 1 }],
    };
  },
  exercise(board) {
    board.bus.pioWrite(BASE + 6, 1, 0xf0);
    board.bus.pioWrite(BASE + 7, 1, 0xec); // IDENTIFY on the slave: BSY, its timer pending
  },
  probe(board) {
    board.advance(150);
    return [status(board), board.bus.pioRead(BASE, 2), board.bus.pioRead(BASE, 2)];
  },
});

describe('ATA channel with two drives', () => {
  it('xv6 ide.c finds disk 1 by selecting it and polling the status; without a slave the status reads 0', () => {
    expect(havedisk1(setup().board)).toBe(true);
    const lone = new Machine();
    expect(lone.board.slave).toBeNull();
    lone.bus.pioWrite(BASE + 6, 1, 0xf0);
    expect(lone.bus.pioRead(BASE + 7, 1)).toBe(0);
  });

  it('reads each drive\'s own image, selected by the DEV bit; IDENTIFY names each drive', () => {
    const { board, channel } = setup();
    expect(readSector(board, 1, 3).every((v) => v === 0x22)).toBe(true);
    expect(readSector(board, 0, 3).every((v) => v === 0x11)).toBe(true);
    expect(channel.slave.name).toBe(ATA_SLAVE_NAME);
    expect(channel.slave.model).not.toBe(channel.master.model);
  });

  it('keeps per-drive state: a command runs on the selected drive only, INTRQ is the selected drive\'s', () => {
    const { board, channel } = setup();
    board.bus.pioWrite(BASE + 6, 1, 0xf0);
    board.bus.pioWrite(BASE + 7, 1, 0xec);
    expect(channel.slave.state.xfer_phase).toBe(1);
    expect(channel.master.state.xfer_phase).toBe(0);
    board.advance(150);
    expect(board.irqLevels[BOARD.ata.irq]).toBe(true); // the slave's IDENTIFY data is ready
    board.bus.pioWrite(BASE + 6, 1, 0xe0); // select the master: the slave releases INTRQ
    expect(board.irqLevels[BOARD.ata.irq]).toBe(false);
    board.bus.pioWrite(BASE + 6, 1, 0xf0);
    expect(board.irqLevels[BOARD.ata.irq]).toBe(true);
    expect(status(board) & 0x08).toBe(0x08); // DRQ: the slave's buffer waits
  });

  it('a machine given a slave disk lists ata0.slave right after ata0, and one without is unchanged', () => {
    const names = (m: Machine) => m.devices.map((d) => d.name);
    const withSlave = new Machine({ slaveDisk: disk(0x33) });
    expect(names(withSlave)).toEqual(names(new Machine()).flatMap((n) => (n === 'ata0' ? ['ata0', 'ata0.slave'] : [n])));
    expect(withSlave.board.slave).toBeInstanceOf(AtaDisk);
  });
});

describe('ATA slave and the thin hypervisor', () => {
  it('attaches to a machine with a slave disk: the ATA driver covers ata0.slave (migration: test/hypervisor/ata-slave-migration.test.ts)', async () => {
    const { BareMetalHypervisor } = await import('../../src/hypervisor/hypervisor.js');
    const { driverFor } = await import('../../src/hypervisor/drivers/index.js');
    expect(() => BareMetalHypervisor.attach(new Machine({ slaveDisk: disk(0x33) }))).not.toThrow();
    expect(driverFor('ata0.slave')).toBe(driverFor('ata0'));
  });
});
