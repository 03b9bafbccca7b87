/**
 * The two halves of a migration between processes: the source re-runs a recording and
 * migrates it over TCP; the destination listens, takes the machine, and records its trace.
 * Both use the same engine and the same destination recording as an in-process migration,
 * so the destination trace is the same byte for byte.
 */
import type { Machine } from '../board/machine.js';
import { recordDestination, checkOutput, type DestinationRecording } from './destination-trace.js';
import { MigrationDestination } from './destination.js';
import { withNote } from './errors.js';
import type { RoundReport } from './metrics.js';
import type { MigrationOptions } from './options.js';
import { migrateSource, type SourceOutcome } from './source.js';
import { prepareSource, recordingDestination, sourceRanOn, type SourceAttachRequest } from './trace-migration.js';
import { TcpDestinationLink, connectSource, type TcpAddress } from './transport-tcp.js';
import type { DeviceCapture, DeviceReconstruction } from './devices.js';
import type { HypervisorAttachment } from './hypervisor-devices.js';

export interface TcpSourceRequest {
  readonly trace: string;
  readonly at: number;
  readonly to: TcpAddress;
  readonly options: MigrationOptions;
  readonly onRound?: (r: RoundReport) => void;
  readonly sourceDevices?: (machine: Machine) => DeviceCapture;
  readonly attach?: SourceAttachRequest;
}

/** Re-run `trace` to `at` and migrate it to the destination listening at `to`. */
export async function migrateTraceOverTcp(req: TcpSourceRequest): Promise<SourceOutcome & { vmExits: Record<string, number>; attachment: HypervisorAttachment }> {
  const prepared = await prepareSource(req.trace, req.at, { faults: req.options.faults, devices: req.sourceDevices, attach: req.attach });
  let link;
  try {
    link = await connectSource(req.to);
  } catch (err) {
    throw sourceRanOn(err, prepared.machine, prepared.end);
  }
  try {
    const outcome = await migrateSource(
      {
        machine: prepared.machine,
        devices: prepared.devices,
        attachment: prepared.attachment,
        environment: prepared.environment,
        onRound: req.onRound,
        maybeNonZero: prepared.maybeNonZero,
      },
      link,
      req.options,
    );
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
}

/**
 * Listen for one migration, take it, and record the destination at `out`. A failure leaves
 * nothing at `out`, and the error says the partial state was discarded.
 */
export async function receiveMigration(req: IncomingRequest): Promise<DestinationRecording> {
  checkOutput(req.out);
  const link = await TcpDestinationLink.listen(req.listen);
  req.onListening?.(link.address);
  const destination = new MigrationDestination(link, recordingDestination(req.memory, req.devices));
  try {
    destination.receiveAll();
    const recording = await recordDestination(destination, req.out);
    await link.shutdown();
    return recording;
  } catch (err) {
    await link.shutdown();
    throw withNote(err, `the destination discarded its partial state (nothing written to ${req.out})`);
  }
}
