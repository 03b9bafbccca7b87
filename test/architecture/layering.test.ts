/**
 * The layers, as docs/design.md draws them: arrows only point down.
 *
 *   commands · demo · golden
 *   verify/ · migration · hypervisor · trace
 *   board          (what is wired where: builds the devices, the Machine)
 *   devices        (one model per chip; given their ports and lines by the board)
 *   machine        (CPU, memory, bus, clock, interrupt fabric)
 *
 * Ports and IRQ numbers live in src/board/layout.ts only: a device is handed its wiring, a
 * hypervisor driver reads it from the board.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(rel));
    else if (e.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

/** Relative imports of a file, resolved to paths from the repository root. */
function imports(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    out.push(path.normalize(path.join(path.dirname(file), m[1])).replace(/\.js$/, '.ts'));
  }
  return out;
}

function violations(dir: string, forbidden: readonly string[]): string[] {
  const out: string[] = [];
  for (const f of sources(dir)) {
    for (const target of imports(f)) {
      if (forbidden.some((x) => target === x || target.startsWith(`${x}/`))) out.push(`${f} imports ${target}`);
    }
  }
  return out;
}

describe('layering', () => {
  it('src/machine imports neither the devices nor the board (nor anything above them)', () => {
    expect(violations('src/machine', ['src/devices', 'src/board', 'src/hypervisor', 'src/trace', 'src/migration', 'verify'])).toEqual([]);
  });

  it('devices never import the board, the hypervisor, the trace or the migration engine', () => {
    expect(violations('src/devices', ['src/board', 'src/hypervisor', 'src/trace', 'src/migration', 'verify'])).toEqual([]);
  });

  it('the board imports neither the hypervisor, the trace, the migration engine nor the verifier', () => {
    expect(violations('src/board', ['src/hypervisor', 'src/trace', 'src/migration', 'verify'])).toEqual([]);
  });

  it('the trace never imports the hypervisor or the migration engine', () => {
    expect(violations('src/trace', ['src/hypervisor', 'src/migration', 'verify'])).toEqual([]);
  });

  it('no device file names a board port, window or IRQ line of its own', () => {
    const named = /export const \w*(?:_PORTS?|_IRQ|(?<!BAUD)_BASE|_SLOT)\s*=/;
    const found = sources('src/devices').filter((f) => named.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    expect(found).toEqual([]);
  });
});
