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

/**
 * oclif's parse errors as one complete line: "Missing 2 required args:" followed by a table
 * on the lines below becomes "missing 2 required arguments: REFERENCE (the reference trace),
 * DEST (...); see migtrace verify --help".
 */
export function usageMessage(err: Error & { args?: { name: string; description?: string }[] }, command: string): string {
  const help = `see migtrace ${command.replace(/:/g, ' ')} --help`.replace(/\s+--help$/, ' --help');
  const missing = /^Missing (\d+) required args?:/.exec(err.message);
  if (missing !== null && Array.isArray(err.args) && err.args.length > 0) {
    const names = err.args.map((a) => (a.description ? `${a.name.toUpperCase()} (${a.description})` : a.name.toUpperCase()));
    return `missing ${missing[1]} required argument${missing[1] === '1' ? '' : 's'}: ${names.join(', ')}; ${help}`;
  }
  const lines = err.message.split('\n').map((l) => l.trim()).filter((l) => l.length > 0 && !/^See more help with/.test(l));
  const text = lines.join('; ').replace(/:;/g, ':');
  return `${text.length > 0 ? text : 'bad usage'}; ${help}`;
}

export abstract class MigtraceCommand extends Command {
  static override enableJsonFlag = true;

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    // oclif's own exit requests (this.exit) and parse errors keep oclif's handling.
    if (err.oclif?.exit !== undefined && !(err instanceof MigtraceError)) {
      if (err.message.startsWith('EEXIT')) throw err;
      return this.fail(usageMessage(err, this.id ?? ''), EXIT_USAGE, 'USAGE');
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
