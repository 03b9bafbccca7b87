/** Run test/trace/fixtures/record-child.ts in its own node process (through vite-node, which compiles the TypeScript). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VITE_NODE = fileURLToPath(new URL('../../node_modules/vite-node/vite-node.mjs', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/record-child.ts', import.meta.url));

export interface RecordingChild {
  readonly process: ChildProcess;
  /** Resolves with the line once the child prints a line matching `test`. */
  waitFor(test: (line: string) => boolean): Promise<string>;
  /** Every line printed so far. */
  readonly lines: string[];
  readonly exited: Promise<NodeJS.Signals | number | null>;
}

export function startRecordingChild(dir: string, mode: 'crash' | 'hold'): RecordingChild {
  const child = spawn(process.execPath, [VITE_NODE, CHILD, dir, mode], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { test: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  let partial = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => {
    partial += d.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i].test(line)) {
          waiters[i].resolve(line);
          waiters.splice(i, 1);
        }
      }
    }
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  return {
    process: child,
    lines,
    exited,
    waitFor(test) {
      const seen = lines.find(test);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ test, resolve });
        void exited.then((how) => reject(new Error(`recording child exited (${how}) before the expected output:\n${stderr}`)));
      });
    },
  };
}
