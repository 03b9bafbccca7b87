/**
 * LevelDB plumbing: opening a trace directory for writing, and for reading without touching it.
 *
 * Reading never modifies the trace. LevelDB cannot open a database read-only: every open
 * rotates its LOG, replays the write-ahead log into a new table and writes a new MANIFEST.
 * So a reader opens a private snapshot: table files (immutable in LevelDB) are hard-linked
 * into a temporary directory (copied when linking is impossible, e.g. across filesystems),
 * the small MANIFEST/CURRENT/log files are copied, and LevelDB recovers the copy. A trace
 * whose recording was killed recovers there too, up to its last committed batch.
 *
 * A trace being written holds LevelDB's LOCK (a POSIX fcntl lock). A reader must refuse it
 * (copying a live database is not a consistent snapshot) and must not take the lock itself
 * (that would mean opening the original). On Linux the kernel lists every POSIX lock in
 * /proc/locks by device and inode, which a reader can check without opening anything.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Level } from 'level';
import { InputError } from '../errors.js';
import { checkLevelDbFiles } from './leveldb-check.js';

export interface TraceBatch {
  put(key: Uint8Array, value: Uint8Array): unknown;
  write(options: { sync: boolean }): Promise<void>;
}

/**
 * Where a writer's batches go: a new LevelDB (`create`), or replay's comparison against a
 * stored trace (src/trace/replay.ts), so the replay checks exactly what a recording writes.
 */
export interface TraceStore {
  batch(): TraceBatch;
  close(): Promise<void>;
}

export type TraceDb = Level<Uint8Array, Uint8Array>;

const DB_OPTIONS = { keyEncoding: 'view', valueEncoding: 'view' } as const;

function lockedError(dir: string): InputError {
  return new InputError('TRACE_LOCKED', `trace ${dir} is locked by another process (a recording is still writing it)`);
}

/** Is the LevelDB LOCK file in `dir` held (by any process, this one included)? Linux only; false elsewhere. */
export function isTraceLocked(dir: string): boolean {
  let locks: string;
  let st: fs.BigIntStats;
  try {
    st = fs.statSync(path.join(dir, 'LOCK'), { bigint: true });
    locks = fs.readFileSync('/proc/locks', 'utf8');
  } catch {
    return false;
  }
  const dev = st.dev;
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  for (const line of locks.split('\n')) {
    if (line.includes('->')) continue; // a process waiting for a lock, not holding one
    const m = /\s([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line);
    if (m === null) continue;
    if (BigInt(m[3]) === st.ino && BigInt('0x' + m[1]) === major && BigInt('0x' + m[2]) === minor) return true;
  }
  return false;
}

/** Translate classic-level's open failures into one-line input errors. */
export function translateOpenError(err: unknown, dir: string, privateDir?: string): unknown {
  const e = err as { code?: string; cause?: { code?: string; message?: string } };
  if (e.cause?.code === 'LEVEL_LOCKED') return lockedError(dir);
  if (privateDir !== undefined || e.cause?.code === 'LEVEL_CORRUPTION') return levelCorruptError(e.cause ?? err, dir, privateDir);
  return err;
}

/**
 * A LevelDB failure while reading a trace, as one line naming the trace: LevelDB's message
 * ("Corruption: ...", "IO error: /tmp/migtrace-read-XXXX/000005.ldb: ...") with the private
 * snapshot's path replaced by the trace's own.
 */
export function levelCorruptError(err: unknown, dir: string, privateDir?: string): InputError {
  const raw = err instanceof Error ? err.message : String(err);
  let text = raw.split('\n')[0].trim();
  if (privateDir !== undefined) text = text.split(privateDir).join(dir);
  text = text.replace(/\/tmp\/migtrace-read-[^/\s:]*/g, dir);
  return new InputError('TRACE_CORRUPT', `trace ${dir} is corrupt: ${text.length > 0 ? text : 'LevelDB failed to read it'}`);
}

function isLevelDbDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'CURRENT'));
}

/** Refuse, before anything is made, a directory a new trace cannot go into: an existing trace, a non-empty directory, a held lock. */
function checkNewTraceDir(dir: string): void {
  if (fs.existsSync(dir)) {
    if (!fs.statSync(dir).isDirectory()) throw new InputError('TRACE_EXISTS', `cannot write a trace at ${dir}: it is a file`);
    if (isTraceLocked(dir)) throw lockedError(dir);
    if (isLevelDbDir(dir)) throw new InputError('TRACE_EXISTS', `${dir} already holds a trace; choose a new directory`);
    if (fs.readdirSync(dir).length > 0) {
      throw new InputError('TRACE_EXISTS', `cannot write a trace into ${dir}: the directory is not empty`);
    }
  }
}

function newTraceDb(dir: string): TraceDb {
  return new Level<Uint8Array, Uint8Array>(dir, { ...DB_OPTIONS, createIfMissing: true, errorIfExists: true });
}

/** Create a new, empty trace database. Refuses an existing trace, a non-empty directory, a held lock. */
export async function createTraceDb(dir: string): Promise<TraceDb> {
  checkNewTraceDir(dir);
  const db = newTraceDb(dir);
  try {
    await db.open();
  } catch (err) {
    throw translateOpenError(err, dir);
  }
  return db;
}

/**
 * A new trace database that opens while its writer goes on: the directory is checked before
 * this returns (the same refusals as createTraceDb), LevelDB's open — which creates and syncs
 * its first MANIFEST, 10–15 ms — runs on LevelDB's thread, and the first batch written waits
 * for it. A recording thus starts its machine at once; what it records meanwhile waits in
 * memory, as it would until its first flush anyway. An open that fails fails that write.
 */
export class DeferredTraceStore implements TraceStore {
  private readonly db: TraceDb;
  private readonly opened: Promise<void>;

  constructor(readonly dir: string) {
    checkNewTraceDir(dir);
    this.db = newTraceDb(dir);
    this.opened = this.db.open().catch((err: unknown) => {
      throw translateOpenError(err, dir);
    });
    this.opened.catch(() => {}); // rethrown by the first write
  }

  batch(): TraceBatch {
    const ops: { type: 'put'; key: Uint8Array; value: Uint8Array }[] = [];
    return {
      put: (key: Uint8Array, value: Uint8Array) => {
        ops.push({ type: 'put', key, value });
      },
      write: async (options: { sync: boolean }) => {
        await this.opened;
        await this.db.batch(ops, options);
      },
    };
  }

  /** Flush LevelDB's write buffer into a table (see TraceWriter.close). */
  async compactRange(start: Uint8Array, end: Uint8Array): Promise<void> {
    await this.opened;
    await (this.db as unknown as { compactRange(a: Uint8Array, b: Uint8Array): Promise<void> }).compactRange(start, end);
  }

  async close(): Promise<void> {
    await this.opened.catch(() => {});
    await this.db.close();
  }
}

/** Refuse, with one line, anything that is not a readable trace directory. */
export function checkTraceDir(dir: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new InputError('TRACE_NOT_FOUND', `no trace at ${dir}: no such file or directory`);
  }
  if (!st.isDirectory()) {
    throw new InputError('NOT_A_TRACE', `${dir} is not a trace: it is a file (an exported trace? use import)`);
  }
  if (!isLevelDbDir(dir)) throw new InputError('NOT_A_TRACE', `${dir} is not a trace: no LevelDB database in it`);
  if (isTraceLocked(dir)) throw lockedError(dir);
}

export interface DbSnapshot {
  readonly db: TraceDb;
  /** The private copy's directory (to keep it out of messages). */
  readonly privateDir: string;
  close(): Promise<void>;
}

/** Link or copy the files LevelDB needs into `tmp`; a file that cannot be read is named, the private path is not. */
async function copyForReading(dir: string, tmp: string): Promise<void> {
  let name = '';
  try {
    for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
      if (!entry.isFile()) continue;
      name = entry.name;
      if (name === 'LOCK' || name === 'LOG' || name === 'LOG.old') continue;
      const from = path.join(dir, name);
      const to = path.join(tmp, name);
      if (/\.(ldb|sst)$/.test(name)) {
        try {
          await fsp.link(from, to);
          continue;
        } catch {
          // cross-device or unsupported: copy below
        }
      }
      await fsp.copyFile(from, to);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError('TRACE_UNREADABLE', `cannot read trace ${dir}: ${name === '' ? 'cannot list it' : `cannot read ${name}`} (${code})`);
  }
}

/** A private, openable copy of a trace directory (see the file comment); the original is only read. */
export async function openSnapshot(dir: string): Promise<DbSnapshot> {
  checkTraceDir(dir);
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'migtrace-read-'));
  const cleanup = () => fsp.rm(tmp, { recursive: true, force: true });
  try {
    await copyForReading(dir, tmp);
    if (isTraceLocked(dir)) throw lockedError(dir); // a writer started while we copied
    // LevelDB trusts table blocks without checking them, and aborts the process on some
    // damage: check the copy first (leveldb-check.ts: CRC32C at ~0.4 GB/s, a few ms for typical traces).
    const problem = checkLevelDbFiles(tmp);
    if (problem !== null) throw new InputError('TRACE_CORRUPT', `trace ${dir} is corrupt: ${problem}`);
    const db: TraceDb = new Level<Uint8Array, Uint8Array>(tmp, { ...DB_OPTIONS, createIfMissing: false });
    try {
      await db.open();
    } catch (err) {
      throw translateOpenError(err, dir, tmp);
    }
    return {
      db,
      privateDir: tmp,
      async close() {
        await db.close();
        await cleanup();
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
