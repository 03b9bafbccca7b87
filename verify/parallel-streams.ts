/**
 * The stream comparison on a second core: the verifier's two big jobs — reading and comparing
 * every record, and re-executing the reference — are independent, so the records are compared
 * in a worker thread while the main thread runs the machine. Where no compiled worker exists
 * (running from TypeScript sources, as the tests do), the same comparison runs in-process.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError, MigtraceError } from '../src/errors.js';
import { compareStreams, type StreamComparison } from './stream-compare.js';
import type { TracePair } from './trace-pair.js';

function workerFile(): string | null {
  // MIGTRACE_VERIFY_THREADS=1: everything on one thread (debugging, measuring).
  if (!import.meta.url.endsWith('.js') || process.env.MIGTRACE_VERIFY_THREADS === '1') return null;
  const file = fileURLToPath(new URL('./stream-worker.js', import.meta.url));
  return existsSync(file) ? file : null;
}

interface Reply {
  readonly ok: boolean;
  readonly result?: StreamComparison;
  readonly error?: { readonly name: string; readonly code?: string; readonly message: string };
}

/** compareStreams(pair) in a worker thread when one can be started, else here. */
export function compareStreamsInParallel(pair: TracePair): Promise<StreamComparison> {
  const file = workerFile();
  if (file === null) return compareStreams(pair.reference.reader, pair.destination.reader, pair.switchIcount);
  return new Promise<StreamComparison>((resolve, reject) => {
    const worker = new Worker(file, { workerData: { reference: pair.reference.dir, destination: pair.destination.dir, switchIcount: pair.switchIcount } });
    let settled = false;
    worker.once('message', (m: Reply) => {
      settled = true;
      if (m.ok) resolve(m.result!);
      else if (m.error?.name === 'InputError') reject(new InputError(m.error.code ?? 'TRACE_ERROR', m.error.message));
      else reject(new MigtraceError(m.error?.code ?? 'STREAM_COMPARE_FAILED', m.error?.message ?? 'the stream comparison failed'));
    });
    worker.once('error', (err) => {
      if (!settled) reject(err);
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new MigtraceError('STREAM_COMPARE_FAILED', `the stream comparison worker exited with code ${code}`));
      settled = true;
    });
  });
}
