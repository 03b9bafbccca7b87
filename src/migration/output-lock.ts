/**
 * One migration per destination trace: a lock file beside `--out` (`.NAME.lock`, created
 * with O_EXCL, holding the holder's pid) is taken before anything else is done and removed
 * when the migration ends, whichever way. Without it two migrations given the same --out share
 * one `.NAME.migrating` directory: the second deletes the first's, and both may report success.
 *
 * A lock whose pid is no longer running (a migration killed by SIGKILL) is stale: it is taken
 * over, and the caller is told so.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';

export function lockPath(out: string): string {
  const abs = path.resolve(out);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.lock`);
}

/** Is `pid` a running process (ours to signal or not)? */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class OutputLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(readonly file: string) {
    process.once('exit', this.onExit);
  }

  /**
   * Take the lock on `out`, or refuse (InputError OUTPUT_LOCKED) naming the holder. `onNote`
   * hears of a stale lock taken over.
   */
  static take(out: string, onNote: (line: string) => void = () => {}): OutputLock {
    const file = lockPath(out);
    if (!fs.existsSync(path.dirname(file))) {
      throw new InputError('NO_SUCH_DIRECTORY', `--out ${out}: directory ${path.dirname(file)} does not exist`);
    }
    for (let attempt = 0; ; attempt++) {
      let fd: number;
      try {
        fd = fs.openSync(file, 'wx');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        let text = '';
        try {
          text = fs.readFileSync(file, 'utf8').trim();
        } catch {
          // removed meanwhile: try again
        }
        const pid = /^\d+$/.test(text) ? Number(text) : null;
        if (attempt === 0 && pid !== null && !running(pid)) {
          // Stale: its holder is gone. Remove it only if it still names that pid (another taker may have won).
          try {
            if (fs.readFileSync(file, 'utf8').trim() === text) fs.unlinkSync(file);
          } catch {
            // gone already
          }
          onNote(`took over the stale lock ${file} of migration pid ${pid}, which is no longer running`);
          continue;
        }
        const holder = pid === null ? 'another migration' : `another migration (pid ${pid})`;
        throw new InputError('OUTPUT_LOCKED', `--out ${out} is being written by ${holder}: lock ${file}; wait for it to finish or give another --out`);
      }
      try {
        fs.writeSync(fd, `${process.pid}\n`);
      } finally {
        fs.closeSync(fd);
      }
      return new OutputLock(file);
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    try {
      fs.unlinkSync(this.file);
    } catch {
      // already gone
    }
  }
}
