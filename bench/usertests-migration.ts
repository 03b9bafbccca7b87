/**
 * The "Migrate unmodified OSes" issue's long run: xv6's usertests (some 7 G instructions)
 * recorded, migrated in the middle of the tests — pre-copy and post-copy — and verified; the
 * destination must still print ALL TESTS PASSED. Through the CLI, as a user runs it; only when
 * asked for (`npm run bench -- usertests-migration`: half an hour on 2 cores; MIGTRACE_BENCH_KEEP=1
 * keeps the traces).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadThirdPartyGuests, missingFiles } from '../src/guests/third-party.js';
import { packageRoot } from '../src/guests/catalog.js';
import { traceSerialText } from '../src/trace/serial-output.js';
import type { Figure } from './harness.js';

const END = 7_000_000_000;
/** MIGTRACE_BENCH_KEEP=1 keeps the reference and destination traces (a divergence is then diffed without re-recording). */
const keep = process.env.MIGTRACE_BENCH_KEEP === '1';
const POINT = 3_000_000_000;

function cli(args: string[]): { ok: boolean; out: string; seconds: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(packageRoot(), 'bin', 'run.js'), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`, seconds: (performance.now() - t0) / 1000 };
}

const number = (out: string, re: RegExp): number => Number(re.exec(out)?.[1] ?? NaN);

export async function benchUsertestsMigration(): Promise<Figure[]> {
  const g = loadThirdPartyGuests(packageRoot()).find((e) => e.name === 'xv6');
  if (g === undefined || missingFiles(g).length > 0) return [{ name: 'xv6 usertests migration: not built (npm run guests:third-party)', value: NaN, unit: '' }];
  const work = mkdtempSync(join(tmpdir(), 'migtrace-usertests-'));
  const out: Figure[] = [];
  try {
    const ref = join(work, 'ref');
    const rec = cli(['record', 'xv6', '--input', join(packageRoot(), 'guests/inputs/xv6-usertests.input'), '--until', String(END), '--out', ref]);
    const refPassed = (await traceSerialText(ref)).includes('ALL TESTS PASSED');
    out.push({ name: 'xv6 usertests recorded: ALL TESTS PASSED', value: rec.ok && refPassed ? 1 : 0, unit: '', target: '1', note: `(record ${rec.seconds.toFixed(0)} s wall, ${END / 1e9} G instructions)` });
    for (const strategy of ['precopy', 'postcopy']) {
      const dest = join(work, strategy);
      const m = cli(['migrate', ref, '--at', String(POINT), '--strategy', strategy, '--out', dest]);
      const v = cli(['verify', ref, dest]);
      const passed = m.ok && (await traceSerialText(dest)).includes('ALL TESTS PASSED');
      const match = v.ok && /^verify: MATCH/m.test(v.out);
      out.push({ name: `  ${strategy} at ${POINT / 1e9} G: verify MATCH`, value: match ? 1 : 0, unit: '', target: '1', note: match ? '' : `(${v.out.split('\n').slice(0, 6).join(' | ')})` });
      out.push({ name: '    the destination prints ALL TESTS PASSED', value: passed ? 1 : 0, unit: '', target: '1' });
      out.push({ name: '    downtime', value: number(m.out, /downtime ([\d.]+) ms/), unit: 'ms', note: `(switch-over at icount ${number(m.out, /switch-over at icount (\d+)/)})` });
      out.push({ name: '    pages over the link', value: number(m.out, /MiB and (\d+) pages over the link/), unit: '' });
      out.push({ name: '    migrate / verify wall', value: m.seconds, unit: 's', note: `/ ${v.seconds.toFixed(0)} s` });
      if (!keep) rmSync(dest, { recursive: true, force: true });
    }
  } finally {
    if (keep) console.log(`traces kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  return out;
}
