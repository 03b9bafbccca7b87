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

export interface FieldOrigin {
  /** The last transition of the field at or before the asked icount; null: unchanged since power-on. */
  readonly transition: TransitionRecord | null;
  /** The access that made it (null: the device changed it on its own, a timer or a frame). */
  readonly access: AccessRecord | null;
}

export interface ExplainedDifference extends StateDifference {
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

/** When and how `device.field[index]` last changed in `reader` at or before `atOrBefore`. */
export async function fieldOrigin(
  reader: TraceReader,
  checkpoints: readonly number[],
  device: string,
  field: string,
  index: number | undefined,
  atOrBefore: number,
): Promise<FieldOrigin | null> {
  const desc = reader.header.machine.devices.find((d) => d.name === device);
  if (desc === undefined) return null;
  const fieldIndex = desc.fields.indexOf(field);
  if (fieldIndex < 0) return null;
  const want = index ?? -1;
  for (const [from, to] of windows(checkpoints, atOrBefore)) {
    let found: TransitionRecord | null = null;
    let access: AccessRecord | null = null;
    let lastAccess: AccessRecord | null = null;
    for await (const r of reader.records({ fromIcount: from, toIcount: to, device: desc.id, kinds: ['transition', 'pio', 'mmio'] })) {
      if (r.kind === 'transition') {
        if (r.field === fieldIndex && r.index === want) {
          found = r;
          access = lastAccess !== null && lastAccess.icount === r.icount ? lastAccess : null;
        }
      } else if (r.kind === 'pio' || r.kind === 'mmio') {
        lastAccess = r;
      }
    }
    if (found !== null) return { transition: found, access };
  }
  return { transition: null, access: null };
}

function hex(n: number, digits: number): string {
  return `0x${n.toString(16).padStart(digits, '0')}`;
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
export function pageLastChanged(checkpoints: readonly CheckpointRecord[], page: number, atOrBefore: number): { from: number; to: number } | null {
  const sorted = checkpoints.filter((c) => c.icount <= atOrBefore).sort((a, b) => a.icount - b.icount);
  for (let i = sorted.length - 1; i >= 0; i--) {
    if (sorted[i].changedPages.includes(page)) return { from: i > 0 ? sorted[i - 1].icount : 0, to: sorted[i].icount };
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
  const out: ExplainedDifference[] = [];
  for (const d of diffs) {
    const parts = [describeClassification(d)];
    let origin: FieldOrigin | undefined;
    if (d.kind === 'device' && d.device !== undefined && d.field !== undefined) {
      const o = await fieldOrigin(reader, cpIcounts, d.device, d.field, d.index, at);
      if (o !== null) {
        origin = o;
        parts.push(describeOrigin(d, o));
      }
    } else if (d.kind === 'memory' && d.page !== undefined) {
      const w = pageLastChanged(checkpoints, d.page, at);
      parts.push(w === null ? 'never written in the reference' : w.from === w.to ? `written by icount ${w.to}` : `last written between icount ${w.from} and ${w.to}`);
    }
    const extra = captureNote?.(d);
    if (extra) parts.push(extra);
    out.push({ ...d, explanation: `${describeDifference(d)} (${parts.join(', ')})`, origin });
  }
  return out;
}
