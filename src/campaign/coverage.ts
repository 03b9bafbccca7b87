/**
 * State coverage of a reference trace (docs/campaign.md, "Coverage"): re-run the recorded
 * guest from power-on to the trace's end and find, for every feature (features.ts), the
 * icount ranges where it holds.
 *
 * "Holds at icount X" means: in the state `machine.run({ maxInstructions: X })` leaves — X
 * instructions retired, the timers due at X fired. Features are evaluated
 * - after every bus access: an access made by instruction c belongs to X = c + 1 (a later
 *   access of the same instruction replaces that evaluation);
 * - after every device timer event (at its icount) and every INTA (the controllers at c + 1,
 *   the CPU, as the interrupted instruction left it, at c);
 * - every `sampleInterval` instructions (the CPU changes modes without touching the bus);
 * - at every memory window's end (the dirty pages of the window).
 * Device features are therefore exact up to writes to guest memory (the NIC's descriptors);
 * CPU features change somewhere between two evaluations, and are attributed to the later.
 */
import { DIR_WRITE } from '../machine/bus.js';
import { TraceReader } from '../trace/reader.js';
import { bootMachine, runSetupFromTrace, type RunSetup } from '../trace/run-setup.js';
import { InputError, MigtraceError } from '../errors.js';
import { MachineFeatures, DEFAULT_BURST_PAGES, type FeatureSink } from './features.js';
import type { Coverage, CoverageSegment, FeatureCoverage, UnreachedFeature } from './types.js';

export const DEFAULT_SAMPLE_INTERVAL = 10_000;
/** A memory window is 1/WINDOWS_PER_RUN of the run, at least MIN_WINDOW instructions. */
export const WINDOWS_PER_RUN = 256;
export const MIN_WINDOW = 10_000;

export interface CoverageOptions {
  /** Instructions between evaluations of every feature (default 10 000). */
  readonly sampleInterval?: number;
  /** Memory window in instructions (default 1/256 of the run, at least 10 000). */
  readonly window?: number;
  /** memory.burst: more than this many pages written in a window (default 64). */
  readonly burstPages?: number;
}

/** Instructions between yields to the event loop (the run is synchronous otherwise). */
const YIELD_EVERY = 2_000_000;

/** Per feature: its ranges so far as flat [from, to, from, to, …], and where the open one began. */
class FeatureTimeline implements FeatureSink {
  readonly ranges: number[][] = [];
  private readonly since: number[] = [];

  change(feature: number, holds: boolean, at: number): void {
    const r = (this.ranges[feature] ??= []);
    if (holds) {
      // Back on where (or, for a sampled feature, before) its last range ended: that range goes on.
      if (r.length > 0 && r[r.length - 1] >= at) {
        r.pop();
        this.since[feature] = r.pop()!;
      } else {
        this.since[feature] = at;
      }
    } else if (this.since[feature] < at) {
      r.push(this.since[feature], at);
    }
  }

  /** Close every range still open at the run's end. */
  finish(features: number, holding: (feature: number) => boolean, end: number): void {
    for (let f = 0; f < features; f++) if (holding(f)) this.change(f, false, end);
  }
}

export function windowFor(firstIcount: number, endIcount: number, requested?: number): number {
  if (requested !== undefined) return requested;
  return Math.max(MIN_WINDOW, Math.floor((endIcount - firstIcount) / WINDOWS_PER_RUN));
}

/** Coverage of the trace at `traceDir`: its guest re-run from power-on to its final icount. */
export async function computeCoverage(traceDir: string, options: CoverageOptions = {}): Promise<Coverage> {
  const sampleInterval = options.sampleInterval ?? DEFAULT_SAMPLE_INTERVAL;
  for (const [name, v] of [['sample interval', sampleInterval], ['window', options.window], ['burst pages', options.burstPages]] as const) {
    if (v !== undefined && (!Number.isSafeInteger(v) || v < (name === 'burst pages' ? 0 : 1))) {
      throw new InputError('BAD_COVERAGE_OPTION', `coverage ${name}: ${v} is not a ${name === 'burst pages' ? 'non-negative' : 'positive'} whole number`);
    }
  }
  const reader = await TraceReader.open(traceDir);
  let setup: RunSetup;
  let first: number;
  let end: number;
  let guest: string;
  try {
    if (!reader.status.complete) {
      throw new InputError('TRACE_INCOMPLETE', `trace ${traceDir} is incomplete (${reader.status.message}): coverage needs a finished recording`);
    }
    first = reader.header.firstIcount;
    end = reader.status.finalIcount;
    if (first !== 0) {
      throw new InputError('TRACE_NOT_A_BOOT', `trace ${traceDir} starts at icount ${first}, not at power-on: coverage re-runs a recording from boot`);
    }
    setup = await runSetupFromTrace(traceDir, reader.header, reader);
    guest = reader.header.run?.guestLabel ?? setup.label;
  } finally {
    await reader.close();
  }
  try {
    return await coverageOfRun(setup, guest, first, end, sampleInterval, windowFor(first, end, options.window), options.burstPages ?? DEFAULT_BURST_PAGES);
  } finally {
    setup.disk?.close();
    setup.slaveDisk?.close();
  }
}

async function coverageOfRun(setup: RunSetup, guest: string, first: number, end: number, sampleInterval: number, window: number, burstPages: number): Promise<Coverage> {
  const machine = bootMachine(setup);
  const clock = machine.clock;
  const dirty = machine.memory.dirty.createClient('coverage');
  const timeline = new FeatureTimeline();
  const features = new MachineFeatures(machine, timeline, burstPages);
  features.start(first);

  // Halts skip virtual time with no hook: the CPU features are re-read where the halt began.
  let halted = machine.haltedInstructions;
  const catchUpHalt = (at: number): void => {
    if (machine.haltedInstructions === halted) return;
    features.evaluateCpu(at - (machine.haltedInstructions - halted));
    halted = machine.haltedInstructions;
  };
  let linesMoved = false;
  machine.bus.addObserver({
    access: (_space, dir, _addr, _size, _value, device) => {
      const lines = linesMoved;
      linesMoved = false;
      // The CPU mid-instruction: no instruction that reaches the bus changes a CPU feature.
      features.accessed(device, lines, clock.icount + 1, dir === DIR_WRITE);
      features.evaluateCpu(clock.icount + 1);
    },
    dma: () => {},
  });
  const previousInterrupts = machine.interrupts.observer;
  machine.interrupts.observer = {
    line: (irq, level) => {
      linesMoved = true;
      previousInterrupts?.line(irq, level);
    },
    acknowledged: (vector) => {
      catchUpHalt(clock.icount);
      features.interruptTaken(clock.icount);
      previousInterrupts?.acknowledged(vector);
    },
  };
  const previousEvent = machine.afterDeviceEvent;
  machine.afterDeviceEvent = (deviceId, changed) => {
    catchUpHalt(clock.icount);
    linesMoved = false;
    features.evaluateDevices(clock.icount);
    features.evaluateCpu(clock.icount);
    previousEvent?.(deviceId, changed);
  };

  let nextWindow = first + window;
  let nextYield = first + YIELD_EVERY;
  while (clock.icount < end) {
    const nextSample = (Math.floor(clock.icount / sampleInterval) + 1) * sampleInterval;
    const stop = Math.min(end, nextSample, nextWindow);
    const r = machine.run({ maxInstructions: stop });
    const at = clock.icount;
    catchUpHalt(at);
    features.evaluateDevices(at);
    features.evaluateCpu(at);
    if (at >= nextWindow || r.status !== 'limit' || at >= end) {
      features.windowEnded(dirty.takeAndClear(), at);
      nextWindow = at + window;
    }
    if (r.status !== 'limit') {
      if (at !== end) throw new MigtraceError('COVERAGE_RUN_DIVERGED', `the re-run stopped at icount ${at} (${r.message}), the recording at ${end}: it does not replay`);
      break;
    }
    if (at >= nextYield) {
      nextYield = at + YIELD_EVERY;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  if (clock.icount !== end) throw new MigtraceError('COVERAGE_RUN_DIVERGED', `the re-run ran to icount ${clock.icount}, past the recording's end at ${end}`);
  timeline.finish(features.definitions.length, (f) => features.holds(f), end);
  return assemble(guest, first, end, features, timeline.ranges);
}

function assemble(guest: string, first: number, end: number, features: MachineFeatures, ranges: readonly number[][]): Coverage {
  const reached: FeatureCoverage[] = [];
  const unreached: UnreachedFeature[] = [];
  const reachedIndex: number[] = [];
  features.definitions.forEach((d, f) => {
    const info = { id: d.id, group: d.group, kind: d.kind, doc: d.doc };
    const flat = ranges[f] ?? [];
    if (flat.length === 0) {
      if (d.listUnreached) unreached.push({ ...info, why: d.whyUnreached });
      return;
    }
    const pairs: (readonly [number, number])[] = [];
    let instructions = 0;
    for (let i = 0; i < flat.length; i += 2) {
      pairs.push([flat[i], flat[i + 1]]);
      instructions += flat[i + 1] - flat[i];
    }
    reachedIndex.push(f);
    reached.push({ ...info, ranges: pairs, instructions });
  });
  return { guest, firstIcount: first, endIcount: end, features: reached, unreached, segments: segmentsOf(reached, first, end) };
}

/** Consecutive stretches of [first, end) with the same holding set (indexes into `features`). */
export function segmentsOf(features: readonly FeatureCoverage[], first: number, end: number): CoverageSegment[] {
  // Edges: +feature at a range's start, -feature at its end, sorted by icount.
  const edges: number[] = [];
  features.forEach((f, i) => {
    for (const [from, to] of f.ranges) edges.push(from, i + 1, to, -(i + 1));
  });
  const order = Array.from({ length: edges.length / 2 }, (_, k) => k).sort((a, b) => edges[2 * a] - edges[2 * b]);
  const on = new Uint8Array(features.length);
  const out: CoverageSegment[] = [];
  let at = first;
  let k = 0;
  const holdingNow = (): number[] => {
    const h: number[] = [];
    for (let i = 0; i < on.length; i++) if (on[i] !== 0) h.push(i);
    return h;
  };
  while (at < end) {
    while (k < order.length && edges[2 * order[k]] <= at) {
      const e = edges[2 * order[k] + 1];
      on[Math.abs(e) - 1] = e > 0 ? 1 : 0;
      k++;
    }
    const next = k < order.length ? Math.min(end, edges[2 * order[k]]) : end;
    const holding = holdingNow();
    const last = out[out.length - 1];
    if (last !== undefined && sameMembers(last.holding, holding)) out[out.length - 1] = { from: last.from, to: next, holding };
    else out.push({ from: at, to: next, holding });
    at = next;
  }
  return out;
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
