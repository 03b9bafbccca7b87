/**
 * Why a field has the value it has: the reference trace's transition records say when the
 * field last changed before a given icount, and the access just before that transition (the
 * tracker checks a device right after each access to it) says which guest write did it.
 * With the schema's access class that becomes a sentence a person can act on:
 *
 *   pic.master.auto_eoi: reference 1, destination 0 (write-only config, set by ICW4 at icount
 *   1234: the guest wrote 0x03 to port 0x21)
 *
 * Memory pages: the reference checkpoints' changed-page lists bound when the page was last
 * written.
 */
import { ORIGIN_HYPERVISOR } from '../src/machine/bus.js';
import type { AccessRecord, TransitionRecord } from '../src/trace/records.js';
import type { CheckpointRecord, TraceReader } from '../src/trace/reader.js';
import { settingWriteName } from './register-names.js';
import { describeClassification, describeDifference, type StateDifference } from './state-compare.js';
import type { RootCauseMark } from './root-cause.js';
import { hex } from '../src/hex.js';

export interface FieldOrigin {
  /** The last transition of the field at or before the asked icount; null: unchanged since power-on. */
  readonly transition: TransitionRecord | null;
  /** The access that made it (null: the device changed it on its own, a timer or a frame). */
  readonly access: AccessRecord | null;
}

/** A difference explained; `root`, `follows` and `because` are set once differences are ordered by root cause (root-cause.ts). */
export interface ExplainedDifference extends StateDifference, Partial<RootCauseMark> {
  /** The whole line: "pic.master.auto_eoi: reference 1, destination 0 (write-only config, set by ICW4 at icount N: …)". */
  readonly explanation: string;
  readonly origin?: FieldOrigin;
}

/** Icounts to search back from, newest first: the reference's checkpoints bound each window. */
function windows(checkpoints: readonly number[], atOrBefore: number): [number, number][] {
  const cps = checkpoints.filter((c) => c <= atOrBefore).sort((a, b) => b - a);
  const out: [number, number][] = [];
  let hi = atOrBefore;
  for (const c of cps) {
    if (c < hi) {
      out.push([c, hi]);
      hi = c - 1;
    }
  }
  if (hi >= 0) out.push([0, hi]);
  return out;
}

/** A field (element) whose origin is wanted. */
export interface FieldKey {
  readonly device: string;
  readonly field: string;
  readonly index?: number;
}

function keyOf(k: FieldKey): string {
  return `${k.device}.${k.field}[${k.index ?? -1}]`;
}

/**
 * When and how each field last changed in `reader` at or before `atOrBefore`: one backward
 * scan per device over windows bounded by checkpoints, stopping once every field is found.
 * Fields never changed get { transition: null }; unknown devices or fields are left out.
 */
export async function fieldOrigins(reader: TraceReader, checkpoints: readonly number[], keys: readonly FieldKey[], atOrBefore: number): Promise<Map<string, FieldOrigin>> {
  const out = new Map<string, FieldOrigin>();
  const byDevice = new Map<string, FieldKey[]>();
  for (const k of keys) byDevice.set(k.device, [...(byDevice.get(k.device) ?? []), k]);
  for (const [device, list] of byDevice) {
    const desc = reader.header.machine.devices.find((d) => d.name === device);
    if (desc === undefined) continue;
    const want = new Map<string, string>(); // "field:index" → key
    for (const k of list) {
      const f = desc.fields.indexOf(k.field);
      if (f >= 0) want.set(`${f}:${k.index ?? -1}`, keyOf(k));
    }
    for (const [from, to] of windows(checkpoints, atOrBefore)) {
      if (want.size === 0) break;
      const found = new Map<string, FieldOrigin>();
      let lastAccess: AccessRecord | null = null;
      for await (const r of reader.records({ fromIcount: from, toIcount: to, device: desc.id, kinds: ['transition', 'pio', 'mmio'] })) {
        if (r.kind === 'transition') {
          const key = want.get(`${r.field}:${r.index}`);
          if (key !== undefined) found.set(key, { transition: r, access: lastAccess !== null && lastAccess.icount === r.icount ? lastAccess : null });
        } else if (r.kind === 'pio' || r.kind === 'mmio') {
          lastAccess = r;
        }
      }
      for (const [w, key] of [...want]) {
        const o = found.get(key);
        if (o !== undefined) {
          out.set(key, o);
          want.delete(w);
        }
      }
    }
    for (const key of want.values()) out.set(key, { transition: null, access: null });
  }
  return out;
}

/** When and how `device.field[index]` last changed in `reader` at or before `atOrBefore`. */
export async function fieldOrigin(
  reader: TraceReader,
  checkpoints: readonly number[],
  device: string,
  field: string,
  index: number | undefined,
  atOrBefore: number,
): Promise<FieldOrigin | null> {
  const key = { device, field, index };
  return (await fieldOrigins(reader, checkpoints, [key], atOrBefore)).get(keyOf(key)) ?? null;
}


function describeAccess(a: AccessRecord): string {
  const who = a.origin === ORIGIN_HYPERVISOR ? 'the hypervisor' : 'the guest';
  const where = a.kind === 'pio' ? `port ${hex(a.addr, 2)}` : `address ${hex(a.addr, 8)}`;
  return a.dir === 1 ? `${who} wrote ${hex(a.value, a.size * 2)} to ${where}` : `${who} read ${where}`;
}

/** "set by ICW4 at icount 1234: the guest wrote 0x03 to port 0x21", "changed by the device at icount N", "at its power-on value". */
export function describeOrigin(d: StateDifference, o: FieldOrigin): string {
  const t = o.transition;
  if (t === null) return 'at its power-on value in the reference';
  if (o.access === null) return `last changed by the device itself at icount ${t.icount}`;
  const name = d.device !== undefined && d.field !== undefined ? settingWriteName(d.device, d.field) : null;
  const verb = o.access.dir === 1 ? 'set' : 'changed';
  return `${verb} by ${name ?? 'an access'} at icount ${t.icount}: ${describeAccess(o.access)}`;
}

/** The last reference checkpoint interval in which `page` changed, at or before `atOrBefore`. */
export function pageLastChanged(checkpoints: readonly CheckpointRecord[], page: number, atOrBefore: number): { from: number; to: number; first: boolean } | null {
  const sorted = checkpoints.filter((c) => c.icount <= atOrBefore).sort((a, b) => a.icount - b.icount);
  for (let i = sorted.length - 1; i >= 0; i--) {
    if (sorted[i].changedPages.includes(page)) return { from: i > 0 ? sorted[i - 1].icount : 0, to: sorted[i].icount, first: i === 0 };
  }
  return null;
}

/**
 * Each difference as one explained line. `at` is the icount the states were taken at;
 * `captureNote` may add what the migration said about the field ("not captured").
 */
export async function explainDifferences(
  reader: TraceReader,
  checkpoints: readonly CheckpointRecord[],
  diffs: readonly StateDifference[],
  at: number,
  captureNote?: (d: StateDifference) => string | null,
): Promise<ExplainedDifference[]> {
  const cpIcounts = checkpoints.map((c) => c.icount);
  // The trace is searched for the first few device fields only: a report shows no more.
  const keys: FieldKey[] = [];
  for (const d of diffs) {
    if (keys.length >= MAX_TRACED) break;
    if (d.kind === 'device' && d.device !== undefined && d.field !== undefined) keys.push({ device: d.device, field: d.field, index: d.index });
  }
  const origins = await fieldOrigins(reader, cpIcounts, keys, at);
  const out: ExplainedDifference[] = [];
  for (const d of diffs) {
    const parts = [describeClassification(d)];
    let origin: FieldOrigin | undefined;
    if (d.kind === 'device' && d.device !== undefined && d.field !== undefined) {
      origin = origins.get(keyOf({ device: d.device, field: d.field, index: d.index }));
      if (origin !== undefined) parts.push(describeOrigin(d, origin));
    } else if (d.kind === 'memory' && d.page !== undefined) {
      parts.push(describePageHistory(pageLastChanged(checkpoints, d.page, at), lastCheckpoint(checkpoints, at)));
    }
    const extra = captureNote?.(d);
    out.push({ ...d, explanation: `${describeDifference(d)} (${parts.join(', ')}${extra ? `; ${extra}` : ''})`, origin });
  }
  return out;
}

const MAX_TRACED = 8;

/** Icount of the reference's last checkpoint at or before `at`, or null. */
function lastCheckpoint(checkpoints: readonly CheckpointRecord[], at: number): number | null {
  let last: number | null = null;
  for (const c of checkpoints) if (c.icount <= at && (last === null || c.icount > last)) last = c.icount;
  return last;
}

function describePageHistory(w: { from: number; to: number; first: boolean } | null, lastCp: number | null): string {
  // No checkpoint lists the page: it was never written — or written after the last checkpoint before here.
  if (w === null) return lastCp === null ? 'never written in the reference' : `not changed at any reference checkpoint up to icount ${lastCp}: written after it, if at all`;
  if (w.first) return `unchanged in the reference since its first checkpoint (icount ${w.to})`;
  return `last written in the reference between icount ${w.from} and ${w.to}`;
}
