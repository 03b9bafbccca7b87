/**
 * The verify report as a person reads it: the verdict first, then the switch-over, the
 * streams, the checkpoints, and on a divergence the first record, the state behind it and
 * its cause. Notes (non-essential differences, expected extras) come last and never change
 * the verdict.
 */
import type { ExplainedDifference } from './cause.js';
import type { StateCheckView, VerifyReport } from './verify.js';

const MAX_LISTED = 8;

function n(x: number): string {
  return x.toLocaleString('en-US');
}

/** The explanation, and for a consequence the root it follows from (root-cause.ts). */
function line(x: ExplainedDifference): string {
  return x.follows === undefined ? x.explanation : `${x.explanation} — follows from ${x.follows} (${x.because ?? 'root cause'})`;
}

function listState(out: string[], title: string, check: StateCheckView): void {
  out.push(`${title}: ${check.failures.length === 0 ? 'agrees' : `${check.failures.length} essential difference${check.failures.length === 1 ? '' : 's'}`} (${check.referenceSource} vs ${check.destinationSource})`);
  for (const f of check.failures.slice(0, MAX_LISTED)) out.push(`  ${line(f)}`);
  if (check.failures.length > MAX_LISTED) out.push(`  … ${check.failures.length - MAX_LISTED} more`);
}

export function renderVerifyReport(r: VerifyReport): string {
  const out: string[] = [];
  const d = r.destination;
  out.push(r.verdict === 'match' ? 'verify: MATCH — the destination is the same machine as the reference from the switch-over on' : 'verify: DIVERGENCE — the destination is not the same machine as the reference');
  out.push(`  reference    ${r.reference.dir}  ${r.reference.guest}, ${n(r.reference.records)} records, ends at icount ${n(r.reference.endIcount)} (${r.reference.status})`);
  out.push(`  destination  ${d.dir}  switch-over at icount ${n(d.switchIcount)} (from its ${d.switchFrom}), ${n(d.records)} records, ends at icount ${n(d.endIcount)} (${d.status})`);
  if (r.switchOver !== null) listState(out, 'switch-over', r.switchOver);
  const s = r.stream;
  const extras = d.extras;
  const extraText = `expected extras: ${extras.migrationEvents} migration event(s), ${extras.hypervisorEvents} hypervisor action(s), ${extras.hypervisorAccesses + extras.hypervisorDma} hypervisor access(es)`;
  if (s.divergence === null) {
    out.push(`records: ${n(s.matched)} match (and ${n(s.lineRecordsMatched)} interrupt line records); ${extraText}`);
  } else {
    out.push(`records: ${n(s.matched)} match, then the streams part at icount ${n(s.divergence.icount)}; ${extraText}`);
    out.push(`  reference    ${s.divergence.reference === null ? '(ends here)' : `#${s.divergence.reference.seq} @${s.divergence.reference.icount}  ${s.divergence.reference.text}`}`);
    out.push(`  destination  ${s.divergence.destination === null ? '(ends here)' : `#${s.divergence.destination.seq} @${s.divergence.destination.icount}  ${s.divergence.destination.text}`}`);
  }
  const c = r.checkpoints;
  if (c.first === null) {
    out.push(`checkpoints: ${c.compared} compared, all agree`);
  } else {
    out.push(`checkpoints: ${c.compared} compared, ${c.differing} differ; last agreeing at icount ${n(c.lastAgreeing)}`);
    listState(out, `  first differing checkpoint @${n(c.first.icount)}`, c.first);
  }
  if (c.referenceEnded !== null) out.push(`  the reference run ended (${c.referenceEnded.status}) at icount ${n(c.referenceEnded.icount)}, before a destination checkpoint`);
  const f = r.firstDivergence;
  if (f !== null) {
    out.push(`first divergence at icount ${n(f.icount)}`);
    if (f.state !== null && f.state.how !== 'switch-over') {
      out.push(`  earliest state difference at icount ${n(f.state.icount)} (${f.state.how}${f.state.window === null ? '' : `, window ${n(f.state.window[0])}..${n(f.state.window[1])}`})`);
      if (f.state.instruction !== null) out.push(`  last instruction: reference ${f.state.instruction.reference}, destination ${f.state.instruction.destination}`);
      for (const x of f.state.differences.slice(0, MAX_LISTED)) out.push(`    ${line(x)}`);
    }
    out.push(`  cause: ${f.cause}`);
    if (f.bisection !== null) out.push(`  (bisection: ${f.bisection.steps} steps, ${n(f.bisection.instructionsRun)} instructions re-executed)`);
  }
  const notes = [
    ...(r.switchOver?.notes.map((x) => `switch-over: ${line(x)}`) ?? []),
    ...s.notes,
    ...c.notes,
    ...r.notes,
  ];
  if (s.skippedAtSwitch > 0) notes.push(`${s.skippedAtSwitch} reference record(s) at the switch-over icount precede the stop and were skipped`);
  if (notes.length > 0) {
    out.push('notes (not failures):');
    for (const x of notes) out.push(`  ${x}`);
  }
  return out.join('\n');
}
