/**
 * xv6's and Linux 6.1's golden references (their whole recorded runs: paging, user mode, page
 * faults, task switches, self-modifying loaders) recorded with the interpreter alone
 * (MIGTRACE_COMPILER=0) and with eager compiling (nearly every block compiled the second time
 * it starts) are byte for byte their goldens both times. The compiler is on by default, so
 * the golden check (test/long/golden.test.ts) runs with it; this file keeps the interpreter's
 * side and the compiler's hardest setting. The device guests' are test/machine/compiler-traces.test.ts.
 * A Linux not built here, or built from other inputs, is skipped with the reason.
 *
 * In a child process each (dist/, as the CLI's tests): a reference runs the machine for up to
 * a minute, past vitest's fixed 60 s RPC timeout for a blocked worker.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../migration/cli.js';

interface Reference {
  readonly name: string;
  readonly golden: string;
  readonly diff?: string;
  readonly reason?: string;
}

function checkReference(guest: string, mode: '0' | 'eager'): Promise<Reference[]> {
  const golden = pathToFileURL(path.join(ROOT, 'dist', 'src', 'golden', 'golden.js')).href;
  const script =
    `const { checkGolden } = await import(${JSON.stringify(golden)});` +
    `const r = await checkGolden({ only: ${JSON.stringify(guest)}, pick: () => false });` +
    'process.stdout.write(JSON.stringify(r.results));';
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, MIGTRACE_COMPILER: mode },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      if (status !== 0) reject(new Error(`reference check of ${guest} (MIGTRACE_COMPILER=${mode}) exited ${status}: ${err}`));
      else resolve(JSON.parse(out) as Reference[]);
    });
  });
}

describe('xv6 and Linux record the same traces interpreted and compiled', () => {
  for (const guest of ['xv6', 'linux']) {
    for (const mode of ['0', 'eager'] as const) {
      it(`${guest}: the reference recorded with MIGTRACE_COMPILER=${mode} is its golden`, async () => {
        const results = await checkReference(guest, mode);
        expect(results.map((r) => r.name)).toEqual([guest]);
        const r = results[0];
        if (r.golden === 'skipped') {
          console.log(`${guest} skipped: ${r.reason ?? ''}`);
          return;
        }
        expect([r.golden, r.diff ?? '']).toEqual(['same', '']);
      }, 600_000);
    }
  }
});
