/**
 * Determinism: time is the instruction count. Nothing that simulates, records, migrates or
 * verifies may read the host's clock or its random numbers — the same inputs must give the
 * same bytes. Wall-clock reading belongs to bench/, to the CLI's progress line (src/cli/,
 * src/commands/), which report on a run and never feed it, and to a real socket's timeouts
 * and heartbeats (src/net/), which never reach a trace or a migration figure.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHECKED = ['src/machine', 'src/devices', 'src/hypervisor', 'src/migration', 'src/trace', 'src/guests', 'src/golden', 'src/campaign', 'verify'];
const FORBIDDEN = /\b(Date\.now|performance\.now|Math\.random|process\.hrtime|new Date\(|perf_hooks|crypto\.random\w*|randomBytes|randomUUID)\b/;

function tsFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Code lines only: comments say what the code does not do, and may name these. */
function codeLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let inBlock = false;
  text.split('\n').forEach((raw, i) => {
    let s = raw;
    if (inBlock) {
      const end = s.indexOf('*/');
      if (end < 0) return;
      s = s.slice(end + 2);
      inBlock = false;
    }
    s = s.replace(/\/\*.*?\*\//g, '');
    const start = s.indexOf('/*');
    if (start >= 0) {
      inBlock = true;
      s = s.slice(0, start);
    }
    s = s.replace(/\/\/.*$/, '');
    if (s.trim() !== '') out.push({ line: i + 1, text: s });
  });
  return out;
}

describe('no host clock or randomness in the simulation, trace, migration or verifier', () => {
  it('finds none in ' + CHECKED.join(', '), () => {
    const offenders: string[] = [];
    for (const dir of CHECKED) {
      for (const file of tsFiles(path.join(ROOT, dir))) {
        for (const { line, text } of codeLines(fs.readFileSync(file, 'utf8'))) {
          if (FORBIDDEN.test(text)) offenders.push(`${path.relative(ROOT, file)}:${line}: ${text.trim()}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('would catch one (the check is not vacuous)', () => {
    expect(codeLines('const t = Date.now(); // fine?').some((l) => FORBIDDEN.test(l.text))).toBe(true);
    expect(codeLines('/* Date.now() */ const x = 1;').some((l) => FORBIDDEN.test(l.text))).toBe(false);
  });
});
