/** Run the built CLI (bin/run.js → dist/) in a child process, as a user would. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function migtrace(args: string[], options: { input?: string; cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args], {
    cwd: options.cwd ?? ROOT,
    input: options.input,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...options.env },
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A refusal: one line on stderr, starting "migtrace: " and matching `pattern`, exit 2. */
export function expectRefused(r: { status: number; stderr: string }, pattern: RegExp): void {
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^migtrace: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.status).toBe(2);
}
