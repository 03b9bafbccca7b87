/**
 * The committed guest images are exactly what `make -C guests` produces: rebuild every
 * guest into a temporary directory (never touching guests/build or guests/obj) and compare
 * byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { guestsDir, onPath, readManifest } from './expectations.js';

const TOOLS = ['make', 'gcc', 'ld', 'objcopy', 'truncate'];
const missing = TOOLS.filter((t) => !onPath(t));
const scratch = mkdtempSync(join(tmpdir(), 'migtrace-guests-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('guest images', () => {
  it('rebuild bit for bit from source', (ctx) => {
    if (missing.length > 0) {
      console.log(`skipping guest rebuild: ${missing.join(', ')} not found on PATH`);
      ctx.skip();
    }
    const out = join(scratch, 'build');
    const make = spawnSync('make', ['-s', '-C', guestsDir, `OUT=${out}`, `OBJ=${join(scratch, 'obj')}`], {
      encoding: 'utf8',
    });
    expect(make.status, `make failed:\n${make.stdout}${make.stderr}`).toBe(0);

    const committed = readdirSync(join(guestsDir, 'build')).filter((f) => f.endsWith('.img')).sort();
    const rebuilt = readdirSync(out).filter((f) => f.endsWith('.img')).sort();
    expect(rebuilt).toEqual(committed);
    for (const name of committed) {
      const want = readFileSync(join(guestsDir, 'build', name));
      const got = readFileSync(join(out, name));
      expect(got.equals(want), `${name} differs from the committed image: run make -C guests`).toBe(true);
      expect(got.length % 512, `${name} is not a whole number of sectors`).toBe(0);
    }
  }, 180_000);

  it('every manifest entry names a committed image', () => {
    const committed = new Set(readdirSync(join(guestsDir, 'build')));
    for (const entry of readManifest()) {
      expect(committed.has(entry.image.replace(/^build\//, '')), entry.name).toBe(true);
    }
  });
});
