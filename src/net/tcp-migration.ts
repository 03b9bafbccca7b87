/**
 * The two halves of a migration between processes: the source re-runs a recording and
 * migrates it over TCP; the destination listens, takes the machine, and records its trace.
 * Both use the same engine and the same destination recording as an in-process migration,
 * so the destination trace is the same byte for byte.
 */
import type { Machine } from '../board/machine.js';
import { recordDestination, checkOutput, type DestinationRecording } from '../migration/destination-trace.js';
import { MigrationDestination } from '../migration/destination.js';
import { withNote } from '../migration/errors.js';
import type { RoundReport } from '../migration/metrics.js';
import type { MigrationOptions } from '../migration/options.js';
import { migrateSource, type SourceOutcome } from '../migration/source.js';
import { prepareSource, recordingDestination, sourceRanOn, sourceSideOf, type SourceAttachRequest } from '../migration/trace-migration.js';
import { OutputLock } from '../migration/output-lock.js';
import { checkLocalCopies, type LocalCopies } from '../migration/local-copies.js';
import { TcpDestinationLink, connectSource, type TcpAddress, type TcpOptions } from './tcp-transport.js';
import type { DeviceCapture, DeviceReconstruction } from '../migration/devices.js';
import type { HypervisorAttachment } from '../migration/hypervisor-devices.js';

export interface TcpSourceRequest {
  readonly trace: string;
  readonly at: number;
  readonly to: TcpAddress;
  readonly options: MigrationOptions;
  readonly onRound?: (r: RoundReport) => void;
  readonly sourceDevices?: (machine: Machine) => DeviceCapture;
  readonly attach?: SourceAttachRequest;
  /** Timeout and heartbeat (default: DEFAULT_TIMEOUT_MS, HEARTBEAT_MS). */
  readonly tcp?: TcpOptions;
}

/** Re-run `trace` to `at` and migrate it to the destination listening at `to`. */
export async function migrateTraceOverTcp(req: TcpSourceRequest): Promise<SourceOutcome & { vmExits: Record<string, number>; attachment: HypervisorAttachment }> {
  const prepared = await prepareSource(req.trace, req.at, { faults: req.options.faults, devices: req.sourceDevices, attach: req.attach });
  let link;
  try {
    link = await connectSource(req.to, req.tcp);
  } catch (err) {
    throw sourceRanOn(err, prepared.machine, prepared.end);
  }
  try {
    const outcome = await migrateSource(sourceSideOf(prepared, req.onRound), link, req.options);
    link.close();
    return { ...outcome, vmExits: prepared.vmExits(), attachment: prepared.attachment };
  } catch (err) {
    link.close();
    throw sourceRanOn(err, prepared.machine, prepared.end);
  }
}

export interface IncomingRequest {
  readonly listen: TcpAddress;
  readonly out: string;
  /** RAM of the destination (default: the source's). */
  readonly memory?: number;
  /** Called once listening, with the bound address (port 0 picks one). */
  readonly onListening?: (address: TcpAddress) => void;
  readonly devices?: DeviceReconstruction;
  /** Timeout and heartbeat (default: DEFAULT_TIMEOUT_MS, HEARTBEAT_MS). */
  readonly tcp?: TcpOptions;
  /** Told of a stale lock on `out` taken over. */
  readonly onNote?: (line: string) => void;
  /** This host's own kernel, initrd and disks: each must be the source's (local-copies.ts). */
  readonly local?: LocalCopies;
}

/**
 * Listen for one migration, take it, and record the destination at `out`. `out` is locked
 * first (output-lock.ts): a second migration to it is refused. The guest runs here only once
 * the source's COMMIT is in (destination.ts). A failure leaves nothing at `out`, and the error
 * says the partial state was discarded.
 */
export async function receiveMigration(req: IncomingRequest): Promise<DestinationRecording> {
  const lock = OutputLock.take(req.out, req.onNote);
  try {
    checkOutput(req.out);
    const local = checkLocalCopies(req.local ?? {});
    const link = await TcpDestinationLink.listen(req.listen, req.tcp);
    req.onListening?.(link.address);
    const destination = new MigrationDestination(link, recordingDestination(req.memory, req.devices, local));
    try {
      destination.receiveAll();
      const recording = await recordDestination(destination, req.out, { local });
      await link.shutdown();
      return recording;
    } catch (err) {
      await link.shutdown();
      throw withNote(err, `the destination discarded its partial state (nothing written to ${req.out})`);
    }
  } finally {
    lock.release();
  }
}
