/**
 * Each injected hypervisor bug (src/hypervisor/faults.ts) changes the destination: an
 * essential field differs from the source's at the switch-over, so the verifier has
 * something to catch. The same migration without the fault is exact (device-guests.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Machine } from '../../src/board/machine.js';
import { bootWithHypervisor, essential, findIcount, migrate, type GuestSetup } from './helpers.js';

const num = (m: Machine, name: string, field: string) => (m.devices.find((d) => d.name === name)!.state as Record<string, unknown>)[field] as number;

interface FaultCase {
  fault: string;
  setup: GuestSetup;
  at: (m: Machine) => boolean;
  /** A field the fault must make differ. */
  field: string;
}

const cases: FaultCase[] = [
  { fault: 'icw4-shadow-skipped', setup: { guest: 'timer', args: 'hz=1000 every=100 ticks=500 eoi=auto' }, at: (m) => m.clock.icount > 10_000_000, field: 'pic.master.auto_eoi' },
  { fault: 'pit-latch-lost', setup: { guest: 'timer' }, at: (m) => m.clock.icount > 10_000_000, field: 'pit.latched_count' },
  { fault: 'pit-flipflop-lost', setup: { guest: 'timer' }, at: (m) => (m.board.pit.state.write_state as number[])[0] === 4, field: 'pit.write_state' },
  { fault: 'cmos-index-forgotten', setup: { guest: 'rtc' }, at: (m) => m.clock.icount > 3_000_000 && num(m, 'rtc', 'cmos_index') !== 0x0c, field: 'rtc.cmos_index' },
  { fault: 'uart-divisor-dropped', setup: { guest: 'serial-echo', input: 'serial-echo.input' }, at: (m) => m.clock.icount > 2_000_000, field: 'uart.dll' },
  { fault: 'nic-rx-pointer-off-by-one', setup: { guest: 'net-echo', input: 'net-echo.input' }, at: (m) => m.clock.icount > 1_000_000 && num(m, 'rtl8169', 'rx_head') >= 3, field: 'rtl8169.rx_head' },
  {
    fault: 'ioapic-redirection-forgotten',
    setup: { guest: 'apic' },
    at: (m) => (m.board.ioapic.state.ioredtbl_lo as number[]).some((e) => (e & 0x10000) === 0),
    field: 'ioapic.ioredtbl_lo',
  },
  // The paging guest closes A20 with 0xDD, and sets command byte 0x25 before it.
  { fault: 'i8042-a20-lost', setup: { guest: 'paging' }, at: (m) => ((num(m, 'i8042', 'output_port') & 2) === 0), field: 'i8042.output_port' },
  { fault: 'i8042-command-byte-lost', setup: { guest: 'paging' }, at: (m) => num(m, 'i8042', 'command_byte') === 0x25, field: 'i8042.command_byte' },
];

describe('hypervisor fault injection', () => {
  for (const c of cases) {
    it(`${c.fault} changes the destination (${c.field})`, () => {
      const icount = findIcount(c.setup, c.at);
      expect(icount).toBeGreaterThan(0);
      const faults = new Set([c.fault]);
      const { machine, hv } = bootWithHypervisor(c.setup, { faults });
      machine.run({ maxInstructions: icount });
      const m = migrate(machine, hv, c.setup, { faults });
      const diffs = essential(m.diffs);
      expect(diffs.some((d) => d.startsWith(c.field)), diffs.join('\n')).toBe(true);
    });
  }
});
