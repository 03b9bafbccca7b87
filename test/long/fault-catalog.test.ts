/**
 * The fault catalog end to end: `migtrace record` a guest, `migtrace migrate --fault NAME` it at
 * a point where the bug matters, `migtrace verify` the pair. Every fault is caught (exit 1) and
 * the report's first state difference names the device and field (CPU field, memory page) the
 * fault breaks; a clean migration passes (exit 0), with the NIC's tally counters as notes only.
 *
 * Points are found in the reference itself (between a PIT latch command and its read, between
 * the two bytes of a count, after a CMOS index write the reconstruction would not leave), or by
 * stepping the guest (an STI with an interrupt pending; CR0.PE set before the far jump; the
 * paging guest's points of test/migration/paging-points.ts), and
 * migrated post-copy, which switches over exactly at --at; the NIC and dirty-log faults use
 * pre-copy (memtouch dirties pages during the round).
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Machine } from '../../src/board/machine.js';
import type { CpuState } from '../../src/machine/cpu/cpu.js';
import { TraceReader } from '../../src/trace/reader.js';
import type { TraceRecord } from '../../src/trace/records.js';
import { guestImage } from '../guests/expectations.js';
import { ROOT, migtrace } from '../cli/cli.js';
import { tempDir } from '../verify/recorder.js';
import { slaveBytes } from '../hypervisor/ata-slave-points.js';
import { PAGING_POINTS, pointIcount } from '../migration/paging-points.js';
import { guestSetup } from '../migration/helpers.js';
import { findIcount } from '../hypervisor/helpers.js';
import { PAGE_SIZE } from '../../src/machine/memory.js';

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

/** The icount of the first interrupt acknowledge in `trace`. */
async function firstAck(trace: string): Promise<number> {
  const reader = await TraceReader.open(trace);
  try {
    for await (const r of reader.records({ kinds: ['interrupt'] })) if (r.kind === 'interrupt' && r.action === 'ack') return r.icount;
  } finally {
    await reader.close();
  }
  throw new Error('no interrupt acknowledged in the reference');
}

/** Step a fresh run of the guest (as `record` boots it) one instruction at a time from `from`: the first icount after which `pick` holds. */
function stepTo(guest: string, args: string | undefined, from: number, pick: (s: CpuState, m: Machine) => boolean, limit = 200_000): number {
  const m = Machine.boot(guestImage(guest), args === undefined ? {} : { args });
  m.run({ maxInstructions: from });
  for (let i = 0; i < limit && !m.stopped; i++) {
    m.run({ maxInstructions: m.clock.icount + 1 });
    if (pick(m.cpu.getState(), m)) return m.clock.icount;
  }
  throw new Error(`no such point in ${guest} after icount ${from}`);
}

const TIMER_ARGS = 'hz=1000 every=100 ticks=200 eoi=auto';
/** The campaign faults' guests (test/hypervisor/campaign-faults.test.ts has the same points). */
const TIMER_NORMAL_ARGS = 'hz=1000 every=100 ticks=200';
const APIC_ARGS = 'n=10 pit=10';
const DISK_ARGS = 'count=4';
const RTC_LONG_ARGS = 'n=3 rate=15';
/** Two stores a pass: 63 MiB and the top page of the 64 MiB machine. */
const TOP_PAGE_ARGS = 'base=63 mb=1 stride=1044480 passes=400 spin=20000';

/** A device's live declared field (no oracle snapshot per bus access). */
const field = (m: Machine, name: string, f: string) => (m.devices.find((d) => d.name === name)!.state as Record<string, unknown>)[f] as number & number[];
/** The first icount after which `pick` holds, checked after every bus access of a fresh run (as `record` boots it). */
async function where(guest: string, args: string, pick: (m: Machine) => boolean): Promise<number> {
  const at = findIcount({ guest, args }, pick);
  if (at < 0) throw new Error(`no such point in ${guest}`);
  return at;
}

/** The icount right after the first store to the top page of RAM at or after `from`. */
function afterTopPageStore(from: number): number {
  const m = Machine.boot(guestImage('memtouch'), { args: TOP_PAGE_ARGS });
  m.run({ maxInstructions: from });
  const top = m.memory.ram.length - PAGE_SIZE;
  const before = m.memory.ram.slice(top);
  for (let i = 0; i < 100_000; i++) {
    m.run({ maxInstructions: m.clock.icount + 100 });
    if (Buffer.compare(m.memory.ram.subarray(top), before) !== 0) return m.clock.icount;
  }
  throw new Error('memtouch never wrote the top page');
}
const IF = 0x200;
const SEGMENT_FIELDS = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'].flatMap((s) => ['base', 'limit', 'attributes'].map((f) => `cpu.${s}.${f}`));

interface MigrateJson {
  readonly hypervisor: { readonly uncaptured: string[]; readonly notes: string[]; readonly attach: string; readonly agent: boolean };
}

/** Pages a migration note names ("page 0x0000c's dirty bit", "(0x0000c, 0x0000d, …)"), as verify names them. */
function notedPages(m: MigrateJson, fault: string): string[] {
  const note = m.hypervisor.notes.find((n) => n.startsWith(`${fault}:`)) ?? '';
  return [...note.matchAll(/0x([0-9a-f]{5})\b/g)].map((x) => `memory page 0x${x[1]}`);
}

beforeAll(() => {
  refs.timer = record('timer', ['timer', '--args', TIMER_ARGS]);
  refs.memtouch = record('memtouch', ['memtouch', '--args', 'mb=1 passes=2 spin=2000']);
  refs.rtc = record('rtc', ['rtc']);
  refs.hello = record('hello', ['hello']);
  refs.net = record('net', ['net-echo', '--input', path.join(ROOT, 'guests', 'inputs', 'net-echo.input')]);
  const slaveImage = path.join(dir, 'slave.img');
  fs.writeFileSync(slaveImage, slaveBytes());
  refs.slave = record('slave', ['disk-slave', '--slave-disk', slaveImage]);
  refs.paging = record('paging', ['paging']);
  refs.timerNormal = record('timer-normal', ['timer', '--args', TIMER_NORMAL_ARGS]);
  refs.apic = record('apic', ['apic', '--args', APIC_ARGS]);
  refs.disk = record('disk', ['disk', '--args', DISK_ARGS]);
  refs.rtcLong = record('rtc-long', ['rtc', '--args', RTC_LONG_ARGS]);
  refs.topPage = record('top-page', ['memtouch', '--args', TOP_PAGE_ARGS]);
}, 300_000);

/** A point of the paging guest, run as `record` boots it (64 MiB). */
const pagingPoint = (index: number) => async () => pointIcount(guestSetup('paging', undefined, 64 * 1024 * 1024), PAGING_POINTS[index]);
const [PG_A20, PG_PF, PG_RING3, PG_TIMER, PG_D_BITS] = [0, 1, 2, 3, 4].map(pagingPoint);

interface Fault {
  readonly fault: string;
  readonly ref: () => string;
  readonly at: () => Promise<number>;
  readonly strategy: 'precopy' | 'postcopy';
  /** Paths the first state difference may name (the fault breaks these fields; some come from what migrate says it did). */
  readonly fields: readonly string[] | ((m: MigrateJson) => string[]);
  /** What the first difference's explanation must say besides. */
  readonly says?: RegExp;
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
  {
    fault: 'ata-selected-drive-lost',
    ref: () => refs.slave,
    // the guest selects the slave (device/head 0xF0) before its FLUSH CACHE: both drives idle
    at: () => after(refs.slave, (r, next) => pio(r, 1, 0x1f6) && r.kind === 'pio' && r.value === 0xf0 && pio(next, 0, 0x3f6)),
    strategy: 'postcopy',
    fields: ['ata0.select', 'ata0.slave.select'],
  },
  { fault: 'nic-rx-pointer-off-by-one', ref: () => refs.net, at: async () => 3_500_000, strategy: 'precopy', fields: ['rtl8169.rx_head'] },
  { fault: 'ioapic-redirection-forgotten', ref: () => refs.net, at: async () => 3_500_000, strategy: 'precopy', fields: ['ioapic.ioredtbl_lo[11]'] },
  {
    fault: 'last-dirty-round-skipped',
    ref: () => refs.memtouch,
    at: async () => 1_500_000, // pass 1's stores: round 1 takes ~0.8 M instructions, which store to ~125 pages
    strategy: 'precopy',
    fields: (m) => notedPages(m, 'last-dirty-round-skipped'),
    says: /the migration last sent it in pre-copy round 1 \(the source ran icount 1500000–\d+ meanwhile\), not at the stop-and-copy/,
  },
  {
    fault: 'dirty-bit-lost',
    ref: () => refs.memtouch,
    at: async () => 1_500_000,
    strategy: 'precopy',
    fields: (m) => notedPages(m, 'dirty-bit-lost'),
    says: /not at the stop-and-copy/,
  },
  {
    fault: 'cpu-interrupt-shadow-lost',
    ref: () => refs.timer,
    // right after an STI with IRQ0 already pending: the interrupt waits one instruction
    at: async () => stepTo('timer', TIMER_ARGS, (await firstAck(refs.timer)) - 2_000, (s, m) => s.interruptShadow && (s.eflags & IF) !== 0 && m.cpu.intrLine),
    strategy: 'postcopy',
    fields: ['cpu.interrupt_shadow'],
    says: /the CPU section carried 0: the source sent it wrong/,
  },
  {
    fault: 'segment-cache-lost',
    ref: () => refs.hello,
    // the boot stub between setting CR0.PE and its far jump: CS still holds a real-mode cache
    at: async () => stepTo('hello', undefined, 0, (s) => (s.cr0 & 1) !== 0 && s.cs.selector === 0),
    strategy: 'postcopy',
    fields: SEGMENT_FIELDS,
    says: /the source sent it wrong/,
  },
  { fault: 'i8042-a20-lost', ref: () => refs.paging, at: PG_A20, strategy: 'postcopy', fields: ['i8042.output_port'] },
  { fault: 'i8042-command-byte-lost', ref: () => refs.paging, at: PG_RING3, strategy: 'postcopy', fields: ['i8042.command_byte'] },
  { fault: 'cr3-not-carried', ref: () => refs.paging, at: PG_RING3, strategy: 'postcopy', fields: ['cpu.cr3'], says: /the source sent it wrong/ },
  { fault: 'cr4-pse-dropped', ref: () => refs.paging, at: PG_RING3, strategy: 'precopy', fields: ['cpu.cr4'], says: /the source sent it wrong/ },
  { fault: 'cr2-lost', ref: () => refs.paging, at: PG_PF, strategy: 'postcopy', fields: ['cpu.cr2'], says: /the source sent it wrong/ },
  { fault: 'tr-cache-lost', ref: () => refs.paging, at: PG_TIMER, strategy: 'postcopy', fields: ['cpu.tr.base', 'cpu.tr.limit', 'cpu.tr.attributes'], says: /the source sent it wrong/ },
  { fault: 'tss-busy-bit-lost', ref: () => refs.paging, at: PG_RING3, strategy: 'postcopy', fields: (m) => notedPages(m, 'tss-busy-bit-lost') },
  { fault: 'walker-dirty-bit-untracked', ref: () => refs.paging, at: PG_D_BITS, strategy: 'precopy', fields: (m) => notedPages(m, 'walker-dirty-bit-untracked'), says: /not at the stop-and-copy/ },
  { fault: 'postcopy-page-table-stale', ref: () => refs.paging, at: PG_RING3, strategy: 'postcopy', fields: (m) => notedPages(m, 'postcopy-page-table-stale') },
  // The campaign faults (issue 13), each at a point where its state holds.
  { fault: 'pic-isr-dropped', ref: () => refs.timerNormal, at: () => where('timer', TIMER_NORMAL_ARGS, (m) => field(m, 'pic.master', 'isr') !== 0), strategy: 'postcopy', fields: ['pic.master.isr'] },
  {
    fault: 'pic-request-dropped',
    ref: () => refs.timerNormal,
    at: () => where('timer', TIMER_NORMAL_ARGS, (m) => (field(m, 'pic.master', 'irr') & ~field(m, 'pic.master', 'elcr')) !== 0),
    strategy: 'postcopy',
    fields: ['pic.master.irr'],
  },
  {
    fault: 'lapic-timer-not-rearmed',
    ref: () => refs.apic,
    at: () => where('apic', APIC_ARGS, (m) => field(m, 'lapic', 'initial_count') !== 0 && (field(m, 'lapic', 'lvt')[0] & 0x20000) !== 0),
    strategy: 'postcopy',
    fields: ['lapic.initial_count', 'lapic.timer'],
  },
  { fault: 'lapic-tpr-lost', ref: () => refs.apic, at: () => where('apic', APIC_ARGS, (m) => field(m, 'lapic', 'tpr') !== 0), strategy: 'postcopy', fields: ['lapic.tpr'] },
  {
    fault: 'ata-multiple-lost',
    ref: () => refs.disk,
    // mid-READ MULTIPLE: the re-issued command is aborted, ABRT in the error register first
    at: () => where('disk', DISK_ARGS, (m) => field(m, 'ata0', 'mult_sectors') !== 0 && field(m, 'ata0', 'xfer_phase') === 2),
    strategy: 'postcopy',
    fields: ['ata0.error', 'ata0.status', 'ata0.mult_sectors', 'ata0.buffer', 'ata0.buf_end', 'ata0.xfer_cmd', 'ata0.xfer_phase'],
  },
  {
    fault: 'rtc-time-stale',
    ref: () => refs.rtcLong,
    // past the first update cycle, register C read since
    at: () => where('rtc', RTC_LONG_ARGS, (m) => field(m, 'rtc', 'cmos')[0] !== 0 && (field(m, 'rtc', 'cmos')[12] & 0x10) === 0),
    strategy: 'postcopy',
    fields: ['rtc.cmos'],
  },
  {
    fault: 'top-page-not-sent',
    ref: () => refs.topPage,
    at: async () => 400_000,
    // --switch-at right after a store to the top page (switchAt below)
    strategy: 'precopy',
    fields: (m) => notedPages(m, 'top-page-not-sent'),
    says: /not at the stop-and-copy/,
  },
  {
    fault: 'late-attach-without-agent',
    ref: () => refs.timer,
    at: async () => 5_000_000,
    strategy: 'postcopy',
    fields: (m) => m.hypervisor.uncaptured,
    says: /not captured: the hypervisor attached late, at icount 5000000, without a guest agent\)$/,
  },
];

describe('the fault catalog: every injected migration bug is caught and localized', () => {
  it.each(faults)('$fault', async (f) => {
    const at = await f.at();
    const out = path.join(dir, `dst-${f.fault}`);
    const switchAt = f.fault === 'top-page-not-sent' ? ['--switch-at', String(afterTopPageStore(at + 2_000_000))] : [];
    const m = migtrace(['migrate', f.ref(), '--at', String(at), ...switchAt, '--strategy', f.strategy, '--fault', f.fault, '--out', out, '--json']);
    expect(m.status, m.stderr).toBe(0);
    const migrated = JSON.parse(m.stdout) as MigrateJson;
    const v = migtrace(['verify', f.ref(), out, '--json']);
    expect(v.status, v.stdout).toBe(1);
    const report = JSON.parse(v.stdout);
    expect(report.injectedFaults).toEqual([f.fault]);
    expect(report.firstDivergence.state.how).toBe('switch-over');
    const first = report.firstDivergence.state.differences[0];
    const fields = typeof f.fields === 'function' ? f.fields(migrated) : f.fields;
    expect(fields.length).toBeGreaterThan(0);
    // An array element is named as the field when the list names fields (the uncaptured ones).
    expect(fields.includes(first.path) || fields.includes(first.path.replace(/\[\d+\]$/, '')), `${first.path} in ${fields.join(', ')}`).toBe(true);
    if (f.says !== undefined) expect(first.explanation).toMatch(f.says);
    expect(report.firstDivergence.cause).toContain(`injected fault(s): ${f.fault}`);
  }, 120_000);

  it.each(['precopy', 'postcopy'])('a clean %s migration of the paging guest in ring 3 passes', async (strategy) => {
    const out = path.join(dir, `dst-clean-paging-${strategy}`);
    expect(migtrace(['migrate', refs.paging, '--at', String(await PG_RING3()), '--strategy', strategy, '--out', out]).status).toBe(0);
    const v = migtrace(['verify', refs.paging, out]);
    expect(v.status, v.stdout).toBe(0);
  }, 120_000);

  it('a clean migration of net-echo passes; different tally counters are notes', () => {
    const out = path.join(dir, 'dst-clean-net');
    expect(migtrace(['migrate', refs.net, '--at', '3500000', '--out', out]).status).toBe(0);
    const v = migtrace(['verify', refs.net, out]);
    expect(v.status, v.stdout).toBe(0);
    expect(v.stdout).toMatch(/^verify: MATCH/);
    expect(v.stdout).toMatch(/switch-over: rtl8169\.tally_\w+: reference 0x\w+, destination 0x\w+ \(read-only statistic, not essential/);
  }, 120_000);

  // Reported by the verifier engineer: `migrate --strategy postcopy --at 3500000` on net-echo failed
  // with "the source did not answer page request 1" — the destination hypervisor reads the NIC's
  // rings (absent pages) while reconstructing, before its ACK, and the source served pages only
  // after the ACK (fixed in b6a1012: it serves from END on). This is the run that failed.
  it('a clean post-copy migration of net-echo at 3,500,000 (the NIC rings fetched during reconstruction) passes', () => {
    const out = path.join(dir, 'dst-clean-net-postcopy');
    const m = migtrace(['migrate', refs.net, '--at', '3500000', '--strategy', 'postcopy', '--out', out]);
    expect(m.status, m.stderr).toBe(0);
    expect(m.stdout).toMatch(/post-copy: \d+ faults/);
    const v = migtrace(['verify', refs.net, out]);
    expect(v.status, v.stdout).toBe(0);
  }, 120_000);

  it('migrate --attach late --agent on a guest that runs no agent: migrate says what it could not capture, verify catches it and says why', () => {
    const out = path.join(dir, 'dst-late-agent');
    const m = migtrace(['migrate', refs.timer, '--at', '5000000', '--strategy', 'postcopy', '--attach', 'late', '--attach-at', '4000000', '--agent', '--out', out]);
    expect(m.status, m.stderr).toBe(0);
    expect(m.stdout).toMatch(/^source hypervisor attached late at icount 4000000, with a guest agent$/m);
    expect(m.stdout).toMatch(/^NOT CAPTURED: \d+ field\(s\) the source could not learn; the destination reconstructs them as zero: .*pic\.master\.auto_eoi/m);
    const v = migtrace(['verify', refs.timer, out]);
    expect(v.status, v.stdout).toBe(1);
    expect(v.stdout).toMatch(/pic\.master\.auto_eoi: reference 1, destination 0 \(write-only config, set by ICW4 at icount \d+: the guest wrote 0x03 to port 0x21; not captured: the hypervisor attached late, at icount 4000000, and the guest agent did not report it\)/);
    expect(migtrace(['migrate', refs.timer, '--at', '5000000', '--fault', 'late-attach-without-agent', '--agent', '--out', `${out}-x`]).stderr).toMatch(/cannot go with --agent/);
    expect(migtrace(['migrate', refs.timer, '--at', '5000000', '--strategy', 'postcopy', '--fault', 'dirty-bit-lost', '--out', `${out}-x`]).stderr).toMatch(/dirty-bit-lost acts on pre-copy's dirty log/);
  }, 120_000);
});
