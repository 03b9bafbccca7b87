/**
 * State coverage of a reference trace (src/campaign/coverage.ts): what the built-in guests
 * reach, the shape of the ranges and segments, determinism, and spot checks of range edges
 * against a machine run to an icount on each side of them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { computeCoverage } from '../../src/campaign/coverage.js';
import type { Coverage, FeatureCoverage } from '../../src/campaign/types.js';
import type { Machine } from '../../src/board/machine.js';
import { bootMachine, type RunSetup } from '../../src/trace/run-setup.js';
import { guestSetup, recordReference } from '../migration/helpers.js';
import { migtraceAsync } from '../migration/cli.js';

interface Recorded {
  setup: RunSetup;
  dir: string;
  coverage: Coverage;
}

async function recorded(guest: string, until?: number): Promise<Recorded> {
  const setup = guestSetup(guest);
  const dir = await recordReference(setup, until);
  return { setup, dir, coverage: await computeCoverage(dir) };
}

function feature(c: Coverage, id: string): FeatureCoverage {
  const f = c.features.find((x) => x.id === id);
  if (f === undefined) throw new Error(`${c.guest} never reaches ${id} (unreached: ${c.unreached.map((u) => u.id).join(', ')})`);
  return f;
}

const dev = (m: Machine, name: string) => m.devices.find((d) => d.name === name)!.state as Record<string, number | number[]>;
const timerArmed = (m: Machine, name: string) => m.clock.pending().some((t) => t.name === name);

/** Each feature's truth read straight from a machine (not through features.ts), for the spot checks. */
const TRUTH: Record<string, (m: Machine) => boolean> = {
  'pic.master.icw-pending': (m) => dev(m, 'pic.master').init_state !== 0,
  'pic.master.in-service': (m) => dev(m, 'pic.master').isr !== 0,
  'pic.master.isr': (m) => dev(m, 'pic.master').isr !== 0,
  'pit.next_transition_time armed': (m) => timerArmed(m, 'pit.next_transition_time'),
  'pit.ch0.lobyte-written': (m) => (dev(m, 'pit').write_state as number[])[0] === 4,
  'uart.tx-fifo': (m) => dev(m, 'uart').tx_count !== 0,
  'lapic.timer armed': (m) => timerArmed(m, 'lapic.timer'),
  'lapic.tpr': (m) => dev(m, 'lapic').tpr !== 0,
  'lapic.in-service': (m) => (dev(m, 'lapic').isr as number[]).some((w) => w !== 0),
  'ata0.pio': (m) => dev(m, 'ata0').xfer_phase === 2 || dev(m, 'ata0').xfer_phase === 3,
  'ata0.busy_timer armed': (m) => timerArmed(m, 'ata0.busy_timer'),
  'cpu.halted': (m) => m.cpu.getState().halted,
  'cpu.ring3': (m) => m.cpu.getState().cpl === 3,
  'cpu.paging': (m) => (m.cpu.getState().cr0 & 0x80000000) !== 0,
  'cpu.if-clear': (m) => (m.cpu.getState().eflags & 0x200) === 0,
};

/**
 * Run one machine forward through icounts on both sides of the first ranges' edges of each
 * feature named, and compare what it holds with the ranges. `inside`: only the first and last
 * icount of each range (CPU features are sampled: their ranges may start late and end early).
 */
function spotCheck(r: Recorded, ids: readonly string[], inside = false): string[] {
  const { coverage } = r;
  const checks: { at: number; id: string; expect: boolean }[] = [];
  for (const id of ids) {
    const f = feature(coverage, id);
    for (const [from, to] of f.ranges.slice(0, 3)) {
      checks.push({ at: from, id, expect: true }, { at: to - 1, id, expect: true });
      if (inside) continue;
      if (from > coverage.firstIcount) checks.push({ at: from - 1, id, expect: false });
      if (to < coverage.endIcount) checks.push({ at: to, id, expect: false });
    }
  }
  checks.sort((a, b) => a.at - b.at);
  const machine = bootMachine(r.setup);
  const wrong: string[] = [];
  for (const c of checks) {
    if (machine.clock.icount < c.at) machine.run({ maxInstructions: c.at });
    expect(machine.clock.icount).toBe(c.at);
    const holds = TRUTH[c.id](machine);
    if (holds !== c.expect) wrong.push(`${c.id} at ${c.at}: the machine says ${holds}, the coverage ${c.expect}`);
  }
  return wrong;
}

function expectWellFormed(c: Coverage): void {
  for (const f of c.features) {
    expect(f.ranges.length, f.id).toBeGreaterThan(0);
    let previous = c.firstIcount - 1;
    let sum = 0;
    for (const [from, to] of f.ranges) {
      // Sorted, disjoint, not touching (touching ranges are one), non-empty and within the run.
      expect(from, f.id).toBeGreaterThan(previous);
      expect(to, f.id).toBeGreaterThan(from);
      expect(from, f.id).toBeGreaterThanOrEqual(c.firstIcount);
      expect(to, f.id).toBeLessThanOrEqual(c.endIcount);
      previous = to;
      sum += to - from;
    }
    expect(f.instructions, f.id).toBe(sum);
  }
  // Segments tile the run, and neighbours differ.
  expect(c.segments[0].from).toBe(c.firstIcount);
  expect(c.segments[c.segments.length - 1].to).toBe(c.endIcount);
  for (let i = 1; i < c.segments.length; i++) {
    expect(c.segments[i].from).toBe(c.segments[i - 1].to);
    expect(c.segments[i].holding).not.toEqual(c.segments[i - 1].holding);
  }
  // A segment holds exactly the features whose ranges cover it.
  for (const s of c.segments.filter((_, i) => i % 97 === 0)) {
    const covering = c.features.flatMap((f, i) => (f.ranges.some(([a, b]) => a <= s.from && s.to <= b) ? [i] : []));
    expect(s.holding).toEqual(covering);
  }
  const ids = [...c.features, ...c.unreached].map((f) => f.id);
  expect(new Set(ids).size).toBe(ids.length);
}

describe('coverage of the timer guest', () => {
  let timer: Recorded;
  beforeAll(async () => {
    timer = await recorded('timer', 3_000_000);
  });

  it('reaches the 8259A in service, the PIT armed, and ICW2..4 pending only while the guest initialises the PICs', () => {
    const c = timer.coverage;
    expect(feature(c, 'pic.master.in-service').ranges.length).toBeGreaterThan(3);
    expect(feature(c, 'pit.next_transition_time armed').instructions).toBeGreaterThan(0.9 * c.endIcount);
    const icw = feature(c, 'pic.master.icw-pending');
    expect(icw.ranges).toHaveLength(1);
    expect(icw.instructions).toBeLessThan(100);
    expect(icw.ranges[0][1]).toBeLessThan(feature(c, 'pic.master.in-service').ranges[0][0]);
    expect(feature(c, 'cpu.in-handler').ranges).toEqual(feature(c, 'pic.master.in-service').ranges);
    expect(c.unreached.map((u) => u.id)).toContain('cpu.paging');
    expect(c.unreached.find((u) => u.id === 'lapic.timer armed')?.why).toBe('never armed in this run');
  });

  it('gives well-formed ranges and segments', () => {
    expectWellFormed(timer.coverage);
  });

  it('is the same twice from the same trace', async () => {
    expect(await computeCoverage(timer.dir)).toEqual(timer.coverage);
  });

  it('agrees with the machine at both sides of the ranges\' edges', () => {
    expect(spotCheck(timer, ['pic.master.icw-pending', 'pic.master.in-service', 'pic.master.isr', 'pit.ch0.lobyte-written', 'uart.tx-fifo', 'cpu.halted'])).toEqual([]);
  });

  it('windows memory: written pages hold from a window\'s end to the next (a window option is honoured)', async () => {
    const c = await computeCoverage(timer.dir, { window: 100_000 });
    for (const [from, to] of feature(c, 'memory.written').ranges) {
      expect(from % 100_000 === 0 || from === c.endIcount).toBe(true);
      expect(to % 100_000 === 0 || to === c.endIcount).toBe(true);
    }
  });
});

describe('coverage of the apic and disk guests', () => {
  let apic: Recorded;
  let disk: Recorded;
  beforeAll(async () => {
    apic = await recorded('apic');
    disk = await recorded('disk');
  });

  it('apic: the LAPIC timer armed, TPR raised (guests/src/apic.c step 4) and an interrupt in service', () => {
    const c = apic.coverage;
    expect(feature(c, 'lapic.timer armed').instructions).toBeGreaterThan(0);
    expect(feature(c, 'lapic.tpr').ranges).toHaveLength(1);
    expect(feature(c, 'lapic.in-service').ranges.length).toBeGreaterThan(0);
    expectWellFormed(c);
    expect(spotCheck(apic, ['lapic.timer armed', 'lapic.tpr', 'lapic.in-service'])).toEqual([]);
  });

  it('disk: an ATA PIO transfer in progress', () => {
    const c = disk.coverage;
    expect(feature(c, 'ata0.pio').ranges.length).toBeGreaterThan(1);
    expectWellFormed(c);
    expect(spotCheck(disk, ['ata0.pio', 'ata0.busy_timer armed'])).toEqual([]);
  });

  it('paging: paging on, ring 3, CR2 and TR; a CPU feature\'s ranges hold where they say', async () => {
    const paging = await recorded('paging');
    const c = paging.coverage;
    for (const id of ['cpu.paging', 'cpu.ring3', 'cpu.cr2', 'cpu.tr-loaded']) expect(feature(c, id).instructions, id).toBeGreaterThan(0);
    expectWellFormed(c);
    expect(spotCheck(paging, ['cpu.ring3', 'cpu.paging', 'cpu.if-clear'], true)).toEqual([]);
  });

  it('migtrace coverage prints a table per group and the unreached; --json the coverage with a segment count', async () => {
    const text = await migtraceAsync(['coverage', disk.dir]).done;
    expect(text.stderr).toBe('');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^coverage of disk: icount 0–\d+, \d+ features reached/);
    expect(text.stdout).toMatch(/\nata0:\n\s+feature\s+ranges\s+instructions\s+of run\s+first ranges\n/);
    expect(text.stdout).toMatch(/\n\s+ata0\.pio\s+\d+\s+\d+\s+\d+\.\d%\s+\d+–\d+, \d+–\d+, \d+–\d+, …\n/);
    expect(text.stdout).toMatch(/\nnever reached:\n(.|\n)*cpu\.paging\s+the guest never turned paging on/);

    const json = await migtraceAsync(['coverage', disk.dir, '--json']).done;
    expect(json.status).toBe(0);
    const out = JSON.parse(json.stdout) as Omit<Coverage, 'segments'> & { segments: number };
    expect(out.segments).toBe(disk.coverage.segments.length);
    expect(out.features).toEqual(disk.coverage.features);
    expect(out.unreached).toEqual(disk.coverage.unreached);
  });

  it('migtrace coverage refuses a path that is no trace, and a bad window, in one line (exit 2)', async () => {
    for (const [args, pattern] of [
      [['coverage', '/nonexistent/trace'], /no trace at \/nonexistent\/trace/],
      [['coverage', disk.dir, '--window', 'x'], /--window: "x" is not a non-negative integer/],
    ] as const) {
      const r = await migtraceAsync([...args]).done;
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^migtrace: /);
      expect(lines[0]).toMatch(pattern);
      expect(r.status).toBe(2);
    }
  });
});
