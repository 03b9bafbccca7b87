/**
 * Machine state, declared once (QEMU's VMStateDescription idea): the one schema language of
 * the CPU (src/machine/cpu/state.ts) and of every device (src/devices/schema.ts re-exports it).
 * Each declaration lists every field of its state with its width, how software can reach it,
 * and whether a migration must carry it. Snapshot, restore, diff, the binary state encoding
 * (checkpoints, the migration stream), the verifier's masks and the conformance suite are all
 * driven by this declaration; nobody writes save code by hand.
 *
 * Access classes (BLMVisor, section 3.2):
 * - `rw`: the guest can read it back and write it;
 * - `ro`: readable, changed only by the device (status bits);
 * - `wo`: write-only: a hypervisor knows it only by having watched the guest write it;
 * - `internal`: neither readable nor writable (the RTL8169's ring pointers): a hypervisor
 *   must infer it by driving the device.
 *
 * Roles: `config` and `processing` state is essential (a migration that loses it breaks the
 * guest); `statistic`, `line` (an interrupt line level) and `command` (EOI, "transmit now")
 * are not, and the verifier reports differences in them as notes, never failures.
 */

import { InputError } from '../errors.js';

export type FieldAccess = 'rw' | 'ro' | 'wo' | 'internal';
export type FieldRole = 'config' | 'processing' | 'statistic' | 'line' | 'command';

export interface FieldSpec {
  readonly name: string;
  /** Bits per value (1 for flags, 8/16/32, 64 for icount-valued fields). */
  readonly width: number;
  /** Present for arrays (CMOS bytes, FIFOs, redirection table): element count. */
  readonly length?: number;
  readonly access: FieldAccess;
  readonly role: FieldRole;
  /**
   * A pending timer: the value is the number of instructions until it fires (-1: disarmed),
   * saved as an offset from "now" and re-armed on restore.
   */
  readonly timer?: boolean;
  /** What the field is, with the datasheet reference where it helps. */
  readonly doc: string;
}

export interface StateSchema {
  /** Whose state: a device name as registered on the bus, e.g. "pic.master", or "cpu". */
  readonly device: string;
  /** Bumped when fields are added; field names are never reused for another meaning. */
  readonly version: number;
  readonly fields: readonly FieldSpec[];
}

/**
 * What decoding needs of a field: its name and shape. A StateSchema is a StateLayout; a trace
 * reader builds one from the header's descriptors (it has no device code to ask).
 */
export type FieldShape = Pick<FieldSpec, 'name' | 'width' | 'length' | 'timer'>;

export interface StateLayout {
  readonly device: string;
  readonly version: number;
  readonly fields: readonly FieldShape[];
}

/** A field's value: a number (flags are 0/1) or an array of numbers. */
export type FieldValue = number | number[];
/** A device's declared state, keyed by field name. */
export type StateSnapshot = Record<string, FieldValue>;

export function isEssential(field: FieldSpec): boolean {
  return field.role === 'config' || field.role === 'processing';
}

export function fieldByName(schema: StateSchema, name: string): FieldSpec | undefined {
  return schema.fields.find((f) => f.name === name);
}

/** Mask a value to the field's width (64-bit fields are icounts: non-negative safe integers). */
export function clampToWidth(field: Pick<FieldSpec, 'width' | 'timer'>, value: number): number {
  if (field.timer) return value < 0 ? -1 : Math.floor(value);
  if (field.width >= 53) return Math.floor(value);
  if (field.width === 32) return value >>> 0;
  return value & ((1 << field.width) - 1);
}

/** Check a snapshot against its schema: every field present, right shape, in range. Returns problems. */
export function validateSnapshot(schema: StateSchema, snap: StateSnapshot): string[] {
  const problems: string[] = [];
  for (const f of schema.fields) {
    const v = snap[f.name];
    if (v === undefined) {
      problems.push(`${schema.device}.${f.name}: missing`);
      continue;
    }
    if (f.length !== undefined) {
      if (!Array.isArray(v) || v.length !== f.length) {
        problems.push(`${schema.device}.${f.name}: expected ${f.length} values`);
      } else if (v.some((x) => !Number.isFinite(x) || clampToWidth(f, x) !== x)) {
        problems.push(`${schema.device}.${f.name}: value out of range for ${f.width} bits`);
      }
    } else if (typeof v !== 'number' || !Number.isFinite(v) || clampToWidth(f, v) !== v) {
      problems.push(`${schema.device}.${f.name}: ${JSON.stringify(v)} is not a ${f.width}-bit value`);
    }
  }
  const declared = new Set(schema.fields.map((f) => f.name));
  for (const k of Object.keys(snap)) if (!declared.has(k)) problems.push(`${schema.device}.${k}: not declared`);
  return problems;
}

export interface FieldDifference {
  readonly device: string;
  readonly field: FieldSpec;
  /** Array element index, for array fields. */
  readonly index?: number;
  readonly a: number;
  readonly b: number;
}

/** Field-by-field differences between two snapshots of the same schema, in declaration order. */
export function diffSnapshots(schema: StateSchema, a: StateSnapshot, b: StateSnapshot): FieldDifference[] {
  const out: FieldDifference[] = [];
  for (const f of schema.fields) {
    const va = a[f.name];
    const vb = b[f.name];
    if (Array.isArray(va) && Array.isArray(vb)) {
      const n = Math.max(va.length, vb.length);
      for (let i = 0; i < n; i++) {
        if (va[i] !== vb[i]) out.push({ device: schema.device, field: f, index: i, a: va[i] ?? NaN, b: vb[i] ?? NaN });
      }
    } else if (va !== vb) {
      out.push({ device: schema.device, field: f, a: Number(va), b: Number(vb) });
    }
  }
  return out;
}

/** "pic.master.isr", or "cmos.ram[14]" for an array element. */
export function fieldPath(d: FieldDifference): string {
  return `${d.device}.${d.field.name}${d.index === undefined ? '' : `[${d.index}]`}`;
}

/** Deep copy of a snapshot (arrays copied), keeping declaration order. */
export function copySnapshot(schema: StateSchema, snap: StateSnapshot): StateSnapshot {
  const out: StateSnapshot = {};
  for (const f of schema.fields) {
    const v = snap[f.name];
    out[f.name] = Array.isArray(v) ? v.slice() : v;
  }
  return out;
}

// ---------------------------------------------------------------- binary state encoding
//
// One encoding for every schema-declared state (the CPU's, each device's): the values in
// declaration order, each a safe integer within its field's width (timers: -1 or an offset);
// an array field is its element count, then its elements. Containers carry the list as a
// packed protobuf `repeated sint64` (zigzag varints: a zero or a flag costs one byte, a
// 32-bit register at most five, a disarmed timer one) together with the schema version, so
// no field name is spent per value and a reader needs only the declaration to decode.

/** A state list that does not match its schema (damaged, or written under another declaration). */
export class StateEncodingError extends InputError {
  constructor(message: string) {
    super('BAD_STATE_ENCODING', message);
    this.name = 'StateEncodingError';
  }
}

/** The snapshot's values in declaration order (arrays as length, elements). Refuses a snapshot that does not fit its schema. */
export function encodeState(schema: StateLayout, snap: StateSnapshot): number[] {
  const out: number[] = [];
  for (const f of schema.fields) {
    const v = snap[f.name];
    if (f.length !== undefined) {
      if (!Array.isArray(v)) throw new StateEncodingError(`${schema.device}.${f.name}: expected an array of ${f.length} values`);
      out.push(v.length);
      for (const x of v) out.push(checkedValue(schema, f, x));
    } else {
      if (typeof v !== 'number') throw new StateEncodingError(`${schema.device}.${f.name}: ${JSON.stringify(v)} is not a ${f.width}-bit value`);
      out.push(checkedValue(schema, f, v));
    }
  }
  return out;
}

/** `v` when it is a safe integer within `f`'s width (timers: -1 or an offset); else a StateEncodingError. */
export function checkedValue(schema: StateLayout, f: FieldShape, v: number): number {
  if (!Number.isSafeInteger(v) || clampToWidth(f, v) !== v) {
    throw new StateEncodingError(`${schema.device}.${f.name}: ${v} is not a ${f.width}-bit value`);
  }
  return v;
}

/** The snapshot a value list encodes (encodeState's inverse); `what` names the container in errors. */
export function decodeState(schema: StateLayout, values: readonly number[], what: string): StateSnapshot {
  const out: StateSnapshot = {};
  let i = 0;
  const take = (f: FieldShape): number => {
    if (i >= values.length) {
      throw new StateEncodingError(`${what}: ${schema.device} state ends at ${f.name} (${values.length} values for schema version ${schema.version})`);
    }
    return checkedValue(schema, f, values[i++]);
  };
  for (const f of schema.fields) {
    if (f.length !== undefined) {
      const n = values[i++];
      if (n !== f.length) {
        throw new StateEncodingError(`${what}: ${schema.device}.${f.name} has ${n ?? 'no'} elements, its schema declares ${f.length}`);
      }
      const arr = new Array<number>(n);
      for (let k = 0; k < n; k++) arr[k] = take(f);
      out[f.name] = arr;
    } else {
      out[f.name] = take(f);
    }
  }
  if (i !== values.length) {
    throw new StateEncodingError(`${what}: ${schema.device} state has ${values.length - i} values more than schema version ${schema.version} declares`);
  }
  return out;
}
