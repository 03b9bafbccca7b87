/**
 * Trace benchmark (`npm run bench` calls benchTrace()). Reads the host clock to time itself,
 * as bench code may; nothing in the writer or reader does.
 *
 * Writes a synthetic trace with a realistic access mix to a temporary directory: icount
 * deltas of tens to thousands (tight polling loops at a fixed stride), a handful of ports
 * (UART data/status, PIC, PIT, CMOS, POST) and some MMIO (LAPIC EOI and timer, NIC
 * registers), flushing between "run slices" as a recording loop does. Then measures bytes
 * on disk, the time to open it, and the time to seek to random icounts; and deletes it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { TraceReader } from '../src/trace/reader.js';
import { TraceWriter, describeDevices } from '../src/trace/writer.js';
import { CPU_SCHEMA, cpuStateFromSnapshot } from '../src/machine/cpu/state.js';
import { clampToWidth } from '../src/machine/state-schema.js';
import type { CheckpointMemory, DirtyLogClient } from '../src/trace/pages.js';

export interface TraceBenchResult {
  records: number;
  /** Sustained: appends, flushes and close, wall time. */
  recordsPerSecond: number;
  /** The synchronous part: the observer's appends and chunk seals, with the bench loop's own cost, ns per record. */
  appendNsPerRecord: number;
  /** Table and log files after close, per record. */
  bytesPerRecord: number;
  /** Median time of seekIcount to a random icount on an open reader. */
  seekMs: number;
  /** TraceReader.open (private snapshot + LevelDB recovery). */
  openMs: number;
  /** Sequential read through records() (the first 2 M records). */
  scanRecordsPerSecond: number;
  /** First checkpoint of a 64 MiB machine with 4 MiB of non-zero memory (hashes every page). */
  firstCheckpointMs: number;
  /** A later checkpoint with 256 dirty pages (1 MiB). */
  checkpointMs: number;
  /** Recording a real guest (cpu-selftest: an I/O access every ~3 instructions), best of 5, when its image is built. */
  guest?: { name: string; instructions: number; records: number; untracedMs: number; tracedMs: number; ratio: number; nsPerRecord: number };
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** [weight, space, dir, addr, size, value(rnd), device, polling stride (0: none)] */
type Op = [number, number, number, number, number, (r: () => number) => number, number, number];
const MIX: Op[] = [
  [0.25, 0, 0, 0x3fd, 1, () => 0x60, 4, 12], // UART LSR poll
  [0.15, 0, 1, 0x3f8, 1, (r) => 0x20 + Math.floor(r() * 95), 4, 0], // UART THR
  [0.08, 0, 1, 0x20, 1, () => 0x20, 1, 0], // PIC EOI
  [0.04, 0, 0, 0x21, 1, () => 0xb8, 1, 0], // PIC IMR
  [0.05, 0, 1, 0x43, 1, () => 0, 2, 0], // PIT latch
  [0.06, 0, 0, 0x40, 1, (r) => Math.floor(r() * 256), 2, 3], // PIT count
  [0.04, 0, 1, 0x70, 1, (r) => Math.floor(r() * 14), 3, 0], // CMOS index
  [0.04, 0, 0, 0x71, 1, (r) => Math.floor(r() * 100), 3, 4], // CMOS data
  [0.02, 0, 1, 0x80, 1, (r) => Math.floor(r() * 256), 5, 0], // POST
  [0.1, 1, 1, 0xfee000b0, 4, () => 0, 6, 0], // LAPIC EOI
  [0.05, 1, 0, 0xfee00390, 4, (r) => Math.floor(r() * 2 ** 32), 6, 0], // LAPIC timer count
  [0.07, 1, 0, 0xfebf003e, 2, (r) => Math.floor(r() * 4), 7, 0], // NIC ISR
  [0.05, 1, 1, 0xfebf0037, 1, () => 0x0c, 7, 0], // NIC command
];

interface Pattern {
  delta: Uint32Array;
  space: Uint8Array;
  dir: Uint8Array;
  addr: Uint32Array;
  size: Uint8Array;
  value: Uint32Array;
  device: Uint8Array;
}

function makePattern(n: number): Pattern {
  const rnd = mulberry32(42);
  const p: Pattern = {
    delta: new Uint32Array(n),
    space: new Uint8Array(n),
    dir: new Uint8Array(n),
    addr: new Uint32Array(n),
    size: new Uint8Array(n),
    value: new Uint32Array(n),
    device: new Uint8Array(n),
  };
  const total = MIX.reduce((s, o) => s + o[0], 0);
  for (let i = 0; i < n; i++) {
    let x = rnd() * total;
    let k = 0;
    while (x > MIX[k][0] && k < MIX.length - 1) x -= MIX[k++][0];
    const o = MIX[k];
    p.delta[i] = o[7] !== 0 && rnd() < 0.7 ? o[7] : Math.floor(10 * Math.pow(500, rnd())); // 10..5000, log-uniform
    p.space[i] = o[1];
    p.dir[i] = o[2];
    p.addr[i] = o[3];
    p.size[i] = o[4];
    p.value[i] = o[5](rnd) >>> 0;
    p.device[i] = o[6];
  }
  return p;
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const f of fs.readdirSync(dir)) {
    if (/\.(ldb|sst|log)$/.test(f) || f.startsWith('MANIFEST')) n += fs.statSync(path.join(dir, f)).size;
  }
  return n;
}

/** A 64 MiB memory stand-in with one dirty-log client (what checkpoints need). */
class BenchMemory implements CheckpointMemory {
  readonly ramPages = 16384;
  readonly ram = new Uint8Array(this.ramPages * 4096);
  pending: number[] = [];
  page(n: number): Uint8Array {
    return this.ram.subarray(n * 4096, (n + 1) * 4096);
  }
  readonly dirty = {
    createClient: (): DirtyLogClient => ({
      takeAndClear: () => {
        const out = Uint32Array.from(this.pending.sort((a, b) => a - b));
        this.pending = [];
        return out;
      },
    }),
  };
}

export async function benchTrace(
  options: { records?: number; chunkRecords?: number; guest?: boolean } = {},
): Promise<TraceBenchResult> {
  const total = options.records ?? 10_000_000;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'migtrace-bench-'));
  const dir = path.join(base, 'trace');
  try {
    const PATTERN = 1 << 20;
    const p = makePattern(Math.min(PATTERN, total));
    let icount = 0;
    const writer = await TraceWriter.create(
      dir,
      {
        machine: { memoryBytes: 64 << 20, instructionsPerSecond: 100_000_000, devices: [] },
        guestImageSha256: '00'.repeat(32),
        toolVersion: 'bench',
      },
      { icount: () => icount, chunkRecords: options.chunkRecords },
    );
    const obs = writer.observer;
    const SLICE = 1 << 16; // records per "run slice" between flush checks
    let appendMs = 0;
    let committing = Promise.resolve();
    const t0 = performance.now();
    for (let done = 0; done < total; ) {
      const n = Math.min(SLICE, total - done);
      const a0 = performance.now();
      for (let j = 0; j < n; j++) {
        const i = (done + j) % p.delta.length;
        icount += p.delta[i];
        obs.access(p.space[i], p.dir[i], p.addr[i], p.size[i], p.value[i], p.device[i], 0);
      }
      appendMs += performance.now() - a0;
      done += n;
      if (writer.flushDue) {
        await committing;
        committing = writer.flush();
      }
    }
    await committing;
    await writer.close({ status: 'limit' });
    const writeSeconds = (performance.now() - t0) / 1000;
    const bytes = dirBytes(dir);
    const lastIcount = icount;

    const o0 = performance.now();
    const reader = await TraceReader.open(dir);
    const openMs = performance.now() - o0;
    const rnd = mulberry32(7);
    const seeks: number[] = [];
    for (let i = 0; i < 15; i++) {
      const target = Math.floor(rnd() * lastIcount);
      const s0 = performance.now();
      const rec = await reader.seekIcount(target);
      seeks.push(performance.now() - s0);
      if (rec === undefined || rec.icount < target) throw new Error(`bench: seek to ${target} failed`);
    }
    seeks.sort((a, b) => a - b);
    const scanLimit = Math.min(total, 2_000_000);
    let scanned = 0;
    const c0 = performance.now();
    for await (const _ of reader.records()) if (++scanned >= scanLimit) break;
    const scanSeconds = (performance.now() - c0) / 1000;
    await reader.close();

    const { firstCheckpointMs, checkpointMs } = await benchCheckpoints(path.join(base, 'cp'));
    // The guest figure needs the CPU and a built image; the trace figures stand without it.
    const guest = options.guest === false ? undefined : await benchGuestRecording(path.join(base, 'guest')).catch(() => undefined);
    return {
      records: total,
      recordsPerSecond: total / writeSeconds,
      appendNsPerRecord: (appendMs * 1e6) / total,
      bytesPerRecord: bytes / total,
      seekMs: seeks[Math.floor(seeks.length / 2)],
      openMs,
      scanRecordsPerSecond: scanned / scanSeconds,
      firstCheckpointMs,
      checkpointMs,
      ...(guest === undefined ? {} : { guest }),
    };
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

async function benchCheckpoints(dir: string): Promise<{ firstCheckpointMs: number; checkpointMs: number }> {
  let icount = 0;
  const mem = new BenchMemory();
  const rnd = mulberry32(9);
  for (let i = 0; i < (4 << 20); i += 64) mem.ram[i] = 1 + (i & 0x7f); // 4 MiB of non-zero pages
  const devices = Array.from({ length: 12 }, (_, id) => ({
    id,
    schema: { device: `dev${id}`, version: 1, fields: Array.from({ length: 24 }, (_, k) => ({ name: `f${k}`, width: 32 })) },
    snapshot: () => Object.fromEntries(Array.from({ length: 24 }, (_, k) => [`f${k}`, k * id])),
  }));
  const cpu = cpuStateFromSnapshot(Object.fromEntries(CPU_SCHEMA.fields.map((f, i) => [f.name, clampToWidth(f, i + 1)])));
  const w = await TraceWriter.create(
    dir,
    { machine: { memoryBytes: 64 << 20, instructionsPerSecond: 1e8, devices: describeDevices(devices) }, guestImageSha256: '00'.repeat(32), toolVersion: 'bench' },
    { icount: () => icount },
  );
  const f0 = performance.now();
  w.checkpoint({ cpu, devices, memory: mem });
  const firstCheckpointMs = performance.now() - f0;
  const times: number[] = [];
  for (let k = 0; k < 9; k++) {
    icount += 10_000_000;
    for (let d = 0; d < 256; d++) {
      const page = Math.floor(rnd() * mem.ramPages);
      mem.ram[page * 4096 + Math.floor(rnd() * 4096)] ^= 0xff;
      mem.pending.push(page);
    }
    mem.pending = [...new Set(mem.pending)];
    const c0 = performance.now();
    w.checkpoint({ cpu, devices, memory: mem });
    times.push(performance.now() - c0);
  }
  await w.close({ status: 'limit' });
  times.sort((a, b) => a - b);
  return { firstCheckpointMs, checkpointMs: times[Math.floor(times.length / 2)] };
}

/**
 * Run a guest with and without recording (interleaved, best of 5 each) and compare wall
 * times, flushing between 5 M-instruction slices as a recording loop does, close included.
 */
async function benchGuestRecording(dir: string, name = 'cpu-selftest'): Promise<TraceBenchResult['guest']> {
  const candidates = ['../../guests/build', '../guests/build'].map((rel) => fileURLToPath(new URL(`${rel}/${name}.img`, import.meta.url)));
  const file = candidates.find((f) => fs.existsSync(f));
  if (file === undefined) return undefined;
  const image = fs.readFileSync(file);
  const { Machine } = await import('../src/board/machine.js');
  const once = async (traced: boolean) => {
    const m = Machine.boot(image, { memory: 64 << 20 });
    fs.rmSync(dir, { recursive: true, force: true });
    const w = traced
      ? await TraceWriter.create(dir, { machine: { memoryBytes: 64 << 20, instructionsPerSecond: 1e8, devices: [] }, guestImageSha256: '00'.repeat(32), toolVersion: 'bench' }, { icount: () => m.clock.icount })
      : null;
    if (w !== null) m.bus.observer = w.observer;
    const t0 = performance.now();
    let committing = Promise.resolve();
    for (;;) {
      const r = m.run({ maxInstructions: m.clock.icount + 5_000_000 });
      if (r.status !== 'limit' || r.icount >= 1e9) break;
      if (w !== null && w.flushDue) {
        await committing;
        committing = w.flush();
      }
    }
    if (w !== null) {
      await committing;
      await w.close({ status: 'exited' });
    }
    return { ms: performance.now() - t0, records: w?.recordCount ?? 0, instructions: m.clock.icount };
  };
  let untraced = Infinity;
  let traced = Infinity;
  let records = 0;
  let instructions = 0;
  for (let i = 0; i < 5; i++) {
    untraced = Math.min(untraced, (await once(false)).ms);
    const t = await once(true);
    traced = Math.min(traced, t.ms);
    records = t.records;
    instructions = t.instructions;
  }
  return {
    name,
    instructions,
    records,
    untracedMs: untraced,
    tracedMs: traced,
    ratio: traced / untraced,
    nsPerRecord: ((traced - untraced) * 1e6) / records,
  };
}
