/**
 * Every migtrace command extends this: `--json` output from run()'s return value (oclif's
 * enableJsonFlag), and errors as one line on stderr with a stable exit status — never a
 * stack trace for a problem the user can fix.
 *
 * Exit statuses: 0 success; 1 the job ran and found a problem (a guest that reported
 * failure, a divergence); 2 bad usage or input; 3 the simulated machine faulted.
 */
import { Command } from '@oclif/core';
import { InputError, MachineFault, MigtraceError } from '../errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_FAULT = 3;

export abstract class MigtraceCommand extends Command {
  static override enableJsonFlag = true;

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    // oclif's own exit requests (this.exit) and parse errors keep oclif's handling.
    if (err.oclif?.exit !== undefined && !(err instanceof MigtraceError)) {
      if (err.message.startsWith('EEXIT')) throw err;
      return this.fail(err.message.split('\n')[0], EXIT_USAGE, 'USAGE');
    }
    if (err instanceof InputError) return this.fail(err.message, EXIT_USAGE, err.code);
    if (err instanceof MachineFault) return this.fail(err.message, EXIT_FAULT, err.code);
    if (err instanceof MigtraceError) return this.fail(err.message, EXIT_FAILED, err.code);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EACCES') {
      return this.fail(err.message, EXIT_USAGE, (err as NodeJS.ErrnoException).code!);
    }
    throw err;
  }

  private fail(message: string, status: number, code: string): void {
    if (this.jsonEnabled()) {
      process.stdout.write(JSON.stringify({ error: { code, message } }, null, 2) + '\n');
    } else {
      process.stderr.write(`migtrace: ${message}\n`);
    }
    process.exitCode = status;
  }
}
