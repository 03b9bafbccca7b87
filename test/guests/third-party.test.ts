/**
 * guests/third-party.json: the committed catalog parses, names build scripts that exist, and
 * bad entries are refused in one line naming the entry and the field.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/guests/catalog.js';
import { loadThirdPartyGuests, missingFiles, thirdPartyFiles } from '../../src/guests/third-party.js';
import { InputError } from '../../src/errors.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function catalogWith(entries: unknown): string {
  const root = mkdtempSync(join(tmpdir(), 'migtrace-catalog-'));
  dirs.push(root);
  mkdirSync(join(root, 'guests'));
  writeFileSync(join(root, 'guests', 'third-party.json'), JSON.stringify(entries));
  return root;
}

function refusal(root: string): string {
  try {
    loadThirdPartyGuests(root);
  } catch (e) {
    if (e instanceof InputError && e.code === 'BAD_GUEST_CATALOG') return e.message;
    throw e;
  }
  throw new Error('expected BAD_GUEST_CATALOG');
}

describe('the third-party guest catalog', () => {
  it('the committed catalog parses and every build script exists', () => {
    const root = packageRoot();
    const guests = loadThirdPartyGuests(root);
    expect(guests.map((g) => g.name)).toContain('test386');
    for (const g of guests) expect(existsSync(join(root, g.build)), g.build).toBe(true);
  });

  it('files resolve inside the cache dir; missing ones are listed', () => {
    const [g] = loadThirdPartyGuests(catalogWith([{ name: 'x', description: 'd', build: 'b.sh', boot: { mode: 'disk', master: 'x/a.img', slave: 'x/b.img' } }]));
    expect(thirdPartyFiles(g, '/cache')).toEqual([
      { field: 'master', path: '/cache/x/a.img' },
      { field: 'slave', path: '/cache/x/b.img' },
    ]);
    expect(missingFiles(g, '/nonexistent-cache')).toHaveLength(2);
  });

  it('refuses bad entries in one line', () => {
    const base = { name: 'g', description: 'd', build: 'b.sh' };
    expect(refusal(catalogWith({}))).toMatch(/must be a JSON array/);
    expect(refusal(catalogWith([{ ...base, boot: { mode: 'floppy' } }]))).toMatch(/entry 0: boot mode "floppy" is not one of disk, linux, rom, multiboot/);
    expect(refusal(catalogWith([{ ...base, boot: { mode: 'rom' } }]))).toMatch(/a rom boot needs "rom"/);
    expect(refusal(catalogWith([{ ...base, boot: { mode: 'rom', rom: 'r.bin', kernel: 'k' } }]))).toMatch(/a rom boot has no field "kernel"/);
    expect(refusal(catalogWith([{ ...base, boot: { mode: 'linux', kernel: '../../etc/passwd' } }]))).toMatch(/"kernel" must be a path inside the guest cache dir/);
    expect(refusal(catalogWith([{ ...base, boot: { mode: 'rom', rom: 'r', cmdline: 'x' } }]))).toMatch(/has no field "cmdline"|"cmdline" is a string, for linux and multiboot/);
    expect(refusal(catalogWith([{ ...base, boot: { mode: 'rom', rom: 'r' } }, { ...base, boot: { mode: 'rom', rom: 'r' } }]))).toMatch(/guest "g" is listed twice/);
    expect(refusal(catalogWith([{ name: 'g', build: 'b', boot: { mode: 'rom', rom: 'r' } }]))).toMatch(/"description" must be a non-empty string/);
    expect(refusal(catalogWith([{ ...base, boot: { mode: 'rom', rom: 'r' }, machine: { cpus: 2 } }]))).toMatch(/"machine" has no field "cpus"/);
    expect(refusal(catalogWith([{ ...base, boot: { mode: 'rom', rom: 'r' }, machine: { instructionsPerSecond: 0.5 } }]))).toMatch(/instructionsPerSecond" is a whole number/);
  });
});
