/** The built CLI (bin/run.js → dist/) as a child process that runs beside the test. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Finished {
  status: number;
  stdout: string;
  stderr: string;
}

export interface Running {
  readonly child: ChildProcess;
  readonly done: Promise<Finished>;
  /** Resolves with the first stdout line matching `re`. */
  line(re: RegExp): Promise<RegExpMatchArray>;
}

export function migtraceAsync(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'run.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...env },
  });
  let stdout = '';
  let stderr = '';
  const watchers: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString('utf8');
    for (const w of watchers.slice()) {
      const m = w.re.exec(stdout);
      if (m !== null) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const done = new Promise<Finished>((resolve) => child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr })));
  return {
    child,
    done,
    line: (re) =>
      new Promise((resolve, reject) => {
        const m = re.exec(stdout);
        if (m !== null) return resolve(m);
        watchers.push({ re, resolve });
        void done.then((f) => reject(new Error(`the CLI ended (status ${f.status}) without printing ${re}: ${f.stderr}${f.stdout}`)));
      }),
  };
}

/** `migrate --incoming` on a free loopback port: resolves once it listens. */
export async function incoming(out: string, extra: string[] = []): Promise<{ port: number; run: Running }> {
  const run = migtraceAsync(['migrate', '--incoming', 'tcp:127.0.0.1:0', '--out', out, ...extra]);
  const m = await run.line(/listening on tcp:127\.0\.0\.1:(\d+)/);
  return { port: Number(m[1]), run };
}
