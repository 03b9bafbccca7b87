/**
 * The state a checkpoint carries (format 2.0), decoded: the CPU and every device in the
 * binary state encoding of their schemas (src/machine/state-schema.ts), read back with the
 * layouts the trace header declares. The header says what the trace was made with; a reader
 * needs no device code to decode it, and the CPU's values become a CpuState through the one
 * CPU declaration (src/machine/cpu/state.ts).
 */
import { InputError } from '../errors.js';
import type { CpuState } from '../machine/cpu/cpu.js';
import { CPU_SCHEMA, cpuStateFromSnapshot } from '../machine/cpu/state.js';
import { decodeState, type StateLayout, type StateSnapshot } from '../machine/state-schema.js';
import type { PbCheckpoint } from './proto.js';
import type { DeviceDescriptor } from './writer.js';

/** A header descriptor as the layout decoding needs. */
export function layoutOf(d: DeviceDescriptor): StateLayout {
  return {
    device: d.name,
    version: d.schemaVersion,
    fields: d.fields.map((name, i) => {
      const s = d.shapes[i] ?? { width: 0, length: 0, timer: false };
      return { name, width: s.width, ...(s.length > 0 ? { length: s.length } : {}), ...(s.timer ? { timer: true } : {}) };
    }),
  };
}

/**
 * Refuse a header whose CPU declaration is not this build's (a trace of the same machine type
 * always matches; a mismatch means a damaged header or a CPU schema changed without bumping
 * the machine type).
 */
export function checkCpuDescriptor(what: string, d: DeviceDescriptor | null): void {
  const same =
    d !== null &&
    d.schemaVersion === CPU_SCHEMA.version &&
    d.fields.length === CPU_SCHEMA.fields.length &&
    d.fields.every((f, i) => f === CPU_SCHEMA.fields[i].name);
  if (!same) {
    throw new InputError(
      'TRACE_CPU_SCHEMA',
      `${what} declares ${d === null ? 'no CPU state schema' : `CPU state schema version ${d.schemaVersion} (${d.fields.length} fields)`}; ` +
        `this migtrace has version ${CPU_SCHEMA.version} (${CPU_SCHEMA.fields.length} fields): re-record it with \`migtrace record\``,
    );
  }
}

export interface CheckpointDevice {
  /** Bus device id. */
  readonly device: number;
  readonly name: string;
  /** The device's declared state (fields as its schema names them; timers as instructions from now). */
  readonly state: StateSnapshot;
}

/** Decodes checkpoint bodies of one trace, with its header's layouts. */
export class CheckpointStateDecoder {
  private readonly layouts: Map<number, StateLayout>;

  constructor(
    private readonly what: string,
    devices: readonly DeviceDescriptor[],
  ) {
    this.layouts = new Map(devices.map((d) => [d.id, layoutOf(d)]));
  }

  /** The CPU's flat snapshot ("cs.base" → value), as CPU_SCHEMA names the fields. */
  cpuSnapshot(c: PbCheckpoint): StateSnapshot {
    return decodeState(CPU_SCHEMA, c.cpu, `${this.what}, checkpoint ${c.ordinal}`);
  }

  cpu(c: PbCheckpoint): CpuState {
    return cpuStateFromSnapshot(this.cpuSnapshot(c));
  }

  /** A device's name by bus id ("device 7" when the header does not declare it). */
  deviceName(id: number): string {
    return this.layouts.get(id)?.device ?? `device ${id}`;
  }

  devices(c: PbCheckpoint): CheckpointDevice[] {
    return c.deviceStates.map((d) => {
      const layout = this.layouts.get(d.device);
      if (layout === undefined) {
        throw new InputError('TRACE_CORRUPT', `${this.what} is corrupt: checkpoint ${c.ordinal} has state of device id ${d.device}, which the header does not declare`);
      }
      return { device: d.device, name: layout.device, state: decodeState(layout, d.values, `${this.what}, checkpoint ${c.ordinal}`) };
    });
  }
}
