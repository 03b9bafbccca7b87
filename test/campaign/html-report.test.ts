/**
 * `campaign --html`: the report page (src/campaign/html.ts). As a string: everything in the
 * report appears, all text is escaped, the same report gives the same bytes, nothing is
 * loaded from anywhere. In a real headless browser (Debian's chromium, driven by
 * playwright-core): the page renders without errors, its charts have a size, and every number
 * read back from its data-* attributes equals the report's JSON.
 *
 * Set MIGTRACE_HTML_SCREENSHOT=/tmp/report.png to keep a full-page screenshot of the fixture.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport, writeHtmlReport } from '../../src/campaign/html.js';
import type { CampaignReport } from '../../src/campaign/types.js';
import { MigtraceError } from '../../src/errors.js';
import { loadReportFixture } from './report-fixture.js';

const report = loadReportFixture();
const html = renderHtmlReport(report);

/** How the page escapes text (html-text.ts), for looking up escaped strings in it. */
function escaped(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Every string anywhere in the report. */
function strings(x: unknown): string[] {
  if (typeof x === 'string') return [x];
  if (Array.isArray(x)) return x.flatMap(strings);
  if (typeof x === 'object' && x !== null) return Object.values(x).flatMap(strings);
  return [];
}

describe('the fixture', () => {
  it('is a consistent campaign: summary, coverage and downtime parts agree with the jobs', () => {
    const verdicts = report.jobs.map((j) => j.result.verdict);
    expect(report.summary).toMatchObject({
      points: report.points.length,
      jobs: report.jobs.length,
      match: verdicts.filter((v) => v === 'match').length,
      divergence: verdicts.filter((v) => v === 'divergence').length,
      error: verdicts.filter((v) => v === 'error').length,
      featuresReached: report.features.length,
      featuresCovered: report.features.filter((f) => f.points.length > 0).length,
    });
    for (const p of report.points) expect(p.features).toEqual(report.features.filter((f) => f.points.includes(p.index)).map((f) => f.id));
    for (const j of report.jobs) {
      const m = j.result.migration;
      if (m === null) continue;
      const parts = m.downtimeParts;
      expect(parts.captureNs + parts.lastPagesNs + parts.deviceStateNs + parts.registerWritesNs + parts.residualAlignmentNs).toBe(m.downtimeNs);
    }
    // What the tests below rely on it having.
    expect(report.settings.map((s) => s.name)).toEqual(['precopy', 'precopy-rounds', 'postcopy']);
    expect(report.summary.divergence).toBe(1);
    expect(report.summary.error).toBe(1);
    expect(report.jobs.some((j) => (j.result.migration?.rounds.length ?? 0) >= 5)).toBe(true);
    expect(report.jobs.find((j) => j.result.verdict === 'divergence')?.result.postMortem).toMatch(/<.*&|&.*</s);
  });
});

describe('the page as a string', () => {
  it('shows every job, feature, unreached feature, point, setting and failure', () => {
    for (const j of report.jobs) {
      expect(html).toContain(`data-job="${escaped(j.id)}"`);
      expect(html).toContain(`data-verdict-job="${escaped(j.id)}"`);
    }
    for (const f of report.features) {
      expect(html).toContain(`data-feature-row="${escaped(f.id)}"`);
      expect(html).toContain(escaped(f.doc));
    }
    for (const u of report.unreached) expect(html).toContain(escaped(u.why));
    for (const p of report.points) expect(html).toContain(`data-point="${p.index}" data-icount="${p.icount}"`);
    for (const s of report.settings) expect(html).toContain(`data-setting="${escaped(s.name)}"`);
    for (const f of report.failures) expect(html).toContain(escaped(f.cause));
  });

  it('escapes every string from the report (docs, causes and post-mortems hold <, > and &)', () => {
    const special = strings(report).filter((s) => /[<>&]/.test(s));
    expect(special.length).toBeGreaterThan(3);
    for (const s of special) {
      // A post-mortem is split into one span per diff line, so look for each line.
      for (const line of s.split('\n')) {
        if (!/[<>&]/.test(line)) continue;
        expect(html).toContain(escaped(line));
        expect(html).not.toContain(line);
      }
    }
  });

  it('turns markup in the report into text, never into elements', () => {
    const hostile = structuredClone(report) as { -readonly [K in keyof CampaignReport]: CampaignReport[K] } & { features: { doc: string }[] };
    hostile.features[0]!.doc = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const page = renderHtmlReport(hostile as CampaignReport);
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<img/i);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('is the same bytes for the same report', () => {
    expect(renderHtmlReport(structuredClone(report))).toBe(html);
  });

  it('loads nothing: no script, no external URL, and a policy that forbids both', () => {
    expect(html).not.toMatch(/<script|<link|<iframe|@import|url\(/i);
    expect(html.match(/\b(?:src|href)="[^"]*"/g)?.filter((a) => !a.startsWith('href="#')) ?? []).toEqual([]);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });

  it('is written as DIR/index.html, and a file where the directory should be is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'migtrace-html-'));
    try {
      const file = writeHtmlReport(report, join(dir, 'nested', 'report'));
      expect(file).toBe(join(dir, 'nested', 'report', 'index.html'));
      expect(readFileSync(file, 'utf8')).toBe(html);
      const notDir = join(dir, 'plain-file');
      writeFileSync(notDir, '');
      expect(() => writeHtmlReport(report, notDir)).toThrow(MigtraceError);
      expect(() => writeHtmlReport(report, notDir)).toThrow(/is a file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// --- In a real browser ---------------------------------------------------------------------

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`html-report.test.ts: skipping the browser tests: ${CHROMIUM} is missing (Debian: apt-get install chromium)`);

/** The part of playwright-core's API used here (typed by hand: this project's tsconfig has no DOM lib). */
interface Page {
  on(event: 'console', listener: (m: { type(): string; text(): string }) => void): void;
  on(event: 'pageerror', listener: (e: Error) => void): void;
  on(event: 'request', listener: (r: { url(): string }) => void): void;
  goto(url: string, options: { waitUntil: 'load' }): Promise<unknown>;
  title(): Promise<string>;
  evaluate<T>(f: () => T): Promise<T>;
  screenshot(options: { path: string; fullPage: boolean }): Promise<unknown>;
}
interface BrowserContext {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}
interface PlaywrightCore {
  chromium: {
    launchPersistentContext(userDataDir: string, options: { executablePath: string; headless: boolean; args: string[]; viewport: { width: number; height: number } }): Promise<BrowserContext>;
  };
}

/** The minimum of the DOM the page functions below use; they run in the browser. */
interface DomElement {
  readonly tagName: string;
  readonly textContent: string | null;
  readonly attributes: ArrayLike<{ readonly name: string; readonly value: string }>;
  getAttribute(name: string): string | null;
  closest(selector: string): DomElement | null;
  getBoundingClientRect(): { readonly width: number; readonly height: number };
}
declare const document: { querySelectorAll(selector: string): ArrayLike<DomElement> };

/** One element with data-* attributes, as read back from the page. */
interface Datum {
  readonly tag: string;
  readonly data: Record<string, string>;
  readonly text: string;
  /** The `data-job` of the job article it is in, if any. */
  readonly job: string | null;
}

/**
 * The flags keep a browser on a machine without network from reaching for one (QUIC, component
 * updates, sync, first-run pages) and from needing a sandbox or a GPU.
 */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe.skipIf(!haveChromium)('the page in headless chromium', () => {
  let dir: string;
  let context: BrowserContext;
  let page: Page;
  let url: string;
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  let data: Datum[];

  beforeAll(async () => {
    // playwright-core is a devDependency; CommonJS resolution also honours NODE_PATH.
    const { chromium } = createRequire(import.meta.url)('playwright-core') as PlaywrightCore;
    dir = mkdtempSync(join(tmpdir(), 'migtrace-html-browser-'));
    url = pathToFileURL(writeHtmlReport(report, join(dir, 'report'))).href;
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url, { waitUntil: 'load' });
    data = await page.evaluate(() =>
      Array.from(document.querySelectorAll('*')).flatMap((el) => {
        const d: Record<string, string> = {};
        for (const a of Array.from(el.attributes)) if (a.name.startsWith('data-')) d[a.name.slice(5)] = a.value;
        if (Object.keys(d).length === 0) return [];
        return [{ tag: el.tagName.toLowerCase(), data: d, text: el.textContent ?? '', job: el.closest('article[data-job]')?.getAttribute('data-job') ?? null }];
      }),
    );
    const shot = process.env.MIGTRACE_HTML_SCREENSHOT;
    if (shot !== undefined && shot !== '') await page.screenshot({ path: shot, fullPage: true });
  });

  afterAll(async () => {
    await context?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const having = (key: string, tag?: string) => data.filter((d) => key in d.data && (tag === undefined || d.tag === tag));
  const num = (s: string | undefined) => Number(s);
  /** A count as the page prints it (`12,345`) back to a number. */
  const printed = (s: string) => Number(s.replace(/,/g, '').trim());

  it('renders: its title, no console errors, nothing loaded but the file itself', async () => {
    expect(await page.title()).toBe(`migtrace campaign: ${report.trace.guest}`);
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([url]);
  });

  it('draws every chart with a size: rounds for each pre-copy, pages for each post-copy, downtime for each migration', async () => {
    const charts = await page.evaluate(() =>
      Array.from(document.querySelectorAll('svg.chart')).map((el) => {
        const box = el.getBoundingClientRect();
        return { chart: el.getAttribute('data-chart'), width: box.width, height: box.height };
      }),
    );
    for (const c of charts) {
      expect(c.width).toBeGreaterThan(100);
      expect(c.height).toBeGreaterThan(10);
    }
    const migrations = report.jobs.flatMap((j) => (j.result.migration === null ? [] : [j.result.migration]));
    const kinds = (k: string) => charts.filter((c) => c.chart === k).length;
    expect(kinds('rounds')).toBe(migrations.filter((m) => m.rounds.length > 0).length);
    expect(kinds('postcopy')).toBe(migrations.filter((m) => m.postcopy !== null).length);
    expect(kinds('downtime')).toBe(migrations.length);
  });

  it('shows the summary and the trace as in the JSON', () => {
    const fields = new Map(having('field').map((d) => [d.data.field!, d]));
    for (const [key, value] of Object.entries(report.summary)) {
      const d = fields.get(`summary.${key}`);
      expect(d, key).toBeDefined();
      expect(num(d!.data.value)).toBe(value);
      expect(d!.text).toBe(String(value));
    }
    expect(fields.get('trace.guest')?.text).toBe(report.trace.guest);
    expect(fields.get('trace.sha256')?.data.value).toBe(report.trace.sha256);
    expect(report.trace.sha256.startsWith(fields.get('trace.sha256')!.text)).toBe(true);
    expect(num(fields.get('trace.endIcount')?.data.value)).toBe(report.trace.endIcount);
    expect(printed(fields.get('trace.endIcount')!.text)).toBe(report.trace.endIcount);
    expect(num(fields.get('unreached.length')?.data.value)).toBe(report.unreached.length);
  });

  it("shows each job's migration: start, switch-over, rounds, stop-and-copy, downtime and its parts, post-copy figures", () => {
    const articles = having('job', 'article');
    expect(articles.map((a) => a.data.job)).toEqual(report.jobs.map((j) => j.id));
    for (const j of report.jobs) {
      const a = articles.find((x) => x.data.job === j.id)!;
      const m = j.result.migration;
      expect(a.data).toMatchObject({ verdict: j.result.verdict, setting: j.setting.name, strategy: j.setting.strategy });
      expect(num(a.data.point)).toBe(j.point);
      expect(num(a.data['point-index'])).toBe(j.pointIndex);
      const inJob = (key: string, tag?: string) => having(key, tag).filter((d) => d.job === j.id);
      if (m === null) {
        expect(a.data['downtime-ns']).toBeUndefined();
        expect(inJob('round')).toEqual([]);
        continue;
      }
      expect(num(a.data['start-icount'])).toBe(m.startIcount);
      expect(num(a.data['switch-icount'])).toBe(m.switchIcount);
      expect(num(a.data.rounds)).toBe(m.rounds.length);
      expect(num(a.data['stop-copy-pages'])).toBe(m.stopCopyPages);
      expect(num(a.data['downtime-ns'])).toBe(m.downtimeNs);
      expect(num(inJob('downtime')[0]?.data.downtime)).toBe(m.downtimeNs);

      // The rounds table: attributes and the printed cells.
      const rows = inJob('round', 'tr');
      expect(rows.map((r) => ({ round: num(r.data.round), pages: num(r.data.pages), dirtied: num(r.data.dirtied), startIcount: num(r.data['start-icount']), endIcount: num(r.data['end-icount']), ns: num(r.data.ns) }))).toEqual(m.rounds);
      // The chart's bars: one for pages sent and one for pages dirtied per round.
      expect(inJob('pages', 'rect').map((r) => [num(r.data.round), num(r.data.pages)])).toEqual(m.rounds.map((r) => [r.round, r.pages]));
      expect(inJob('dirtied', 'rect').map((r) => [num(r.data.round), num(r.data.dirtied)])).toEqual(m.rounds.map((r) => [r.round, r.dirtied]));
      if (m.rounds.length > 0) {
        expect(inJob('stop-copy-pages', 'rect').map((r) => num(r.data['stop-copy-pages']))).toEqual([m.stopCopyPages]);
        expect(inJob('stop-copy', 'tr').map((r) => num(r.data['stop-copy']))).toEqual([m.stopCopyPages]);
      }

      // Downtime parts: the legend lists all five, the bar draws the non-zero ones.
      const parts = Object.fromEntries(inJob('part', 'li').map((d) => [d.data.part!, num(d.data.ns)]));
      expect(parts).toEqual(m.downtimeParts);
      const drawn = Object.fromEntries(inJob('ns', 'rect').map((d) => [d.data.part!, num(d.data.ns)]));
      expect(drawn).toEqual(Object.fromEntries(Object.entries(m.downtimeParts).filter(([, ns]) => ns > 0)));

      const pc = inJob('postcopy');
      if (m.postcopy === null) expect(pc).toEqual([]);
      else {
        expect(pc).toHaveLength(1);
        const d = pc[0]!.data;
        expect({ faults: num(d.faults), faultPages: num(d['fault-pages']), pushedPages: num(d['pushed-pages']), stallNs: num(d['stall-ns']) }).toEqual(m.postcopy);
      }
    }
  });

  it('prints the round figures it carries in attributes', () => {
    for (const r of having('round', 'tr')) {
      // Cells: round, from, to, pages, dirtied, time.
      const cells = r.text;
      for (const key of ['start-icount', 'end-icount', 'pages', 'dirtied']) expect(cells).toContain(num(r.data[key]).toLocaleString('en-US'));
    }
  });

  it('shows the coverage matrix: a cell per feature and point, filled exactly where the feature holds', () => {
    const heads = having('icount', 'th');
    expect(heads.map((h) => [num(h.data.point), num(h.data.icount)])).toEqual(report.points.map((p) => [p.index, p.icount]));
    const cells = having('holds', 'td');
    expect(cells).toHaveLength(report.features.length * report.points.length);
    for (const f of report.features) {
      for (const p of report.points) {
        const c = cells.find((x) => x.data.feature === f.id && num(x.data.point) === p.index);
        expect(c, `${f.id} at p${p.index}`).toBeDefined();
        expect(c!.data.holds).toBe(f.points.includes(p.index) ? '1' : '0');
        expect(c!.text !== '').toBe(f.points.includes(p.index));
      }
    }
    const rows = having('feature-row', 'tr');
    expect(rows.map((r) => ({ id: r.data['feature-row'], group: r.data.group, kind: r.data.kind }))).toEqual(
      // Grouped: the page keeps each group's features together, in order of first appearance.
      [...new Set(report.features.map((f) => f.group))].flatMap((g) => report.features.filter((f) => f.group === g).map((f) => ({ id: f.id, group: f.group, kind: f.kind }))),
    );
    const unreached = having('unreached', 'li');
    expect(unreached.map((u) => u.data.unreached)).toEqual(report.unreached.map((u) => u.id));
    for (const u of report.unreached) expect(unreached.find((x) => x.data.unreached === u.id)!.text).toContain(u.why);
  });

  it('shows a verdict per point and setting, the failures with their jobs, and each post-mortem as its exact text', () => {
    const entries = having('verdict-job');
    expect(entries.map((e) => e.data['verdict-job'])).toEqual(
      report.points.flatMap((p) => report.settings.flatMap((s) => report.jobs.filter((j) => j.pointIndex === p.index && j.setting.name === s.name).map((j) => j.id))),
    );
    for (const j of report.jobs) {
      const e = entries.find((x) => x.data['verdict-job'] === j.id)!;
      expect(e.data.verdict).toBe(j.result.verdict);
      expect(e.text).toContain(j.result.verdict.toUpperCase());
      if (j.result.cause !== null) expect(e.text).toContain(j.result.cause);
      expect(e.data['divergence-icount'] === undefined ? null : num(e.data['divergence-icount'])).toBe(j.result.divergenceIcount);
    }
    const failures = having('failure');
    expect(failures.map((f) => ({ field: f.data['field-name'], jobs: f.data.jobs!.split(' ') }))).toEqual(report.failures.map((f) => ({ field: f.field, jobs: [...f.jobs] })));
    const postMortems = having('post-mortem', 'pre');
    expect(Object.fromEntries(postMortems.map((p) => [p.data['post-mortem'], p.text]))).toEqual(
      Object.fromEntries(report.jobs.filter((j) => j.result.postMortem !== '').map((j) => [j.id, j.result.postMortem])),
    );
  });

  it('lists the link settings', () => {
    const rows = having('setting', 'tr');
    expect(rows.map((r) => ({ name: r.data.setting, strategy: r.data.strategy, maxRounds: num(r.data['max-rounds']), prepage: num(r.data.prepage), leadInstructions: num(r.data['lead-instructions']) }))).toEqual(
      report.settings.map((s) => ({ name: s.name, strategy: s.strategy, maxRounds: s.maxRounds, prepage: s.prepage, leadInstructions: s.leadInstructions })),
    );
    for (const s of report.settings) {
      const text = rows.find((r) => r.data.setting === s.name)!.text;
      for (const v of [s.bandwidth, s.latency, s.threshold, s.doc]) expect(text).toContain(v);
    }
  });
});
