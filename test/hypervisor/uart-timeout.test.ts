/**
 * The 16550A's character-timeout timer (PC16550D 8.6.3) across a migration: the source
 * measures it by watching IIR with the line cut off (capture/uart-timeout.ts), the destination
 * restarts it at the instruction that leaves the same time (reconstruct/uart.ts). Was a
 * residual: taken as restarted at the switch-over, 2–21 instructions off after rebuilding, and
 * serial-echo's record streams parted when the timeout came at another instruction.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveImage } from '../../src/guests/catalog.js';
import { loadInputScript } from '../../src/devices/input-script.js';
import { recordBoot } from '../../src/trace/session.js';
import { migrateTraceInProcess } from '../../src/migration/trace-migration.js';
import { migrationOptions } from '../../src/migration/options.js';
import { verifyTraces } from '../../verify/verify.js';
import { TIMER_INEXACT } from '../../src/hypervisor/drivers/uart16550/timeout.js';
import { bootWithHypervisor, essential, finish, migrate, reference, type GuestSetup } from './helpers.js';

/** 115200 baud 8N1 at 100 M instructions per second. */
const CT = 8680;
/** Relative to guests/inputs (helpers.inputScript): a test's own input. */
const BURST_INPUT = '../../test/hypervisor/fixtures/serial-burst.input';

function uartAt(setup: GuestSetup, at: number) {
  const { machine, hv } = bootWithHypervisor(setup);
  machine.run({ maxInstructions: at });
  return { machine, hv, uart: machine.board.uart.oracle().state };
}

describe('16550A character-timeout timer', () => {
  const echo: GuestSetup = { guest: 'serial-echo', input: 'serial-echo.input' };
  const ref = reference(echo);
  // Points in the pasted line (one byte per character time), each rebuilt a different way.
  const cases = [
    { at: 35_001_013, txBusy: false, what: 'transmitter idle: the last byte arrives through loopback at the right instruction' },
    { at: 35_069_897, txBusy: true, what: 'the guest\'s transmitter finishes a byte while the source watches the timer' },
    { at: 35_087_118, txBusy: true, what: 'the transmitter is the guest\'s when the timer restarted: an RBR read restarts it' },
  ];
  for (const c of cases) {
    it(`is measured on the source and rebuilt exactly (${c.what})`, () => {
      const { machine, hv, uart } = uartAt(echo, c.at);
      expect(uart.rx_count as number).toBeGreaterThan(0);
      expect((uart.transmit_timer as number) >= 0).toBe(c.txBusy);
      const m = migrate(machine, hv, echo);
      const captured = m.capture.devices.find((d) => d.device === 'uart')!;
      expect(captured.fields.fifo_timeout_timer).toBe(m.sourceAtSwitch.get('uart')!.fifo_timeout_timer);
      expect(essential(m.diffs)).toEqual([]);
      expect(m.notes.join('\n')).not.toMatch(/fifo_timeout_timer|receive FIFO/);
      expect(m.serialBefore + finish(m.dest).serial).toBe(ref.serial);
    });
  }

  it('a timeout already indicated at the switch-over stays indicated', () => {
    // A typed byte sits in the FIFO below the trigger level until the timeout delivers it.
    const { machine, hv, uart } = uartAt(echo, 5_034_730);
    expect(uart.timeout_ipending).toBe(1);
    const m = migrate(machine, hv, echo);
    expect(essential(m.diffs)).toEqual([]);
    expect(m.serialBefore + finish(m.dest).serial).toBe(ref.serial);
  });

  it('a full receive FIFO while the transmitter is busy: measured exactly, rebuilt up to a character time early, and said so', () => {
    const burst: GuestSetup = { guest: 'serial-echo', input: BURST_INPUT };
    const { machine, hv, uart } = uartAt(burst, 1_100_010);
    expect(uart.rx_count).toBe(16);
    expect(uart.transmit_timer as number).toBeGreaterThan(0);
    const m = migrate(machine, hv, burst);
    expect(m.capture.devices.find((d) => d.device === 'uart')!.fields.fifo_timeout_timer).toBe(uart.fifo_timeout_timer);
    const diffs = m.diffs.filter((d) => d.essential);
    expect(diffs.map((d) => d.path)).toEqual(['uart.fifo_timeout_timer']);
    expect(diffs[0].source - diffs[0].destination).toBeGreaterThan(0);
    expect(diffs[0].source - diffs[0].destination).toBeLessThanOrEqual(CT);
    expect(m.notes.filter((n) => n.startsWith(TIMER_INEXACT))).toHaveLength(2); // the source's, the destination's
  });

  describe('the verifier', () => {
    const dirs: string[] = [];
    afterAll(() => {
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });

    it('reports that residual as a divergence whose cause names the field and says it is not exactly reconstructible', async () => {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migtrace-uart-timeout-'));
      dirs.push(tmp);
      const image = resolveImage('serial-echo');
      const input = loadInputScript(path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures', 'serial-burst.input'));
      const refDir = path.join(tmp, 'ref');
      const dstDir = path.join(tmp, 'dst');
      await recordBoot(refDir, { label: 'serial-echo', image: image.bytes, args: image.guest?.args, input });
      await migrateTraceInProcess({ trace: refDir, at: 1_100_010, out: dstDir, options: migrationOptions({ strategy: 'postcopy' }) });
      const report = await verifyTraces(refDir, dstDir);
      expect(report.verdict).toBe('divergence');
      expect(report.firstDivergence!.cause).toMatch(/uart\.fifo_timeout_timer: reference 0x[0-9a-f]+, destination 0x[0-9a-f]+ .*inferred; not exactly reconstructible/);
    }, 120_000);
  });
});
