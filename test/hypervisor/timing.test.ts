/**
 * State that is a phase in time rather than a register value, rebuilt by timing writes in the
 * destination's window (docs/hypervisor.md, "Time").
 */
import { describe, expect, it } from 'vitest';
import { pitTicks } from '../../src/devices/pit8254-channel.js';
import { bootWithHypervisor, essential, finish, migrate, reference, type GuestSetup } from './helpers.js';

describe('phase-type state', () => {
  it('a window far shorter than the time since the guest loaded the PIT still rebuilds it exactly (the phase is the latest reload)', () => {
    const setup: GuestSetup = { guest: 'timer' };
    const ref = reference(setup);
    const { machine, hv } = bootWithHypervisor(setup);
    machine.run({ maxInstructions: Math.floor(ref.icount / 2) });
    const m = migrate(machine, hv, setup, {}, 1_000_000); // ten 1 kHz periods: far less than since the load
    expect(essential(m.diffs)).toEqual([]);
    const hz = machine.clock.hz;
    const L = (m.sourceAtSwitch.get('pit')!.count_load_time as number[])[0];
    const period = (m.sourceAtSwitch.get('pit')!.active_count as number[])[0];
    // The source's own count_load_time is its latest reload, within one period of the switch-over.
    expect(pitTicks(m.capture.switchIcount, hz) - pitTicks(L, hz)).toBeLessThanOrEqual(period);
    expect(m.report.notes.join('\n')).not.toMatch(/pit/);
    const out = finish(m.dest);
    expect(m.serialBefore + out.serial).toBe(ref.serial);
  });

  describe('8254 channels in other modes, loaded seconds before the switch-over', () => {
    /** `program` runs as the guest's port writes from icount 10,000 (`wait` lets time pass); then migrate. */
    function migrateAfter(program: (out: (port: number, v: number) => void, wait: (n: number) => void) => void) {
      const setup: GuestSetup = { guest: 'hello' };
      const { machine, hv } = bootWithHypervisor(setup);
      machine.run({ maxInstructions: 10_000 });
      program((port, v) => machine.bus.pioWrite(port, 1, v), (n) => machine.advancePaused(n));
      return { m: migrate(machine, hv, setup), source: machine };
    }

    it('a count held by GATE2 low is rebuilt by counting the same edges and dropping GATE', () => {
      const { m, source } = migrateAfter((out, wait) => {
        out(0x61, 0x03);
        out(0x43, 0xb4); // ch2, word, mode 2
        out(0x42, 0x10);
        out(0x42, 0x27); // 10,000
        wait(123_457_000); // 147,306 edges: 14 periods and 7,306 edges
        out(0x61, 0x02); // GATE2 low, speaker data on: the count is held
        wait(250_000_000);
      });
      expect(essential(m.diffs)).toEqual([]);
      const pit = m.dest.board.pit.oracle();
      expect(pit.derived.ch2_count).toBe(source.board.pit.oracle().derived.ch2_count);
      expect((pit.state.count_load_time as number[])[2]).toBe(0);
      expect(m.report.notes.join('\n')).not.toMatch(/pit/);
    });

    it('mode 1 on channel 2, triggered by GATE2 and long past terminal count, is re-triggered on the destination', () => {
      const { m } = migrateAfter((out, wait) => {
        out(0x43, 0xb2); // ch2, word, mode 1
        out(0x42, 0x00);
        out(0x42, 0x01); // 256
        out(0x61, 0x01); // the trigger
        wait(300_000_000);
      });
      expect(essential(m.diffs)).toEqual([]);
      expect((m.dest.board.pit.oracle().state.counting as number[])[2]).toBe(1);
    });

    it('mode 0 on channel 0, long past terminal count (the CE wraps on): same count, same OUT', () => {
      const { m, source } = migrateAfter((out, wait) => {
        out(0x43, 0x30);
        out(0x40, 0x34);
        out(0x40, 0x12);
        wait(250_000_000);
      });
      expect(essential(m.diffs)).toEqual([]);
      expect(m.dest.board.pit.oracle().derived.ch0_count).toBe(source.board.pit.oracle().derived.ch0_count);
      expect(m.dest.board.pit.oracle().derived.ch0_out).toBe(1);
    });

    it('a stopped channel (control word after a count) keeps the count element\'s last count', () => {
      const { m } = migrateAfter((out, wait) => {
        out(0x43, 0x74); // ch1, word, mode 2
        out(0x41, 0x00);
        out(0x41, 0x20);
        wait(1_000_000);
        out(0x43, 0x76); // ch1 control word again: waits for a count
        wait(250_000_000);
      });
      expect(essential(m.diffs)).toEqual([]);
      expect((m.dest.board.pit.oracle().state.active_count as number[])[1]).toBe(0x2000);
    });
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
