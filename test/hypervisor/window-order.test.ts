/**
 * The reconstruction window's order where Linux, migrated mid-traffic, showed it wrong
 * (test/long/linux-net-migration.test.ts): actions that only want to come first are placed at
 * the earliest timed action's icount (Timeline.switchStart), and those that took time there
 * (the ATA's commands, the RTL8169's dummy frames) delayed a LAPIC timer started at that
 * icount; and an edge request a masked 8259A held for a device whose line generator cannot
 * put it back (the ATA's IRQ14, Linux's disk behind the IOAPIC) was not rebuilt at all.
 */
import { describe, expect, it } from 'vitest';
import { BOARD } from '../../src/board/layout.js';
import { bootWithHypervisor, essential, migrate, type GuestSetup } from './helpers.js';

const LAPIC = BOARD.lapic.mmioBase;
const ATA = BOARD.ata.command.base;
const ATA_CTL = BOARD.ata.control;

describe('the reconstruction window', () => {
  function setUp() {
    const setup: GuestSetup = { guest: 'hello' };
    const { machine, hv } = bootWithHypervisor(setup);
    machine.run({ maxInstructions: 10_000 });
    const out = (port: number, v: number) => machine.bus.pioWrite(port, 1, v);
    const readSector0 = (nIEN: number) => {
      out(ATA_CTL, nIEN);
      out(ATA + 2, 1);
      out(ATA + 3, 0);
      out(ATA + 4, 0);
      out(ATA + 5, 0);
      out(ATA + 6, 0xe0);
      out(ATA + 7, 0x20); // READ SECTORS, LBA 0
      machine.advancePaused(100_000);
      for (let i = 0; i < 256; i++) machine.bus.pioRead(ATA, 2);
      machine.bus.pioRead(ATA + 7, 1); // status: INTRQ drops
    };
    return { setup, machine, hv, out, readSector0 };
  }

  it('a LAPIC timer started long before is not delayed by the ATA\'s commands placed at the same icount', () => {
    const { setup, machine, hv, readSector0 } = setUp();
    const w = (off: number, v: number) => machine.bus.mmioWrite(LAPIC + off, 4, v);
    w(0xf0, 0x1ff); // software-enabled
    w(0x320, 0x10040); // timer: one-shot, vector 0x40, masked
    w(0x3e0, 0x3); // divide by 16
    w(0x380, 10_000_000); // 160 M instructions
    machine.advancePaused(30_000_000);
    readSector0(0x02); // the sector buffer holds sector 0: the destination reads it again (nIEN: no IRQ14)
    const m = migrate(machine, hv, setup);
    expect(essential(m.diffs)).toEqual([]);
    expect(m.dest.board.lapic.oracle().state.initial_count).toBe(10_000_000);
  });

  it('an ATA completion latched in a masked slave 8259A\'s IRR (IRQ14 edge) is rebuilt', () => {
    const { setup, machine, hv, out, readSector0 } = setUp();
    // Both 8259As initialised as Linux leaves them behind an IOAPIC: every IR masked.
    for (const [base, vector, icw3] of [[BOARD.pic.master.ports.base, 0x20, 0x04], [BOARD.pic.slave.ports.base, 0x28, 0x02]] as const) {
      out(base, 0x11);
      out(base + 1, vector);
      out(base + 1, icw3);
      out(base + 1, 0x01);
      out(base + 1, 0xff);
    }
    readSector0(0x00); // nIEN clear: INTRQ rises (an edge on IRQ14), the status read drops it
    expect(machine.devices.find((d) => d.name === 'pic.slave')!.oracle().state.irr).toBe(0x40);
    const m = migrate(machine, hv, setup);
    expect(essential(m.diffs)).toEqual([]);
  });
});
