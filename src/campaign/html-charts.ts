/**
 * The HTML report's charts as inline SVG (html.ts): a pre-copy migration's rounds on an icount
 * axis, the downtime split into its parts, post-copy's pages. Every figure drawn is also in the
 * tables beside the chart; a chart only adds the shape. Coordinates are rounded to 0.1 px so
 * that the same migration gives the same bytes.
 */
import { attrs, count, duration, esc, plural } from './html-text.js';
import type { JobMigration } from './types.js';

/** The page's content width (html.ts: main's 1180 px less padding and the job's border); narrower windows scale it down. */
const WIDTH = 1040;

export interface DowntimePart {
  readonly key: keyof JobMigration['downtimeParts'];
  readonly label: string;
  readonly colour: string;
  /** Text on the colour. */
  readonly ink: string;
}

/** In the order docs/migration-figures.md lists them for the stopped guest: capture first. */
export const DOWNTIME_PARTS: readonly DowntimePart[] = [
  { key: 'captureNs', label: 'capture', colour: '#a463f2', ink: '#fff' },
  { key: 'lastPagesNs', label: 'last pages', colour: '#4269d0', ink: '#fff' },
  { key: 'deviceStateNs', label: 'device state', colour: '#6cc5b0', ink: '#1f2328' },
  { key: 'registerWritesNs', label: 'register writes', colour: '#efb118', ink: '#1f2328' },
  { key: 'residualAlignmentNs', label: 'residual alignment', colour: '#ff725c', ink: '#1f2328' },
];

export const SENT_COLOUR = '#4269d0';
export const DIRTIED_COLOUR = '#efb118';
export const STOP_COPY_COLOUR = '#d03050';
export const FAULT_COLOUR = '#ff725c';

function px(x: number): string {
  return String(Math.round(x * 10) / 10);
}

function svgOpen(width: number, height: number, label: string, extra: Record<string, string | number> = {}): string {
  return `<svg${attrs({ class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, ...extra })}>`;
}

/**
 * Pre-copy's rounds as a mirrored bar chart on the icount axis from the migration's start to
 * the switch-over: pages sent in a round above the axis, pages the guest dirtied meanwhile
 * below it (what the next round or the stop-and-copy sends), the stop-and-copy at the
 * switch-over. Bar heights are square roots: round 1 sends all of memory, later rounds a few
 * pages, and both must stay visible.
 */
export function roundsChart(m: JobMigration): string {
  const top = 20;
  const lane = 72;
  const axis = top + lane;
  const height = axis + lane + 26;
  const left = 8;
  const plot = WIDTH - left - 22;
  const span = Math.max(1, m.switchIcount - m.startIcount);
  const x = (icount: number) => left + (Math.min(Math.max(icount, m.startIcount), m.switchIcount) - m.startIcount) / span * plot;
  const most = Math.max(1, m.stopCopyPages, ...m.rounds.flatMap((r) => [r.pages, r.dirtied]));
  const h = (pages: number) => (pages === 0 ? 0 : Math.max(1.5, Math.sqrt(pages / most) * (lane - 4)));

  const out = [svgOpen(WIDTH, height, `pre-copy rounds from icount ${m.startIcount} to the switch-over at ${m.switchIcount}`, { 'data-chart': 'rounds' })];
  for (const r of m.rounds) {
    const x0 = x(r.startIcount);
    const w = Math.max(1.5, x(r.endIcount) - x0 - 1);
    const title = `<title>round ${r.round}: ${plural(r.pages, 'page')} sent in ${duration(r.ns)} while the guest ran ${count(r.startIcount)}→${count(r.endIcount)} and dirtied ${plural(r.dirtied, 'page')}</title>`;
    const hs = h(r.pages);
    const hd = h(r.dirtied);
    out.push(
      `<rect${attrs({ x: px(x0), y: px(axis - hs), width: px(w), height: px(hs), fill: SENT_COLOUR, 'data-round': r.round, 'data-pages': r.pages })}>${title}</rect>`,
      `<rect${attrs({ x: px(x0), y: axis, width: px(w), height: px(hd), fill: DIRTIED_COLOUR, 'data-round': r.round, 'data-dirtied': r.dirtied })}>${title}</rect>`,
    );
    const label = w >= 90 ? `round ${r.round} · ${count(r.pages)}` : w >= 22 ? `R${r.round}` : null;
    if (label !== null) out.push(`<text${attrs({ x: px(x0 + w / 2), y: px(axis - hs - 4), 'text-anchor': 'middle' })}>${esc(label)}</text>`);
    if (w >= 90 && r.dirtied > 0) out.push(`<text${attrs({ x: px(x0 + w / 2), y: px(axis + Math.min(hd, lane - 14) + 12), 'text-anchor': 'middle' })}>${esc(`${count(r.dirtied)} dirtied`)}</text>`);
  }

  const xs = x(m.switchIcount);
  const hc = h(m.stopCopyPages);
  out.push(
    `<line${attrs({ x1: px(xs), y1: 4, x2: px(xs), y2: axis + lane, stroke: STOP_COPY_COLOUR, 'stroke-width': 1.5, 'stroke-dasharray': '3 2' })}/>`,
    `<rect${attrs({ x: px(xs + 2), y: px(axis - hc), width: 6, height: px(hc), fill: STOP_COPY_COLOUR, 'data-stop-copy-pages': m.stopCopyPages })}><title>stop-and-copy: ${plural(m.stopCopyPages, 'page')} at icount ${count(m.switchIcount)}</title></rect>`,
    `<text${attrs({ x: px(xs - 4), y: 12, 'text-anchor': 'end', class: 'stop' })}>stop-and-copy · ${esc(plural(m.stopCopyPages, 'page'))}</text>`,
    `<line${attrs({ x1: left, y1: axis, x2: px(left + plot), y2: axis, class: 'axis' })}/>`,
  );
  const ticks = 4;
  for (let i = 0; i <= ticks; i++) {
    const icount = Math.round(m.startIcount + (span * i) / ticks);
    const tx = x(icount);
    const anchor = i === 0 ? 'start' : i === ticks ? 'end' : 'middle';
    out.push(
      `<line${attrs({ x1: px(tx), y1: axis + lane, x2: px(tx), y2: axis + lane + 4, class: 'axis' })}/>`,
      `<text${attrs({ x: px(i === ticks ? tx + 8 : tx), y: axis + lane + 16, 'text-anchor': anchor, class: 'tick' })}>${count(icount)}</text>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}

/** Downtime as one stacked bar, a segment per part (parts of 0 ns draw nothing). */
export function downtimeChart(m: JobMigration): string {
  const height = 26;
  const total = DOWNTIME_PARTS.reduce((s, p) => s + m.downtimeParts[p.key], 0);
  const out = [svgOpen(WIDTH, height, `downtime ${duration(m.downtimeNs)} in parts`, { 'data-chart': 'downtime' })];
  out.push(`<rect${attrs({ x: 0, y: 0, width: WIDTH, height, class: 'track' })}/>`);
  let at = 0;
  for (const p of DOWNTIME_PARTS) {
    const ns = m.downtimeParts[p.key];
    if (ns <= 0 || total <= 0) continue;
    const w = (ns / total) * WIDTH;
    out.push(`<rect${attrs({ x: px(at), y: 0, width: px(Math.max(1, w)), height, fill: p.colour, 'data-part': p.key, 'data-ns': ns })}><title>${esc(`${p.label}: ${duration(ns)}`)}</title></rect>`);
    if (w >= 70) out.push(`<text${attrs({ x: px(at + w / 2), y: 17, 'text-anchor': 'middle', style: `fill:${p.ink}` })}>${esc(duration(ns))}</text>`);
    at += w;
  }
  out.push('</svg>');
  return out.join('\n');
}

/** Post-copy's pages after the switch-over: pulled by the destination's faults, pushed by the source. */
export function postcopyChart(p: NonNullable<JobMigration['postcopy']>): string {
  const height = 26;
  const total = p.faultPages + p.pushedPages;
  const out = [svgOpen(WIDTH, height, `post-copy: ${p.faultPages} pages faulted in, ${p.pushedPages} pushed`, { 'data-chart': 'postcopy' })];
  out.push(`<rect${attrs({ x: 0, y: 0, width: WIDTH, height, class: 'track' })}/>`);
  const wf = total === 0 ? 0 : (p.faultPages / total) * WIDTH;
  const segments: [number, number, string, string, string, string][] = [
    [0, wf, FAULT_COLOUR, '#1f2328', 'fault-pages', `${plural(p.faultPages, 'page')} faulted in`],
    [wf, WIDTH - wf, SENT_COLOUR, '#fff', 'pushed-pages', `${plural(p.pushedPages, 'page')} pushed`],
  ];
  for (const [x0, w, fill, ink, part, text] of segments) {
    if (total === 0 || w <= 0) continue;
    out.push(`<rect${attrs({ x: px(x0), y: 0, width: px(Math.max(1, w)), height, fill, 'data-part': part })}><title>${esc(text)}</title></rect>`);
    if (w >= 150) out.push(`<text${attrs({ x: px(x0 + w / 2), y: 17, 'text-anchor': 'middle', style: `fill:${ink}` })}>${esc(text)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n');
}
