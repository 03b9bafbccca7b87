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
 */
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { InputError } from '../errors.js';
import { LinkDropped } from './errors.js';
import { StreamReader, type RawSection } from './stream.js';
import type { DestinationLink, SourceLink } from './transport.js';

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

  constructor(
    private readonly socket: net.Socket,
    readonly peer: string,
  ) {
    this.reader = new StreamReader(`migration stream from ${peer} (destination → source)`);
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
    this.socket.write(bytes);
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
    this.socket.end();
  }

  private received(chunk: Buffer): void {
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
    for (const w of this.waiting.splice(0)) w.reject(err);
    for (const d of this.drains.splice(0)) d.reject(err);
    if (this.handler !== null) this.endServing(err);
  }
}

/** Connect to a destination that is listening (`migrate --incoming`). */
export function connectSource(address: TcpAddress): Promise<SourceLink> {
  const peer = formatAddress(address);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address.host, port: address.port });
    socket.setNoDelay(true);
    const failed = (err: Error) => {
      reject(
        new LinkDropped(
          `cannot connect to ${peer}: ${(err as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? 'connection refused (is `migtrace migrate --incoming` listening there?)' : err.message}`,
        ),
      );
    };
    socket.once('error', failed);
    socket.once('connect', () => {
      socket.off('error', failed);
      resolve(new TcpSourceLink(socket, peer));
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
  if (!waiting) pump();
}
const server = net.createServer((s) => {
  if (socket !== null) { s.destroy(); return; }
  socket = s;
  s.setNoDelay(true);
  server.close();
  parentPort.postMessage({ type: 'connected', peer: s.remoteAddress + ':' + s.remotePort });
  setState(1);
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
  if (m.type === 'send') { if (socket !== null && !socket.destroyed) socket.write(Buffer.from(m.bytes)); }
  else if (m.type === 'end') { if (socket !== null) socket.end(); else { server.close(); parentPort.close(); } }
});
`;

export class TcpDestinationLink implements DestinationLink {
  private readonly control: Int32Array;
  private readonly ring: Uint8Array;
  private readonly reader: StreamReader;
  private readAt = 0;
  private received = 0;
  private exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    control: SharedArrayBuffer,
    ring: SharedArrayBuffer,
    readonly peer: string,
    readonly address: TcpAddress,
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
  static async listen(address: TcpAddress): Promise<TcpDestinationLink> {
    const control = new SharedArrayBuffer(16);
    const ring = new SharedArrayBuffer(RING_BYTES);
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { control, ring, host: address.host, port: address.port } });
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
    return new TcpDestinationLink(worker, control, ring, formatAddress(bound), bound);
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

  /** Bytes from the ring, waiting for some; null once the connection has ended and the ring is empty. */
  private readRing(): Uint8Array | null {
    const c = this.control;
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
      if (Atomics.load(c, STATE) >= 2) return null;
      Atomics.wait(c, SEQ, seq, 1000);
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
