/**
 * verify/ judges the migration; it must not share its code paths (DESIGN.md, Layout): no
 * file under verify/ imports src/migration or src/hypervisor.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../cli/cli.js';
import { forbiddenImports, importSpecifiers } from '../../verify/independence.js';

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('verify/ independence', () => {
  it('no verify/ file imports the migration engine or the hypervisor', () => {
    const files = tsFiles(path.join(ROOT, 'verify'));
    expect(files.length).toBeGreaterThan(5);
    const found = files.flatMap((f) => forbiddenImports(path.relative(ROOT, f), fs.readFileSync(f, 'utf8'), ROOT));
    expect(found.map((x) => `${x.file}:${x.line} imports ${x.specifier}`)).toEqual([]);
  });

  it('the checker catches every form of import into src/migration and src/hypervisor', () => {
    const sample = [
      "import { PreCopyMigration } from '../src/migration/source.js';",
      "import type { CapturedDevice } from '../src/hypervisor/api.js';",
      "export { x } from '../src/hypervisor/captured.js';",
      "const m = await import('../src/migration/link.js');",
      "import '../src/hypervisor';",
      "import { Machine } from '../src/board/machine.js';",
      "import { diffLines } from 'diff';",
    ].join('\n');
    expect(importSpecifiers(sample)).toHaveLength(7);
    const found = forbiddenImports('verify/sample.ts', sample, ROOT);
    expect(found.map((f) => f.line)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a path that only looks alike is not forbidden', () => {
    const sample = "import { x } from '../src/migration-notes.js';\nimport { y } from './hypervisor/local.js';";
    expect(forbiddenImports('verify/sample.ts', sample, ROOT)).toEqual([]);
  });
});
