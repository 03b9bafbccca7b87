#!/usr/bin/env node
// Writes a Linux initramfs: an uncompressed cpio archive in the "newc" format
// (Documentation/driver-api/early-userspace/buffer-format.rst), deterministically: every
// entry owned by 0:0 with mtime 0, entries sorted by path (so directories come before
// their contents), inode numbers in that order, nothing from the host but file contents.
//
//   node scripts/guests/linux/mkcpio.mjs LIST FROMDIR OUT
//
// LIST has one entry per line, in gen_init_cpio's syntax (# comments, blank lines ok):
//   dir  PATH MODE
//   file PATH SOURCE MODE        (SOURCE relative to FROMDIR)
//   nod  PATH MODE c|b MAJOR MINOR
//   slink PATH TARGET MODE
// MODE is octal permission bits.
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;

/** Parses LIST into entries { path, mode, data, rdevmajor, rdevminor }; reads files from `from`. */
export function parseList(text, from, readFile = readFileSync) {
  const entries = [];
  const seen = new Set();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const f = line.split(/\s+/);
    const where = `line ${i + 1}`;
    const perm = (s) => {
      if (!/^[0-7]{3,4}$/.test(s ?? '')) throw new Error(`${where}: bad mode ${s}`);
      return parseInt(s, 8);
    };
    const path = f[1];
    if (!path || !path.startsWith('/') || path.includes('//') || path.split('/').includes('..')) {
      throw new Error(`${where}: bad path ${path}`);
    }
    const name = path.replace(/^\/+/, '');
    if (seen.has(name)) throw new Error(`${where}: ${path} listed twice`);
    seen.add(name);
    const e = { name, mode: 0, data: new Uint8Array(0), rdevmajor: 0, rdevminor: 0 };
    switch (f[0]) {
      case 'dir':
        if (f.length !== 3) throw new Error(`${where}: dir PATH MODE`);
        e.mode = S_IFDIR | perm(f[2]);
        break;
      case 'file':
        if (f.length !== 4) throw new Error(`${where}: file PATH SOURCE MODE`);
        e.mode = S_IFREG | perm(f[3]);
        e.data = new Uint8Array(readFile(join(from, f[2])));
        break;
      case 'slink':
        if (f.length !== 4) throw new Error(`${where}: slink PATH TARGET MODE`);
        e.mode = S_IFLNK | perm(f[3]);
        e.data = new TextEncoder().encode(f[2]);
        break;
      case 'nod':
        if (f.length !== 6 || !/^[cb]$/.test(f[3])) throw new Error(`${where}: nod PATH MODE c|b MAJOR MINOR`);
        e.mode = (f[3] === 'c' ? S_IFCHR : S_IFBLK) | perm(f[2]);
        e.rdevmajor = Number(f[4]);
        e.rdevminor = Number(f[5]);
        break;
      default:
        throw new Error(`${where}: unknown entry type ${f[0]}`);
    }
    entries.push(e);
  });
  return entries;
}

function hex8(v) {
  return (v >>> 0).toString(16).padStart(8, '0');
}

function record(ino, e) {
  const name = new TextEncoder().encode(e.name + '\0');
  const nlink = (e.mode & 0o170000) === S_IFDIR ? 2 : 1;
  const header =
    '070701' +
    [ino, e.mode, 0, 0, nlink, 0, e.data.length, 0, 0, e.rdevmajor, e.rdevminor, name.length, 0].map(hex8).join('');
  const pad = (n) => (4 - (n % 4)) % 4;
  const parts = [new TextEncoder().encode(header), name, new Uint8Array(pad(110 + name.length))];
  if (e.data.length > 0) parts.push(e.data, new Uint8Array(pad(e.data.length)));
  return parts;
}

/** The archive bytes for `entries`. */
export function buildCpio(entries) {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const parts = [];
  sorted.forEach((e, i) => parts.push(...record(i + 1, e)));
  parts.push(...record(0, { name: 'TRAILER!!!', mode: 0, data: new Uint8Array(0), rdevmajor: 0, rdevminor: 0 }));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total + ((512 - (total % 512)) % 512)); // whole 512-byte blocks, like cpio(1)
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [list, from, out] = process.argv.slice(2);
  if (!out) {
    process.stderr.write('usage: mkcpio.mjs LIST FROMDIR OUT\n');
    process.exit(2);
  }
  try {
    const bytes = buildCpio(parseList(readFileSync(list, 'utf8'), from));
    writeFileSync(out + '.tmp', bytes);
    renameSync(out + '.tmp', out);
  } catch (e) {
    process.stderr.write(`mkcpio: ${e.message}\n`);
    process.exit(1);
  }
}
