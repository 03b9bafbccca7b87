/**
 * The fault catalog end to end: `migtrace record` a guest, `migtrace migrate --fault NAME` it at
 * a point where the bug matters, `migtrace verify` the pair. Every fault is caught (exit 1) and
 * the report's first state difference names the device and field the fault breaks; a clean
 * migration passes (exit 0), with the NIC's tally counters as notes only.
 *
 * Points are found in the reference itself (between a PIT latch command and its read, between
 * the two bytes of a count, after a CMOS index write the reconstruction would not leave) and
 * migrated post-copy, which switches over exactly at --at; the NIC faults use pre-copy.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TraceReader } from '../../src/trace/reader.js';
import type { TraceRecord } from '../../src/trace/records.js';
import { ROOT, migtrace } from './cli.js';
import { tempDir } from '../verify/recorder.js';

const dir = tempDir('catalog');
const refs: Record<string, string> = {};

function record(name: string, args: string[]): string {
  const out = path.join(dir, `${name}-ref`);
  const r = migtrace(['record', ...args, '--out', out]);
  expect(r.status, r.stderr).toBe(0);
  return out;
}

/** The icount after the first record matching `pick` (at or after `from`). */
async function after(trace: string, pick: (r: TraceRecord, next: TraceRecord | undefined) => boolean, from = 0): Promise<number> {
  const reader = await TraceReader.open(trace);
  try {
    let prev: TraceRecord | undefined;
    for await (const r of reader.records({ kinds: ['pio'], fromIcount: from })) {
      if (prev !== undefined && pick(prev, r)) return prev.icount + 1;
      prev = r;
    }
  } finally {
    await reader.close();
  }
  throw new Error('no such point in the reference');
}

const pio = (r: TraceRecord | undefined, dir: number, port: number): boolean => r !== undefined && r.kind === 'pio' && r.dir === dir && r.addr === port;

beforeAll(() => {
  refs.timer = record('timer', ['timer', '--args', 'hz=1000 every=100 ticks=200 eoi=auto']);
  refs.rtc = record('rtc', ['rtc']);
  refs.hello = record('hello', ['hello']);
  refs.net = record('net', ['net-echo', '--input', path.join(ROOT, 'guests', 'inputs', 'net-echo.input')]);
}, 180_000);

interface Fault {
  readonly fault: string;
  readonly ref: () => string;
  readonly at: () => Promise<number>;
  readonly strategy: 'precopy' | 'postcopy';
  /** Paths the first state difference may name (the fault breaks these fields). */
  readonly fields: readonly string[];
}

const faults: Fault[] = [
  { fault: 'icw4-shadow-skipped', ref: () => refs.timer, at: async () => 5_000_000, strategy: 'postcopy', fields: ['pic.master.auto_eoi'] },
  {
    fault: 'pit-latch-lost',
    ref: () => refs.timer,
    // after a counter-latch command (control word with RW = 00), before the count is read
    at: () => after(refs.timer, (r, next) => pio(r, 1, 0x43) && r.kind === 'pio' && (r.value & 0x30) === 0 && pio(next, 0, 0x40)),
    strategy: 'postcopy',
    fields: ['pit.latched_count[0]', 'pit.count_latched[0]'],
  },
  {
    fault: 'pit-flipflop-lost',
    ref: () => refs.timer,
    // between the low and the high byte of a channel 0 count
    at: () => after(refs.timer, (r, next) => pio(r, 1, 0x40) && pio(next, 1, 0x40)),
    strategy: 'postcopy',
    fields: ['pit.write_state[0]', 'pit.write_latch[0]'],
  },
  {
    fault: 'cmos-index-forgotten',
    ref: () => refs.rtc,
    // an index other than the one reconstruction leaves (0x0c), selected and not yet used
    at: () => after(refs.rtc, (r, next) => pio(r, 1, 0x70) && r.kind === 'pio' && r.value === 0x0a && pio(next, 1, 0x71), 2_000_000),
    strategy: 'postcopy',
    fields: ['rtc.cmos_index'],
  },
  { fault: 'uart-divisor-dropped', ref: () => refs.hello, at: async () => 100_000, strategy: 'postcopy', fields: ['uart.dll'] },
  { fault: 'nic-rx-pointer-off-by-one', ref: () => refs.net, at: async () => 3_500_000, strategy: 'precopy', fields: ['rtl8169.rx_head'] },
  { fault: 'ioapic-redirection-forgotten', ref: () => refs.net, at: async () => 3_500_000, strategy: 'precopy', fields: ['ioapic.ioredtbl_lo[11]'] },
];

describe('the fault catalog: every injected migration bug is caught and localized', () => {
  it.each(faults)('$fault → $fields', async (f) => {
    const at = await f.at();
    const out = path.join(dir, `dst-${f.fault}`);
    const m = migtrace(['migrate', f.ref(), '--at', String(at), '--strategy', f.strategy, '--fault', f.fault, '--out', out]);
    expect(m.status, m.stderr).toBe(0);
    const v = migtrace(['verify', f.ref(), out, '--json']);
    expect(v.status, v.stdout).toBe(1);
    const report = JSON.parse(v.stdout);
    expect(report.injectedFaults).toEqual([f.fault]);
    expect(report.firstDivergence.state.how).toBe('switch-over');
    expect(f.fields).toContain(report.firstDivergence.state.differences[0].path);
    expect(report.firstDivergence.cause).toContain(`injected fault(s): ${f.fault}`);
  }, 120_000);

  it('a clean migration of net-echo passes; different tally counters are notes', () => {
    const out = path.join(dir, 'dst-clean-net');
    expect(migtrace(['migrate', refs.net, '--at', '3500000', '--out', out]).status).toBe(0);
    const v = migtrace(['verify', refs.net, out]);
    expect(v.status, v.stdout).toBe(0);
    expect(v.stdout).toMatch(/^verify: MATCH/);
    expect(v.stdout).toMatch(/switch-over: rtl8169\.tally_\w+: reference 0x\w+, destination 0x\w+ \(read-only statistic, not essential/);
  }, 120_000);
});
