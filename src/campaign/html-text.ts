/**
 * Text for the HTML report (html.ts): escaping and number formats. The report is the same
 * bytes for the same campaign, so formats name their locale and never read the host's.
 */

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an element's content or a quoted attribute value. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

export type AttrValue = string | number | null | undefined;

/**
 * ` name="value"` pairs in the order given; null and undefined are left out. Numbers are
 * written with `String`, which `Number` reads back exactly — the browser test compares them
 * with the JSON.
 */
export function attrs(pairs: Readonly<Record<string, AttrValue>>): string {
  let out = '';
  for (const [name, value] of Object.entries(pairs)) {
    if (value === null || value === undefined) continue;
    out += ` ${name}="${esc(String(value))}"`;
  }
  return out;
}

/** A count or an icount as the text reports print them (verify/report.ts): `12,345,678`. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** A virtual-time duration in the unit that reads best; `migrate` prints milliseconds to 3 places. */
export function duration(ns: number): string {
  if (ns === 0) return '0';
  if (ns < 1e3) return `${Number(ns.toFixed(1))} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(1)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(3)} ms`;
  return `${(ns / 1e9).toFixed(3)} s`;
}

/** `1 page`, `3 pages`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}
