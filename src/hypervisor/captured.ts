/**
 * Building a CapturedDevice (api.ts) field by field, with each value's provenance, and
 * reading one back on the destination. Field names are the device schema's, so the stream,
 * the verifier and the tests all speak the same names.
 */
import type { Machine } from '../board/machine.js';
import type { FieldValue, StateSchema } from '../devices/schema.js';
import type { CapturedDevice, Provenance } from './api.js';
import { HypervisorError } from './errors.js';

/**
 * A device's declared schema (static metadata: names, widths, access classes). Reading the
 * declaration is not reading state; the hypervisor never touches `state` or `oracle()`.
 */
export function schemaOf(machine: Machine, device: string): StateSchema {
  const d = machine.devices.find((x) => x.schema.device === device);
  if (d === undefined) throw new HypervisorError('HV_MACHINE_MISMATCH', `the machine has no device "${device}"`);
  return d.schema;
}

export class DeviceCaptureBuilder {
  private readonly fields: Record<string, FieldValue> = {};
  private readonly provenance: Record<string, Provenance> = {};
  private readonly unknown = new Set<string>();

  constructor(private readonly schema: StateSchema) {}

  set(field: string, value: FieldValue, provenance: Provenance): this {
    if (!this.schema.fields.some((f) => f.name === field)) {
      throw new Error(`capture of ${this.schema.device}: no field "${field}" in its schema`);
    }
    this.fields[field] = Array.isArray(value) ? value.slice() : value;
    this.provenance[field] = provenance;
    this.unknown.delete(field);
    return this;
  }

  /** A field the hypervisor could not learn (late attach, no agent). */
  markUnknown(field: string): this {
    delete this.fields[field];
    delete this.provenance[field];
    this.unknown.add(field);
    return this;
  }

  has(field: string): boolean {
    return field in this.fields;
  }

  build(): CapturedDevice {
    const missing = this.schema.fields.filter((f) => !(f.name in this.fields) && !this.unknown.has(f.name));
    if (missing.length > 0) {
      throw new Error(`capture of ${this.schema.device} left out ${missing.map((f) => f.name).join(', ')}`);
    }
    const fields: Record<string, FieldValue> = {};
    const provenance: Record<string, Provenance> = {};
    for (const f of this.schema.fields) {
      if (f.name in this.fields) {
        fields[f.name] = this.fields[f.name];
        provenance[f.name] = this.provenance[f.name];
      }
    }
    return {
      device: this.schema.device,
      schemaVersion: this.schema.version,
      fields,
      provenance,
      unknown: this.schema.fields.filter((f) => this.unknown.has(f.name)).map((f) => f.name),
    };
  }
}

/** Typed access to a captured device's fields, with defaults for unknown ones. */
export class CapturedView {
  constructor(readonly dev: CapturedDevice) {}

  known(field: string): boolean {
    return field in this.dev.fields;
  }

  num(field: string, fallback = 0): number {
    const v = this.dev.fields[field];
    return typeof v === 'number' ? v : fallback;
  }

  arr(field: string, fallback: number[] = []): number[] {
    const v = this.dev.fields[field];
    return Array.isArray(v) ? v : fallback;
  }

  at(field: string, i: number, fallback = 0): number {
    const v = this.dev.fields[field];
    return Array.isArray(v) && v[i] !== undefined ? v[i] : fallback;
  }
}
