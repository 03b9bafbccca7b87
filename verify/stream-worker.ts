/**
 * Worker thread entry: compares two traces' record streams (stream-compare.ts) while the
 * main thread re-executes the reference and compares state. Each side opens its own
 * read-only snapshots of the traces (store.ts), so nothing is shared but the answer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TraceReader } from '../src/trace/reader.js';
import { compareStreams } from './stream-compare.js';

interface Job {
  readonly reference: string;
  readonly destination: string;
  readonly switchIcount: number;
}

const job = workerData as Job;
const readers: TraceReader[] = [];
try {
  readers.push(await TraceReader.open(job.reference));
  readers.push(await TraceReader.open(job.destination));
  parentPort!.postMessage({ ok: true, result: await compareStreams(readers[0], readers[1], job.switchIcount) });
} catch (err) {
  const e = err as Error & { code?: string };
  parentPort!.postMessage({ ok: false, error: { name: e.name, code: e.code, message: e.message } });
} finally {
  await Promise.all(readers.map((r) => r.close()));
}
