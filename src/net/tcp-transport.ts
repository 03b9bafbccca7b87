/**
 * The TCP transport: a migration between two processes (node:net).
 *
 *     destination:  migtrace migrate --incoming tcp:127.0.0.1:7000 --out DEST
 *     source:       migtrace migrate TRACE --at ICOUNT --to tcp:127.0.0.1:7000
 *
 * The source side is ordinary asynchronous socket code. The destination side must be
 * synchronous (transport.ts: a post-copy page fault is answered in the middle of an
 * instruction), so a worker thread owns its socket and copies what arrives into a ring in
 * shared memory; the machine's thread reads the ring, waiting with Atomics.wait when it is
 * empty, and posts what it sends to the worker. Listeners bind to the address given, which
 * is loopback unless told otherwise ("tcp:PORT" means 127.0.0.1).
 *
 * A connection that closes or fails mid-stream is a LinkDropped on either side, naming the
 * peer and how many bytes had crossed.
 *
 * Timeouts and heartbeats (docs/tcp-migration.md): once connected, each side sends a HEARTBEAT
 * section every HEARTBEAT_MS when it has sent nothing else (the destination's worker does it
 * even while the machine's thread runs the guest; the source between slices of a long run,
 * SourceLink.keepAlive), and each side gives up with a LinkTimeout naming what it awaited when
 * nothing at all has arrived for its timeout. Heartbeats are link-level: readers skip them, so
 * they never change the stream's sections or its hash.
 *
 * Why this is src/net/ and not src/migration/: this module reads the host's clock (Date.now),
 * for a real socket's timeouts and heartbeats — and only for those. Nothing it measures reaches
 * a trace, a stream section or a migration figure (those are virtual time), so the determinism
 * rule for simulation and migration code holds; test/machine/no-host-clock.test.ts checks that
 * src/net is the only such place below the CLI.
 */
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { InputError } from '../errors.js';
import { LinkDropped, LinkTimeout } from '../migration/errors.js';
import { HEARTBEAT_FRAME, StreamReader, type RawSection } from '../migration/stream.js';
import type { DestinationLink, SourceLink } from '../migration/transport.js';

export interface TcpAddress {
  readonly host: string;
  readonly port: number;
}

/** "tcp:HOST:PORT", "tcp:[::1]:PORT" or "tcp:PORT" (loopback). */
export function parseTcpAddress(text: string, what: string): TcpAddress {
  const m = /^tcp:(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(text.trim());
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || port > 65535) {
    throw new InputError('BAD_ADDRESS', `${what}: "${text}" is not a TCP address (examples: tcp:127.0.0.1:7000, tcp:7000)`);
  }
  const host = m[1] === undefined ? '127.0.0.1' : m[1].replace(/^\[|\]$/g, '');
  return { host, port };
}

/** A connected side sends a HEARTBEAT when it has sent nothing for this long. */
export const HEARTBEAT_MS = 500;
/** --timeout's default: nothing from the peer, not even a heartbeat, for this long. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** The shortest --timeout: several heartbeats must fit in it. */
export const MIN_TIMEOUT_MS = 2_000;

export interface TcpOptions {
  /** Give up when nothing (not even a heartbeat) has come from the peer for this long. */
  readonly timeoutMs?: number;
  /** Send a heartbeat after this long without sending (tests shorten or stretch it). */
  readonly heartbeatMs?: number;
}

/** "30s", "500ms", "2m", "45" (seconds) → milliseconds, at least MIN_TIMEOUT_MS. */
export function parseTimeout(text: string, what = '--timeout'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min)?\s*$/i.exec(text);
  if (m === null) throw new InputError('BAD_TIMEOUT', `${what}: "${text}" is not a duration (examples: 30s, 2m, 5000ms)`);
  const unit = (m[2] ?? 's').toLowerCase();
  const ms = Math.round(Number(m[1]) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000));
  if (ms < MIN_TIMEOUT_MS) {
    throw new InputError('BAD_TIMEOUT', `${what} ${text} is too short: at least ${MIN_TIMEOUT_MS / 1000}s (peers send a heartbeat every ${HEARTBEAT_MS} ms)`);
  }
  return ms;
}

export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function timedOut(timeoutMs: number, what: string, peer: string): LinkTimeout {
  return new LinkTimeout(`timed out after ${formatDuration(timeoutMs)} waiting for ${what}: nothing, not even a heartbeat, came from ${peer}`);
}

export function formatAddress(a: TcpAddress): string {
  return `tcp:${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

// ---------------------------------------------------------------- source side

class TcpSourceLink implements SourceLink {
  private readonly reader: StreamReader;
  private readonly queued: RawSection[] = [];
  private readonly waiting: { resolve: (s: RawSection) => void; reject: (e: Error) => void }[] = [];
  private readonly drains: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private handler: ((s: RawSection) => boolean) | null = null;
  private serving: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  private sent = 0;
  private finished = false;
  awaiting = 'the destination';
  private readonly timeoutMs: number;
  private readonly heartbeatMs: number;
  private readonly ticker: NodeJS.Timeout;
  private readonly tickMs: number;
  private lastTick: number;
  private lastSent: number;
  /** Quiet time counted while something waited on the peer (see tick). */
  private idleMs = 0;

  constructor(
    private readonly socket: net.Socket,
    readonly peer: string,
    options: TcpOptions = {},
  ) {
    this.reader = new StreamReader(`migration stream from ${peer} (destination → source)`);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
    this.tickMs = Math.max(20, Math.min(this.heartbeatMs, this.timeoutMs / 8));
    this.lastTick = this.lastSent = Date.now();
    this.ticker = setInterval(() => this.tick(), this.tickMs);
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('drain', () => {
      for (const d of this.drains.splice(0)) d.resolve();
    });
    socket.on('error', (err) => this.drop(`failed (${err.message})`));
    socket.on('close', () => this.drop('closed'));
  }

  send(bytes: Uint8Array): void {
    if (this.failure !== null) throw this.failure;
    this.sent += bytes.length;
    this.lastSent = Date.now();
    this.socket.write(bytes);
  }

  keepAlive(): void {
    // Only between whole sections, and after the stream header (the first send carries it).
    if (this.failure !== null || this.sent === 0 || Date.now() - this.lastSent < this.heartbeatMs) return;
    this.lastSent = Date.now();
    this.socket.write(HEARTBEAT_FRAME);
  }

  /**
   * Heartbeats out, and the idle clock. Quiet time counts only while something waits on the
   * peer, and a tick that comes late (the thread was busy running the guest, with the peer's
   * heartbeats queued unread) counts as at most two ticks.
   */
  private tick(): void {
    const now = Date.now();
    const elapsed = now - this.lastTick;
    this.lastTick = now;
    this.keepAlive();
    const waiting = this.waiting.length > 0 || this.drains.length > 0 || this.serving !== null;
    if (!waiting) return;
    this.idleMs += Math.min(elapsed, 2 * this.tickMs);
    if (this.idleMs >= this.timeoutMs) {
      this.fail(timedOut(this.timeoutMs, this.awaiting, this.peer));
      this.socket.destroy();
    }
  }

  flush(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (!this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve, reject) => this.drains.push({ resolve, reject }));
  }

  receive(): Promise<RawSection> {
    const s = this.queued.shift();
    if (s !== undefined) return Promise.resolve(s);
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  serve(handler: (s: RawSection) => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      this.handler = handler;
      this.serving = { resolve, reject };
      this.deliver();
      if (this.handler !== null && this.failure !== null) this.endServing(this.failure);
    });
  }

  close(): void {
    this.finished = true;
    clearInterval(this.ticker);
    this.socket.end();
  }

  private received(chunk: Buffer): void {
    this.idleMs = 0;
    try {
      this.reader.push(chunk);
      for (let s = this.reader.next(); s !== null; s = this.reader.next()) this.queued.push(s);
    } catch (err) {
      this.fail(err as Error);
      this.socket.destroy();
      return;
    }
    this.deliver();
  }

  private deliver(): void {
    while (this.queued.length > 0) {
      if (this.handler !== null) {
        if (this.handler(this.queued.shift()!)) this.endServing(null);
      } else if (this.waiting.length > 0) {
        this.waiting.shift()!.resolve(this.queued.shift()!);
      } else {
        return;
      }
    }
  }

  private endServing(err: Error | null): void {
    const s = this.serving;
    this.handler = null;
    this.serving = null;
    if (s !== null) {
      if (err === null) s.resolve();
      else s.reject(err);
    }
  }

  private drop(how: string): void {
    if (this.failure !== null) return;
    if (this.finished && how === 'closed') {
      this.fail(new LinkDropped(`the connection to ${this.peer} was closed`));
      return;
    }
    this.fail(new LinkDropped(`the connection to ${this.peer} ${how} mid-stream, after ${this.sent} bytes sent`));
  }

  private fail(err: Error): void {
    if (this.failure !== null) return;
    this.failure = err;
    clearInterval(this.ticker);
    for (const w of this.waiting.splice(0)) w.reject(err);
    for (const d of this.drains.splice(0)) d.reject(err);
    if (this.handler !== null) this.endServing(err);
  }
}

/** Connect to a destination that is listening (`migrate --incoming`). */
export function connectSource(address: TcpAddress, options: TcpOptions = {}): Promise<SourceLink> {
  const peer = formatAddress(address);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address.host, port: address.port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new LinkTimeout(`timed out after ${formatDuration(timeoutMs)} connecting to ${peer}`));
    }, timeoutMs);
    const failed = (err: Error) => {
      clearTimeout(timer);
      reject(
        new LinkDropped(
          `cannot connect to ${peer}: ${(err as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? 'connection refused (is `migtrace migrate --incoming` listening there?)' : err.message}`,
        ),
      );
    };
    socket.once('error', failed);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', failed);
      resolve(new TcpSourceLink(socket, peer, options));
    });
  });
}

// ---------------------------------------------------------------- destination side

/** Control words in shared memory. */
const STATE = 0; // 0 listening, 1 connected, 2 closed by the peer, 3 failed
const SEQ = 1; // bumped on every change (Atomics.wait on it)
const USED = 2; // bytes in the ring
const RING_BYTES = 8 * 1024 * 1024;

/** The worker that owns the destination's socket (CommonJS, evaluated: no file to find at run time). */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const net = require('node:net');
const c = new Int32Array(workerData.control);
const ring = new Uint8Array(workerData.ring);
const CAP = ring.length;
let writeAt = 0;
let socket = null;
const pending = [];
let ended = 0;
let waiting = false;
let socketClosed = false;
// Heartbeats: only after the machine's thread has sent the stream header, between whole sections.
const heartbeat = Buffer.from(workerData.heartbeat);
let started = false;
let lastWrite = 0;
let beating = null;
function write(bytes) { lastWrite = Date.now(); socket.write(bytes); }
function beat() {
  if (!started || socket === null || socket.destroyed || !socket.writable) return;
  if (Date.now() - lastWrite >= workerData.heartbeatMs) write(heartbeat);
}
function stopBeating() { if (beating !== null) { clearInterval(beating); beating = null; } }
function bump() { Atomics.add(c, ${SEQ}, 1); Atomics.notify(c, ${SEQ}); }
function setState(s) { Atomics.store(c, ${STATE}, s); bump(); }
function pump() {
  while (pending.length > 0) {
    const space = CAP - Atomics.load(c, ${USED});
    if (space === 0) { waitForSpace(); return; }
    const chunk = pending[0];
    const n = Math.min(space, chunk.length, CAP - writeAt);
    ring.set(chunk.subarray(0, n), writeAt);
    writeAt = (writeAt + n) % CAP;
    Atomics.add(c, ${USED}, n);
    if (n === chunk.length) pending.shift(); else pending[0] = chunk.subarray(n);
    bump();
  }
  if (ended !== 0) {
    // Everything that arrived is in the ring: only now may the reader see the end.
    setState(ended);
    if (socketClosed) parentPort.close();
  } else if (socket !== null && socket.isPaused()) socket.resume();
}
function waitForSpace() {
  if (waiting) return;
  waiting = true;
  if (socket !== null) socket.pause();
  const r = Atomics.waitAsync(c, ${USED}, CAP);
  const go = () => { waiting = false; pump(); };
  if (r.async) r.value.then(go); else setImmediate(go);
}
function finish(code) {
  if (ended !== 0) return;
  ended = code;
  stopBeating();
  if (!waiting) pump();
}
const server = net.createServer((s) => {
  if (socket !== null) { s.destroy(); return; }
  socket = s;
  s.setNoDelay(true);
  server.close();
  parentPort.postMessage({ type: 'connected', peer: s.remoteAddress + ':' + s.remotePort });
  setState(1);
  beating = setInterval(beat, Math.max(10, Math.floor(workerData.heartbeatMs / 2)));
  s.on('data', (chunk) => { pending.push(chunk); if (!waiting) pump(); });
  s.on('end', () => finish(2));
  s.on('error', () => finish(3));
  s.on('close', () => { socketClosed = true; if (ended === 0) finish(2); else if (!waiting) pump(); });
});
server.on('error', (err) => { parentPort.postMessage({ type: 'error', message: err.message, code: err.code }); finish(3); parentPort.close(); });
server.listen(workerData.port, workerData.host, () => {
  parentPort.postMessage({ type: 'listening', port: server.address().port });
});
parentPort.on('message', (m) => {
  if (m.type === 'send') { started = true; if (socket !== null && !socket.destroyed) write(Buffer.from(m.bytes)); }
  else if (m.type === 'end') { stopBeating(); if (socket !== null) socket.end(); else { server.close(); parentPort.close(); } }
});
`;

export class TcpDestinationLink implements DestinationLink {
  private readonly control: Int32Array;
  private readonly ring: Uint8Array;
  private readonly reader: StreamReader;
  private readAt = 0;
  private received = 0;
  private exited: Promise<void>;
  awaiting = 'the source';

  private constructor(
    private readonly worker: Worker,
    control: SharedArrayBuffer,
    ring: SharedArrayBuffer,
    readonly peer: string,
    readonly address: TcpAddress,
    private readonly timeoutMs: number,
  ) {
    this.control = new Int32Array(control);
    this.ring = new Uint8Array(ring);
    this.reader = new StreamReader(`migration stream from the source (${peer})`);
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
  }

  /**
   * Listen on `address` (port 0: any free port). Resolves once listening, with the port in
   * `link.address`; the connection is accepted in the background and read by next().
   */
  static async listen(address: TcpAddress, options: TcpOptions = {}): Promise<TcpDestinationLink> {
    const control = new SharedArrayBuffer(16);
    const ring = new SharedArrayBuffer(RING_BYTES);
    const heartbeat = HEARTBEAT_FRAME.slice().buffer;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { control, ring, host: address.host, port: address.port, heartbeat, heartbeatMs: options.heartbeatMs ?? HEARTBEAT_MS },
    });
    const port = await new Promise<number>((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (m: { type: string; port?: number; message?: string; code?: string }) => {
        if (m.type === 'listening') resolve(m.port!);
        else if (m.type === 'error') {
          reject(new InputError('LISTEN_FAILED', `cannot listen on ${formatAddress(address)}: ${m.code === 'EADDRINUSE' ? 'the address is in use' : m.message}`));
        }
      });
    });
    const bound = { host: address.host, port };
    return new TcpDestinationLink(worker, control, ring, formatAddress(bound), bound, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  }

  /** Wait (blocking) until the source has connected. */
  get connected(): boolean {
    return Atomics.load(this.control, STATE) !== 0;
  }

  send(bytes: Uint8Array): void {
    const state = Atomics.load(this.control, STATE);
    if (state >= 2) throw new LinkDropped(`the connection from the source (${this.peer}) is gone`);
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    this.worker.postMessage({ type: 'send', bytes: copy.buffer }, [copy.buffer]);
  }

  next(): RawSection | null {
    for (;;) {
      const s = this.reader.next();
      if (s !== null) return s;
      const chunk = this.readRing();
      if (chunk === null) {
        const how = Atomics.load(this.control, STATE) === 3 ? 'failed' : 'was closed by the source';
        throw new LinkDropped(`the connection on ${this.peer} ${how} mid-stream, after ${this.received} bytes received`);
      }
      this.received += chunk.length;
      this.reader.push(chunk);
    }
  }

  /**
   * Bytes from the ring, waiting for some; null once the connection has ended and the ring is
   * empty. Once connected, a wait with nothing arriving (not even a heartbeat) for the timeout
   * is a LinkTimeout naming what was awaited; waiting for the source to connect is not timed.
   */
  private readRing(): Uint8Array | null {
    const c = this.control;
    let since = Date.now();
    for (;;) {
      const seq = Atomics.load(c, SEQ);
      const used = Atomics.load(c, USED);
      if (used > 0) {
        const n = Math.min(used, this.ring.length - this.readAt);
        const out = this.ring.slice(this.readAt, this.readAt + n);
        this.readAt = (this.readAt + n) % this.ring.length;
        Atomics.sub(c, USED, n);
        Atomics.notify(c, USED);
        return out;
      }
      const state = Atomics.load(c, STATE);
      if (state >= 2) return null;
      const now = Date.now();
      if (state === 0) since = now;
      else if (now - since >= this.timeoutMs) throw timedOut(this.timeoutMs, this.awaiting, `the source (${this.peer})`);
      Atomics.wait(c, SEQ, seq, Math.min(1000, Math.max(1, this.timeoutMs - (now - since))));
    }
  }

  close(): void {
    this.worker.postMessage({ type: 'end' });
  }

  /** Close, and wait until what was sent has left (the worker has finished). */
  async shutdown(): Promise<void> {
    this.close();
    const timer = setTimeout(() => void this.worker.terminate(), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  /** Stop at once (a failed destination). */
  async abort(): Promise<void> {
    await this.worker.terminate();
  }
}
