/**
 * The serial-echo guest (guests/src/serial-echo.c) with guests/inputs/serial-echo.input: on
 * migtrace the script delivers the bytes at its icounts; under QEMU the same bytes go in
 * through stdin once the guest says it is ready (guests/qemu-run.sh QEMU_INPUT). The echo
 * depends only on the bytes, so both machines must print the same, and what the terminal
 * logic below (written from the guest's documentation) says.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInputScript } from '../../src/devices/input-script.js';
import { EXIT_FAILURE, EXIT_SUCCESS, guestsDir } from './expectations.js';
import { crc32, haveQemu, hex8, runMachine, runQemu, type GuestRun } from './harness.js';

const SCRIPT = join(guestsDir, 'inputs', 'serial-echo.input');
const READY = 'serial-echo: ready';

function scriptBytes(): Uint8Array {
  const script = loadInputScript(SCRIPT);
  return Buffer.concat(script.events.filter((e) => e.target === 'serial').map((e) => Buffer.from(e.data)));
}

/** The echo and the summary for `input`, stopping at a "quit" line or after maxBytes. */
function expected(input: Uint8Array, trigger: number, maxBytes = 0): string {
  let out = `serial-echo: ready, RX FIFO trigger ${trigger}; type lines, "quit" ends\n`;
  let line = '';
  let lines = 0;
  let count = 0;
  let prev = 0;
  let quit = false;
  for (const b of input) {
    if (quit || (maxBytes !== 0 && count >= maxBytes)) break;
    count++;
    if (b === 0x0d || b === 0x0a) {
      if (!(b === 0x0a && prev === 0x0d)) {
        out += '\r\n';
        lines++;
        quit = line === 'quit';
        line = '';
      }
    } else if (b === 0x08 || b === 0x7f) {
      if (line.length > 0) {
        line = line.slice(0, -1);
        out += '\b \b';
      }
    } else {
      out += String.fromCharCode(b);
      line += String.fromCharCode(b);
    }
    prev = b;
  }
  if (line.length > 0) out += '\r\n';
  const crc = crc32(input.subarray(0, count));
  return out + `serial-echo: ${lines} lines, ${count} bytes, crc32 ${hex8(crc)}, 0 line errors\n`;
}

describe('serial-echo input script', () => {
  it('types five lines ending in "quit", with backspaces, a CR LF and a burst', () => {
    const bytes = Buffer.from(scriptBytes()).toString('latin1');
    expect(bytes.endsWith('qut\bix\x7ft\r')).toBe(true);
    expect(bytes).toContain('line three\r\n');
    expect(expected(scriptBytes(), 8)).toContain('serial-echo: 5 lines, 93 bytes,');
  });
});

const cases = [
  { trigger: 8, args: undefined, bytes: 0 },
  { trigger: 1, args: 'trigger=1', bytes: 0 },
  { trigger: 14, args: 'trigger=14', bytes: 0 },
  { trigger: 4, args: 'trigger=4 bytes=20', bytes: 20 },
];

describe.each(cases)('serial-echo trigger=$trigger bytes=$bytes', ({ trigger, args, bytes }) => {
  let machine: GuestRun | undefined;
  const want = () => expected(scriptBytes(), trigger, bytes);

  it('on migtrace with the input script', async (ctx) => {
    machine = await runMachine('serial-echo', args, { input: loadInputScript(SCRIPT) });
    expect(machine.status, machine.message).toBe('exited');
    expect(machine.serial).toBe(want());
    expect(machine.exitStatus).toBe(EXIT_SUCCESS);
  });

  it('under QEMU with the same bytes on stdin: the same output', (ctx) => {
    if (!haveQemu) {
      console.log('skipping QEMU run: qemu-system-i386 not found');
      ctx.skip();
    }
    const run = runQemu('serial-echo', args, { input: scriptBytes(), inputAfter: READY });
    expect(run.serial).toBe(want());
    expect(run.exitStatus).toBe(EXIT_SUCCESS);
    if (machine) expect(run.serial).toBe(machine.serial);
  });
});

describe('serial-echo on migtrace', () => {
  it('waits, halted, when nothing is typed (the run hits the instruction limit)', async (ctx) => {
    const run = await runMachine('serial-echo', undefined, { maxInstructions: 20_000_000 });
    expect(run.status).toBe('limit');
    expect(run.serial).toBe('serial-echo: ready, RX FIFO trigger 8; type lines, "quit" ends\n');
  });

  it('rejects a trigger level the 16550 does not have', async (ctx) => {
    const run = await runMachine('serial-echo', 'trigger=2');
    expect(run.serial).toMatch(/^serial-echo: trigger=2: the 16550 triggers at 1, 4, 8 or 14 bytes/);
    expect(run.exitStatus).toBe(EXIT_FAILURE);
  });
});
