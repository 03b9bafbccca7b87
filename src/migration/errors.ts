/**
 * Migration errors, with stable codes (src/errors.ts). Bad input (a flag, a trace, a damaged
 * stream) is an InputError (CLI exit 2); a migration that ran and could not complete is a
 * MigrationError (exit 1), whose message says what became of the guest.
 *
 * Codes:
 * - MIGRATION_REFUSED: the destination is not an identical machine (less memory, other devices).
 * - MIGRATION_LINK_DROPPED: the connection closed or failed mid-stream.
 * - MIGRATION_PROTOCOL: the other side sent something out of order.
 * - MIGRATION_GUEST_STOPPED: the guest exited, reset or faulted before the switch-over.
 * - MIGRATION_TIMEOUT: nothing came from the peer (not even a heartbeat) for --timeout.
 * - MIGRATION_AT_BEYOND_END: --at lies past the end of the trace (an InputError).
 */
import { InputError, MachineFault, MigtraceError } from '../errors.js';

export class MigrationError extends MigtraceError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'MigrationError';
  }
}

/** The destination refused the machine: not identical (BLMVisor migrates between identical machines). */
export class MigrationRefused extends MigrationError {
  constructor(message: string) {
    super('MIGRATION_REFUSED', message);
    this.name = 'MigrationRefused';
  }
}

/**
 * The destination refused a source whose machine is not its own (another machine type,
 * devices, clock rate, too little memory): bad input to the destination (exit 2), found
 * before any page arrives; the source is told and runs on. Code MIGRATION_REFUSED, as the
 * source's MigrationRefused.
 */
export class DestinationMismatch extends InputError {
  constructor(message: string) {
    super('MIGRATION_REFUSED', message);
    this.name = 'DestinationMismatch';
  }
}

export class LinkDropped extends MigrationError {
  constructor(message: string) {
    super('MIGRATION_LINK_DROPPED', message);
    this.name = 'LinkDropped';
  }
}

/** The peer went quiet: nothing, not even a heartbeat, for the timeout. Names what was awaited. */
export class LinkTimeout extends MigrationError {
  constructor(message: string) {
    super('MIGRATION_TIMEOUT', message);
    this.name = 'LinkTimeout';
  }
}

export class MigrationProtocolError extends MigrationError {
  constructor(message: string) {
    super('MIGRATION_PROTOCOL', message);
    this.name = 'MigrationProtocolError';
  }
}

export function atBeyondEnd(at: number, end: number, trace: string): InputError {
  return new InputError(
    'MIGRATION_AT_BEYOND_END',
    `--at ${at} is beyond the end of trace ${trace}, which ends at icount ${end}: pick a migration point inside the recording`,
  );
}

/**
 * A migration that failed after the source stopped its guest for the stop-and-copy: the
 * hypervisor has put the devices back, so the guest can resume (the original code is kept).
 */
export function sourceResumed(err: unknown, icount: number): MigtraceError {
  return withNote(err, `the source's hypervisor put its devices back and the guest resumed at icount ${icount}`);
}

/** The same error (class and code) with more said about it: what became of the guest. */
export function withNote(err: unknown, note: string): MigtraceError {
  const message = `${err instanceof Error ? err.message : String(err)}; ${note}`;
  if (err instanceof InputError) return new InputError(err.code, message);
  if (err instanceof MachineFault) return new MachineFault(err.code, message);
  return new MigrationError(err instanceof MigtraceError ? err.code : 'MIGRATION_FAILED', message);
}
