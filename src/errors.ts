/**
 * Errors carry a stable `code` (as abstract-level's do) so commands and tests can tell them
 * apart without matching on message text. Messages are one line and name what is wrong.
 */
export class MigtraceError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'MigtraceError';
  }
}

/** Bad user input: a missing file, an unknown guest, a malformed flag. CLI exit status 2. */
export class InputError extends MigtraceError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'InputError';
  }
}

/** The simulated machine cannot go on (triple fault, unimplemented opcode). CLI exit status 3. */
export class MachineFault extends MigtraceError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'MachineFault';
  }
}
