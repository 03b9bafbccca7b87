/**
 * How a campaign's reference trace reaches workers on other machines: as its portable export
 * (src/trace/export.ts), stored in Redis under its content address and imported once into a
 * local cache on each worker host (docs/campaign.md, "Distributed").
 *
 * The content address is the export's own sha256 — the digest exportTrace returns and the
 * file's last 32 bytes hold: sha256 of every byte before that trailer. A worker checks the
 * bytes it got against the address before importing them, so a corrupt or truncated entry in
 * Redis is refused with one line instead of running a campaign on a different trace.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { InputError } from '../errors.js';
import { exportTrace, importTrace } from '../trace/export.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Staging imports made by this process (part of their directories' names). */
let stagingCount = 0;

/** The Redis key an export is stored under. */
export function traceKey(sha256: string): string {
  return `migtrace:trace:${sha256}`;
}

/** An export's content address: sha256 of everything before its 32-byte checksum trailer. */
export function exportAddress(bytes: Uint8Array): string {
  if (bytes.length < 32) return createHash('sha256').update(bytes).digest('hex');
  return createHash('sha256').update(bytes.subarray(0, bytes.length - 32)).digest('hex');
}

/** Where a worker keeps imported traces unless told otherwise (`migtrace worker --cache`). */
export function defaultTraceCache(): string {
  return path.join(os.homedir(), '.cache', 'migtrace', 'campaign-traces');
}

/** A trace's portable export, in memory, with its content address. */
export interface StoredExport {
  readonly sha256: string;
  readonly bytes: Buffer;
}

/** The portable export of the trace at `dir`, in memory, with its content address. */
export async function exportForStore(dir: string): Promise<StoredExport> {
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'migtrace-export-'));
  try {
    const file = path.join(tmp, 'trace.mtx');
    const { sha256 } = await exportTrace(dir, file);
    return { sha256, bytes: await fsp.readFile(file) };
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Put an export into Redis under its address unless it is there already (SET NX: the bytes
 * for one address never change, so two producers of the same trace store it once). Returns
 * whether this call stored it.
 */
export async function storeExport(redis: Redis, sha256: string, bytes: Uint8Array): Promise<boolean> {
  if (!SHA256_HEX.test(sha256)) throw new InputError('BAD_TRACE_ADDRESS', `${JSON.stringify(sha256)} is not a sha256 content address`);
  const got = exportAddress(bytes);
  if (got !== sha256) throw new InputError('TRACE_ADDRESS_MISMATCH', `an export that hashes to ${got} cannot be stored as ${sha256}`);
  return (await redis.set(traceKey(sha256), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'NX')) === 'OK';
}

/**
 * A worker host's imported traces: `<cache>/<sha256>` is a complete trace directory or absent.
 * An import is built in a temporary directory beside it and renamed into place, so two worker
 * processes on one host fetching the same trace at once both end up with the one directory
 * (the loser of the rename removes its copy); within a process, concurrent jobs share one fetch.
 */
export class TraceCache {
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly redis: Redis,
    readonly dir: string,
    /** Told about each import this process made (the worker prints it). */
    private readonly onImport: (sha256: string, dir: string) => void = () => {},
  ) {}

  /** The local trace directory for `sha256`, fetched from Redis and imported if not cached yet. */
  get(sha256: string): Promise<string> {
    if (!SHA256_HEX.test(sha256)) return Promise.reject(new InputError('BAD_TRACE_ADDRESS', `${JSON.stringify(sha256)} is not a sha256 content address`));
    let p = this.pending.get(sha256);
    if (p === undefined) {
      p = this.fetch(sha256).finally(() => this.pending.delete(sha256));
      this.pending.set(sha256, p);
    }
    return p;
  }

  private async fetch(sha256: string): Promise<string> {
    const target = path.join(this.dir, sha256);
    if (fs.existsSync(target)) return target;
    const bytes = await this.redis.getBuffer(traceKey(sha256));
    if (bytes === null) {
      throw new InputError('TRACE_NOT_STORED', `trace ${sha256} is not in Redis (no key ${traceKey(sha256)}): the campaign that queued this job did not store it, or it was deleted`);
    }
    const got = exportAddress(bytes);
    if (got !== sha256) {
      throw new InputError(
        'TRACE_ADDRESS_MISMATCH',
        `trace export ${traceKey(sha256)} in Redis is corrupt: its ${bytes.length} bytes hash to ${got}, not to their address (delete the key and run the campaign again)`,
      );
    }
    await fsp.mkdir(this.dir, { recursive: true });
    // Unique among the processes on this host (pid) and the imports of this one (counter).
    const tag = `.${sha256}.tmp-${process.pid}-${++stagingCount}`;
    const file = path.join(this.dir, `${tag}.mtx`);
    const staging = path.join(this.dir, tag);
    try {
      await fsp.writeFile(file, bytes);
      await importTrace(file, staging);
      try {
        await fsp.rename(staging, target);
      } catch (err) {
        // Another process on this host imported it first: theirs is the same trace.
        const code = (err as NodeJS.ErrnoException).code;
        if ((code === 'ENOTEMPTY' || code === 'EEXIST') && fs.existsSync(target)) return target;
        throw err;
      }
      this.onImport(sha256, target);
      return target;
    } finally {
      await fsp.rm(file, { force: true });
      await fsp.rm(staging, { recursive: true, force: true });
    }
  }
}
