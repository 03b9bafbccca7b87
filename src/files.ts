/**
 * Files the user names (input scripts, export files, guest images, disk images), checked
 * before they are opened: a FIFO or a device would block an open or a read forever, and a
 * file past what one read can hold would fail with a raw RangeError. Problems are one-line
 * InputErrors naming the file and what is wrong with it.
 */
import fs from 'node:fs';
import { InputError } from './errors.js';

/** The most one whole-file read takes (Node's readFile limit: 2 GiB − 1). */
export const MAX_WHOLE_FILE_BYTES = 2 ** 31 - 1;

export interface FileErrorCodes {
  /** For a path where nothing is. */
  readonly notFound: string;
  /** For a directory, FIFO, socket or device, an unreadable or a too large file. */
  readonly bad: string;
}

/** "input script x.txt" → the stat of a regular file, or an InputError that says what it is instead. */
export function statRegularFile(path: string, what: string, codes: FileErrorCodes): fs.Stats {
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new InputError(codes.notFound, `${what} ${path}: no such file`);
    throw new InputError(codes.bad, `${what} ${path}: cannot be read (${code ?? (err as Error).message})`);
  }
  if (st.isDirectory()) throw new InputError(codes.bad, `${what} ${path} is a directory, not a file`);
  if (!st.isFile()) throw new InputError(codes.bad, `${what} ${path} is not a regular file (a FIFO, socket or device is not read)`);
  return st;
}

/** The whole of a regular file of at most `limit` bytes. */
export function readRegularFile(path: string, what: string, codes: FileErrorCodes, limit = MAX_WHOLE_FILE_BYTES): Buffer {
  const st = statRegularFile(path, what, codes);
  if (st.size > limit) throw new InputError(codes.bad, `${what} ${path} is ${st.size} bytes; migtrace reads at most ${limit}`);
  try {
    return fs.readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(codes.bad, `${what} ${path}: cannot be read (${code ?? (err as Error).message})`);
  }
}
