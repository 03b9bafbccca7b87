/**
 * Typed section bodies: the machine's CPU state, captured devices and the machine description
 * to and from their proto/migration.proto shapes. The conversions are exact: a CpuState or a
 * CapturedDevice that goes through the stream comes back equal.
 */
import type { CapturedDevice, Provenance } from '../hypervisor/api.js';
import type { CpuState } from '../machine/cpu/cpu.js';
import { CPU_SCHEMA, decodeCpuState, encodeCpuState } from '../machine/cpu/state.js';
import { MACHINE_TYPE, machineTypeLabel, type MachineType } from '../board/layout.js';
import type { Machine } from '../board/machine.js';
import type { FieldValue } from '../devices/schema.js';
import { MigrationStreamError, type PbCpu, type PbDeviceCapture, type PbMachine } from './stream.js';

// ---------------------------------------------------------------- CPU

/** The CPU section: the CPU schema's binary state encoding (its field list lives in src/machine/cpu/state.ts only). */
export function cpuToPb(s: CpuState): PbCpu {
  return { schemaVersion: CPU_SCHEMA.version, values: encodeCpuState(s) };
}

export function cpuFromPb(p: PbCpu): CpuState {
  if (p.schemaVersion !== CPU_SCHEMA.version) {
    throw new MigrationStreamError(
      'UNSUPPORTED_CPU_STATE',
      `CPU section: CPU state schema version ${p.schemaVersion}, this migtrace has version ${CPU_SCHEMA.version}`,
    );
  }
  try {
    return decodeCpuState(p.values, 'CPU section');
  } catch (err) {
    throw new MigrationStreamError('BAD_SECTION', (err as Error).message);
  }
}

// ---------------------------------------------------------------- devices

const PROVENANCE: Record<Provenance, number> = { read: 1, shadow: 2, inferred: 3, agent: 4, constant: 5 };
const PROVENANCE_NAMES = new Map<number, Provenance>(Object.entries(PROVENANCE).map(([k, v]) => [v, k as Provenance]));

export function captureToPb(d: CapturedDevice): PbDeviceCapture {
  return {
    device: d.device,
    schemaVersion: d.schemaVersion,
    fields: Object.entries(d.fields).map(([name, v]) => ({
      name,
      values: Array.isArray(v) ? v : [v],
      array: Array.isArray(v),
      provenance: PROVENANCE[d.provenance[name] ?? 'read'] ?? 0,
    })),
    unknown: [...d.unknown],
  };
}

export function captureFromPb(p: PbDeviceCapture): CapturedDevice {
  const fields: Record<string, FieldValue> = {};
  const provenance: Record<string, Provenance> = {};
  for (const f of p.fields) {
    if (!f.array && f.values.length !== 1) {
      throw new MigrationStreamError('BAD_SECTION', `DEVICE section ${p.device}: scalar field ${f.name} has ${f.values.length} values`);
    }
    fields[f.name] = f.array ? f.values.map(Number) : Number(f.values[0]);
    const prov = PROVENANCE_NAMES.get(f.provenance);
    if (prov !== undefined) provenance[f.name] = prov;
  }
  return { device: p.device, schemaVersion: p.schemaVersion, fields, provenance, unknown: [...p.unknown] };
}

// ---------------------------------------------------------------- machine

export interface MachineShape {
  readonly machineType: MachineType;
  readonly memoryBytes: number;
  readonly instructionsPerSecond: number;
  readonly devices: readonly { readonly name: string; readonly schemaVersion: number }[];
}

export function machineShape(machine: Machine): MachineShape {
  return {
    machineType: MACHINE_TYPE,
    memoryBytes: machine.memory.size,
    instructionsPerSecond: machine.clock.hz,
    devices: machine.devices.map((d) => ({ name: d.name, schemaVersion: d.schema.version })),
  };
}

/**
 * Why a machine of shape `have` cannot take a migration from `want`, or null when it can:
 * the destination must be an identical machine (the same machine type, so the same board and
 * CPU state schema; the same devices in the same slots with the same state schemas; the same
 * instruction rate) with at least as much memory.
 */
export function destinationMismatch(want: PbMachine | MachineShape, have: MachineShape): string | null {
  const type = want.machineType;
  if (type === null || type.name !== have.machineType.name || type.version !== have.machineType.version) {
    const source = type === null ? 'an unnamed machine type' : machineTypeLabel(type);
    return `the source is ${source}, the destination ${machineTypeLabel(have.machineType)}`;
  }
  if (have.memoryBytes < want.memoryBytes) {
    return `the destination has ${mib(have.memoryBytes)} of memory, less than the source's ${mib(want.memoryBytes)}`;
  }
  if (have.instructionsPerSecond !== want.instructionsPerSecond) {
    return `the destination runs ${have.instructionsPerSecond} instructions per virtual second, the source ${want.instructionsPerSecond}`;
  }
  const n = Math.max(want.devices.length, have.devices.length);
  for (let i = 0; i < n; i++) {
    const w = want.devices[i];
    const h = have.devices[i];
    if (w === undefined) return `the destination has a device the source lacks in slot ${i} (${h!.name})`;
    if (h === undefined) return `the destination lacks the source's device in slot ${i} (${w.name})`;
    if (w.name !== h.name) return `slot ${i} holds ${w.name} on the source but ${h.name} on the destination`;
    if (w.schemaVersion !== h.schemaVersion) {
      return `${w.name} has state schema version ${w.schemaVersion} on the source but ${h.schemaVersion} on the destination`;
    }
  }
  return null;
}

function mib(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
