/** The campaign report as a person reads it in a terminal: the verdict first, then points, matrix and failures. */
import type { CampaignReport } from './types.js';

const MAX_FEATURES = 6;

export function renderCampaignText(r: CampaignReport): string[] {
  const s = r.summary;
  const out: string[] = [];
  const failed = s.divergence + s.error;
  out.push(
    `campaign: ${failed === 0 ? 'every migration MATCH' : `${s.divergence} DIVERGENCE, ${s.error} error`} — ${s.jobs} migrations at ${s.points} points × ${r.settings.length} settings; ` +
      `${s.featuresCovered} of ${s.featuresReached} features reached are covered`,
  );
  out.push(`  trace ${r.trace.guest}, ends at icount ${r.trace.endIcount}, export sha256 ${r.trace.sha256.slice(0, 16)}`);
  out.push('points:');
  for (const p of r.points) {
    const shown = p.newlyCovered.slice(0, MAX_FEATURES).join(', ');
    const more = p.newlyCovered.length > MAX_FEATURES ? `, … ${p.newlyCovered.length - MAX_FEATURES} more` : '';
    out.push(`  p${p.index} @${p.icount}: ${p.features.length} features hold${p.newlyCovered.length > 0 ? `; first to cover ${shown}${more}` : ''}`);
  }
  out.push(`verdicts (point × ${r.settings.map((x) => x.name).join(' · ')}):`);
  for (const p of r.points) {
    const cells = r.settings.map((st) => {
      const j = r.jobs.find((x) => x.pointIndex === p.index && x.setting.name === st.name);
      return j === undefined ? '—' : j.result.verdict === 'match' ? 'MATCH' : j.result.verdict === 'divergence' ? 'DIVERGENCE' : 'ERROR';
    });
    out.push(`  p${p.index}  ${cells.join('  ')}`);
  }
  if (r.failures.length > 0) {
    out.push('failures:');
    for (const f of r.failures) {
      out.push(`  ${f.field}: ${f.cause}`);
      out.push(`    reproduced by ${f.jobs.join(', ')}`);
    }
  }
  if (r.unreached.length > 0) {
    out.push(`never reached (${r.unreached.length}):`);
    for (const u of r.unreached) out.push(`  ${u.id}: ${u.why}`);
  }
  return out;
}
