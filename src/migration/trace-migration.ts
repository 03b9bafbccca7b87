/**
 * Migrating a recording: re-run the source from the trace's inputs (its header and blobs
 * carry the guest image, arguments, input script and disk) to the migration point with the
 * hypervisor attached — from power-on, or late (a dynamic hypervisor: at --attach-at, by
 * default the migration point) — migrate, and record the destination running on the
 * remaining recorded inputs to where the recording ended.
 */
import { InputError } from '../errors.js';
import type { BareMetalHypervisor } from '../hypervisor/hypervisor.js';
import { BOOT_ADDRESS, type Machine } from '../board/machine.js';
import { TraceReader } from '../trace/reader.js';
import { bootMachine, runSetupFromTrace, type RunSetup } from '../trace/run-setup.js';
import type { DeviceCapture, DeviceReconstruction } from './devices.js';
import { checkOutput, recordDestination, type DestinationRecording } from './destination-trace.js';
import type { DestinationSide } from './destination.js';
import { destinationMachine, environmentOf } from './environment.js';
import type { LocalCopies } from './local-copies.js';
import { MigrationError, atBeyondEnd, withNote } from './errors.js';
import { LATE_ATTACH_WITHOUT_AGENT } from './faults.js';
import { BOOT_ATTACHMENT, attachHypervisor, hypervisorReconstruction, type HypervisorAttachment } from './hypervisor-devices.js';
import { startInProcessMigration } from './in-process.js';
import { OutputLock } from './output-lock.js';
import type { RoundReport } from './metrics.js';
import type { MigrationOptions } from './options.js';
import { guestLeftSource, writtenSinceBoot, type SourceOutcome, type SourceSide } from './source.js';
import type { PbEnvironment } from './stream.js';

export interface PreparedSource {
  readonly machine: Machine;
  readonly devices: DeviceCapture;
  readonly setup: RunSetup;
  readonly environment: PbEnvironment;
  /** The recording's last icount. */
  readonly end: number;
  /** SourceSide.maybeNonZero: the pages written since boot. */
  readonly maybeNonZero: () => Uint8Array;
  /** The source hypervisor's VM exits so far (monitored accesses that trapped), by device. */
  readonly vmExits: () => Record<string, number>;
  readonly attachment: HypervisorAttachment;
}

/** The engine's view of a prepared source (migrateSource's first argument). */
export function sourceSideOf(prepared: PreparedSource, onRound: SourceSide['onRound']): SourceSide {
  return {
    machine: prepared.machine,
    devices: prepared.devices,
    attachment: prepared.attachment,
    environment: prepared.environment,
    onRound,
    maybeNonZero: prepared.maybeNonZero,
  };
}

/**
 * How to attach the source's hypervisor. `late`: run the guest unmonitored to `at` (default:
 * the migration point), then attach; `agent`: accept guest agent reports (docs/guest-agent.md).
 * `onAttach` runs right after a late attach (a test's stand-in for a guest agent: no built-in
 * guest runs one).
 */
export interface SourceAttachRequest {
  /** Default: boot, or late with the fault late-attach-without-agent. */
  readonly mode?: 'boot' | 'late';
  readonly at?: number;
  readonly agent?: boolean;
  readonly onAttach?: (machine: Machine, hypervisor: BareMetalHypervisor) => void;
}

/** The attachment a request and the injected faults ask for, checked against the migration point. */
export function resolveAttachment(request: SourceAttachRequest | undefined, faults: readonly string[], migrateAt: number): HypervisorAttachment {
  const lateFault = faults.includes(LATE_ATTACH_WITHOUT_AGENT);
  const mode = lateFault ? 'late' : (request?.mode ?? 'boot');
  const agent = request?.agent ?? false;
  if (lateFault && agent) {
    throw new InputError('BAD_USAGE', `--fault ${LATE_ATTACH_WITHOUT_AGENT} attaches the hypervisor late without an agent: it cannot go with --agent`);
  }
  if (lateFault && request?.mode === 'boot') {
    throw new InputError('BAD_USAGE', `--fault ${LATE_ATTACH_WITHOUT_AGENT} attaches the hypervisor late: it cannot go with --attach boot`);
  }
  if (mode === 'boot') {
    if (request?.at !== undefined) throw new InputError('BAD_USAGE', '--attach-at needs --attach late (a hypervisor attached at boot is there from icount 0)');
    return { ...BOOT_ATTACHMENT, agent };
  }
  const at = request?.at ?? migrateAt;
  if (!Number.isSafeInteger(at) || at < 0) throw new InputError('BAD_ATTACH_AT', `--attach-at must be a non-negative icount, not ${at}`);
  if (at > migrateAt) throw new InputError('BAD_ATTACH_AT', `--attach-at ${at} is after the migration point --at ${migrateAt}: the hypervisor must be there to migrate`);
  return { mode: 'late', icount: at, agent };
}

function guestStoppedBefore(r: { icount: number; message: string }, at: number, what: string): MigrationError {
  return new MigrationError(
    'MIGRATION_GUEST_STOPPED',
    `the guest stopped at icount ${r.icount}, at or before ${what} ${at} (${r.message}): there is nothing left to migrate; pick an earlier ${what}`,
  );
}

/**
 * Open `trace`, check `at` lies inside it, boot its guest with the hypervisor attached and
 * run to `at`. `devices` replaces the hypervisor (tests).
 */
export async function prepareSource(
  trace: string,
  at: number,
  options: { faults?: readonly string[]; devices?: (machine: Machine) => DeviceCapture; attach?: SourceAttachRequest } = {},
): Promise<PreparedSource> {
  const attachment = resolveAttachment(options.attach, options.faults ?? [], at);
  const reader = await TraceReader.open(trace);
  let setup: RunSetup;
  let end: number;
  let status: string;
  try {
    if (!reader.status.complete) {
      throw new InputError('TRACE_INCOMPLETE', `trace ${trace} is incomplete (${reader.status.message}): migrate needs a finished recording`);
    }
    end = reader.status.finalIcount;
    status = reader.status.runStatus;
    if (at > end) throw atBeyondEnd(at, end, trace);
    if (at < reader.header.firstIcount) {
      throw new InputError('MIGRATION_AT_BEFORE_START', `--at ${at} is before trace ${trace} begins (icount ${reader.header.firstIcount})`);
    }
    if (reader.header.firstIcount !== 0) {
      throw new InputError('TRACE_NOT_A_BOOT', `trace ${trace} starts at icount ${reader.header.firstIcount}, not at power-on: migrate re-runs a recording from boot`);
    }
    setup = await runSetupFromTrace(trace, reader.header, reader);
  } finally {
    await reader.close();
  }
  const machine = bootMachine(setup);
  const maybeNonZero = writtenSinceBoot(machine, setup.image, BOOT_ADDRESS);
  let devices: DeviceCapture;
  if (options.devices !== undefined) {
    devices = options.devices(machine);
  } else if (attachment.mode === 'boot') {
    devices = attachHypervisor(machine, options.faults, attachment);
  } else {
    // A dynamic hypervisor: the guest runs unmonitored until it comes.
    const before = machine.run({ maxInstructions: attachment.icount });
    if (before.status !== 'limit') throw guestStoppedBefore(before, attachment.icount, '--attach-at');
    const hv = attachHypervisor(machine, options.faults, attachment);
    options.attach?.onAttach?.(machine, hv);
    devices = hv;
  }
  const r = machine.run({ maxInstructions: at });
  if (r.status !== 'limit') throw guestStoppedBefore(r, at, '--at');
  const vmExits = () => ('exits' in devices && typeof devices.exits === 'function' ? (devices.exits as () => Record<string, number>)() : {});
  return { machine, devices, setup, environment: environmentOf(setup, end, status), end, maybeNonZero, vmExits, attachment };
}

/** The destination of a recording: an identical machine built from ENVIRONMENT, reconstructed by the hypervisor. */
export function recordingDestination(memory?: number, devices: DeviceReconstruction = hypervisorReconstruction, local: LocalCopies = {}): DestinationSide {
  return {
    createMachine: (source, env) => destinationMachine(source, env, memory ?? source.memoryBytes, local),
    devices,
  };
}

export interface TraceMigrationRequest {
  readonly trace: string;
  readonly at: number;
  readonly out: string;
  readonly options: MigrationOptions;
  /** RAM of the destination (default: the source's). */
  readonly destinationMemory?: number;
  readonly onRound?: (r: RoundReport) => void;
  /** Replace the hypervisor on either side (tests). */
  readonly sourceDevices?: (machine: Machine) => DeviceCapture;
  readonly destinationDevices?: DeviceReconstruction;
  readonly checkpointInterval?: number;
  /** How the source's hypervisor attaches (default: at power-on). */
  readonly attach?: SourceAttachRequest;
}

export interface TraceMigrationResult {
  readonly source: SourceOutcome;
  readonly destination: DestinationRecording;
  /** The source hypervisor's VM exits from boot to the end of the migration. */
  readonly vmExits: Record<string, number>;
  /** How the source's hypervisor attached. */
  readonly attachment: HypervisorAttachment;
}

/** Migrate a recording in one process and record the destination at `out` (locked meanwhile: output-lock.ts). */
export async function migrateTraceInProcess(req: TraceMigrationRequest): Promise<TraceMigrationResult> {
  const lock = OutputLock.take(req.out);
  try {
    return await migrateLocked(req);
  } finally {
    lock.release();
  }
}

async function migrateLocked(req: TraceMigrationRequest): Promise<TraceMigrationResult> {
  checkOutput(req.out);
  const prepared = await prepareSource(req.trace, req.at, { faults: req.options.faults, devices: req.sourceDevices, attach: req.attach });
  const sourceSide = sourceSideOf(prepared, req.onRound);
  const m = startInProcessMigration(sourceSide, recordingDestination(req.destinationMemory, req.destinationDevices), req.options);
  try {
    await m.resumed;
    const destination = await recordDestination(m.destination, req.out, { checkpointInterval: req.checkpointInterval });
    return { source: await m.source, destination, vmExits: prepared.vmExits(), attachment: prepared.attachment };
  } catch (err) {
    m.link.close(); // a post-copy source still serving hears the link go
    const sourceErr = await m.source.then(() => null, (e: unknown) => e);
    throw sourceRanOn(m.destination.failure ?? sourceErr ?? err, prepared.machine, prepared.end);
  }
}

/**
 * After a failed migration the guest is still the source's (unless post-copy had already
 * resumed it on the destination): let it run on to the recording's end, and say so.
 */
export function sourceRanOn(err: unknown, machine: Machine, end: number): Error {
  if (guestLeftSource(err)) return err as Error;
  const r = machine.stopped ? null : machine.run({ maxInstructions: end });
  const ran = r === null ? 'the guest had already stopped' : `the guest ran on to icount ${r.icount} (${r.message})`;
  return withNote(err, `the source kept running unharmed: ${ran}`);
}
