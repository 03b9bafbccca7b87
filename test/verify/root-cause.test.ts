/**
 * Causes name the root (verify/root-cause.ts): when a device's interrupt state differs, the
 * interrupt controllers' requests for its line follow from it, and the verifier names the
 * device's field first. Unit tests on synthetic difference lists, then one real migration
 * with an injected fault (ata-selected-drive-lost while the slave's INTRQ is pending: the
 * PIC's edge latch for IRQ14 differs too, and used to be named first).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Machine } from '../../src/board/machine.js';
import type { FieldRole } from '../../src/devices/schema.js';
import { migrationOptions } from '../../src/migration/options.js';
import { migrateTraceInProcess } from '../../src/migration/trace-migration.js';
import { bootMachine, openSharedDisk, type RunSetup } from '../../src/trace/run-setup.js';
import { postMortem } from '../../verify/post-mortem.js';
import { renderPostMortem } from '../../verify/post-mortem-render.js';
import { renderVerifyReport } from '../../verify/report.js';
import { differencesToName, orderByRootCause, rootCauseText } from '../../verify/root-cause.js';
import type { DeviceState, StateDifference } from '../../verify/state-compare.js';
import { verifyTraces } from '../../verify/verify.js';
import { SLAVE_POINTS, slaveBytes } from '../hypervisor/ata-slave-points.js';
import { guestSetup, recordReference, tempDir } from '../migration/helpers.js';

function dev(device: string, field: string, reference: number, destination: number, role: FieldRole = 'processing', index?: number): StateDifference {
  const essential = role === 'config' || role === 'processing';
  return { kind: 'device', path: `${device}.${field}${index === undefined ? '' : `[${index}]`}`, reference, destination, essential, device, field, index, role, width: 32 };
}

const paths = (ds: readonly StateDifference[]): string[] => ds.map((d) => d.path);
const byPath = <T extends StateDifference>(ds: readonly T[], p: string): T => ds.find((d) => d.path === p)!;

describe('root-cause ordering', () => {
  it("names an ATA drive's pending interrupt, not the PIC's edge latch for IRQ14 that follows from it", () => {
    const out = orderByRootCause([dev('pic.slave', 'last_irr', 0x40, 0), dev('ata0.slave', 'irq_pending', 1, 0, 'line')]);
    expect(paths(out)).toEqual(['ata0.slave.irq_pending', 'pic.slave.last_irr']);
    expect(out[0].root).toBe(true);
    expect(byPath(out, 'pic.slave.last_irr')).toMatchObject({ root: false, follows: 'ata0.slave.irq_pending', because: "IRQ14's line" });
    // The line is not essential, the PIC's latch is: the divergence still names the line first.
    const named = differencesToName(out);
    expect(paths(named)).toEqual(['ata0.slave.irq_pending', 'pic.slave.last_irr']);
    const text = rootCauseText(named.map((d) => ({ ...d, explanation: `${d.path}: …` })));
    expect(text).toBe("ata0.slave.irq_pending: … (root); pic.slave.last_irr follows from it (IRQ14's line)");
  });

  it('a PIC difference without a differing producer on its line stays the root', () => {
    // The UART drives IRQ4, not IR6 of the slave (IRQ14); its scratch register drives nothing.
    const out = orderByRootCause([dev('pic.slave', 'irr', 0x40, 0), dev('uart', 'ier', 1, 0, 'config'), dev('ata0', 'buffer', 1, 2, 'processing', 7)]);
    expect(out.every((d) => d.root)).toBe(true);
    expect(paths(out)).toEqual(['pic.slave.irr', 'uart.ier', 'ata0.buffer[7]']);
    // One bit explained, one not: still a root.
    const half = orderByRootCause([dev('pic.master', 'irr', 0x11, 0), dev('uart', 'iir', 0xc2, 0xc1)]);
    expect(byPath(half, 'pic.master.irr').root).toBe(true);
  });

  it("an IOAPIC pin's level and Remote IRR follow from the device on that pin; IRQ0 is pin 2", () => {
    const out = orderByRootCause([
      dev('ioapic', 'ioredtbl_lo', 0x8050, 0xc050, 'config', 11),
      dev('ioapic', 'pin_level', 1 << 11, 0, 'line'),
      dev('rtl8169', 'intr_status', 1, 0),
    ]);
    expect(paths(out)[0]).toBe('rtl8169.intr_status');
    expect(byPath(out, 'ioapic.ioredtbl_lo[11]')).toMatchObject({ root: false, follows: 'rtl8169.intr_status', because: "IRQ11's line (IOAPIC pin 11)" });
    expect(byPath(out, 'ioapic.pin_level')).toMatchObject({ root: false, follows: 'rtl8169.intr_status' });
    const timer = orderByRootCause([dev('ioapic', 'pin_level', 1 << 2, 0, 'line'), dev('pit', 'next_transition_time', 100, 200)]);
    expect(byPath(timer, 'ioapic.pin_level')).toMatchObject({ follows: 'pit.next_transition_time', because: "IRQ0's line (IOAPIC pin 2)" });
    // A redirection entry that differs in more than Remote IRR (its mask, its vector) is configuration: a root.
    const config = orderByRootCause([dev('ioapic', 'ioredtbl_lo', 0x8050, 0x18050, 'config', 11), dev('rtl8169', 'intr_status', 1, 0)]);
    expect(config.every((d) => d.root)).toBe(true);
  });

  it('two independent roots are both named, each with what follows from it', () => {
    const out = orderByRootCause([
      dev('pic.master', 'irr', 0x10, 0),
      dev('uart', 'ier', 2, 0, 'config'),
      dev('ioapic', 'ioredtbl_lo', 0x4051, 0x0051, 'config', 11),
      dev('rtl8169', 'intr_status', 1, 0),
    ]);
    expect(paths(out)).toEqual(['uart.ier', 'rtl8169.intr_status', 'pic.master.irr', 'ioapic.ioredtbl_lo[11]']);
    expect(byPath(out, 'pic.master.irr').follows).toBe('uart.ier');
    expect(byPath(out, 'ioapic.ioredtbl_lo[11]').follows).toBe('rtl8169.intr_status');
    const text = rootCauseText(differencesToName(out).map((d) => ({ ...d, explanation: d.path })));
    expect(text).toBe("uart.ier (root); pic.master.irr follows from it (IRQ4's line) (and 2 more differences; other root: rtl8169.intr_status)");
  });

  it("a line level follows from its device's essential state, and chains end at the root", () => {
    const out = orderByRootCause([
      dev('pic.master', 'irr', 0x04, 0), // IR2: the slave's INT
      dev('pic.slave', 'irr', 0x40, 0),
      dev('ata0', 'status', 0x58, 0x50),
      dev('ata0', 'irq_pending', 1, 0, 'line'),
    ]);
    expect(paths(out)[0]).toBe('ata0.status');
    for (const p of ['pic.master.irr', 'pic.slave.irr', 'ata0.irq_pending']) expect(byPath(out, p)).toMatchObject({ root: false, follows: 'ata0.status' });
    expect(byPath(out, 'pic.master.irr').because).toBe("IRQ2's line: the slave 8259A's INT");
  });

  it("a LAPIC vector follows from the device behind the IOAPIC entry that sends it (the reference's table)", () => {
    const table = new Array<number>(24).fill(0x10000);
    table[11] = 0x8050;
    const states: DeviceState[] = [{ name: 'ioapic', state: { ioredtbl_lo: table } }];
    const diffs = [dev('lapic', 'irr', 1 << 16, 0, 'processing', 2), dev('rtl8169', 'intr_status', 1, 0)]; // vector 0x50 = 2·32 + 16
    expect(byPath(orderByRootCause(diffs, states), 'lapic.irr[2]')).toMatchObject({ follows: 'rtl8169.intr_status', because: 'vector 0x50 (IRQ11)' });
    // Without the table the vector's source is unknown: a root.
    expect(byPath(orderByRootCause(diffs), 'lapic.irr[2]').root).toBe(true);
  });
});

/** The icount right after the first bus access where `at` holds. */
function pointIcount(setup: RunSetup, at: (m: Machine) => boolean): number {
  const m = bootMachine(setup);
  let found = -1;
  m.bus.addObserver({ access: () => { if (found < 0 && at(m)) found = m.clock.icount + 1; }, dma: () => {} });
  while (found < 0 && !m.stopped) if (m.run({ maxInstructions: m.clock.icount + 100_000 }).status !== 'limit') break;
  return found;
}

describe('root cause of a real migration', () => {
  it("ata-selected-drive-lost with the slave's INTRQ pending names the device/head register, and the PIC's IRQ14 latch follows from it", async () => {
    const file = path.join(tempDir('root-cause'), 'slave.img');
    fs.writeFileSync(file, slaveBytes());
    const setup = { ...guestSetup('disk-slave'), slaveDisk: openSharedDisk(file) };
    const reference = await recordReference(setup);
    const point = SLAVE_POINTS.find((p) => p.name.startsWith('with an interrupt pending from the slave'))!;
    const at = pointIcount(setup, point.at);
    expect(at).toBeGreaterThan(0);
    const out = path.join(tempDir('root-cause-dst'), 'dest');
    await migrateTraceInProcess({ trace: reference, at, out, options: migrationOptions({ strategy: 'postcopy', faults: ['ata-selected-drive-lost'] }) });
    const v = await verifyTraces(reference, out);
    expect(v.verdict).toBe('divergence');
    const f = v.firstDivergence!;
    expect(f.state!.how).toBe('switch-over');
    const ds = f.state!.differences;
    // The DEV bit lost from the device/head register both drives latch: the master answers for
    // the channel, its INTRQ is low, and the slave 8259A's edge latch for IRQ14 (IR6) drops.
    expect(paths(ds)).toEqual(expect.arrayContaining(['ata0.select', 'ata0.slave.select', 'pic.slave.last_irr']));
    expect(ds[0].path).toMatch(/^ata0(\.slave)?\.select$/);
    expect(ds[0].root).toBe(true);
    expect(byPath(ds, 'pic.slave.last_irr')).toMatchObject({ root: false, follows: ds[0].path, because: "IRQ14's line" });
    expect(f.cause).toMatch(/at the switch-over \(icount \d+\) ata0(\.slave)?\.select: reference 0xf0, destination 0xe0 .*\(root\); pic\.slave\.last_irr follows from it \(IRQ14's line\)/);
    expect(f.cause.indexOf('pic.slave.last_irr')).toBeGreaterThan(f.cause.indexOf('.select'));
    // The IOAPIC's pin 14 level (a note) follows too, and the report says so.
    expect(byPath(v.switchOver!.notes, 'ioapic.pin_level')).toMatchObject({ follows: ds[0].path });
    expect(renderVerifyReport(v)).toContain(`pic.slave.last_irr: reference 0x40, destination 0`);
    expect(renderVerifyReport(v)).toMatch(/— follows from ata0(\.slave)?\.select \(IRQ14's line\)/);
    // The post-mortem at the switch-over says the same of its device diffs.
    const pm = await postMortem(reference, out, String(v.destination.switchIcount));
    expect(pm.follows).toEqual(expect.arrayContaining([{ path: 'pic.slave.last_irr', follows: ds[0].path, because: "IRQ14's line" }]));
    expect(renderPostMortem(pm)).toContain(`pic.slave.last_irr follows from ${ds[0].path} (IRQ14's line)`);
  }, 120_000);
});
