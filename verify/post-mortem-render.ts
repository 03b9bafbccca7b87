/** The post-mortem as text: unified diffs, then the access sequences in two columns. */
import type { PostMortem } from './post-mortem.js';

const COLUMN = 64;

function cell(s: string | null): string {
  const t = s ?? '—';
  return t.length > COLUMN ? `${t.slice(0, COLUMN - 1)}…` : t.padEnd(COLUMN);
}

export function renderPostMortem(p: PostMortem): string {
  const out: string[] = [];
  out.push(`point: ${p.point.explanation}`);
  out.push(`a: ${p.a.dir} at icount ${p.a.icount}, ${p.a.source}`);
  out.push(`b: ${p.b.dir} at icount ${p.b.icount}, ${p.b.source}`);
  const nothing = p.cpu === null && p.devices.length === 0 && p.memory.pagesDiffering === 0;
  if (nothing) out.push('state: identical (CPU, every device, every memory page)');
  if (p.cpu !== null) {
    out.push('', `== CPU: ${p.cpu.differences} line(s) differ`, p.cpu.patch.trimEnd());
  }
  for (const d of p.devices) out.push('', `== device ${d.name}: ${d.differences} line(s) differ`, d.patch.trimEnd());
  if (p.follows.length > 0) {
    out.push('', '== what follows from what (the root is the field named after "from")');
    for (const f of p.follows) out.push(`   ${f.path} follows from ${f.follows} (${f.because})`);
  }
  if (p.memory.pagesDiffering > 0) {
    out.push('', `== memory: ${p.memory.pagesDiffering} page(s) differ${p.memory.pages.length < p.memory.pagesDiffering ? ` (first ${p.memory.pages.length} shown)` : ''}`);
    for (const m of p.memory.pages) out.push(`-- ${m.name}: ${m.differences} line(s) differ`, m.patch.trimEnd());
  }
  out.push('', p.accesses.partAt === null ? '== accesses (the streams do not part)' : `== accesses: the streams part at icount ${p.accesses.partAt}`);
  out.push(`   ${cell('a')} | b`);
  for (const r of p.accesses.rows) {
    const mark = r.divergence ? '>' : r.same ? ' ' : '!';
    out.push(` ${mark} ${cell(r.a)} ${r.same ? '|' : '≠'} ${r.b ?? '—'}`);
  }
  return out.join('\n');
}
