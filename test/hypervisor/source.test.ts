/**
 * The source side of capture: it must describe the devices exactly as they were at the
 * switch-over (checked against the oracle, which only tests may read), and leave the source
 * as a machine paused for the same time would be — so after a failed migration the guest
 * resumes unharmed.
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/board/machine.js';
import { diffSnapshots, fieldPath, type StateSnapshot } from '../../src/devices/schema.js';
import { guestImage } from '../guests/expectations.js';
import { bootWithHypervisor, finish, findIcount, machineOptions, oracleStates, reference, type GuestSetup } from './helpers.js';

const num = (m: Machine, name: string, field: string) => (m.devices.find((d) => d.name === name)!.state as Record<string, unknown>)[field] as number;

interface Case {
  label: string;
  setup: GuestSetup;
  at: (m: Machine) => boolean;
  /** Non-essential or documented fields capture may change on the source (the note says why). */
  changes: string[];
}

const cases: Case[] = [
  { label: 'timer guest, mid-run', setup: { guest: 'timer' }, at: (m) => m.clock.icount > 20_000_000, changes: [] },
  { label: 'timer guest, in the IRQ0 handler', setup: { guest: 'timer' }, at: (m) => m.clock.icount > 5_000_000 && (num(m, 'pic.master', 'isr') & 1) === 1, changes: [] },
  { label: 'rtc guest, a periodic flag pending', setup: { guest: 'rtc' }, at: (m) => m.clock.icount > 2_000_000 && ((m.board.rtc.state.cmos as number[])[12] & 0x40) !== 0, changes: [] },
  {
    label: 'serial-echo guest, bytes in the RX FIFO',
    setup: { guest: 'serial-echo', input: 'serial-echo.input' },
    at: (m) => num(m, 'uart', 'rx_count') >= 2,
    // Refilled through loopback: the timeout timer restarts at the refill; and bytes the far end
    // sends while the source's receiver is in loopback are lost on the source (a migration that
    // succeeds delivers them to the destination at their time; one that fails loses them, as a
    // real UART held by its hypervisor would). The capture itself is exact.
    changes: ['uart.fifo_timeout_timer', 'uart.rbr', 'uart.rx_count', 'uart.lsr', 'uart.iir', 'uart.timeout_ipending'],
  },
  {
    label: 'net-echo guest, RX head mid-ring',
    setup: { guest: 'net-echo', input: 'net-echo.input' },
    at: (m) => m.clock.icount > 1_000_000 && num(m, 'rtl8169', 'rx_head') >= 3,
    // Statistics the dummy frames count; the rebuilt NIC's own.
    changes: ['rtl8169.tally_*', 'rtl8169.rx_missed'],
  },
  { label: 'disk guest, mid-sector read', setup: { guest: 'disk' }, at: (m) => num(m, 'ata0', 'xfer_phase') === 2 && num(m, 'ata0', 'xfer_cmd') === 0x20 && num(m, 'ata0', 'buf_pos') === 100, changes: [] },
];

function matches(path: string, patterns: string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : path === p || path.startsWith(`${p}[`)));
}

function deviceDiffs(m: Machine, a: Map<string, StateSnapshot>, b: Map<string, StateSnapshot>): string[] {
  const out: string[] = [];
  for (const d of m.devices) for (const x of diffSnapshots(d.schema, a.get(d.name)!, b.get(d.name)!)) out.push(fieldPath(x));
  return out;
}

describe('capture on the source', () => {
  for (const c of cases) {
    it(`${c.label}: capture leaves the source as a paused twin, and describes the switch-over exactly`, () => {
      const icount = findIcount(c.setup, c.at);
      expect(icount).toBeGreaterThan(0);
      const { machine, hv } = bootWithHypervisor(c.setup);
      machine.run({ maxInstructions: icount });
      const before = oracleStates(machine);
      const capture = hv.captureDevices();

      // Capture accuracy: every captured field equals the oracle at the switch-over.
      const wrong: string[] = [];
      const guesses = ['rtl8169.tx_timer', 'uart.fifo_timeout_timer', ...c.changes.filter((x) => x.includes('tally') || x.includes('missed'))];
      for (const d of capture.devices) {
        const truth = before.get(d.device)!;
        for (const [f, v] of Object.entries(d.fields)) {
          if (JSON.stringify(v) !== JSON.stringify(truth[f]) && !matches(`${d.device}.${f}`, guesses)) {
            wrong.push(`${d.device}.${f} (${d.provenance[f]}): captured ${JSON.stringify(v)}, was ${JSON.stringify(truth[f])}`);
          }
        }
        expect(d.unknown).toEqual([]);
      }
      expect(wrong, hv.lastNotes.join('\n')).toEqual([]);

      // The twin: the same run, paused for as long as capture took, never captured.
      const twin = Machine.boot(guestImage(c.setup.guest), machineOptions(c.setup));
      twin.run({ maxInstructions: icount });
      twin.advancePaused(capture.pausedInstructions);
      const diffs = deviceDiffs(machine, oracleStates(twin), oracleStates(machine)).filter((p) => !matches(p, c.changes));
      expect(diffs, hv.lastNotes.join('\n')).toEqual([]);
      expect(Buffer.from(machine.memory.ram).equals(Buffer.from(twin.memory.ram))).toBe(true);
      expect(machine.cpu.getState()).toEqual(twin.cpu.getState());
    });
  }

  it('the source continues identically after a capture (a failed migration resumes unharmed)', () => {
    for (const setup of [{ guest: 'timer' }, { guest: 'serial-echo', input: 'serial-echo.input' }] as GuestSetup[]) {
      const ref = reference(setup);
      const { machine, hv } = bootWithHypervisor(setup);
      machine.run({ maxInstructions: Math.floor(ref.icount / 2) });
      const capture = hv.captureDevices();
      hv.restoreSource(capture);
      expect(capture.pausedInstructions).toBe(0);
      const out = finish(machine);
      expect(out.serial).toBe(ref.serial);
    }
  });
});
