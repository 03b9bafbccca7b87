/**
 * The state side of verification:
 *
 * - the switch-over: the destination as reconstructed (its machine snapshot, else its first
 *   checkpoint) against the reference at the same icount (its checkpoint there, else the
 *   reference re-executed to it), field by field;
 * - every destination checkpoint after it against the reference at the same icount (a
 *   reference checkpoint when one is there, else the re-executed reference).
 *
 * Essential differences are failures; the rest (statistics, interrupt lines, command
 * registers, by schema) are notes.
 */
import type { StateSchema } from '../src/devices/schema.js';
import type { CheckpointRecord } from '../src/trace/reader.js';
import type { Replay } from './replay.js';
import { compareStates, fromCheckpoint, fromSnapshot, type StatePoint } from './state-point.js';
import type { DeviceState, StateDifference } from './state-compare.js';
import type { TracePair } from './trace-pair.js';

export interface StateCheck {
  readonly icount: number;
  readonly referenceSource: string;
  readonly destinationSource: string;
  readonly failures: readonly StateDifference[];
  readonly notes: readonly StateDifference[];
  /** The reference's device states there: what root-cause ordering reads vectors from (root-cause.ts). */
  readonly referenceDevices: readonly DeviceState[];
}

export interface CheckpointChecks {
  readonly compared: number;
  readonly differing: number;
  /** The first checkpoint with an essential difference. */
  readonly first: StateCheck | null;
  /** Icount of the last checkpoint before `first` whose state agreed (the switch-over when none). */
  readonly lastAgreeing: number;
  /** Non-essential differences, first occurrence of each field. */
  readonly notes: readonly (StateDifference & { readonly icount: number })[];
  /** The reference run stopped before a destination checkpoint. */
  readonly referenceEnded: { readonly icount: number; readonly status: string } | null;
}

/** A trace's checkpoints by icount (the last one at each icount). */
export async function checkpointsByIcount(pair: TracePair, side: 'reference' | 'destination'): Promise<Map<number, CheckpointRecord>> {
  const out = new Map<number, CheckpointRecord>();
  for await (const cp of pair[side].reader.checkpoints()) out.set(cp.icount, cp);
  return out;
}

function split(icount: number, ref: StatePoint, dst: StatePoint, diffs: StateDifference[]): StateCheck {
  return {
    icount,
    referenceSource: ref.source,
    destinationSource: dst.source,
    failures: diffs.filter((d) => d.essential),
    notes: diffs.filter((d) => !d.essential),
    referenceDevices: ref.devices,
  };
}

/** The reference's state at `icount`: its checkpoint there, or the re-executed machine (null: the run ended before). */
export async function referenceAt(pair: TracePair, refCps: ReadonlyMap<number, CheckpointRecord>, replay: Replay, icount: number): Promise<StatePoint | null> {
  const cp = refCps.get(icount);
  if (cp !== undefined) return fromCheckpoint(pair.reference.reader, cp, 'reference');
  return (await replay.advanceTo(icount)) ? replay.point() : null;
}

/** The destination as reconstructed at the switch-over, or null when the trace carries neither a snapshot nor a checkpoint there. */
export function destinationAtSwitch(pair: TracePair, dstCps: ReadonlyMap<number, CheckpointRecord>): StatePoint | null {
  if (pair.snapshot !== null) return fromSnapshot(pair.snapshot, 'destination switch-over snapshot');
  const cp = dstCps.get(pair.switchIcount);
  return cp === undefined ? null : fromCheckpoint(pair.destination.reader, cp, 'destination');
}

export async function checkSwitchOver(
  pair: TracePair,
  schemas: ReadonlyMap<string, StateSchema>,
  refCps: ReadonlyMap<number, CheckpointRecord>,
  dstCps: ReadonlyMap<number, CheckpointRecord>,
  replay: Replay,
): Promise<StateCheck | null> {
  const dst = destinationAtSwitch(pair, dstCps);
  if (dst === null) return null;
  const ref = await referenceAt(pair, refCps, replay, pair.switchIcount);
  if (ref === null) return null; // cannot happen: the pair was checked to reach the switch-over
  return split(pair.switchIcount, ref, dst, await compareStates(schemas, ref, dst));
}

const NOTE_FIELDS_MAX = 20;

export async function checkCheckpoints(
  pair: TracePair,
  schemas: ReadonlyMap<string, StateSchema>,
  refCps: ReadonlyMap<number, CheckpointRecord>,
  dstCps: ReadonlyMap<number, CheckpointRecord>,
  replay: Replay,
  options: { readonly stopAtFirst?: boolean } = {},
): Promise<CheckpointChecks> {
  let compared = 0;
  let differing = 0;
  let first: StateCheck | null = null;
  let lastAgreeing = pair.switchIcount;
  let referenceEnded: CheckpointChecks['referenceEnded'] = null;
  const notes: (StateDifference & { icount: number })[] = [];
  const noted = new Set<string>();
  const icounts = [...dstCps.keys()].filter((i) => i > pair.switchIcount).sort((a, b) => a - b);
  for (const icount of icounts) {
    const cp = dstCps.get(icount)!;
    const ref = await referenceAt(pair, refCps, replay, icount);
    if (ref === null) {
      referenceEnded = { icount: replay.ended?.icount ?? replay.icount, status: replay.ended?.status ?? 'ended' };
      break;
    }
    const check = split(icount, ref, fromCheckpoint(pair.destination.reader, cp, 'destination'), await compareStates(schemas, ref, fromCheckpoint(pair.destination.reader, cp, 'destination')));
    compared++;
    for (const n of check.notes) {
      if (noted.has(n.path) || noted.size >= NOTE_FIELDS_MAX) continue;
      noted.add(n.path);
      notes.push({ ...n, icount });
    }
    if (check.failures.length > 0) {
      differing++;
      if (first === null) first = check;
      if (options.stopAtFirst) break;
    } else if (first === null) {
      lastAgreeing = icount;
    }
  }
  return { compared, differing, first, lastAgreeing, notes, referenceEnded };
}
