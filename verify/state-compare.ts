/**
 * Field-by-field comparison of machine state: CPU registers (with the hidden segment caches and
 * the interrupt shadow), device state driven by the device schemas (essential fields are
 * failures, statistics / interrupt lines / command registers are notes: schema.ts), and memory
 * by page. Every difference is named the way a person would look it up: "pic.master.auto_eoi",
 * "cpu.cs.base", "memory page 0x00123".
 */
import type { FieldAccess, FieldRole, FieldSpec, StateSchema, StateSnapshot } from '../src/devices/schema.js';
import { diffSnapshots, fieldPath, isEssential } from '../src/devices/schema.js';
import { PAGE_BYTES } from '../src/trace/pages.js';
import type { CpuState } from '../src/machine/cpu/cpu.js';
import { CPU_SCHEMA, cpuSnapshot } from '../src/machine/cpu/state.js';
import { hex } from '../src/hex.js';

export interface StateDifference {
  readonly kind: 'cpu' | 'device' | 'memory' | 'clock' | 'disk';
  /** "pic.master.auto_eoi", "cmos.ram[14]", "cpu.cs.base", "memory page 0x00123", "clock.icount". */
  readonly path: string;
  readonly reference: number | string | boolean | null;
  readonly destination: number | string | boolean | null;
  /** Differences in essential state are failures; the rest are notes. */
  readonly essential: boolean;
  /** Device fields: what the schema says about the field. */
  readonly device?: string;
  readonly field?: string;
  readonly index?: number;
  readonly access?: FieldAccess;
  readonly role?: FieldRole;
  readonly width?: number;
  readonly doc?: string;
  /** Memory differences: the page number. */
  readonly page?: number;
  /** More about the difference ("3 bytes differ, first at offset 0x010"). */
  readonly detail?: string;
}

/** A device's state as a comparison sees it: its schema name and snapshot. */
export interface DeviceState {
  readonly name: string;
  readonly state: StateSnapshot;
}

function fieldDifference(schema: StateSchema, f: FieldSpec, index: number | undefined, a: number, b: number): StateDifference {
  return {
    kind: 'device',
    path: fieldPath({ device: schema.device, field: f, index, a, b }),
    reference: a,
    destination: b,
    essential: isEssential(f),
    device: schema.device,
    field: f.name,
    index,
    access: f.access,
    role: f.role,
    width: f.width,
    doc: f.doc,
  };
}

/**
 * Device differences, in device order then schema declaration order. `schemas` are found by
 * device name; a device present on one side only is an essential difference.
 */
export function compareDevices(
  schemas: ReadonlyMap<string, StateSchema>,
  reference: readonly DeviceState[],
  destination: readonly DeviceState[],
): StateDifference[] {
  const out: StateDifference[] = [];
  const dst = new Map(destination.map((d) => [d.name, d]));
  for (const r of reference) {
    const d = dst.get(r.name);
    const schema = schemas.get(r.name);
    if (d === undefined || schema === undefined) {
      out.push({ kind: 'device', path: r.name, reference: 'present', destination: d === undefined ? 'absent' : 'unknown schema', essential: true, device: r.name });
      continue;
    }
    for (const diff of diffSnapshots(schema, r.state, d.state)) out.push(fieldDifference(schema, diff.field, diff.index, diff.a, diff.b));
  }
  const names = new Set(reference.map((r) => r.name));
  for (const d of destination) {
    if (!names.has(d.name)) out.push({ kind: 'device', path: d.name, reference: 'absent', destination: 'present', essential: true, device: d.name });
  }
  return out;
}

/**
 * CPU differences, field by field in the CPU schema's declaration order (src/machine/cpu/state.ts:
 * registers, segment selectors and hidden caches, descriptor tables, control and debug
 * registers, CPL, interrupt shadow, halted), named "cpu.cs.base". Every CPU field is essential.
 */
export function compareCpu(reference: CpuState, destination: CpuState): StateDifference[] {
  return diffSnapshots(CPU_SCHEMA, cpuSnapshot(reference), cpuSnapshot(destination)).map((d) => ({
    kind: 'cpu',
    path: fieldPath(d),
    reference: d.a,
    destination: d.b,
    essential: isEssential(d.field),
    field: d.field.name,
    width: d.field.width,
    doc: d.field.doc,
  }));
}

export function pageLabel(page: number): string {
  return `memory page ${hex(page, 5)}`;
}

/** A memory difference, pages named with their physical address range. */
export function pageDifference(page: number, reference: string, destination: string): StateDifference {
  return { kind: 'memory', path: pageLabel(page), reference, destination, essential: true, page };
}

/** Read access to RAM pages: a live machine's memory, or a snapshot's page list. */
export interface PageSource {
  readonly ramPages: number;
  /** The page's bytes, or null for an all-zero page. */
  page(n: number): Uint8Array | null;
}

/** Pages whose bytes differ, ascending (a direct compare: both sides are in this process). */
export function comparePageSources(a: PageSource, b: PageSource, candidates?: Iterable<number>): number[] {
  const out: number[] = [];
  const zero = Buffer.alloc(PAGE_BYTES);
  const view = (x: Uint8Array | null): Buffer => (x === null ? zero : Buffer.from(x.buffer, x.byteOffset, x.byteLength));
  const n = Math.max(a.ramPages, b.ramPages);
  const check = (p: number): void => {
    const pa = p < a.ramPages ? a.page(p) : null;
    const pb = p < b.ramPages ? b.page(p) : null;
    if (!view(pa).equals(view(pb))) out.push(p);
  };
  if (candidates === undefined) {
    for (let p = 0; p < n; p++) check(p);
  } else {
    for (const p of [...new Set(candidates)].sort((x, y) => x - y)) if (p < n) check(p);
  }
  return out;
}

/** The value as a person reads it: flags and small fields in decimal, wider ones in hex too. */
export function formatValue(v: number | string | boolean | null, width?: number): string {
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return String(v);
  if ((width !== undefined && width <= 3) || (v >= 0 && v < 10)) return String(v);
  if (v < 0) return String(v);
  return hex(v);
}

/** "pic.master.auto_eoi: reference 1, destination 0" */
export function describeDifference(d: StateDifference): string {
  if (d.kind === 'memory') return `${d.path}: ${d.detail ?? `reference ${d.reference}, destination ${d.destination}`}`;
  return `${d.path}: reference ${formatValue(d.reference, d.width)}, destination ${formatValue(d.destination, d.width)}`;
}

/** "(write-only config)" etc.: the schema classification as words. */
export function describeClassification(d: StateDifference): string {
  if (d.kind !== 'device' || d.access === undefined) return d.kind === 'cpu' ? 'CPU register' : d.kind;
  const access = { rw: 'read/write', ro: 'read-only', wo: 'write-only', internal: 'internal' }[d.access];
  return `${access} ${d.role}${d.essential ? '' : ', not essential'}`;
}
