/**
 * Issue 4 figures: recording overhead on real guests (a run with a trace ÷ the same run
 * without, measured in the same bench run), bytes per record on disk, seeking in a 10 M-record
 * trace, and records/s sustained (trace-synthetic.ts writes the synthetic trace).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot, resolveImage } from '../src/guests/catalog.js';
import { parseInputScript } from '../src/devices/input-script.js';
import { benchTrace } from './trace-synthetic.js';
import { JS_MAX, sha256Into } from '../src/trace/sha256-js.js';
import { hash } from 'node:crypto';
import type { Machine } from '../src/board/machine.js';
import { bootMachine, traceHeaderFor, type RunSetup } from '../src/trace/run-setup.js';
import { MachineRecorder, recordBoot, recordTrace, type RecordBootOptions, type RecordingSummary } from '../src/trace/session.js';
import type { TraceWriter } from '../src/trace/writer.js';
import { medianSeconds, thirdPartyBuilt, timedAsync, timed, type Figure } from './harness.js';
import { recordingSetup, resolveGuestRequest } from '../src/cli/guest-options.js';

async function netEchoScript(options: { frames: number; spacing: number }): Promise<string> {
  const url = pathToFileURL(join(packageRoot(), 'guests', 'inputs', 'make-net-input.mjs')).href;
  const mod = (await import(url)) as { netEchoScript(o: object): string };
  return mod.netEchoScript(options);
}

export interface OverheadResult {
  untracedSeconds: number;
  tracedSeconds: number;
  ratio: number;
  /** The same from process CPU time (all threads: LevelDB's writer included), steadier on a busy machine. */
  cpuRatio: number;
  /**
   * The least time over the runs from the machine stopping to the trace closed: the last checkpoint,
   * the commits still in flight, the end marker and close (LevelDB moving its last write
   * buffer into a table). Every recording of this design pays it after the run.
   */
  tailSeconds: number;
  summary: RecordingSummary;
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

/** Best of `runs` each, interleaved (the machine is shared and noisy): boot + run, against boot + record + close (to `instructions`). */
export async function recordingOverhead(setup: RunSetup, runs = 5, checkpointInterval?: number, instructions = 4e9): Promise<OverheadResult> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'migtrace-bench-rec-'));
  try {
    let untraced = Infinity;
    let traced = Infinity;
    let untracedCpu = Infinity;
    let tracedCpu = Infinity;
    let tail = Infinity;
    let summary: RecordingSummary | undefined;
    for (let i = 0; i < runs; i++) {
      let c0 = process.cpuUsage();
      untraced = Math.min(untraced, timed(() => bootMachine(setup).run({ maxInstructions: instructions })).seconds);
      untracedCpu = Math.min(untracedCpu, cpuSeconds(c0));
      const dir = path.join(base, `t${i}`);
      c0 = process.cpuUsage();
      const t = await timedAsync(() => recordBootStamped(dir, setup, { until: instructions, writer: { checkpointInterval } }));
      tracedCpu = Math.min(tracedCpu, cpuSeconds(c0));
      traced = Math.min(traced, t.seconds);
      tail = Math.min(tail, t.result.tailSeconds);
      summary = t.result.summary;
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return { untracedSeconds: untraced, tracedSeconds: traced, ratio: traced / untraced, cpuRatio: tracedCpu / untracedCpu, tailSeconds: tail, summary: summary! };
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

/** recordBoot, with the time from the machine's last run slice returning to the trace closed. */
async function recordBootStamped(dir: string, setup: RunSetup, options: RecordBootOptions): Promise<{ summary: RecordingSummary; tailSeconds: number }> {
  const machine = bootMachine(setup);
  const run = machine.run.bind(machine);
  let stopped = 0n;
  machine.run = (o) => {
    const r = run(o);
    stopped = process.hrtime.bigint();
    return r;
  };
  const summary = await recordTrace(dir, machine, { ...options, header: traceHeaderFor(setup, machine), firstPages: machine.loadedPages() });
  return { summary, tailSeconds: Number(process.hrtime.bigint() - stopped) / 1e9 };
}

/** Fixed-width records in a ring and DMA bytes in another: the floors' stand-in for a trace. */
class FloorRing {
  private readonly words = new Int32Array(1 << 20);
  private readonly bytes = new Uint8Array(1 << 22);
  private w = 0;
  private bw = 0;

  append(a: number, b: number, c: number, d: number): void {
    const words = this.words;
    const w = this.w;
    words[w] = a;
    words[w + 1] = b;
    words[w + 2] = c;
    words[w + 3] = d;
    this.w = (w + 4) & (words.length - 4);
  }

  copy(data: Uint8Array | number): void {
    if (typeof data === 'number') return;
    if (this.bw + data.length > this.bytes.length) this.bw = 0;
    this.bytes.set(data, this.bw);
    this.bw += data.length;
  }
}

/** One access as the floors append it: icount, kind bits, address, value. */
function appendAccess(ring: FloorRing, icount: number, space: number, dir: number, addr: number, size: number, value: number, device: number, origin: number): void {
  ring.append(icount, space | (dir << 1) | (size << 2) | (origin << 5) | (device << 8), addr, value);
}

/** One DMA transfer as the floors append it, its bytes copied. */
function appendDma(ring: FloorRing, icount: number, dir: number, addr: number, data: Uint8Array, origin: number): void {
  ring.append(icount, -2 - dir - (origin << 1), addr, data.length);
  ring.copy(data);
}

export interface FloorResult {
  untracedSeconds: number;
  observedSeconds: number;
  ratio: number;
}

/** Boot + run against boot + `attach` + run (to the guest's end), best of `runs` each, interleaved. */
function floorRatio(setup: RunSetup, runs: number, attach: (m: Machine, ring: FloorRing) => void): FloorResult {
  const ring = new FloorRing();
  let untraced = Infinity;
  let observed = Infinity;
  for (let i = 0; i < runs; i++) {
    untraced = Math.min(untraced, timed(() => bootMachine(setup).run({ maxInstructions: 4e9 })).seconds);
    const t = timed(() => {
      const m = bootMachine(setup);
      attach(m, ring);
      return m.run({ maxInstructions: 4e9 });
    });
    observed = Math.min(observed, t.seconds);
  }
  return { untracedSeconds: untraced, observedSeconds: observed, ratio: observed / untraced };
}

/**
 * What observing alone costs, the floor under any recording of this design: the run with a bus
 * observer that appends every access (count, kind, address, value) to a ring and copies every
 * DMA transfer's bytes, and an interrupt observer that appends each line change and INTA — no
 * encoding, no device comparisons, no checkpoints, no LevelDB — against the run without.
 */
export function observerFloor(setup: RunSetup, runs = 5): FloorResult {
  return floorRatio(setup, runs, (m, ring) => {
    const clock = m.clock;
    m.bus.addObserver({
      access: (space, dir, addr, size, value, device, origin) => appendAccess(ring, clock.icount, space, dir, addr, size, value, device, origin),
      accessRepeated: (times, stride) => {
        ring.append(clock.icount, -1, times, stride);
        return true;
      },
      dma: (dir, _device, addr, data, origin) => appendDma(ring, clock.icount, dir, addr, data, origin),
    });
    m.interrupts.observer = {
      line: (irq, level) => ring.append(clock.icount, -8, irq, level ? 1 : 0),
      acknowledged: (vector) => ring.append(clock.icount, -9, vector, 0),
    };
  });
}

/**
 * The floor with the device checks: this recorder's own hooks (MachineRecorder: the bus, the
 * interrupt fabric, device events; every device compared after each step that can change it)
 * writing into the ring instead of a trace — what stays on the run loop's thread however the
 * packing, hashing, checkpoints and LevelDB were moved off it.
 */
export function checkingFloor(setup: RunSetup, runs = 5): FloorResult {
  return floorRatio(setup, runs, (m, ring) => {
    const clock = m.clock;
    let lastIcount = -1;
    let lastDelta = -1;
    // The parts of a TraceWriter the hooks call, each an append (an access the encoder would fold into a repeat: a count).
    const observer = {
      access: (space: number, dir: number, addr: number, size: number, value: number, device: number, origin: number) => {
        lastDelta = clock.icount - lastIcount;
        lastIcount = clock.icount;
        appendAccess(ring, clock.icount, space, dir, addr, size, value, device, origin);
      },
      again: () => {
        if (clock.icount - lastIcount !== lastDelta) return false;
        lastIcount = clock.icount;
        return true;
      },
      repeatAccess: (times: number, stride: number) => {
        ring.append(clock.icount, -1, times, stride);
        return true;
      },
      dma: (dir: number, _device: number, addr: number, data: Uint8Array, origin: number) => appendDma(ring, clock.icount, dir, addr, data, origin),
    };
    const data = (kind: number) => (_channel: string, device: number, bytes: Uint8Array | number) => {
      ring.append(clock.icount, kind, device, typeof bytes === 'number' ? 1 : bytes.length);
      ring.copy(bytes);
    };
    const writer = {
      observer,
      nextCheckpointAt: clock.icount,
      interrupt: (action: string, value: number) => ring.append(clock.icount, -8, action.length, value),
      input: data(-10),
      output: data(-11),
      transition: (device: number, field: number, index: number, oldValue: number, newValue: number) => {
        ring.append(clock.icount, -16 - device, field | ((index + 1) << 8), oldValue);
        ring.append(newValue, 0, 0, 0);
      },
    };
    new MachineRecorder(m, writer as unknown as TraceWriter).attach();
  });
}

/** Instructions of an OS boot recorded (bench/speed.ts times the same boots unrecorded). */
const OS_INSTRUCTIONS = 150_000_000;

/**
 * Recording overhead on the unmodified OSes' boots, where a guest does what guests do: Linux
 * decompressing, probing and starting init; xv6 junk-filling its memory (thousands of dirty
 * pages a checkpoint), reading its disk through the ATA data port and asking the LAPIC its ID
 * on every mycpu(). Skipped when a guest is not built.
 */
async function osRecordingFigures(): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const name of ['linux', 'xv6'] as const) {
    if (!thirdPartyBuilt(name)) {
      figures.push({ name: `recording overhead, ${name} boot: not measured`, value: NaN, unit: '', note: 'not built (npm run guests:third-party)' });
      continue;
    }
    const { setup, close } = recordingSetup(resolveGuestRequest(name, {}));
    try {
      const o = await recordingOverhead(setup, 3, undefined, OS_INSTRUCTIONS);
      figures.push({
        name: `recording overhead, ${name} boot to ${OS_INSTRUCTIONS / 1e6} M instructions`,
        value: o.ratio,
        unit: '×',
        target: 'none: the issue sets it on timer and net-echo',
        note: `(wall, best of 3: ${(o.untracedSeconds * 1000).toFixed(0)} → ${(o.tracedSeconds * 1000).toFixed(0)} ms; CPU time ${o.cpuRatio.toFixed(3)}×, the page-hash thread's included; ${o.summary.records} records, ${o.summary.checkpoints} checkpoints)`,
      });
    } finally {
      close();
    }
  }
  return figures;
}

/**
 * What every recording pays once: trace creation, the first and last checkpoints, close — a
 * recording of no instructions, boot included, less a boot alone (the best of 7 of each,
 * interleaved: the difference of single runs went negative on a noisy host).
 */
async function fixedCostMs(setup: RunSetup): Promise<number> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'migtrace-bench-fixed-'));
  try {
    let boot = Infinity;
    let recorded = Infinity;
    for (let i = 0; i < 7; i++) {
      boot = Math.min(boot, timed(() => bootMachine(setup)).seconds);
      recorded = Math.min(recorded, (await timedAsync(() => recordBoot(path.join(base, `t${i}`), setup, { until: 0 }))).seconds);
    }
    return (recorded - boot) * 1000;
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

/**
 * A DMA record's content hash, JS (sha256Into) ÷ crypto, per transfer size: where JS_MAX
 * should sit. Sizes: a descriptor, a small frame, JS_MAX, a full Ethernet frame.
 */
function sha256Figures(): Figure[] {
  const out = new Uint8Array(16);
  const figures: Figure[] = [];
  for (const size of [16, JS_MAX, 150, 1514]) {
    const data = new Uint8Array(size).map((_, i) => (i * 131) & 0xff);
    const n = Math.max(2000, Math.floor(4_000_000 / (size + 64)));
    const js = medianSeconds(5, () => {
      for (let i = 0; i < n; i++) sha256Into(data, out, 0, 16);
    });
    const native = medianSeconds(5, () => {
      for (let i = 0; i < n; i++) out.set(hash('sha256', data, 'buffer').subarray(0, 16));
    });
    figures.push({
      name: `DMA content hash of ${size} B: JS ÷ crypto`,
      value: js / native,
      unit: '×',
      note: `(${((js / n) * 1e9).toFixed(0)} ns against ${((native / n) * 1e9).toFixed(0)} ns; JS is used up to ${JS_MAX} B)`,
    });
  }
  return figures;
}

export async function benchSetups(): Promise<{ timer: RunSetup; net: RunSetup }> {
  const timer: RunSetup = { label: 'timer', image: resolveImage('timer').bytes, args: 'hz=1000 every=1000 ticks=3000' };
  const net: RunSetup = {
    label: 'net-echo',
    image: resolveImage('net-echo').bytes,
    args: 'frames=10000',
    input: parseInputScript(await netEchoScript({ frames: 10_000, spacing: 20_000 }), 'bench:net-echo'),
  };
  return { timer, net };
}

export async function benchTraceFigures(): Promise<Figure[]> {
  const { timer, net } = await benchSetups();
  const figures: Figure[] = [];
  let guestBytes = 0;
  let guestRecords = 0;
  let recordsPerSecond = 0;
  const guests = [['timer', timer], ['net-echo', net]] as const;
  const measured = [];
  for (const [name, setup] of guests) {
    const o = await recordingOverhead(setup);
    const fixedMs = await fixedCostMs(setup);
    const steady = (o.tracedSeconds - fixedMs / 1000) / o.untracedSeconds;
    guestBytes += o.summary.bytesOnDisk;
    guestRecords += o.summary.records;
    if (name === 'net-echo') recordsPerSecond = o.summary.records / o.tracedSeconds;
    measured.push({ name, setup, o, fixedMs });
    figures.push({
      name: `recording overhead, ${name}`,
      value: o.ratio,
      unit: '×',
      target: '<= 1.10',
      note:
        `(wall, best of 5: ${(o.untracedSeconds * 1000).toFixed(0)} → ${(o.tracedSeconds * 1000).toFixed(0)} ms; ${steady.toFixed(3)}× without its fixed cost; ` +
        `CPU time ${o.cpuRatio.toFixed(3)}×; ` +
        `${o.summary.records} records, ${o.summary.checkpoints} checkpoints, ${o.summary.icount} instructions)`,
    });
  }
  figures.push(...(await osRecordingFigures()));
  for (const { name, setup, o, fixedMs } of measured) {
    const f = observerFloor(setup, 9);
    const c = checkingFloor(setup, 9);
    const tail = o.tailSeconds / o.untracedSeconds;
    figures.push(
      {
        name: `recording floor, ${name}: observing alone`,
        value: f.ratio,
        unit: '×',
        target: 'none: what any recording of this design costs at least',
        note: `(wall, best of 9: ${(f.untracedSeconds * 1000).toFixed(0)} → ${(f.observedSeconds * 1000).toFixed(0)} ms; every access, DMA transfer and interrupt appended to a ring: no encoding, device comparisons, checkpoints or LevelDB)`,
      },
      {
        name: `recording floor, ${name}: observing, then finishing the trace`,
        value: f.ratio + tail,
        unit: '×',
        target: 'none: the least a recording of this design can cost here',
        note: `(observing alone, plus the ${(o.tailSeconds * 1000).toFixed(1)} ms from the machine stopping to the trace closed: last checkpoint, commits in flight, close)`,
      },
      {
        name: `recording floor, ${name}: observing and the device checks`,
        value: c.ratio,
        unit: '×',
        target: 'none: what stays on the run loop\'s thread',
        note: `(wall, best of 9: ${(c.untracedSeconds * 1000).toFixed(0)} → ${(c.observedSeconds * 1000).toFixed(0)} ms; the recorder's hooks, every device compared after each step that can change it, into a ring; with the trace's finishing ${(c.ratio + tail).toFixed(3)}×)`,
      },
      { name: `fixed cost of a recording, ${name} (create, first/last checkpoint, close)`, value: fixedMs, unit: 'ms', note: name === 'net-echo' ? '(its input script of 10,000 frames is part of the trace)' : undefined },
    );
  }
  figures.push(
    { name: 'bytes per record on disk, timer + net-echo', value: guestBytes / guestRecords, unit: 'B', target: '<= 8' },
    { name: 'records/s while recording net-echo', value: recordsPerSecond / 1e6, unit: 'M/s' },
  );
  figures.push(...sha256Figures());
  const t = await benchTrace({ records: 10_000_000, guest: false });
  figures.push(
    { name: 'bytes per record on disk, 10 M synthetic accesses', value: t.bytesPerRecord, unit: 'B', target: '<= 8' },
    { name: 'seek to an icount, 10 M-record trace (median)', value: t.seekMs, unit: 'ms', target: '< 50' },
    { name: 'records/s sustained (append + commit + close)', value: t.recordsPerSecond / 1e6, unit: 'M/s', note: `(append alone ${t.appendNsPerRecord.toFixed(0)} ns/record)` },
    { name: 'trace open (snapshot + recovery)', value: t.openMs, unit: 'ms' },
    { name: 'sequential scan', value: t.scanRecordsPerSecond / 1e6, unit: 'M records/s' },
  );
  return figures;
}
