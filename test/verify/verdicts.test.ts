/**
 * What passes and what fails besides a lost essential field: an unmigrated-equivalent
 * destination matches (with or without its switch-over snapshot); non-essential differences
 * are notes; a divergence whose switch-over agrees is traced by bisection to the first
 * instruction after which state differs; a destination changed after the switch-over is
 * told apart from one that was migrated wrong.
 */
import { describe, expect, it } from 'vitest';
import { TraceReader } from '../../src/trace/reader.js';
import type { AccessRecord } from '../../src/trace/records.js';
import { renderVerifyReport } from '../../verify/report.js';
import { verifyTraces } from '../../verify/verify.js';
import { setField } from './recorder.js';
import { NET, TIMER, destination, reference, verifyPerturbed } from './helpers.js';

describe('verify: destinations that are the same machine', () => {
  it('an unperturbed destination migrated at an icount off the checkpoint grid matches', async () => {
    const report = await verifyPerturbed(TIMER, 7_654_321, () => {});
    const text = renderVerifyReport(report);
    expect(report.verdict, text).toBe('match');
    expect(report.switchOver!.failures).toEqual([]);
    expect(report.stream.matched).toBeGreaterThan(100_000);
    expect(report.checkpoints.compared).toBeGreaterThan(5);
    expect(report.firstDivergence).toBeNull();
    expect(text).toMatch(/^verify: MATCH/);
  });

  it('a destination without its switch-over snapshot is compared from its first checkpoint', async () => {
    const ref = await reference(TIMER);
    const report = await verifyTraces(ref.dir, await destination(TIMER, 4_000_000, () => {}, { blob: false }));
    expect(report.verdict, renderVerifyReport(report)).toBe('match');
    expect(report.destination.switchFrom).toBe('migration event');
    expect(report.switchOver!.destinationSource).toBe('destination checkpoint 0');
  });

  it('different NIC tally counters pass, with a note naming the counter', async () => {
    const report = await verifyPerturbed(NET, 3_500_000, (m) => {
      const tally = m.board.nic.snapshot().tally_rx_ok as number;
      setField(m, 'rtl8169', 'tally_rx_ok', tally + 5);
    });
    const text = renderVerifyReport(report);
    expect(report.verdict, text).toBe('match');
    expect(report.switchOver!.notes.map((n) => n.path)).toEqual(['rtl8169.tally_rx_ok']);
    expect(report.switchOver!.notes[0].explanation).toMatch(/read-only statistic, not essential/);
    expect(text).toMatch(/notes \(not failures\):\n {2}switch-over: rtl8169\.tally_rx_ok: reference 0x\w+, destination 0x\w+/);
  });

  it.each([
    ['ioapic.pin_level', (m: import('../../src/board/machine.js').Machine) => (m.board.ioapic.state.pin_level ^= 1 << 2)],
    ['lapic.lint0_level', (m: import('../../src/board/machine.js').Machine) => (m.board.lapic.state.lint0_level ^= 1)],
  ] as const)('a different interrupt line level at the switch-over (%s) passes, with a note', async (path, perturb) => {
    const report = await verifyPerturbed(TIMER, 5_000_000, (m) => void perturb(m));
    const text = renderVerifyReport(report);
    expect(report.verdict, text).toBe('match');
    expect(report.switchOver!.notes.map((n) => n.path)).toEqual([path]);
    expect(report.switchOver!.notes[0].explanation).toMatch(/internal line, not essential/);
  });
});

describe('verify: the first divergence when the switch-over agrees', () => {
  it('a lost "transmit now" (a command register, not essential) is traced by bisection to the instruction after which state differs', async () => {
    const ref = await reference(NET);
    const r = await TraceReader.open(ref.dir);
    let poll: AccessRecord | undefined;
    for await (const x of r.records({ kinds: ['mmio'], fromIcount: 3_300_000 })) {
      if (x.kind === 'mmio' && x.dir === 1 && (x.addr & 0xff) === 0x38) {
        poll = x;
        break;
      }
    }
    await r.close();
    expect(poll).toBeDefined();
    const report = await verifyPerturbed(NET, poll!.icount + 1, (m) => {
      setField(m, 'rtl8169', 'tx_timer', -1);
      setField(m, 'rtl8169', 'tx_poll', 0);
    });
    const text = renderVerifyReport(report);
    expect(report.verdict, text).toBe('divergence');
    expect(report.switchOver!.failures, text).toEqual([]);
    expect(report.switchOver!.notes.map((n) => n.path).sort()).toEqual(['rtl8169.tx_poll', 'rtl8169.tx_timer']);
    const first = report.firstDivergence!;
    expect(first.state!.how, text).toBe('bisection');
    // The reference services the poll 100 instructions later (RTL8169_TX_DELAY): the first state
    // difference is there, one instruction wide, and names the NIC's TX ring position.
    expect(first.state!.window![1] - first.state!.window![0]).toBe(1);
    expect(first.state!.differences.map((d) => d.path)).toContain('rtl8169.tx_tail');
    expect(first.state!.instruction!.reference).toBe(first.state!.instruction!.destination);
    expect(first.cause).toMatch(/the likely cause: rtl8169\.tx_poll: reference 0x40, destination 0/);
    expect(first.cause).toMatch(/set by an access at icount \d+: the guest wrote 0x40 to address 0x[0-9a-f]+038/);
    expect(report.stream.divergence!.icount).toBe(first.state!.icount);
  });

  it('a destination changed after the switch-over is told apart: its own snapshot re-executes like the reference', async () => {
    const ref = await reference(NET);
    const dst = await destination(NET, 3_500_000, () => {}, {
      perturbAt: { icount: 4_000_123, perturb: (m) => void (m.memory.ram[0xff00] ^= 0x55) },
    });
    const report = await verifyTraces(ref.dir, dst);
    const text = renderVerifyReport(report);
    expect(report.verdict, text).toBe('divergence');
    expect(report.switchOver!.failures).toEqual([]);
    expect(report.checkpoints.first!.failures.map((f) => f.path)).toEqual(['memory page 0x0000f']);
    expect(report.firstDivergence!.cause).toMatch(/departed from its own snapshot, so something outside the guest changed it after the switch-over/);
  });

  it('without a snapshot the verifier names the first differing checkpoint and says why it cannot narrow it down', async () => {
    const ref = await reference(NET);
    const dst = await destination(NET, 3_500_000, () => {}, {
      blob: false,
      perturbAt: { icount: 4_000_123, perturb: (m) => void (m.memory.ram[0xff00] ^= 0x55) },
    });
    const report = await verifyTraces(ref.dir, dst);
    expect(report.verdict).toBe('divergence');
    expect(report.firstDivergence!.state!.how).toBe('checkpoint');
    expect(report.firstDivergence!.cause).toMatch(/memory page 0x0000f.*carries no switch-over snapshot/);
  });
});
