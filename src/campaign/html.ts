/**
 * `campaign --html DIR`: the campaign report as one static page (docs/campaign.md, "HTML
 * report"). Self-contained: inline CSS and SVG, no script, and a Content-Security-Policy that
 * lets the page load nothing — a report opened from a CI artefact or a mail attachment shows
 * the same thing everywhere, and everything is visible without JavaScript.
 *
 * Every number shown is also in an attribute with its exact value (`data-field`, `data-job`,
 * `data-pages`, …) so a test in a real browser can read the page back and compare it with the
 * `--json` report. Like the report itself, the page is the same bytes for the same campaign.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { DIRTIED_COLOUR, DOWNTIME_PARTS, FAULT_COLOUR, SENT_COLOUR, STOP_COPY_COLOUR, downtimeChart, postcopyChart, roundsChart } from './html-charts.js';
import { attrs, count, duration, esc, plural } from './html-text.js';
import type { CampaignReport, JobMigration, JobResult, LinkSetting } from './types.js';

type Job = CampaignReport['jobs'][number];

/** The page's file name inside `--html DIR`. */
export const HTML_REPORT_FILE = 'index.html';

/** Writes the report's page into `dir` (created if missing) and returns its path. */
export function writeHtmlReport(report: CampaignReport, dir: string): string {
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new InputError('HTML_DIR_NOT_A_DIRECTORY', `the HTML report goes into a directory, and ${dir} is a file`);
  }
  mkdirSync(dir, { recursive: true });
  const file = join(dir, HTML_REPORT_FILE);
  writeFileSync(file, renderHtmlReport(report));
  return file;
}

export function renderHtmlReport(report: CampaignReport): string {
  const title = `migtrace campaign: ${report.trace.guest}`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    header(report),
    verdicts(report),
    failures(report),
    coverage(report),
    timelines(report),
    settings(report),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const VERDICT_LABEL: Readonly<Record<JobResult['verdict'], string>> = { match: 'MATCH', divergence: 'DIVERGENCE', error: 'ERROR' };

function badge(verdict: JobResult['verdict']): string {
  return `<span class="badge ${verdict}">${VERDICT_LABEL[verdict]}</span>`;
}

function jobLink(id: string): string {
  return `<a class="mono" href="#${esc(jobAnchor(id))}">${esc(id)}</a>`;
}

function jobAnchor(id: string): string {
  return `job-${id}`;
}

function postMortemAnchor(id: string): string {
  return `post-mortem-${id}`;
}

/** A number shown with its exact value beside it, for the browser test. */
function field(path: string, value: number | string, text = typeof value === 'number' ? count(value) : value, cls = ''): string {
  return `<span${attrs({ class: cls === '' ? null : cls, 'data-field': path, 'data-value': value })}>${esc(text)}</span>`;
}

function header(r: CampaignReport): string {
  const s = r.summary;
  const card = (label: string, body: string, cls = '') => `<div class="card${cls}"><div class="v">${body}</div><div class="k">${esc(label)}</div></div>`;
  // Summary figures are shown as plain digits: their text is the number itself.
  const raw = (key: keyof CampaignReport['summary']) => field(`summary.${key}`, s[key], String(s[key]));
  return [
    '<header>',
    `<h1>Campaign report · ${field('trace.guest', r.trace.guest)}</h1>`,
    `<p class="muted">trace <code${attrs({ 'data-field': 'trace.sha256', 'data-value': r.trace.sha256, title: r.trace.sha256 })}>${esc(r.trace.sha256.slice(0, 12))}</code>` +
      ` · runs to icount ${field('trace.endIcount', r.trace.endIcount, count(r.trace.endIcount), 'mono')}` +
      ` · ${plural(r.settings.length, 'link setting')} · report format ${field('format', r.format, String(r.format))}</p>`,
    '<div class="cards">',
    card('points', raw('points')),
    card('jobs', raw('jobs')),
    card('match', raw('match'), s.match > 0 ? ' match' : ''),
    card('divergence', raw('divergence'), s.divergence > 0 ? ' divergence' : ''),
    card('error', raw('error'), s.error > 0 ? ' error' : ''),
    card('features covered / reached', `${raw('featuresCovered')} <span class="muted">/</span> ${raw('featuresReached')}`),
    card('never reached', field('unreached.length', r.unreached.length, String(r.unreached.length))),
    '</div>',
    '<nav><a href="#verdicts">Verdicts</a> · <a href="#failures">Failures</a> · <a href="#coverage">Coverage</a> · <a href="#timelines">Migrations</a> · <a href="#settings">Link settings</a></nav>',
    '</header>',
  ].join('\n');
}

/** Setting names in the report's order, then any a job names that the list lacks. */
function settingNames(r: CampaignReport): string[] {
  const names = r.settings.map((s) => s.name);
  for (const j of r.jobs) if (!names.includes(j.setting.name)) names.push(j.setting.name);
  return names;
}

function verdicts(r: CampaignReport): string {
  const names = settingNames(r);
  const out = [
    '<section id="verdicts">',
    '<h2>Verdicts</h2>',
    '<p class="muted">One row per chosen point, one column per link setting: did the migrated run match the reference?</p>',
    '<div class="scroll"><table class="verdicts">',
    `<thead><tr><th>point</th><th class="num">icount</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
  ];
  for (const p of r.points) {
    const cells = names.map((name) => {
      const jobs = r.jobs.filter((j) => j.pointIndex === p.index && j.setting.name === name);
      return `<td>${jobs.map(verdictEntry).join('') || '<span class="muted">—</span>'}</td>`;
    });
    out.push(`<tr${attrs({ 'data-point-row': p.index })}><th class="mono">p${p.index}</th><td class="num mono">${count(p.icount)}</td>${cells.join('')}</tr>`);
  }
  out.push('</tbody>', '</table></div>', '</section>');
  return out.join('\n');
}

function verdictEntry(j: Job): string {
  const res = j.result;
  const at = res.divergenceIcount === null ? '' : ` <span class="muted">at icount</span> <span class="mono">${count(res.divergenceIcount)}</span>`;
  const cause = res.cause === null ? '' : `<div class="cause">${esc(res.cause)}</div>`;
  const faults = j.faults.length === 0 ? '' : `<div class="muted">faults injected: ${esc(j.faults.join(', '))}</div>`;
  return (
    `<div${attrs({ class: 'verdict', 'data-verdict-job': j.id, 'data-verdict': res.verdict, 'data-divergence-icount': res.divergenceIcount })}>` +
    `${badge(res.verdict)} ${jobLink(j.id)}${at}${cause}${faults}</div>`
  );
}

function failures(r: CampaignReport): string {
  const out = ['<section id="failures">', '<h2>Failures</h2>'];
  if (r.failures.length === 0) out.push('<p>None: every job matched.</p>');
  r.failures.forEach((f, i) => {
    out.push(
      `<article${attrs({ class: 'failure', 'data-failure': i, 'data-field-name': f.field, 'data-jobs': f.jobs.join(' ') })}>`,
      `<h3><code>${esc(f.field)}</code> <span class="muted">· ${plural(f.jobs.length, 'job')}</span></h3>`,
      `<p class="cause">${esc(f.cause)}</p>`,
      `<p class="muted">reproduced by ${f.jobs.map(jobLink).join(', ')}</p>`,
      '</article>',
    );
  });
  const dead = r.jobs.filter((j) => j.result.postMortem !== '');
  if (dead.length > 0) {
    out.push('<h3 class="sub">Post-mortems</h3>', '<p class="muted">The first divergence of each job that diverged, as <code>verify</code> renders it.</p>');
    for (const j of dead) {
      const fields = j.result.fields.length === 0 ? '' : ` <span class="muted">fields:</span> ${j.result.fields.map((x) => `<code>${esc(x)}</code>`).join(', ')}`;
      out.push(
        `<div class="pm-head">${badge(j.result.verdict)} ${jobLink(j.id)}${fields}</div>`,
        // The parser drops one newline right after <pre>: this one, not the post-mortem's own.
        `<pre${attrs({ class: 'post-mortem', id: postMortemAnchor(j.id), 'data-post-mortem': j.id })}>\n${postMortemLines(j.result.postMortem)}</pre>`,
      );
    }
  }
  out.push('</section>');
  return out.join('\n');
}

/** Colours a post-mortem's diff lines; the text (`textContent`) stays exactly the post-mortem. */
function postMortemLines(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const cls =
        line.startsWith('@@') ? 'hunk'
        : line.startsWith('==') ? 'head'
        : line.startsWith('---') || line.startsWith('+++') ? 'file'
        : line.startsWith('-') ? 'del'
        : line.startsWith('+') ? 'add'
        : line.startsWith(' >') ? 'part'
        : null;
      return cls === null ? esc(line) : `<span class="${cls}">${esc(line)}</span>`;
    })
    .join('\n');
}

function coverage(r: CampaignReport): string {
  const newly = r.points.map((p) => new Set(p.newlyCovered));
  const groups: string[] = [];
  for (const f of r.features) if (!groups.includes(f.group)) groups.push(f.group);
  const out = [
    '<section id="coverage">',
    '<h2>Coverage</h2>',
    `<p class="muted">Rows: the state features the reference run reaches; columns: the chosen points. ` +
      `<span class="cell-key on">■</span> the feature holds at the point; <span class="cell-key new">★</span> it holds, and this point was the first chosen that covers it.</p>`,
    '<div class="scroll"><table class="matrix">',
    `<thead><tr><th>feature</th>${r.points
      .map((p) => `<th${attrs({ class: 'pt', 'data-point': p.index, 'data-icount': p.icount })}>p${p.index}<br><span class="mono">${count(p.icount)}</span></th>`)
      .join('')}<th>what holding it means</th></tr></thead>`,
    '<tbody>',
  ];
  for (const g of groups) {
    out.push(`<tr class="group"><th${attrs({ colspan: r.points.length + 2 })}>${esc(g)}</th></tr>`);
    for (const f of r.features.filter((x) => x.group === g)) {
      const cells = r.points.map((p) => {
        const holds = f.points.includes(p.index);
        const isNew = holds && newly[p.index]?.has(f.id) === true;
        const cls = isNew ? 'cell new' : holds ? 'cell on' : 'cell';
        const mark = isNew ? '★' : holds ? '■' : '';
        return `<td${attrs({ class: cls, 'data-feature': f.id, 'data-point': p.index, 'data-holds': holds ? 1 : 0, title: `${f.id} ${holds ? 'holds' : 'does not hold'} at p${p.index}` })}>${mark}</td>`;
      });
      const none = f.points.length === 0 ? ' <span class="muted">(at no chosen point)</span>' : '';
      out.push(
        `<tr${attrs({ 'data-feature-row': f.id, 'data-group': f.group, 'data-kind': f.kind, 'data-points': f.points.join(' ') })}>` +
          `<th class="feature"><code>${esc(f.id)}</code> <span class="kind">${esc(f.kind)}</span></th>${cells.join('')}<td class="doc">${esc(f.doc)}${none}</td></tr>`,
      );
    }
  }
  out.push('</tbody>', '</table></div>');
  out.push(`<h3 class="sub">Never reached (${r.unreached.length})</h3>`);
  if (r.unreached.length === 0) out.push('<p>The run reaches every feature defined for this machine.</p>');
  else {
    out.push('<ul class="unreached">');
    for (const u of r.unreached) {
      out.push(`<li${attrs({ 'data-unreached': u.id, 'data-group': u.group, 'data-kind': u.kind })}><code>${esc(u.id)}</code> <span class="kind">${esc(u.kind)}</span> — ${esc(u.why)}<div class="muted">${esc(u.doc)}</div></li>`);
    }
    out.push('</ul>');
  }
  out.push('</section>');
  return out.join('\n');
}

function timelines(r: CampaignReport): string {
  const out = ['<section id="timelines">', '<h2>Migrations</h2>'];
  out.push(
    '<p class="muted">Each job\'s migration in virtual time. Pre-copy: ' +
      `<span class="swatch" style="background:${SENT_COLOUR}"></span>pages sent per round (above the axis) and ` +
      `<span class="swatch" style="background:${DIRTIED_COLOUR}"></span>pages the guest dirtied meanwhile (below), on the icount axis from the migration's start to the ` +
      `<span class="swatch" style="background:${STOP_COPY_COLOUR}"></span>stop-and-copy at the switch-over; bar heights are square roots. Then the downtime, part by part.</p>`,
  );
  for (const j of r.jobs) out.push(jobTimeline(j));
  out.push('</section>');
  return out.join('\n');
}

function jobTimeline(j: Job): string {
  const m = j.result.migration;
  const out = [
    `<article${attrs({
      class: `job ${j.result.verdict}`,
      id: jobAnchor(j.id),
      'data-job': j.id,
      'data-verdict': j.result.verdict,
      'data-point': j.point,
      'data-point-index': j.pointIndex,
      'data-setting': j.setting.name,
      'data-strategy': j.setting.strategy,
      'data-start-icount': m?.startIcount,
      'data-switch-icount': m?.switchIcount,
      'data-rounds': m?.rounds.length,
      'data-stop-copy-pages': m?.stopCopyPages,
      'data-downtime-ns': m?.downtimeNs,
    })}>`,
    `<h3>${badge(j.result.verdict)} <span class="mono">${esc(j.id)}</span> <span class="muted">${settingName(j.setting)} · point p${j.pointIndex} at icount</span> <span class="mono">${count(j.point)}</span></h3>`,
  ];
  if (j.result.cause !== null) out.push(`<p class="cause">${esc(j.result.cause)}</p>`);
  if (j.result.postMortem !== '') out.push(`<p><a href="#${esc(postMortemAnchor(j.id))}">post-mortem ↑</a></p>`);
  if (m === null) {
    out.push('<p class="muted">No migration figures: the job stopped before the migration finished.</p>', '</article>');
    return out.join('\n');
  }
  out.push(
    m.switchIcount === m.startIcount && m.rounds.length === 0
      ? `<p class="muted">switch-over at icount <span class="mono">${count(m.switchIcount)}</span> with no pre-copy: memory follows after it${m.stopCopyPages > 0 ? `; ${plural(m.stopCopyPages, 'page')} with the switch-over state` : ''}</p>`
      : `<p class="muted">migration from icount <span class="mono">${count(m.startIcount)}</span> to the switch-over at <span class="mono">${count(m.switchIcount)}</span> ` +
          `(${plural(m.switchIcount - m.startIcount, 'instruction')}) · ${plural(m.rounds.length, 'pre-copy round')} · stop-and-copy ${plural(m.stopCopyPages, 'page')}</p>`,
  );
  if (m.rounds.length > 0 || m.switchIcount > m.startIcount) out.push(roundsChart(m), roundsTable(m));
  if (m.postcopy !== null) out.push(postcopyBlock(m.postcopy));
  out.push(downtimeBlock(m), '</article>');
  return out.join('\n');
}

/** `· precopy-rounds (precopy)`, or just `· postcopy` where the name is the strategy. */
function settingName(s: LinkSetting): string {
  return s.name === s.strategy ? `· ${esc(s.name)}` : `· ${esc(s.name)} (${esc(s.strategy)})`;
}

function roundsTable(m: JobMigration): string {
  const out = [
    '<table class="rounds">',
    '<thead><tr><th>round</th><th class="num">guest ran from</th><th class="num">to</th><th class="num">pages sent</th><th class="num">pages dirtied</th><th class="num">time</th></tr></thead>',
    '<tbody>',
  ];
  for (const r of m.rounds) {
    out.push(
      `<tr${attrs({ 'data-round': r.round, 'data-pages': r.pages, 'data-dirtied': r.dirtied, 'data-start-icount': r.startIcount, 'data-end-icount': r.endIcount, 'data-ns': r.ns })}>` +
        `<td>${r.round}</td><td class="num mono">${count(r.startIcount)}</td><td class="num mono">${count(r.endIcount)}</td>` +
        `<td class="num">${count(r.pages)}</td><td class="num">${count(r.dirtied)}</td><td class="num">${duration(r.ns)}</td></tr>`,
    );
  }
  out.push(
    `<tr class="stop-copy"${attrs({ 'data-stop-copy': m.stopCopyPages })}><td>stop-and-copy</td><td class="num mono" colspan="2">at ${count(m.switchIcount)}</td>` +
      `<td class="num">${count(m.stopCopyPages)}</td><td></td><td></td></tr>`,
    '</tbody>',
    '</table>',
  );
  return out.join('\n');
}

function postcopyBlock(p: NonNullable<JobMigration['postcopy']>): string {
  return [
    `<div${attrs({ class: 'postcopy', 'data-postcopy': '', 'data-faults': p.faults, 'data-fault-pages': p.faultPages, 'data-pushed-pages': p.pushedPages, 'data-stall-ns': p.stallNs })}>`,
    `<h4>Post-copy</h4>`,
    `<p><span class="swatch" style="background:${FAULT_COLOUR}"></span>${plural(p.faults, 'fault')} pulled ${plural(p.faultPages, 'page')} · ` +
      `<span class="swatch" style="background:${SENT_COLOUR}"></span>${plural(p.pushedPages, 'page')} pushed · the guest stalled ${duration(p.stallNs)} on faults (not downtime)</p>`,
    postcopyChart(p),
    '</div>',
  ].join('\n');
}

function downtimeBlock(m: JobMigration): string {
  const total = DOWNTIME_PARTS.reduce((s, p) => s + m.downtimeParts[p.key], 0);
  const items = DOWNTIME_PARTS.map((p) => {
    const ns = m.downtimeParts[p.key];
    const share = total > 0 ? ` <span class="muted">${((ns / total) * 100).toFixed(1)}%</span>` : '';
    return `<li${attrs({ 'data-part': p.key, 'data-ns': ns })}><span class="swatch" style="background:${p.colour}"></span>${esc(p.label)} <b>${duration(ns)}</b>${share}</li>`;
  });
  return [
    '<div class="downtime">',
    `<h4>Downtime <span${attrs({ class: 'total', 'data-downtime': m.downtimeNs })}>${duration(m.downtimeNs)}</span></h4>`,
    downtimeChart(m),
    `<ul class="legend">${items.join('')}</ul>`,
    '</div>',
  ].join('\n');
}

function settings(r: CampaignReport): string {
  const row = (s: LinkSetting) =>
    `<tr${attrs({ 'data-setting': s.name, 'data-strategy': s.strategy, 'data-max-rounds': s.maxRounds, 'data-prepage': s.prepage, 'data-lead-instructions': s.leadInstructions })}>` +
    `<th class="mono">${esc(s.name)}</th><td>${esc(s.strategy)}</td><td class="mono">${esc(s.bandwidth)}</td><td class="mono">${esc(s.latency)}</td><td class="mono">${esc(s.threshold)}</td>` +
    `<td class="num">${count(s.maxRounds)}</td><td class="num">${count(s.prepage)}</td><td class="num mono">${count(s.leadInstructions)}</td><td class="doc">${esc(s.doc)}</td></tr>`;
  return [
    '<section id="settings">',
    '<h2>Link settings</h2>',
    '<div class="scroll"><table class="settings">',
    '<thead><tr><th>name</th><th>strategy</th><th>bandwidth</th><th>latency</th><th>threshold</th><th class="num">max rounds</th><th class="num">prepage</th><th class="num">lead instructions</th><th>what it exercises</th></tr></thead>',
    '<tbody>',
    ...r.settings.map(row),
    '</tbody>',
    '</table></div>',
    '</section>',
  ].join('\n');
}

const STYLE = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa;
  --match: #1a7f37; --match-bg: #dafbe1; --divergence: #cf222e; --divergence-bg: #ffebe9; --error: #9a6700; --error-bg: #fff8c5; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans", "DejaVu Sans", sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 24px; margin: 0 0 2px; }
h2 { font-size: 19px; margin: 40px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 0 0 4px; }
h3.sub { margin-top: 22px; }
h4 { font-size: 13.5px; margin: 14px 0 2px; }
a { color: #0969da; text-decoration: none; }
a:hover { text-decoration: underline; }
code, .mono, pre { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
.muted { color: var(--muted); }
nav { margin: 6px 0 0; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 16px 0 10px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 8px 16px; min-width: 104px; }
.card .v { font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .k { color: var(--muted); font-size: 12px; }
.card.match { border-color: var(--match); background: var(--match-bg); }
.card.divergence { border-color: var(--divergence); background: var(--divergence-bg); }
.card.error { border-color: var(--error); background: var(--error-bg); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 6px 0; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: var(--soft); font-weight: 600; font-size: 12.5px; border-bottom: 1px solid #afb8c1; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 11px; font-weight: 700; letter-spacing: .03em; border: 1px solid; }
.badge.match { color: var(--match); background: var(--match-bg); }
.badge.divergence { color: var(--divergence); background: var(--divergence-bg); }
.badge.error { color: var(--error); background: var(--error-bg); }
.verdict + .verdict { margin-top: 6px; }
.cause { margin: 2px 0 0; font-size: 13px; }
.verdicts td { min-width: 230px; }
.failure { border-left: 3px solid var(--divergence); padding: 2px 0 2px 12px; margin: 12px 0; }
.failure p { margin: 2px 0; }
.pm-head { margin: 14px 0 4px; }
pre.post-mortem { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; margin: 0; overflow-x: auto; line-height: 1.45; }
pre .del { color: #b31d28; background: #ffeef0; }
pre .add { color: #116329; background: #e6ffec; }
pre .hunk { color: #8250df; }
pre .file { color: var(--muted); }
pre .head { font-weight: 700; }
pre .part { background: #fff8c5; }
.matrix td.cell { width: 58px; text-align: center; border-left: 1px solid #eef1f4; font-size: 13px; }
.matrix th.pt { text-align: center; font-weight: 600; white-space: nowrap; }
.matrix .cell.on, .cell-key.on { background: #dde7fb; color: #2c4fa8; }
.matrix .cell.new, .cell-key.new { background: #4269d0; color: #fff; }
.cell-key { display: inline-block; width: 20px; text-align: center; border-radius: 3px; }
.matrix tr.group th { background: var(--soft); font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); padding-top: 8px; }
.matrix th.feature { font-weight: 400; white-space: nowrap; }
.matrix td.doc { color: var(--muted); font-size: 12.5px; }
.kind { font-size: 11px; color: var(--muted); border: 1px solid var(--line); border-radius: 8px; padding: 0 5px; }
.unreached li { margin: 4px 0; }
.job { border: 1px solid var(--line); border-left-width: 4px; border-radius: 6px; padding: 12px 16px; margin: 14px 0; }
.job.match { border-left-color: var(--match); }
.job.divergence { border-left-color: var(--divergence); }
.job.error { border-left-color: var(--error); }
.job p { margin: 2px 0; }
.rounds { font-size: 13px; }
.rounds tr.stop-copy td { color: #9a1d3a; }
svg.chart { display: block; max-width: 100%; height: auto; margin: 8px 0; }
svg.chart text { font: 11px ui-monospace, "DejaVu Sans Mono", monospace; fill: var(--fg); }
svg.chart text.tick { fill: var(--muted); }
svg.chart text.stop { fill: #9a1d3a; }
svg.chart .axis { stroke: #8c959f; stroke-width: 1; }
svg.chart .track { fill: var(--soft); }
.legend { display: flex; flex-wrap: wrap; gap: 2px 18px; list-style: none; padding: 0; margin: 4px 0; font-size: 12.5px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 5px 0 2px; vertical-align: -1px; }
.total { font-weight: 700; }
.settings td.doc { color: var(--muted); font-size: 12.5px; }
.settings th { white-space: nowrap; }
`;
