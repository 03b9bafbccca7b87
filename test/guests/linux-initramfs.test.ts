/**
 * The Linux guest's initramfs is deterministic: scripts/guests/linux/mkcpio.mjs writes the
 * same bytes whatever the host's file times and permissions, and two builds of the whole
 * initramfs (the freestanding /init and the archive, `build-linux.sh --initramfs-only`)
 * into different cache dirs are byte-identical. The archive is a well-formed newc cpio
 * with the entries of guests/linux-init/initramfs.list, owned by root, with mtime 0.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onPath } from './expectations.js';

const root = resolve(import.meta.dirname, '../..');
const mkcpio = join(root, 'scripts/guests/linux/mkcpio.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'migtrace-initramfs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Entry {
  name: string;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
  rdev: [number, number];
}

/** Parses a newc archive up to its trailer. */
function parseNewc(buf: Buffer): Entry[] {
  const out: Entry[] = [];
  let at = 0;
  for (;;) {
    expect(buf.toString('latin1', at, at + 6)).toBe('070701');
    const h = at;
    const f = (i: number) => parseInt(buf.toString('latin1', h + 6 + 8 * i, h + 14 + 8 * i), 16);
    const namesize = f(11);
    const name = buf.toString('latin1', h + 110, h + 110 + namesize - 1);
    const size = f(6);
    at += 110 + namesize;
    at += (4 - (at % 4)) % 4;
    at += size;
    at += (4 - (at % 4)) % 4;
    if (name === 'TRAILER!!!') break;
    out.push({ name, ino: f(0), mode: f(1), uid: f(2), gid: f(3), mtime: f(5), size, rdev: [f(9), f(10)] });
  }
  expect(buf.length % 512).toBe(0);
  expect(buf.subarray(at).every((b) => b === 0)).toBe(true);
  return out;
}

function runMkcpio(list: string, from: string, out: string): void {
  const r = spawnSync(process.execPath, [mkcpio, list, from, out], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

describe('Linux guest initramfs', () => {
  it('mkcpio writes the same bytes whatever the host file times and modes', () => {
    const from = join(scratch, 'from');
    spawnSync('mkdir', ['-p', from]);
    const list = join(scratch, 'list');
    writeFileSync(list, '# test\nfile /bin/x x 0755\ndir /bin 0755\nnod /dev/null 0666 c 1 3\ndir /dev 0755\nslink /sh bin/x 0777\n');
    writeFileSync(join(from, 'x'), 'hello\n');
    utimesSync(join(from, 'x'), 1000, 1000);
    chmodSync(join(from, 'x'), 0o600);
    runMkcpio(list, from, join(scratch, 'a.cpio'));
    utimesSync(join(from, 'x'), 2_000_000, 2_000_000);
    chmodSync(join(from, 'x'), 0o755);
    runMkcpio(list, from, join(scratch, 'b.cpio'));
    const a = readFileSync(join(scratch, 'a.cpio'));
    expect(a.equals(readFileSync(join(scratch, 'b.cpio')))).toBe(true);
    const entries = parseNewc(a);
    expect(entries.map((e) => e.name)).toEqual(['bin', 'bin/x', 'dev', 'dev/null', 'sh']);
    expect(entries.map((e) => e.ino)).toEqual([1, 2, 3, 4, 5]);
    expect(entries.every((e) => e.uid === 0 && e.gid === 0 && e.mtime === 0)).toBe(true);
    expect(entries[1]).toMatchObject({ mode: 0o100755, size: 6 });
    expect(entries[3]).toMatchObject({ mode: 0o020666, rdev: [1, 3] });
    expect(entries[4]).toMatchObject({ mode: 0o120777, size: 5 });
  });

  it('mkcpio refuses bad lists', () => {
    const list = join(scratch, 'bad');
    for (const bad of ['dir /a 0755\ndir /a 0755\n', 'dir a 0755\n', 'file /x nosuch 0644\n', 'dir /a/../b 0755\n']) {
      writeFileSync(list, bad);
      const r = spawnSync(process.execPath, [mkcpio, list, scratch, join(scratch, 'bad.cpio')], { encoding: 'utf8' });
      expect(r.status, bad).toBe(1);
    }
  });

  it('two builds of the initramfs are byte-identical', (ctx) => {
    if (!onPath('gcc') || !onPath('ld')) {
      console.log('skipping the initramfs build: gcc or ld not on PATH');
      ctx.skip();
    }
    const build = (dir: string) => {
      const r = spawnSync(join(root, 'scripts/guests/build-linux.sh'), ['--initramfs-only'], {
        encoding: 'utf8',
        env: { ...process.env, MIGTRACE_GUESTS: join(scratch, dir) },
      });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
      return readFileSync(join(scratch, dir, 'linux/initramfs.cpio'));
    };
    const one = build('one');
    const two = build('two');
    expect(one.equals(two)).toBe(true);
    const entries = parseNewc(one);
    expect(entries.map((e) => e.name)).toEqual(['dev', 'dev/console', 'init', 'proc', 'sys', 'tmp']);
    expect(entries.find((e) => e.name === 'dev/console')).toMatchObject({ mode: 0o020600, rdev: [5, 1] });
    const init = entries.find((e) => e.name === 'init');
    expect(init?.mode).toBe(0o100755);
    // the /init ELF starts right after its header and name
    const at = one.indexOf(Buffer.from('init\0', 'latin1')) + 5;
    const elf = one.subarray(at + ((4 - (at % 4)) % 4));
    expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(elf[4]).toBe(1); // ELFCLASS32
  }, 120_000);
});
