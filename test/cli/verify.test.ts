/** `migtrace verify` and `migtrace diff` end to end, as a user runs them (built CLI, child process). */
import { beforeAll, describe, expect, it } from 'vitest';
import { migtrace } from './cli.js';
import { setField } from '../verify/recorder.js';
import { HELLO, TIMER, destination, reference } from '../verify/helpers.js';

let ref = '';
let good = '';
let bad = '';
let otherGuest = '';
const SWITCH = 5_000_000;

beforeAll(async () => {
  ref = (await reference(TIMER)).dir;
  good = await destination(TIMER, SWITCH);
  bad = await destination(TIMER, SWITCH, (m) => setField(m, 'pic.master', 'auto_eoi', 0));
  otherGuest = await destination(HELLO, 100_000);
}, 120_000);

function oneLineError(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  return lines[0];
}

describe('migtrace verify', () => {
  it('exits 0 and says MATCH for a destination that is the same machine', () => {
    const r = migtrace(['verify', ref, good]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^verify: MATCH/);
    expect(r.stdout).toMatch(/switch-over: agrees/);
    expect(r.stdout).toMatch(/checkpoints: \d+ compared, all agree/);
  });

  it('exits 1 and names the field, its access class and the write that set it', () => {
    const r = migtrace(['verify', ref, bad]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^verify: DIVERGENCE/);
    expect(r.stdout).toMatch(/cause: the migration did not carry the state right: at the switch-over \(icount 5000000\) pic\.master\.auto_eoi: reference 1, destination 0 \(write-only config, set by ICW4 at icount \d+: the guest wrote 0x03 to port 0x21\)/);
  });

  it('gives the report as JSON', () => {
    const r = migtrace(['verify', ref, bad, '--json']);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.verdict).toBe('divergence');
    expect(report.destination.switchIcount).toBe(SWITCH);
    expect(report.firstDivergence.state.differences[0]).toMatchObject({ path: 'pic.master.auto_eoi', access: 'wo', role: 'config', reference: 1, destination: 0 });
  });

  it('refuses traces of different guests with one line and exit 2', () => {
    const r = migtrace(['verify', ref, otherGuest]);
    expect(r.status).toBe(2);
    expect(oneLineError(r.stderr)).toMatch(/^migtrace: the traces are of different guests: reference timer/);
  });

  it('refuses the same trace given twice (it would always match), as JSON too', () => {
    const r = migtrace(['verify', ref, ref, '--json']);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('SAME_TRACE');
  });

  it('refuses a missing argument and a missing trace with exit 2', () => {
    expect(migtrace(['verify', ref]).status).toBe(2);
    const r = migtrace(['verify', ref, '/nonexistent/trace']);
    expect(r.status).toBe(2);
    expect(oneLineError(r.stderr)).toMatch(/^migtrace: destination: /);
  });
});

describe('migtrace diff', () => {
  it('shows unified diffs of the state and the two access sequences where they part', () => {
    const r = migtrace(['diff', ref, bad]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/== device pic\.master: \d+ line\(s\) differ/);
    expect(r.stdout).toMatch(/^-auto_eoi = 0x1 {4}\(wo config\)$/m);
    expect(r.stdout).toMatch(/^\+auto_eoi = 0x0 {4}\(wo config\)$/m);
    expect(r.stdout).toMatch(/== accesses: the streams part at icount \d+/);
    expect(r.stdout).toMatch(/^ > #\d+ @\d+ /m);
  });

  it('compares at a given icount, as JSON', () => {
    const r = migtrace(['diff', ref, bad, '--at', String(SWITCH), '--json']);
    expect(r.status).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p.a.icount).toBe(SWITCH);
    expect(p.b.icount).toBe(SWITCH);
    expect(p.cpu).toBeNull();
    expect(p.memory.pagesDiffering).toBe(0);
    expect(p.devices.map((d: { name: string }) => d.name)).toEqual(['pic.master']);
    expect(p.devices[0].patch).toMatch(/-auto_eoi = 0x1/);
  });

  it('compares two points of one trace (by record number), with hexdumps of the pages that changed', () => {
    const r = migtrace(['diff', `${ref}@#1000`, `${ref}@#200000`, '--pages', '1']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/== CPU: \d+ line\(s\) differ/);
    expect(r.stdout).toMatch(/^[-+][0-9a-f]{8} {2}([0-9a-f]{2} ){8} ([0-9a-f]{2} ){7}[0-9a-f]{2} {2}\|/m);
  });

  it('refuses a malformed --at', () => {
    const r = migtrace(['diff', ref, bad, '--at', 'soon']);
    expect(r.status).toBe(2);
    expect(oneLineError(r.stderr)).toMatch(/--at must be an icount or #SEQ/);
  });
});
