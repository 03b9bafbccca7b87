/**
 * Issue 3 figures: guest MIPS with devices busy — net-echo echoing 10,000 frames and timer
 * ticking at 1 kHz — as a fraction of the CPU-only figure measured in the same run.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot, resolveImage } from '../src/guests/catalog.js';
import { Machine } from '../src/machine/machine.js';
import { parseInputScript } from '../src/devices/input-script.js';
import { guestMips } from './machine.js';
import { timed, type Figure } from './harness.js';

/** The generator that made guests/inputs/net-echo.input (a plain .mjs beside the guests). */
async function netEchoScript(options: { frames: number; spacing: number }): Promise<string> {
  const url = pathToFileURL(join(packageRoot(), 'guests', 'inputs', 'make-net-input.mjs')).href;
  const mod = (await import(url)) as { netEchoScript(o: object): string };
  return mod.netEchoScript(options);
}

function runMips(machine: Machine, limit: number): { mips: number; icount: number; status: string } {
  const { result, seconds } = timed(() => machine.run({ maxInstructions: limit }));
  return { mips: result.icount / seconds / 1e6, icount: result.icount, status: result.status };
}

export async function benchDevices(): Promise<Figure[]> {
  const cpuOnly = guestMips('memtouch', 'base=1 mb=1 passes=0 spin=2000', 200_000_000);

  const timer = Machine.boot(resolveImage('timer').bytes, { args: 'hz=1000 every=1000 ticks=3000' });
  const t = runMips(timer, 2_000_000_000);

  const script = parseInputScript(await netEchoScript({ frames: 10_000, spacing: 20_000 }), 'bench:net-echo');
  const net = Machine.boot(resolveImage('net-echo').bytes, { input: script, args: 'frames=10000' });
  const n = runMips(net, 2_000_000_000);
  const framesOut = net.framesOut.length;

  return [
    { name: 'CPU-only guest MIPS (memtouch spin=2000)', value: cpuOnly, unit: 'MIPS' },
    { name: 'timer @ 1 kHz, 3000 ticks', value: t.mips, unit: 'MIPS', note: `(${t.icount} instructions, ${t.status})` },
    { name: 'timer ÷ CPU-only', value: t.mips / cpuOnly, unit: '', target: '>= 0.80' },
    { name: 'net-echo, 10,000 frames', value: n.mips, unit: 'MIPS', note: `(${framesOut} frames echoed, ${n.icount} instructions, ${n.status})` },
    { name: 'net-echo ÷ CPU-only', value: n.mips / cpuOnly, unit: '', target: '>= 0.80' },
  ];
}
