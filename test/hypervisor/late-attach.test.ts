/**
 * A dynamic hypervisor (background/000) attached to a guest that is already running cannot
 * know the write-only values written before it came: it must say so (unknownFields, and
 * CapturedDevice.unknown), and a guest agent can supply them through the agent ports
 * (docs/guest-agent.md).
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/board/machine.js';
import { BareMetalHypervisor } from '../../src/hypervisor/hypervisor.js';
import { guestImage } from '../guests/expectations.js';
import { essential, finish, machineOptions, migrate, reference, type GuestSetup } from './helpers.js';
import { runTestAgent } from './test-agent.js';

const setup: GuestSetup = { guest: 'timer', args: 'hz=1000 every=100 ticks=500 eoi=auto' };

function lateAttach(agent: boolean): { machine: Machine; hv: BareMetalHypervisor; total: number } {
  const total = reference(setup).icount;
  const machine = Machine.boot(guestImage(setup.guest), machineOptions(setup));
  machine.run({ maxInstructions: Math.floor(total / 2) });
  const hv = BareMetalHypervisor.attach(machine, { attach: 'late', agent });
  return { machine, hv, total };
}

describe('late attach', () => {
  it('reports the write-only fields written before it attached as unknown, in unknownFields() and in the capture', () => {
    const { hv } = lateAttach(false);
    const unknown = hv.unknownFields();
    for (const f of ['pic.master.auto_eoi', 'pic.master.irq_base', 'pic.slave.icw3', 'pit.count[0]', 'pit.mode[0]', 'rtc.cmos_index', 'rtc.divider_phase', 'uart.fcr']) {
      expect(unknown).toContain(f);
    }
    const capture = hv.captureDevices();
    const master = capture.devices.find((d) => d.device === 'pic.master')!;
    expect(master.unknown).toContain('auto_eoi');
    expect(master.fields.auto_eoi).toBeUndefined();
    expect(capture.devices.find((d) => d.device === 'pit')!.unknown).toContain('count');
    // Readable state is still captured, with its provenance.
    expect(master.provenance.imr).toBe('read');
    expect(capture.devices.find((d) => d.device === 'pit')!.provenance.mode).toBe('read');
  });

  it('a late-attach migration without an agent loses the auto-EOI mode (the verifier must catch it)', () => {
    const { machine, hv } = lateAttach(false);
    const m = migrate(machine, hv, setup);
    expect(essential(m.diffs).some((d) => d.startsWith('pic.master.auto_eoi'))).toBe(true);
    expect(m.notes.join('\n')).toMatch(/not reconstructed \(unknown at capture\)/);
  });

  it('with a guest agent the unknown fields are filled (provenance agent) and the migration is exact', () => {
    const { machine, hv } = lateAttach(true);
    const reports = runTestAgent(machine);
    expect(hv.unknownFields()).toEqual([]);
    expect(hv.agent!.reports).toBe(reports);
    expect(hv.exits().unmapped).toBe(2 * reports);
    const ref = reference(setup);
    const m = migrate(machine, hv, setup);
    const master = m.capture.devices.find((d) => d.device === 'pic.master')!;
    expect(master.provenance.auto_eoi).toBe('agent');
    expect(master.fields.auto_eoi).toBe(1);
    expect(m.capture.devices.every((d) => d.unknown.length === 0)).toBe(true);
    expect(essential(m.diffs)).toEqual([]);
    const out = finish(m.dest);
    expect(m.serialBefore + out.serial).toBe(ref.serial);
  });

  it('a field the guest writes after the attach becomes known without an agent', () => {
    const total = reference(setup).icount;
    const machine = Machine.boot(guestImage(setup.guest), machineOptions(setup));
    const hv = BareMetalHypervisor.attach(machine, { attach: 'late' });
    machine.run({ maxInstructions: Math.floor(total / 2) });
    // Attached before the guest's ICW sequence: nothing about the 8259A is unknown.
    expect(hv.unknownFields().filter((f) => f.startsWith('pic.'))).toEqual([]);
  });
});
