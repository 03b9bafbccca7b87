/**
 * The layers, as docs/design.md draws them: arrows only point down.
 *
 *   commands · demo · golden
 *   campaign       (coverage of a trace, migration jobs, reports: imported by the three above only)
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

  it('the migration engine never imports src/net (real sockets, and their wall clock, sit above it)', () => {
    expect(violations('src/migration', ['src/net', 'verify'])).toEqual([]);
    expect(violations('src/hypervisor', ['src/net', 'src/migration', 'src/trace', 'verify'])).toEqual([]);
  });

  it('the trace never imports the hypervisor or the migration engine', () => {
    expect(violations('src/trace', ['src/hypervisor', 'src/migration', 'verify'])).toEqual([]);
  });

  it('the campaign (coverage, jobs, reports) builds on machine, devices, board, trace, migration and verify only', () => {
    expect(violations('src/campaign', ['src/hypervisor', 'src/net', 'src/commands', 'src/cli', 'src/demo', 'src/golden'])).toEqual([]);
  });

  it('only the commands, the demo and the golden matrix import the campaign', () => {
    const allowed = ['src/commands/', 'src/demo/', 'src/golden/', 'src/campaign/'];
    const importers = [...sources('src'), ...sources('verify')]
      .filter((f) => !allowed.some((a) => f.startsWith(a)))
      .filter((f) => imports(f).some((t) => t.startsWith('src/campaign/')));
    expect(importers).toEqual([]);
  });

  it('no device file names a board port, window or IRQ line of its own', () => {
    const named = /export const \w*(?:_PORTS?|_IRQ|(?<!BAUD)_BASE|_SLOT)\s*=/;
    const found = sources('src/devices').filter((f) => named.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    expect(found).toEqual([]);
  });
});

describe('ports and IRQ lines come from the board', () => {
  // Board ports above the byte range, and the MMIO windows: a literal one in the hypervisor
  // means a driver named a port instead of taking it from BOARD.
  const boardLiteral = /\b0x0*(?:4d[01]|1f[0-7]|3f[6-9a-f]|cf[89a-f]|c000|ee[0-9a-f]|fe[bce][0-9a-f]{5})\b/i;
  // An I/O access to a literal port or address (register offsets are added to a base).
  const literalAccess = /\b(?:in|out)(?:8|16|32)\(\s*(?:0x[0-9a-f]+|\d+)\s*[,)]|\bmmio(?:Read|Write)\(\s*(?:0x[0-9a-f]+|\d+)\s*,/i;

  it('no hypervisor or verifier file names a board port, window or a literal I/O address', () => {
    const found: string[] = [];
    for (const f of [...sources('src/hypervisor'), ...sources('verify')]) {
      fs.readFileSync(path.join(ROOT, f), 'utf8').split('\n').forEach((line, i) => {
        // Comments, and bit masks (`& 0x3ff`), are not addresses.
        const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '').replace(/[&|^]\s*0x[0-9a-f]+/gi, '');
        if (boardLiteral.test(code) || literalAccess.test(code)) found.push(`${f}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(found).toEqual([]);
  });

  it('the checks above would catch a literal port (they are not vacuous)', () => {
    expect(boardLiteral.test('io.in8(0x3f8 + 5)')).toBe(true);
    expect(literalAccess.test('io.out8(0x43, 0x30)')).toBe(true);
    expect(literalAccess.test('io.mmioWrite(0xfee000b0, 4, 0)')).toBe(true);
    expect(literalAccess.test('io.out8(base + 3, 0x30)')).toBe(false);
  });
});

describe('no import cycles', () => {
  it('no module of src/ or verify/ imports itself through others (store and writer once did)', () => {
    const files = [...sources('src'), ...sources('verify')];
    const known = new Set(files);
    const edges = new Map(files.map((f) => [f, imports(f).filter((t) => known.has(t) && t !== f)]));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, trail: string[]): void => {
      state.set(f, 'open');
      for (const t of edges.get(f) ?? []) {
        if (state.get(t) === 'open') cycles.push([...trail.slice(trail.indexOf(t)), t].join(' → '));
        else if (!state.has(t)) visit(t, [...trail, t]);
      }
      state.set(f, 'done');
    };
    for (const f of files) if (!state.has(f)) visit(f, [f]);
    expect(cycles).toEqual([]);
  });
});
