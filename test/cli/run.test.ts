import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migtrace } from './cli.js';

function bootImage(code: number[]): Uint8Array {
  const img = new Uint8Array(512);
  img.set(code, 0);
  img[510] = 0x55;
  img[511] = 0xaa;
  return img;
}

function tempImage(bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'migtrace-cli-'));
  const path = join(dir, 'guest.img');
  writeFileSync(path, bytes);
  return path;
}

/** One line, no stack trace. */
function expectOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^migtrace: /);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('migtrace run', () => {
  it('boots the hello guest, prints its serial output, the exit status and the instruction count', () => {
    const r = migtrace(['run', 'hello']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/Hello/);
    expect(r.stdout).toMatch(/guest exited with status 1 \(it wrote 0 to isa-debug-exit: success\); \d+ instructions/);
    expect(r.status).toBe(0);
  });

  it('gives the same result as JSON', () => {
    const r = migtrace(['run', 'hello', '--json']);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe('exited');
    expect(out.exitStatus).toBe(1);
    expect(out.serial).toMatch(/Hello/);
    expect(out.icount).toBeGreaterThan(0);
  });

  it('stops at the instruction limit', () => {
    const r = migtrace(['run', 'memtouch', '--args', 'passes=0', '--max-instructions', '100000', '--json']);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe('limit');
    expect(out.icount).toBe(100000);
  });

  it('names an unknown guest in one line and exits 2', () => {
    const r = migtrace(['run', 'no-such-guest']);
    expectOneLineError(r.stderr, /unknown guest "no-such-guest"/);
    expect(r.status).toBe(2);
  });

  it('names a missing image file in one line and exits 2', () => {
    const r = migtrace(['run', './missing/guest.img']);
    expectOneLineError(r.stderr, /image file not found: .\/missing\/guest.img/);
    expect(r.status).toBe(2);
  });

  it('boots a disk image larger than memory from its boot sector, as from a BIOS', () => {
    const big = new Uint8Array(2 * 1024 * 1024);
    big.set(bootImage([0xf4]));
    big.fill(0xcc, 0x9fc00 - 0x7c00); // would overwrite the EBDA's MP table if it were loaded
    const r = migtrace(['run', tempImage(big), '--memory', '1MiB']);
    expect(r.stdout + r.stderr).toMatch(/halted with interrupts disabled at 0000:00007c01/);
    expect(r.status).toBe(0);
  });

  it('refuses a file that is not a boot image', () => {
    const r = migtrace(['run', tempImage(new Uint8Array(1024))]);
    expectOneLineError(r.stderr, /no 0x55AA signature/);
    expect(r.status).toBe(2);
  });

  it('reports a triple fault with CS:EIP and the opcode bytes, exit 3', () => {
    // lidt [0x7c08] (limit 0) ; int3 → #GP on the vector beyond the IDT limit → #DF → shutdown
    const img = bootImage([0x0f, 0x01, 0x1e, 0x08, 0x7c, 0xcc, 0xeb, 0xfe, 0, 0, 0, 0, 0, 0]);
    const r = migtrace(['run', tempImage(img)]);
    expectOneLineError(r.stderr, /triple fault at 0000:00007c05 \(opcode cc\)/i);
    expect(r.status).toBe(3);
  });

  it('refuses a malformed size', () => {
    const r = migtrace(['run', 'hello', '--memory', 'lots']);
    expectOneLineError(r.stderr, /--memory: "lots" is not a size/);
    expect(r.status).toBe(2);
  });
});

describe('migtrace guests', () => {
  it('lists the built-in guests with descriptions', () => {
    const r = migtrace(['guests']);
    expect(r.status).toBe(0);
    for (const name of ['hello', 'cpu-selftest', 'memtouch']) expect(r.stdout).toMatch(new RegExp(`^${name}\\s+\\S`, 'm'));
  });
});
