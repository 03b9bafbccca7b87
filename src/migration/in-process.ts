/**
 * A whole migration inside one process: the source and the destination joined by an
 * InProcessLink, the stream going through every byte of its encoding as it would over TCP.
 *
 *     const m = startInProcessMigration(sourceSide, destinationSide, options);
 *     await m.resumed;                 // the guest runs on m.destination.machine now
 *     ...run the destination (post-copy fetches pages as it faults)...
 *     const metrics = m.destination.finish();   // post-copy: the rest of the push, DONE
 *     const outcome = await m.source;
 */
import { MigrationError } from './errors.js';
import { MigrationDestination, type DestinationSide } from './destination.js';
import type { MigrationOptions } from './options.js';
import { migrateSource, type SourceOutcome, type SourceSide } from './source.js';
import { InProcessLink } from './transport.js';

export interface InProcessMigration {
  readonly link: InProcessLink;
  readonly destination: MigrationDestination;
  /** Settles when the source is done: after the ACK (pre-copy) or DONE (post-copy). */
  readonly source: Promise<SourceOutcome>;
  /** Resolves when the guest has resumed on the destination; rejects if the migration failed first. */
  readonly resumed: Promise<void>;
}

export function startInProcessMigration(
  sourceSide: SourceSide,
  destinationSide: DestinationSide,
  options: MigrationOptions,
): InProcessMigration {
  const link = new InProcessLink();
  const destination = new MigrationDestination(link.destination, destinationSide);
  link.onForward = () => {
    try {
      destination.pump();
    } catch {
      // recorded in destination.failure; the source hears of it through the refusing ACK
    }
  };
  let resolveResumed!: () => void;
  const resumedHere = new Promise<void>((resolve) => (resolveResumed = resolve));
  destination.onResumed = resolveResumed;
  const source = migrateSource(sourceSide, link.source, options);
  const resumed = Promise.race([
    resumedHere,
    source.then(() => {
      if (!destination.resumed) throw new MigrationError('MIGRATION_NOT_RESUMED', 'the source finished but the destination never resumed');
    }),
  ]);
  // Whoever awaits only one of them must not leave the other's rejection unhandled.
  source.catch(() => {});
  resumed.catch(() => {});
  return { link, destination, source, resumed };
}

/** Pre-copy (or a post-copy with nothing run in between): migrate and return both ends' results. */
export async function migrateInProcess(
  sourceSide: SourceSide,
  destinationSide: DestinationSide,
  options: MigrationOptions,
): Promise<{ destination: MigrationDestination; outcome: SourceOutcome }> {
  const m = startInProcessMigration(sourceSide, destinationSide, options);
  await m.resumed;
  m.destination.finish();
  return { destination: m.destination, outcome: await m.source };
}
