/**
 * State that is a phase in time rather than a register value, rebuilt by timing writes in the
 * destination's window (docs/hypervisor.md, "Time").
 */
import { describe, expect, it } from 'vitest';
import { pitTicks } from '../../src/devices/pit8254-channel.js';
import { bootWithHypervisor, essential, finish, migrate, reference, type GuestSetup } from './helpers.js';

describe('phase-type state', () => {
  it('a window shorter than the PIT\'s own load leaves count_load_time whole periods off and nothing else', () => {
    const setup: GuestSetup = { guest: 'timer' };
    const ref = reference(setup);
    const { machine, hv } = bootWithHypervisor(setup);
    machine.run({ maxInstructions: Math.floor(ref.icount / 2) });
    const m = migrate(machine, hv, setup, {}, 1_000_000); // ten 1 kHz periods: far less than since the load
    const diffs = essential(m.diffs);
    expect(diffs.length).toBe(1);
    expect(diffs[0]).toMatch(/^pit\.count_load_time\[0\]/);
    const d = m.diffs.find((x) => x.path === 'pit.count_load_time[0]')!;
    const hz = machine.clock.hz;
    const period = (m.sourceAtSwitch.get('pit')!.active_count as number[])[0];
    expect((pitTicks(d.destination, hz) - pitTicks(d.source, hz)) % period).toBe(0);
    expect(m.notes.join('\n')).toMatch(/periods of 1193 CLK edges later/);
    const out = finish(m.dest);
    expect(m.serialBefore + out.serial).toBe(ref.serial);
  });

  it('the RTC divider phase is rebuilt by releasing divider reset at the right icount', () => {
    const setup: GuestSetup = { guest: 'hello' };
    const { machine, hv } = bootWithHypervisor(setup);
    machine.run({ maxInstructions: 10_000 });
    // Guest code holding the divider in reset for a while: its seconds now start elsewhere.
    machine.bus.pioWrite(0x70, 1, 0x0a);
    machine.bus.pioWrite(0x71, 1, 0x66);
    machine.advancePaused(12_345_678);
    machine.bus.pioWrite(0x71, 1, 0x26);
    machine.advancePaused(2_000_000);
    const m = migrate(machine, hv, setup, {}, 200_000_000);
    expect((m.sourceAtSwitch.get('rtc')!.divider_phase as number) % machine.clock.hz).not.toBe(0);
    expect(essential(m.diffs)).toEqual([]);
    expect(m.report.notes.join('\n')).not.toMatch(/too short/);
  });

  it('a pending 8259A poll: capture takes the poll, undoes its INTA, and the destination has the poll pending too', () => {
    const setup: GuestSetup = { guest: 'timer' };
    const ref = reference(setup);
    const { machine, hv } = bootWithHypervisor(setup);
    machine.run({ maxInstructions: Math.floor(ref.icount / 3) });
    machine.bus.pioWrite(0x20, 1, 0x0c); // OCW3 P=1, written by the guest
    const m = migrate(machine, hv, setup);
    expect(essential(m.diffs)).toEqual([]);
    expect(m.dest.board.pic.master.oracle().state.poll).toBe(1);
    // The guest's next read of 0x20 is the poll on the destination, as it would have been.
    expect(machine.board.pic.master.oracle().state.poll).toBe(1);
  });
});
