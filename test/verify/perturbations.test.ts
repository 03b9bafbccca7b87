/**
 * Every essential field a migration can lose is caught, and named: a destination fabricated
 * from the reference at the switch-over with one field changed (test/verify/recorder.ts)
 * fails verification with a report whose first divergence names that device and field.
 */
import { describe, expect, it } from 'vitest';
import type { Machine } from '../../src/board/machine.js';
import { renderVerifyReport } from '../../verify/report.js';
import { setField } from './recorder.js';
import { APIC, HELLO, MEMTOUCH, NET, RTC, TIMER, setCpu, verifyPerturbed } from './helpers.js';
import type { GuestSpec } from './recorder.js';

interface Case {
  readonly name: string;
  readonly spec: GuestSpec;
  readonly at: number;
  readonly perturb: (m: Machine) => void;
  /** The path the report must name first. */
  readonly path: string;
  /** Words the explanation must hold (access class, what set it). */
  readonly explains: RegExp;
}

function field(device: string, name: string, change: (v: number) => number, index?: number): (m: Machine) => void {
  return (m) => {
    const snap = m.devices.find((d) => d.name === device)!.snapshot();
    const v = snap[name];
    setField(m, device, name, change(index === undefined ? (v as number) : (v as number[])[index]), index);
  };
}

const cases: Case[] = [
  {
    name: 'auto-EOI mode lost (ICW4 shadow skipped)',
    spec: TIMER, at: 5_000_000,
    perturb: field('pic.master', 'auto_eoi', () => 0),
    path: 'pic.master.auto_eoi',
    explains: /reference 1, destination 0 \(write-only config, set by ICW4 at icount \d+: the guest wrote 0x03 to port 0x21\)/,
  },
  {
    name: 'PIT read flip-flop lost',
    spec: TIMER, at: 5_000_000,
    perturb: field('pit', 'read_state', (v) => (v === 3 ? 4 : 3), 0),
    path: 'pit.read_state[0]',
    explains: /internal processing/,
  },
  {
    name: 'PIT write latch lost',
    spec: TIMER, at: 5_000_000,
    perturb: field('pit', 'write_latch', (v) => v ^ 0x5a, 0),
    path: 'pit.write_latch[0]',
    explains: /internal processing/,
  },
  {
    name: 'CMOS index forgotten',
    spec: RTC, at: 3_000_000,
    perturb: field('rtc', 'cmos_index', (v) => (v + 1) & 0x7f),
    path: 'rtc.cmos_index',
    explains: /write-only config, set by the CMOS index write \(port 0x70\) at icount \d+: the guest wrote 0x[0-9a-f]{2} to port 0x70/,
  },
  {
    name: 'UART divisor dropped',
    spec: HELLO, at: 100_000,
    perturb: field('uart', 'dll', () => 0),
    path: 'uart.dll',
    explains: /read\/write config, set by a divisor latch write \(DLAB=1\) at icount \d+: the guest wrote 0x01 to port 0x3f8/,
  },
  {
    name: 'IOAPIC redirection entry forgotten',
    spec: APIC, at: 6_000_000,
    perturb: field('ioapic', 'ioredtbl_lo', () => 0, 2),
    path: 'ioapic.ioredtbl_lo[2]',
    explains: /read\/write config/,
  },
  {
    name: 'NIC RX pointer off by one',
    spec: NET, at: 3_500_000,
    perturb: field('rtl8169', 'rx_head', (v) => (v + 1) % 16),
    path: 'rtl8169.rx_head',
    explains: /internal processing/,
  },
  {
    name: 'one page not carried',
    spec: MEMTOUCH, at: 1_000_000,
    perturb: (m) => {
      m.memory.ram[0x7c00 + 0x300] ^= 0xff;
    },
    path: 'memory page 0x00007',
    explains: /1 byte differs, first at offset 0xf00/,
  },
  {
    name: 'CPU interrupt shadow lost',
    spec: TIMER, at: 5_000_000,
    perturb: (m) => setCpu(m, (s) => ({ ...s, interruptShadow: !s.interruptShadow })),
    path: 'cpu.interrupt_shadow',
    explains: /CPU register/,
  },
  {
    name: 'hidden segment cache lost (DS limit)',
    spec: TIMER, at: 5_000_000,
    perturb: (m) => setCpu(m, (s) => ({ ...s, ds: { ...s.ds, limit: 0xffff } })),
    path: 'cpu.ds.limit',
    explains: /reference 0xffffffff, destination 0xffff \(CPU register\)/,
  },
];

describe('verify catches every essential field a migration gets wrong', () => {
  it.each(cases)('$name → $path', async (c) => {
    const report = await verifyPerturbed(c.spec, c.at, c.perturb);
    const text = renderVerifyReport(report);
    expect(report.verdict, text).toBe('divergence');
    const first = report.firstDivergence!;
    expect(first.state?.how, text).toBe('switch-over');
    expect(first.state!.differences[0].path, text).toBe(c.path);
    expect(first.state!.differences[0].explanation, text).toMatch(c.explains);
    expect(first.cause).toContain(c.path);
    expect(report.switchOver!.failures.map((f) => f.path)).toEqual([c.path]);
  }, 120_000);
});
