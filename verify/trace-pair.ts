/**
 * A reference trace and a migrated destination trace, opened and checked that they can be
 * compared at all: the same guest with the same inputs, identical machines, a destination
 * that really is one (a migration event, a switch-over point), a reference that runs at least
 * as far. Every refusal is one line naming both sides (exit status 2).
 *
 * The switch-over icount: the destination's machine snapshot says it (blob
 * MACHINE_SNAPSHOT_BLOB), else its migration event named "switch-over", else the first icount
 * of its records. What the source captured and sent (blob SWITCH_OVER_CAPTURE_BLOB) comes
 * along when the destination carries it.
 */
import fs from 'node:fs';
import { InputError } from '../src/errors.js';
import { bootDifference, describeBootConfig } from '../src/board/boot-spec.js';
import { MACHINE_SNAPSHOT_BLOB, decodeMachineSnapshot, type MachineSnapshot } from '../src/trace/machine-snapshot.js';
import { TraceReader, type TraceHeaderInfo } from '../src/trace/reader.js';
import { SWITCH_OVER_CAPTURE_BLOB, decodeSwitchOverCapture, type SwitchOverCapture } from '../src/trace/switch-over-capture.js';
import type { HypervisorRecord, MigrationRecord } from '../src/trace/records.js';
import { machineFactoryFor, type MachineFactory } from './trace-machine.js';

export interface TraceSide {
  readonly reader: TraceReader;
  readonly dir: string;
  readonly factory: MachineFactory;
  /** Icount of the trace's last record (its final icount when complete). */
  readonly endIcount: number;
  readonly recordCount: number;
  /** The run's status at the end ("exited", "limit", …). */
  readonly runStatus: string;
}

export interface TracePair {
  readonly reference: TraceSide;
  readonly destination: TraceSide;
  readonly switchIcount: number;
  /** How the switch-over icount was found. */
  readonly switchFrom: 'snapshot' | 'migration event' | 'first icount';
  /** The destination machine at the switch-over (null when the trace carries none). */
  readonly snapshot: MachineSnapshot | null;
  /** What the source captured and sent at the switch-over (null: an older destination trace). */
  readonly capture: SwitchOverCapture | null;
  readonly migrationEvents: readonly MigrationRecord[];
  /** The hypervisor's own records in the destination (reconstruction reports and notes). */
  readonly hypervisorEvents: readonly HypervisorRecord[];
  /** Faults the migration says were injected (its switch-over event lists them). */
  readonly injectedFaults: readonly string[];
  close(): Promise<void>;
}

function shortHash(h: string): string {
  return h.slice(0, 12);
}

function describeGuest(h: TraceHeaderInfo, label: string): string {
  const boot = h.run?.boot ?? null;
  const image = boot === null ? `image ${shortHash(h.guestImageSha256)}` : describeBootConfig(boot, h.guestImageSha256);
  return `${label} (${image}, args "${h.guestArgs}"${h.inputScriptSha256 === null ? '' : `, input ${shortHash(h.inputScriptSha256)}`})`;
}

type DiskInfo = { readonly kind: 'boot-image'; readonly sectors: number } | { readonly kind: 'file'; readonly path: string; readonly sha256: string; readonly sectors: number } | null;

function describeDisk(d: DiskInfo): string {
  if (d === null) return 'none';
  return d.kind === 'boot-image' ? 'a copy of the boot image' : `${d.path} (sha256 ${shortHash(d.sha256)}…)`;
}

/** The first disk two run configurations differ in (by content: a path may differ between hosts), or null. */
function diskDifference(ref: TraceHeaderInfo['run'], dst: TraceHeaderInfo['run']): string | null {
  if (ref === null || dst === null) return null;
  const pairs: [string, DiskInfo, DiskInfo][] = [
    ['primary disk', ref.disk, dst.disk],
    ['slave disk', ref.slaveDisk === null ? null : { kind: 'file', ...ref.slaveDisk }, dst.slaveDisk === null ? null : { kind: 'file', ...dst.slaveDisk }],
  ];
  for (const [what, a, b] of pairs) {
    const same = a === null || b === null ? a === b : a.kind === 'boot-image' || b.kind === 'boot-image' ? a.kind === b.kind : a.sha256 === b.sha256;
    if (!same) return `${what}: reference ${describeDisk(a)}, destination ${describeDisk(b)}`;
  }
  return null;
}

/** Why two headers describe different guests or machines, or null. */
export function headerMismatch(ref: TraceHeaderInfo, dst: TraceHeaderInfo, refLabel: string, dstLabel: string): { code: string; message: string } | null {
  if (ref.guestImageSha256 !== dst.guestImageSha256 || ref.guestArgs !== dst.guestArgs || ref.inputScriptSha256 !== dst.inputScriptSha256) {
    // Two disk images differ in their image, which the sides below name; other boots say what differs.
    const bothDisk = (ref.run?.boot ?? null) === null && (dst.run?.boot ?? null) === null;
    const boot = bothDisk ? null : bootDifference(ref.run?.boot ?? null, ref.guestImageSha256, dst.run?.boot ?? null, dst.guestImageSha256);
    return {
      code: 'DIFFERENT_GUESTS',
      message: `the traces are of different guests${boot === null ? '' : ` (they boot differently: ${boot})`}: reference ${describeGuest(ref, refLabel)}, destination ${describeGuest(dst, dstLabel)}`,
    };
  }
  const disks = diskDifference(ref.run, dst.run);
  if (disks !== null) return { code: 'DIFFERENT_DISKS', message: `the traces ran on different disks: ${disks}` };
  const a = ref.machine;
  const b = dst.machine;
  const machine = (what: string): { code: string; message: string } => ({
    code: 'DIFFERENT_MACHINES',
    message: `the traces are of different machine configurations: ${what}`,
  });
  if (b.memoryBytes < a.memoryBytes) {
    return machine(`the destination has ${b.memoryBytes} bytes of RAM, less than the reference's ${a.memoryBytes}`);
  }
  if (a.instructionsPerSecond !== b.instructionsPerSecond) {
    return machine(`reference runs ${a.instructionsPerSecond} instructions per virtual second, destination ${b.instructionsPerSecond}`);
  }
  const n = Math.max(a.devices.length, b.devices.length);
  for (let i = 0; i < n; i++) {
    const x = a.devices[i];
    const y = b.devices[i];
    if (x === undefined || y === undefined) return machine(`reference has ${a.devices.length} devices, destination ${b.devices.length}`);
    if (x.id !== y.id || x.name !== y.name) return machine(`device ${i} is ${x.name} (bus id ${x.id}) in the reference, ${y.name} (bus id ${y.id}) in the destination`);
    if (x.schemaVersion !== y.schemaVersion || x.fields.join() !== y.fields.join()) {
      return machine(`${x.name} has state schema version ${x.schemaVersion} in the reference, ${y.schemaVersion} in the destination`);
    }
  }
  return null;
}

async function sideOf(reader: TraceReader, what: string): Promise<TraceSide> {
  const s = reader.status;
  if (!s.complete) throw new InputError('TRACE_INCOMPLETE', `${what} ${reader.dir} is incomplete: ${s.message}`);
  const factory = await machineFactoryFor(reader, `${what} ${reader.dir}`);
  return { reader, dir: reader.dir, factory, endIcount: s.finalIcount, recordCount: s.recordCount, runStatus: s.runStatus };
}

async function openTrace(dir: string, what: string): Promise<TraceReader> {
  try {
    return await TraceReader.open(dir);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(err.code, `${what}: ${err.message}`);
    throw err;
  }
}

/** Do two paths name the same directory (the same trace twice, through links or `..`)? */
function sameFile(a: string, b: string): boolean {
  try {
    const sa = fs.statSync(a);
    const sb = fs.statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false; // a missing path is refused, with its own message, when it is opened
  }
}

async function firstRecord<T>(records: AsyncGenerator<T>): Promise<T | undefined> {
  for await (const r of records) {
    await records.return(undefined);
    return r;
  }
  return undefined;
}

/** "…; injected faults: a, b" in a migration event's detail (the migrate command writes it so). */
function injectedFaults(events: readonly MigrationRecord[]): string[] {
  const out = new Set<string>();
  for (const e of events) {
    const m = /injected faults?: ([^;]+)/.exec(e.detail);
    if (m !== null) for (const f of m[1].split(',')) if (f.trim() !== '') out.add(f.trim());
  }
  return [...out];
}

/** Open and check a reference/destination pair. Throws InputError (exit 2) for pairs that cannot be compared. */
export async function openTracePair(referenceDir: string, destinationDir: string): Promise<TracePair> {
  if (sameFile(referenceDir, destinationDir)) {
    throw new InputError('SAME_TRACE', `reference and destination are the same trace (${destinationDir}): a trace compared with itself always matches; give the unmigrated run's trace and the migration's destination`);
  }
  const refReader = await openTrace(referenceDir, 'reference');
  let dstReader: TraceReader | null = null;
  try {
    dstReader = await openTrace(destinationDir, 'destination');
    const reference = await sideOf(refReader, 'reference trace');
    const destination = await sideOf(dstReader, 'destination trace');
    const mismatch = headerMismatch(refReader.header, dstReader.header, reference.factory.label, destination.factory.label);
    if (mismatch !== null) throw new InputError(mismatch.code, mismatch.message);

    const migrationEvents: MigrationRecord[] = [];
    const hypervisorEvents: HypervisorRecord[] = [];
    for await (const r of dstReader.records({ kinds: ['migration', 'hypervisor'] })) {
      if (r.kind === 'migration') migrationEvents.push(r);
      else if (r.kind === 'hypervisor') hypervisorEvents.push(r);
    }
    if (migrationEvents.length === 0) {
      throw new InputError(
        'NOT_A_DESTINATION',
        `destination trace ${destinationDir} has no migration event: it is not the destination of a migration (record one with \`migtrace migrate\`)`,
      );
    }

    // A destination given as the reference (or a copy of the destination) would be compared
    // with itself and match: the reference must be a run that was never migrated.
    const refMigrated = (await refReader.blob(MACHINE_SNAPSHOT_BLOB)) !== undefined || (await firstRecord(refReader.records({ kinds: ['migration'] }))) !== undefined;
    if (refMigrated) {
      throw new InputError(
        'REFERENCE_IS_DESTINATION',
        `reference trace ${referenceDir} is itself the destination of a migration: the reference must be the unmigrated run (\`migtrace record\`), the destination second`,
      );
    }

    const blob = await dstReader.blob(MACHINE_SNAPSHOT_BLOB);
    const snapshot = blob === undefined ? null : decodeMachineSnapshot(blob, `the switch-over snapshot in ${destinationDir}`);
    const captureBlob = await dstReader.blob(SWITCH_OVER_CAPTURE_BLOB);
    const capture = captureBlob === undefined ? null : decodeSwitchOverCapture(captureBlob, `the switch-over capture record in ${destinationDir}`);
    const event = migrationEvents.find((e) => /switch/i.test(e.phase));
    const switchIcount = snapshot?.icount ?? event?.icount ?? dstReader.header.firstIcount;
    const switchFrom = snapshot !== null ? 'snapshot' : event !== undefined ? 'migration event' : 'first icount';

    if (reference.endIcount < destination.endIcount) {
      throw new InputError(
        'REFERENCE_TOO_SHORT',
        `the reference ends at icount ${reference.endIcount}, before the destination (icount ${destination.endIcount}): ` +
          'record the reference at least as far as the destination ran',
      );
    }
    if (switchIcount > reference.endIcount) {
      throw new InputError('REFERENCE_TOO_SHORT', `the reference ends at icount ${reference.endIcount}, before the switch-over at icount ${switchIcount}`);
    }
    if (snapshot !== null && snapshot.memoryBytes !== dstReader.header.machine.memoryBytes) {
      throw new InputError('BAD_MACHINE_SNAPSHOT', `the switch-over snapshot in ${destinationDir} is of a ${snapshot.memoryBytes}-byte machine, the trace's has ${dstReader.header.machine.memoryBytes}`);
    }
    const r = refReader;
    const d = dstReader;
    return {
      reference,
      destination,
      switchIcount,
      switchFrom,
      snapshot,
      capture,
      migrationEvents,
      hypervisorEvents,
      injectedFaults: injectedFaults(migrationEvents),
      close: async () => {
        await Promise.all([r.close(), d.close()]);
      },
    };
  } catch (err) {
    await Promise.all([refReader.close(), dstReader?.close()]);
    throw err;
  }
}
