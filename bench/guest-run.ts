/**
 * Timed complete runs of a built-in guest on migtrace's machine, with the CPU's compiler on or
 * off (issue 15). The machine is built and booted untimed; the run to the guest's exit is
 * timed in this process's CPU time (process.cpuUsage), which a shared host disturbs less than
 * wall time.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolveImage } from '../src/guests/catalog.js';
import { Machine } from '../src/board/machine.js';
import type { JitStats } from '../src/machine/cpu/jit/jit.js';

export interface GuestRunTiming {
  /** Instructions of the whole run, boot to exit: the same with the compiler on and off. */
  icount: number;
  cpuSeconds: number;
  /** The same run in wall time: V8's compiles on its background threads count in CPU time, not here (on a second core). */
  wallSeconds: number;
  mips: number;
  serial: string;
  /** What the compiler did in the run (null: interpreter alone). */
  compilerStats: JitStats | null;
}

const MAX_INSTRUCTIONS = 10_000_000_000;

/** One complete run of `guest`: it must exit with isa-debug-exit status 1 (success). */
export function timeGuestRun(guest: string, args: string | undefined, compiler: boolean): GuestRunTiming {
  const image = resolveImage(guest);
  const machine = Machine.boot(image.bytes, { memory: 64 * 1024 * 1024, args });
  return timeMachineRun(machine, compiler, MAX_INSTRUCTIONS, (status, exitStatus, message) => {
    if (status !== 'exited' || exitStatus !== 1) throw new Error(`${guest} ${args ?? ''}: ${status}: ${message}`);
  });
}

/** A booted machine's run to `maxInstructions` (or its end) with the compiler on or off, in CPU time; `check` judges how it ended. */
export function timeMachineRun(
  machine: Machine,
  compiler: boolean,
  maxInstructions: number,
  check: (status: string, exitStatus: number | null, message: string) => void = () => {},
): GuestRunTiming {
  machine.cpu.setCompiler(compiler);
  const before = process.cpuUsage();
  const wallBefore = process.hrtime.bigint();
  const result = machine.run({ maxInstructions });
  const wallSeconds = Number(process.hrtime.bigint() - wallBefore) / 1e9;
  const used = process.cpuUsage(before);
  check(result.status, result.exitStatus, result.message);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return {
    icount: result.icount,
    cpuSeconds,
    wallSeconds,
    mips: result.icount / cpuSeconds / 1e6,
    serial: result.serial,
    compilerStats: machine.cpu.compilerStats,
  };
}

export interface BestOf {
  interpreter: GuestRunTiming;
  compiler: GuestRunTiming;
  /** The best wall time of each way's runs (each may be another run than its best CPU time's). */
  wall: { interpreter: number; compiler: number };
}

/**
 * `runs` runs each way in this process, alternating (interpreter, compiler, interpreter, ...)
 * so drift in the host's speed hits both alike; the fastest of each. After the first run of
 * each way, V8 has optimised the interpreter's functions and the compiler's block functions
 * (shared by every machine in the process: jit.ts), as for a migration's destination or a
 * verifier's second replay. The two must agree on the instruction count and the serial
 * output, or the compiler changed what the guest did.
 */
export function bestOfBoth(guest: string, args: string | undefined, runs: number): BestOf {
  return bestOf(guest, runs, (compiler) => timeGuestRun(guest, args, compiler));
}

/** `runs` of `run` each way, alternating, the fastest of each; they must agree on instruction count and serial output. */
export function bestOf(guest: string, runs: number, run: (compiler: boolean) => GuestRunTiming): BestOf {
  let interpreter: GuestRunTiming | null = null;
  let compiler: GuestRunTiming | null = null;
  const wall = { interpreter: Infinity, compiler: Infinity };
  for (let i = 0; i < runs; i++) {
    const a = run(false);
    if (interpreter === null || a.mips > interpreter.mips) interpreter = a;
    wall.interpreter = Math.min(wall.interpreter, a.wallSeconds);
    const b = run(true);
    if (compiler === null || b.mips > compiler.mips) compiler = b;
    wall.compiler = Math.min(wall.compiler, b.wallSeconds);
  }
  if (interpreter === null || compiler === null) throw new Error('bestOfBoth: runs must be at least 1');
  if (interpreter.icount !== compiler.icount || interpreter.serial !== compiler.serial) {
    throw new Error(`${guest}: the compiler changed the run: ${compiler.icount} instructions vs ${interpreter.icount}`);
  }
  return { interpreter, compiler, wall };
}

/**
 * One complete run of `guest` as the first in a new Node process: nothing of migtrace is
 * compiled by V8 yet, the interpreter's functions no more than the blocks (a `migtrace record`
 * of one guest). `bestOfBoth` measures later runs in one process instead, where V8 has
 * optimised the interpreter and the compiler's blocks are shared from the first run.
 */
export function timeFreshGuestRun(guest: string, args: string | undefined, compiler: boolean): GuestRunTiming {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), guest, args ?? '', compiler ? 'on' : 'off'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as GuestRunTiming;
}

/** `bestOfBoth` with every run in a fresh process (timeFreshGuestRun). */
export function bestOfBothFresh(guest: string, args: string | undefined, runs: number): BestOf {
  return bestOf(guest, runs, (compiler) => timeFreshGuestRun(guest, args, compiler));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [guest, args, way] = process.argv.slice(2);
  process.stdout.write(JSON.stringify(timeGuestRun(guest, args === '' ? undefined : args, way === 'on')));
}
