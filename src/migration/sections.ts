/**
 * Typed section bodies: the machine's CPU state, captured devices and the machine description
 * to and from their proto/migration.proto shapes. The conversions are exact: a CpuState or a
 * CapturedDevice that goes through the stream comes back equal.
 */
import type { CapturedDevice, Provenance } from '../hypervisor/api.js';
import type { CpuState, SegmentCache } from '../machine/cpu/cpu.js';
import type { Machine } from '../board/machine.js';
import type { FieldValue } from '../devices/schema.js';
import { MigrationStreamError, type PbCpu, type PbDeviceCapture, type PbMachine, type PbSegment } from './stream.js';

// ---------------------------------------------------------------- CPU

const GPRS = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;
const SEGMENTS = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;
const DRS = ['dr0', 'dr1', 'dr2', 'dr3', 'dr6', 'dr7'] as const;

function seg(s: SegmentCache): PbSegment {
  return { selector: s.selector, base: s.base, limit: s.limit, attributes: s.attributes };
}

function unseg(s: PbSegment | null, what: string): SegmentCache {
  if (s === null) throw new MigrationStreamError('BAD_SECTION', `CPU section: ${what} is missing`);
  return { selector: s.selector, base: s.base >>> 0, limit: s.limit >>> 0, attributes: s.attributes >>> 0 };
}

export function cpuToPb(s: CpuState): PbCpu {
  return {
    gpr: GPRS.map((r) => s[r]),
    eip: s.eip,
    eflags: s.eflags,
    segments: SEGMENTS.map((r) => seg(s[r])),
    ldtr: seg(s.ldtr),
    tr: seg(s.tr),
    gdtr: { base: s.gdtr.base, limit: s.gdtr.limit },
    idtr: { base: s.idtr.base, limit: s.idtr.limit },
    cr0: s.cr0,
    cr2: s.cr2,
    cr3: s.cr3,
    cr4: s.cr4,
    dr: DRS.map((r) => s[r]),
    cpl: s.cpl,
    interruptShadow: s.interruptShadow,
    halted: s.halted,
    cachesOmitted: false,
  };
}

export function cpuFromPb(p: PbCpu): CpuState {
  if (p.cachesOmitted) {
    throw new MigrationStreamError(
      'UNSUPPORTED_CPU_STATE',
      'CPU section omits the hidden segment caches: this migtrace needs them (a guest between loading CR0.PE and the far jump depends on them)',
    );
  }
  if (p.gpr.length !== 8 || p.segments.length !== 6 || p.dr.length !== 6) {
    throw new MigrationStreamError('BAD_SECTION', `CPU section: expected 8 GPRs, 6 segments and 6 debug registers, got ${p.gpr.length}, ${p.segments.length}, ${p.dr.length}`);
  }
  const u = (v: number) => v >>> 0;
  const s = {
    eip: u(p.eip),
    eflags: u(p.eflags),
    ldtr: unseg(p.ldtr, 'LDTR'),
    tr: unseg(p.tr, 'TR'),
    gdtr: { base: u(p.gdtr?.base ?? 0), limit: p.gdtr?.limit ?? 0 },
    idtr: { base: u(p.idtr?.base ?? 0), limit: p.idtr?.limit ?? 0 },
    cr0: u(p.cr0),
    cr2: u(p.cr2),
    cr3: u(p.cr3),
    cr4: u(p.cr4),
    cpl: p.cpl,
    interruptShadow: p.interruptShadow,
    halted: p.halted,
  } as Partial<CpuState> as CpuState;
  GPRS.forEach((r, i) => (s[r] = u(p.gpr[i])));
  SEGMENTS.forEach((r, i) => (s[r] = unseg(p.segments[i], r.toUpperCase())));
  DRS.forEach((r, i) => (s[r] = u(p.dr[i])));
  return s;
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
  readonly memoryBytes: number;
  readonly instructionsPerSecond: number;
  readonly devices: readonly { readonly name: string; readonly schemaVersion: number }[];
}

export function machineShape(machine: Machine): MachineShape {
  return {
    memoryBytes: machine.memory.size,
    instructionsPerSecond: machine.clock.hz,
    devices: machine.devices.map((d) => ({ name: d.name, schemaVersion: d.schema.version })),
  };
}

/**
 * Why a machine of shape `have` cannot take a migration from `want`, or null when it can:
 * the destination must be an identical machine (same devices in the same slots with the same
 * state schemas, the same instruction rate) with at least as much memory.
 */
export function destinationMismatch(want: PbMachine | MachineShape, have: MachineShape): string | null {
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
