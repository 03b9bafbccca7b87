/**
 * Files and sizes a user can get wrong, each refused in one line with exit 2 before any work:
 * FIFOs (which would block an open or a read forever), files past what one read holds, odd
 * whitespace in input scripts (which once looped forever), impossible memory sizes, a --disk
 * for a trace that had none, an export path that is a directory.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInputScript } from '../../src/devices/input-script.js';
import { expectRefused, migtrace } from './cli.js';

let dir: string;
let fifo: string;
let huge: string;
let trace: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'migtrace-bad-files-'));
  fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  huge = join(dir, 'huge.bin');
  // A sparse file just past 2 GiB: instant to make, too large for one read.
  const fd = openSync(huge, 'w');
  ftruncateSync(fd, 2 ** 31 + 4096);
  closeSync(fd);
  trace = join(dir, 'hello.trace');
  expect(migtrace(['record', 'hello', '--out', trace]).status).toBe(0);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('input scripts', () => {
  it('any whitespace separates words: a BOM, NBSP, VT and FF parse instead of looping', () => {
    for (const ws of ['\uFEFF', '\u00A0', '\v', '\f', '\u2003']) {
      const s = parseInputScript(`${ws}100${ws}serial${ws}"a"${ws}`, 'ws.txt');
      expect(s.events.map((e) => [e.icount, ...e.data])).toEqual([[100, 0x61]]);
    }
  });

  it('a FIFO given as the input script is refused, not read forever', () => {
    expectRefused(migtrace(['run', 'hello', '--input', fifo]), /input script .*fifo is not a regular file/);
  });

  it('an input script too large to read is refused by size', () => {
    expectRefused(migtrace(['run', 'hello', '--input', huge]), /input script .*huge\.bin is \d+ bytes; migtrace reads at most/);
  });
});

describe('import and export files', () => {
  it('a FIFO given as the import file is refused', () => {
    expectRefused(migtrace(['import', fifo, join(dir, 'from-fifo')]), /export file .*fifo is not a regular file/);
  });

  it('an import file over 2 GiB is refused by size, not with a RangeError', () => {
    expectRefused(migtrace(['import', huge, join(dir, 'from-huge')]), /export file .*huge\.bin is \d+ bytes/);
  });

  it('export to an existing directory says so', () => {
    const existing = join(dir, 'a-directory');
    mkdirSync(existing);
    expectRefused(migtrace(['export', trace, existing]), /a-directory exists and is not a file/);
  });
});

describe('machine and disk flags', () => {
  it('--memory 0 and --memory 4GiB are refused with the limits (exit 2, not a run or a machine fault)', () => {
    expectRefused(migtrace(['run', 'hello', '--memory', '0']), /--memory 0: .*less than the 1 MiB/);
    expectRefused(migtrace(['run', 'hello', '--memory', '4GiB']), /--memory 4GiB: .*more than the 2048 MiB/);
    expectRefused(migtrace(['record', 'hello', '--memory', '4097KiB', '--out', join(dir, 'odd')]), /not a whole number of 4 KiB pages/);
  });

  it('a FIFO given as the disk is refused before it is opened', () => {
    expectRefused(migtrace(['run', 'hello', '--disk', fifo]), /disk image .*fifo is not a regular file/);
  });

  it('replay --disk on a trace recorded without a disk file is refused, not ignored', () => {
    expectRefused(migtrace(['replay', trace, '--disk', '/nonexistent']), /--disk \/nonexistent: trace .* was recorded without a disk file/);
  });
});

