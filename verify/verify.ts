/**
 * `migtrace verify REFERENCE DESTINATION`: is the migrated destination the same machine as
 * the unmigrated reference, from the switch-over on — and if not, where did they part and
 * why.
 *
 * 1. the pair is checked (trace-pair.ts: same guest and inputs, identical machines, a real
 *    destination, a reference that runs as far);
 * 2. the switch-over: the destination as reconstructed against the reference at that icount,
 *    field by field (state-checks.ts);
 * 3. the streams, record by record (stream-compare.ts);
 * 4. every destination checkpoint against the reference's state there;
 * 5. on a divergence, its first record, the earliest state difference behind it (the
 *    switch-over's, else found by bisection: bisect.ts) and its cause (cause.ts).
 */
import { InputError } from '../src/errors.js';
import type { StateSchema } from '../src/devices/schema.js';
import type { CheckpointRecord } from '../src/trace/reader.js';
import type { TraceRecord } from '../src/trace/records.js';
import { bisectFirstDifference, type BisectionResult } from './bisect.js';
import { captureNote, uncapturedFields } from './capture-notes.js';
import { explainDifferences, type ExplainedDifference } from './cause.js';
import { differencesToName, orderByRootCause, rootCauseText } from './root-cause.js';
import { deviceSchemas } from './machine-state.js';
import { Replay } from './replay.js';
import { checkCheckpoints, checkSwitchOver, checkpointsByIcount, type StateCheck } from './state-checks.js';
import { compareStreams, type StreamExtras } from './stream-compare.js';
import { describeRecordBody } from '../src/trace/describe.js';
import { openTracePair, type TracePair } from './trace-pair.js';

export interface RecordView {
  readonly seq: number;
  readonly icount: number;
  readonly kind: string;
  readonly text: string;
}

export interface StateCheckView {
  readonly icount: number;
  readonly referenceSource: string;
  readonly destinationSource: string;
  readonly failures: readonly ExplainedDifference[];
  readonly notes: readonly ExplainedDifference[];
}

export interface FirstDivergence {
  /** Icount of the first sign: the record where the streams part, or the first differing state. */
  readonly icount: number;
  readonly record: { readonly kind: 'differs' | 'missing' | 'extra'; readonly reference: RecordView | null; readonly destination: RecordView | null } | null;
  /** The earliest state difference behind it. */
  readonly state: {
    readonly icount: number;
    readonly how: 'switch-over' | 'bisection' | 'checkpoint';
    readonly differences: readonly ExplainedDifference[];
    readonly instruction: { readonly reference: string; readonly destination: string } | null;
    readonly window: readonly [number, number] | null;
  } | null;
  /** One line: the cause as far as the verifier can tell. */
  readonly cause: string;
  readonly bisection: { readonly steps: number; readonly instructionsRun: number } | null;
}

export interface VerifyReport {
  readonly verdict: 'match' | 'divergence';
  readonly reference: { readonly dir: string; readonly guest: string; readonly records: number; readonly endIcount: number; readonly status: string };
  readonly destination: {
    readonly dir: string;
    readonly records: number;
    readonly endIcount: number;
    readonly status: string;
    readonly switchIcount: number;
    readonly switchFrom: string;
    readonly extras: StreamExtras;
  };
  readonly switchOver: StateCheckView | null;
  readonly stream: {
    readonly matched: number;
    readonly lineRecordsMatched: number;
    readonly skippedAtSwitch: number;
    readonly divergence: FirstDivergence['record'] & { readonly icount: number } | null;
    readonly notes: readonly string[];
  };
  readonly checkpoints: {
    readonly compared: number;
    readonly differing: number;
    readonly first: StateCheckView | null;
    readonly lastAgreeing: number;
    readonly notes: readonly string[];
    readonly referenceEnded: { readonly icount: number; readonly status: string } | null;
  };
  readonly firstDivergence: FirstDivergence | null;
  /** Faults the migration reports it injected (its switch-over event). */
  readonly injectedFaults: readonly string[];
  /**
   * What the source captured, from the destination's record of it (null: the trace has none):
   * how its hypervisor attached, the fields it could not capture, what it said about the state.
   */
  readonly capture: {
    readonly attach: 'boot' | 'late';
    readonly attachIcount: number;
    readonly agent: boolean;
    readonly uncaptured: readonly string[];
    readonly sourceNotes: readonly string[];
  } | null;
  readonly notes: readonly string[];
}

export interface VerifyOptions {
  /** Locate the earliest state difference by re-execution when the switch-over agrees (default true). */
  readonly bisect?: boolean;
}

function recordView(r: TraceRecord | null, names: (id: number) => string): RecordView | null {
  return r === null ? null : { seq: r.seq, icount: r.icount, kind: r.kind, text: describeRecordBody(r, names, true) };
}

/** Device names by bus id, from a trace header. */
export function deviceNamer(pair: TracePair): (id: number) => string {
  const names = new Map(pair.reference.reader.header.machine.devices.map((d) => [d.id, d.name]));
  return (id) => names.get(id) ?? `device ${id}`;
}

/** `withCapture`: add what the source captured of each field (the switch-over's check). */
async function view(pair: TracePair, refCps: CheckpointRecord[], check: StateCheck, withCapture = false): Promise<StateCheckView> {
  const reader = pair.reference.reader;
  // State at icount N is what instructions before N made it: records stamped N in the
  // reference mostly belong to the instruction that runs after the point.
  const before = Math.max(0, check.icount - 1);
  // The destination hypervisor's reconstruction notes beside the source's: a field either names is quoted.
  const capture = pair.capture === null ? null : {
    ...pair.capture,
    notes: [...pair.capture.notes, ...pair.hypervisorEvents.filter((h) => h.action === 'reconstruct-note').map((h) => h.detail)],
  };
  const note = withCapture && capture !== null ? (d: Parameters<typeof captureNote>[1]) => captureNote(capture, d) : undefined;
  // Failures and notes are ordered together: a note (a line level) can be the root a failure follows from.
  const ordered = orderByRootCause([...check.failures, ...check.notes], check.referenceDevices);
  return {
    icount: check.icount,
    referenceSource: check.referenceSource,
    destinationSource: check.destinationSource,
    failures: await explainDifferences(reader, refCps, ordered.filter((d) => d.essential), before, note),
    notes: await explainDifferences(reader, refCps, ordered.filter((d) => !d.essential), before, note),
  };
}

/** Verify an opened pair. */
export async function verifyPair(pair: TracePair, options: VerifyOptions = {}): Promise<VerifyReport> {
  const replay = new Replay(pair.reference.factory, 'reference');
  const schemas: ReadonlyMap<string, StateSchema> = deviceSchemas(replay.machine);
  const names = deviceNamer(pair);
  const refCpMap = await checkpointsByIcount(pair, 'reference');
  const dstCpMap = await checkpointsByIcount(pair, 'destination');
  const refCps = [...refCpMap.values()];
  const notes: string[] = [];
  // A recording checkpoints where its run stops; a destination without that checkpoint has
  // lost its final state (damaged, or cut short), and a match up to its last surviving one
  // would say nothing about where it ended.
  const dstEnd = pair.destination.endIcount;
  if (!dstCpMap.has(dstEnd)) {
    const last = Math.max(...dstCpMap.keys());
    throw new InputError(
      'DESTINATION_CHECKPOINT_MISSING',
      `destination trace ${pair.destination.dir} has no checkpoint where it ends (icount ${dstEnd}; ` +
        `${dstCpMap.size === 0 ? 'it has none' : `its last is at icount ${last}`}): its final state cannot be compared; the trace is damaged or incomplete`,
    );
  }
  try {
    // The records are read and compared while the reference re-executes (its slices let the
    // stream's LevelDB reads through), so I/O waits hide behind machine time.
    const streaming = compareStreams(pair.reference.reader, pair.destination.reader, pair.switchIcount);
    streaming.catch(() => {}); // awaited below; a state error first must not leave it unhandled
    const switchCheck = await checkSwitchOver(pair, schemas, refCpMap, dstCpMap, replay);
    if (switchCheck === null) notes.push('the destination carries no state at the switch-over (no snapshot, no checkpoint there): the switch-over was not compared');
    const cps = await checkCheckpoints(pair, schemas, refCpMap, dstCpMap, replay);
    const stream = await streaming;
    if (switchCheck === null && cps.compared === 0 && cps.referenceEnded === null) {
      // No state compared at all: a comparison of nothing is not a match.
      throw new InputError(
        'NOTHING_COMPARED',
        `no state of destination trace ${pair.destination.dir} could be compared with the reference (no switch-over state, no checkpoint after icount ${pair.switchIcount}): not a match; the destination is damaged or incomplete`,
      );
    }

    const switchView = switchCheck === null ? null : await view(pair, refCps, switchCheck, true);
    const firstCpView = cps.first === null ? null : await view(pair, refCps, cps.first);
    const d = stream.divergence;
    const streamDivergence = d === null ? null : { kind: d.kind, icount: d.icount, reference: recordView(d.reference, names), destination: recordView(d.destination, names) };

    const divergent = (switchView?.failures.length ?? 0) > 0 || d !== null || cps.differing > 0 || cps.referenceEnded !== null;
    if (!divergent && pair.reference.endIcount === pair.destination.endIcount && pair.reference.runStatus !== pair.destination.runStatus) {
      notes.push(`the reference run ended "${pair.reference.runStatus}", the destination "${pair.destination.runStatus}" (same icount, same records)`);
    }
    for (const h of pair.hypervisorEvents) if (h.detail !== '') notes.push(`hypervisor ${h.action}: ${h.detail}`);
    if (pair.injectedFaults.length > 0) notes.push(`the migration ran with injected fault(s): ${pair.injectedFaults.join(', ')}`);
    // (What the source could not capture is among its notes, the hypervisor source-note events.)
    const c = pair.capture;
    const uncaptured = c === null ? [] : uncapturedFields(c);
    if (pair.reference.endIcount > pair.destination.endIcount && d === null) {
      notes.push(`the destination trace stops at icount ${pair.destination.endIcount}, the reference runs on to ${pair.reference.endIcount}: compared up to the destination's end`);
    }

    let first: FirstDivergence | null = null;
    if (divergent) {
      first = await firstDivergence(pair, schemas, refCps, dstCpMap, switchView, streamDivergence, cps.first === null ? null : { check: firstCpView!, lastAgreeing: cps.lastAgreeing }, options);
    }
    const cpNotes = cps.notes.map((n) => `${n.path}: reference ${String(n.reference)}, destination ${String(n.destination)} at icount ${n.icount} (not essential)`);
    return {
      verdict: divergent ? 'divergence' : 'match',
      reference: { dir: pair.reference.dir, guest: pair.reference.factory.label, records: pair.reference.recordCount, endIcount: pair.reference.endIcount, status: pair.reference.runStatus },
      destination: {
        dir: pair.destination.dir,
        records: pair.destination.recordCount,
        endIcount: pair.destination.endIcount,
        status: pair.destination.runStatus,
        switchIcount: pair.switchIcount,
        switchFrom: pair.switchFrom,
        extras: stream.extras,
      },
      switchOver: switchView,
      stream: { matched: stream.matched, lineRecordsMatched: stream.lineRecordsMatched, skippedAtSwitch: stream.skippedAtSwitch, divergence: streamDivergence, notes: stream.lineNotes },
      checkpoints: { compared: cps.compared, differing: cps.differing, first: firstCpView, lastAgreeing: cps.lastAgreeing, notes: cpNotes, referenceEnded: cps.referenceEnded },
      firstDivergence: first,
      injectedFaults: pair.injectedFaults,
      capture: c === null ? null : { attach: c.attach.mode, attachIcount: c.attach.icount, agent: c.attach.agent, uncaptured, sourceNotes: [...c.notes] },
      notes,
    };
  } finally {
    replay.dispose();
  }
}

/** What a divergence names of a state check: its failures root first, behind the non-essential roots they follow from. */
function named(check: StateCheckView): ExplainedDifference[] {
  return differencesToName([...check.failures, ...check.notes].map((d) => ({ ...d, root: d.root ?? true })));
}

async function firstDivergence(
  pair: TracePair,
  schemas: ReadonlyMap<string, StateSchema>,
  refCps: CheckpointRecord[],
  dstCpMap: ReadonlyMap<number, CheckpointRecord>,
  switchView: StateCheckView | null,
  record: VerifyReport['stream']['divergence'],
  checkpoint: { check: StateCheckView; lastAgreeing: number } | null,
  options: VerifyOptions,
): Promise<FirstDivergence> {
  const icount = Math.min(record?.icount ?? Infinity, checkpoint?.check.icount ?? Infinity, switchView !== null && switchView.failures.length > 0 ? switchView.icount : Infinity);
  const rec = record === null ? null : { kind: record.kind, reference: record.reference, destination: record.destination };

  if (switchView !== null && switchView.failures.length > 0) {
    const f = named(switchView);
    const cause =
      `the migration did not carry the state right: at the switch-over (icount ${switchView.icount}) ${rootCauseText(f)}` +
      (pair.injectedFaults.length > 0 ? `; the migration reports injected fault(s): ${pair.injectedFaults.join(', ')}` : '');
    return { icount: switchView.icount, record: rec, state: { icount: switchView.icount, how: 'switch-over', differences: f, instruction: null, window: null }, cause, bisection: null };
  }

  const limit = Math.min(record?.icount ?? Infinity, checkpoint?.check.icount ?? Infinity, pair.destination.endIcount);
  if (pair.snapshot !== null && options.bisect !== false && Number.isFinite(limit)) {
    // The recorded streams part at `limit`: state must differ by the instruction after it.
    const stops = [...dstCpMap.keys()];
    const b: BisectionResult = await bisectFirstDifference(pair, schemas, stops, limit + 1);
    const bis = { steps: b.steps, instructionsRun: b.instructionsRun };
    const suspects = switchView?.notes ?? [];
    const suspectText = suspects.length > 0 ? `; the switch-over differed only in non-essential state, the likely cause: ${suspects.map((n) => n.explanation).join('; ')}` : '';
    if (b.icount !== null) {
      const ex = await explainDifferences(pair.reference.reader, refCps, differencesToName(orderByRootCause(b.differences, b.referenceDevices)), b.icount);
      const cause = `state first differs at icount ${b.icount}, after the instruction at ${b.instruction?.reference ?? '?'}: ${rootCauseText(ex)}` + suspectText;
      return { icount, record: rec, state: { icount: b.icount, how: 'bisection', differences: ex, instruction: b.instruction, window: [b.agreedUpTo, b.icount] }, cause, bisection: bis };
    }
    const cause =
      `re-executing the destination from its switch-over snapshot agrees with the reference up to icount ${b.agreedUpTo}: ` +
      'the recorded destination departed from its own snapshot, so something outside the guest changed it after the switch-over' +
      (checkpoint !== null ? ` (first differing checkpoint at icount ${checkpoint.check.icount}: ${rootCauseText(named(checkpoint.check))})` : '');
    return { icount, record: rec, state: checkpoint === null ? null : { icount: checkpoint.check.icount, how: 'checkpoint', differences: named(checkpoint.check), instruction: null, window: [checkpoint.lastAgreeing, checkpoint.check.icount] }, cause, bisection: bis };
  }

  if (checkpoint !== null) {
    const c = checkpoint.check;
    const cause = `state differs at the destination checkpoint at icount ${c.icount} (agreeing at ${checkpoint.lastAgreeing}): ${rootCauseText(named(c))}` +
      (pair.snapshot === null ? '; the destination carries no switch-over snapshot, so it cannot be re-executed to narrow this down' : '');
    return { icount, record: rec, state: { icount: c.icount, how: 'checkpoint', differences: named(c), instruction: null, window: [checkpoint.lastAgreeing, c.icount] }, cause, bisection: null };
  }
  return { icount, record: rec, state: null, cause: record === null ? 'the reference run ended before a destination checkpoint' : `the streams part at icount ${record.icount}; no state difference was located`, bisection: null };
}

/** Open, verify and close. */
export async function verifyTraces(referenceDir: string, destinationDir: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const pair = await openTracePair(referenceDir, destinationDir);
  try {
    return await verifyPair(pair, options);
  } finally {
    await pair.close();
  }
}
