/**
 * Fuzz: trace directories — bytes of their LevelDB files (tables, write-ahead log, MANIFEST,
 * CURRENT) mutated, and keys and values mutated, moved or deleted through `level` itself.
 * Every case must read back or be refused in one line, and leave the directory as it was.
 * The cases run in a child process (fixtures/trace-dir-child.ts), so a native abort in
 * LevelDB is a failure naming its case, not a dead test runner.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordSample, tempDir } from '../trace/helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VITE_NODE = fileURLToPath(new URL('../../node_modules/vite-node/vite-node.mjs', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/trace-dir-child.ts', import.meta.url));

export const TRACE_DIR_CASES = 160;

/** Run `cases` cases on copies of the trace at `sample` in a child process. */
export function runTraceDirFuzz(seed: number, cases: number, sample: string): { lines: string[]; status: number | null; signal: string | null; stderr: string } {
  const r = spawnSync(process.execPath, [VITE_NODE, CHILD, String(seed), String(cases), sample], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { lines: r.stdout.split('\n').filter((l) => l !== ''), status: r.status, signal: r.signal, stderr: r.stderr };
}

describe('fuzz: trace directories', () => {
  it(`${TRACE_DIR_CASES} damaged trace directories: each reads back or is refused in one line, none is modified, nothing aborts`, async () => {
    const started = Date.now();
    const sample = path.join(tempDir('fuzz-dir'), 'sample');
    await recordSample(sample, { steps: 400, writer: { chunkRecords: 64 } });
    const r = runTraceDirFuzz(0xd1b, TRACE_DIR_CASES, sample);
    const lastStart = [...r.lines].reverse().find((l) => l.startsWith('start '));
    expect(r.signal, `the child died (${r.signal}) at: ${lastStart}\n${r.stderr.slice(-2000)}`).toBeNull();
    expect(r.status, `exit ${r.status} at: ${lastStart}\n${r.stderr.slice(-2000)}`).toBe(0);
    expect(r.lines.filter((l) => l.startsWith('RAW ') || l.startsWith('MODIFIED '))).toEqual([]);
    expect(r.lines.at(-1)).toBe('DONE');
    const outcomes = new Map<string, number>();
    for (const l of r.lines) if (l.startsWith('ok ')) outcomes.set(l.split(' ')[2], (outcomes.get(l.split(' ')[2]) ?? 0) + 1);
    console.log(`trace-dir fuzz: ${TRACE_DIR_CASES} cases in ${Date.now() - started} ms:`, Object.fromEntries(outcomes));
    expect(outcomes.get('read') ?? 0).toBeGreaterThan(0);
  });
});
