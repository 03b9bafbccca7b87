/**
 * Issue 15, `npm run bench -- speed`: the CPU's compiler against its interpreter, and against
 * QEMU TCG with `-icount shift=0` when qemu-system-i386 is on PATH, in one run.
 *
 * - The compute loop (bench/cpu-loop.ts), cpu-selftest, coremark (iterations=500) and kernels
 *   (iterations=50, a second compute guest whose code the compiler was not tuned on): MIPS in
 *   this process's CPU time, best of a few runs each way, the machine booted untimed; the
 *   instruction counts of the two ways must be equal. Target: compiler ≥ 3 × interpreter.
 *   These are runs after the first in one process (guest-run.ts bestOfBoth: V8 has compiled
 *   the interpreter, and the compiler's block functions are shared from the first run);
 *   coremark and kernels are measured as the first run in a fresh process too (both ways cold:
 *   a `migtrace record` of one guest), and again five times as long: how much of the
 *   fresh-process shortfall is V8's warm-up, which a longer run repays.
 * - Their steady state: (N iterations − 1 iteration) ÷ (the time of the one − the time of
 *   the other), for migtrace both ways and for QEMU, whose instruction count is migtrace's for
 *   the same complete runs (the guest exits at a fixed point). The subtraction takes out each
 *   machine's start (QEMU: SeaBIOS and loading; migtrace: the compiler's first compilations).
 *   Target: migtrace's compiler ≥ 0.5 × QEMU.
 * - Linux's and xv6's boots to 150 M instructions both ways (when built), what the issue is for:
 *   paging, rings, devices, and code that runs a few thousand times rather than millions.
 */
import { benchCpuLoop } from './cpu-loop.js';
import { bestOf, bestOfBoth, bestOfBothFresh, timeMachineRun, type BestOf } from './guest-run.js';
import { thirdPartyBuilt, type Figure } from './harness.js';
import { bestQemuCpuSeconds, haveQemu, QEMU } from './qemu-speed.js';
import { bootRequest, resolveGuestRequest } from '../src/cli/guest-options.js';

const LOOP_INSTRUCTIONS = 100_000_000;
const COREMARK_ITERATIONS = 500;
/** ~110 M instructions, as coremark's 500 iterations are ~100 M. */
const KERNELS_ITERATIONS = 50;
/** The fresh-process run again, this many times as long (~500 M instructions), best of FRESH_LONG_RUNS. */
const FRESH_LONG_FACTOR = 5;
const FRESH_LONG_RUNS = 2;
const COMPILER_TARGET = 3;
const QEMU_TARGET = 0.5;

const mi = (n: number) => `${(n / 1e6).toFixed(1)} M instructions`;

/** Interpreter MIPS, compiler MIPS, and their ratio against the ≥ 3 target. */
function compilerFigures(what: string, interpreter: number, compiler: number, note = ''): Figure[] {
  const ratio = compiler / interpreter;
  return [
    { name: `${what}: interpreter`, value: interpreter, unit: 'MIPS', target: 'none, the baseline' },
    {
      name: `${what}: compiler`,
      value: compiler,
      unit: 'MIPS',
      target: `>= ${(COMPILER_TARGET * interpreter).toFixed(1)} (${COMPILER_TARGET} × interpreter)`,
    },
    {
      name: `  compiler ÷ interpreter`,
      value: ratio,
      unit: '×',
      target: `>= ${COMPILER_TARGET}`,
      note,
    },
  ];
}

function computeLoop(runs: number): Figure[] {
  let interpreter = 0;
  let compiler = 0;
  for (let i = 0; i < runs; i++) {
    interpreter = Math.max(interpreter, benchCpuLoop(LOOP_INSTRUCTIONS, false, false).cpuMips);
    compiler = Math.max(compiler, benchCpuLoop(LOOP_INSTRUCTIONS, false, true).cpuMips);
  }
  return compilerFigures('compute loop (bench/cpu-loop.ts)', interpreter, compiler, `best of ${runs}, ${mi(LOOP_INSTRUCTIONS)}`);
}

function stats(b: BestOf): string {
  const s = b.compiler.compilerStats;
  if (s === null) return '';
  const share = ((100 * s.interpreted) / b.compiler.icount).toFixed(1);
  return `${s.compiles} compilations, ${s.translated} instructions translated, ${share}% of the run interpreted`;
}

function guestFigures(what: string, b: BestOf, runs: number, extra: string): Figure[] {
  const note = `best of ${runs}, ${mi(b.interpreter.icount)} boot to exit; ${stats(b)}${extra}`;
  return compilerFigures(what, b.interpreter.mips, b.compiler.mips, note);
}

/**
 * The fresh-process ratio in wall time: what a user of one `migtrace` command waits for. V8
 * compiles optimised code on background threads, which CPU time counts (the figure above) and
 * a second core takes out of the wall time (a busy host puts some back: the best of each way's runs).
 */
function freshWallFigure(fresh: BestOf): Figure {
  const { interpreter, compiler } = fresh.wall;
  return {
    name: '  compiler ÷ interpreter, wall time',
    value: interpreter / compiler,
    unit: '×',
    target: `>= ${COMPILER_TARGET}`,
    note: `best wall time of each: ${interpreter.toFixed(3)} s → ${compiler.toFixed(3)} s; CPU time counts V8's background compiles, wall time on two cores mostly not`,
  };
}

/** Instructions per CPU second between a short and a long run of the same guest. */
function steady(icountLong: number, icountShort: number, secondsLong: number, secondsShort: number): number {
  return (icountLong - icountShort) / (secondsLong - secondsShort) / 1e6;
}

/** A compute guest's steady state under QEMU (its iterations=1 run subtracted) and migtrace's compiler against it; null without QEMU. */
function qemuSteadyFigures(guest: string, iterations: number, long: BestOf, short: BestOf, migtraceSteady: number, runs: number): { figures: Figure[]; qemuShortSeconds: number } | null {
  const target = `>= ${QEMU_TARGET}`;
  if (!haveQemu()) {
    return null;
  }
  const image = `build/${guest}.img`;
  const qLong = bestQemuCpuSeconds(image, `iterations=${iterations}`, runs);
  const qShort = bestQemuCpuSeconds(image, 'iterations=1', runs);
  const qemu = steady(long.compiler.icount, short.compiler.icount, qLong, qShort);
  return {
    qemuShortSeconds: qShort,
    figures: [
      {
        name: `${guest} steady state: QEMU TCG -icount shift=0`,
        value: qemu,
        unit: 'MIPS',
        target: 'none, the reference',
        note: `${mi(long.compiler.icount - short.compiler.icount)} (migtrace's count) in ${(qLong - qShort).toFixed(3)} s of QEMU CPU time (${qLong.toFixed(3)} − ${qShort.toFixed(3)}), best of ${runs}`,
      },
      { name: `  migtrace compiler ÷ QEMU`, value: migtraceSteady / qemu, unit: '×', target },
    ],
  };
}

function noQemu(guest: string): Figure {
  return {
    name: `${guest}: migtrace compiler ÷ QEMU -icount`,
    value: NaN,
    unit: '×',
    target: `>= ${QEMU_TARGET}`,
    note: `not measured, ${QEMU} is not on PATH (apt-get install qemu-system-x86)`,
  };
}

/** cpu-selftest under QEMU, its start (a short run of another guest: `qemuStartSeconds`) subtracted. */
function qemuSelftestFigures(selftest: BestOf, qemuStartSeconds: number, runs: number): Figure[] {
  const qSelftest = bestQemuCpuSeconds('build/cpu-selftest.img', undefined, runs);
  return [
    {
      name: `cpu-selftest under QEMU: CPU time, its start subtracted`,
      value: Math.round((qSelftest - qemuStartSeconds) * 1000),
      unit: 'ms',
      target: 'none',
      note: `(within the noise of QEMU's start: its UART does not wait); migtrace: ${selftest.interpreter.cpuSeconds.toFixed(3)} s interpreter, ${selftest.compiler.cpuSeconds.toFixed(3)} s compiler`,
    },
    {
      name: `  cpu-selftest: migtrace compiler ÷ QEMU`,
      value: NaN,
      unit: '×',
      target: 'none: not comparable',
      note: 'not comparable: QEMU\'s UART has no line rate, so QEMU runs a small fraction of the instructions migtrace counts',
    },
  ];
}

/**
 * A compute guest that takes iterations=N: a later run in one process, the first run in a
 * fresh process, the steady state (N − 1 iterations) and, with QEMU, QEMU's steady state.
 */
function computeGuestFigures(guest: string, iterations: number, runs: number): { figures: Figure[]; qemuShortSeconds: number | null } {
  const args = `iterations=${iterations}`;
  const figures: Figure[] = [];
  const long = bestOfBoth(guest, args, runs);
  const last = long.compiler.serial.trimEnd().split('\n').pop() ?? '';
  figures.push(...guestFigures(`${guest} ${args}, a later run in one process`, long, runs, `; "${last}"`));
  const fresh = bestOfBothFresh(guest, args, runs);
  figures.push(...guestFigures(`${guest} ${args}, the first run in a fresh process`, fresh, runs, '; V8 compiles the interpreter as well as the blocks'));
  figures.push(freshWallFigure(fresh));
  // What the fresh-process shortfall is: V8's warm-up (compiling the interpreter and the
  // blocks, ~1 s of background CPU), a fixed cost that a run five times as long mostly repays.
  const longArgs = `iterations=${iterations * FRESH_LONG_FACTOR}`;
  const freshLong = bestOfBothFresh(guest, longArgs, FRESH_LONG_RUNS);
  figures.push(...guestFigures(`${guest} ${longArgs}, the first run in a fresh process`, freshLong, FRESH_LONG_RUNS, '; the same warm-up, over a run 5× as long'));
  figures.push(freshWallFigure(freshLong));

  const short = bestOfBoth(guest, 'iterations=1', runs);
  const seconds = (b: BestOf, way: 'interpreter' | 'compiler') => b[way].icount / b[way].mips / 1e6;
  const interp = steady(long.interpreter.icount, short.interpreter.icount, seconds(long, 'interpreter'), seconds(short, 'interpreter'));
  const comp = steady(long.compiler.icount, short.compiler.icount, seconds(long, 'compiler'), seconds(short, 'compiler'));
  figures.push(
    ...compilerFigures(
      `${guest} steady state (${iterations} − 1 iterations)`,
      interp,
      comp,
      `${mi(long.interpreter.icount - short.interpreter.icount)}, the compiler's first compilations taken out`,
    ),
  );
  const q = qemuSteadyFigures(guest, iterations, long, short, comp, runs);
  figures.push(...(q === null ? [noQemu(guest)] : q.figures));
  return { figures, qemuShortSeconds: q === null ? null : q.qemuShortSeconds };
}

/** Instructions of an OS boot timed both ways: enough for Linux's decompression, early init and device probing, xv6 to its shell and idle. */
const OS_INSTRUCTIONS = 150_000_000;

/**
 * An unmodified OS's boot to OS_INSTRUCTIONS, interpreter against compiler (CPU time, best of
 * `runs`, alternating in this process); skipped when the guest is not built.
 */
function osFigures(name: 'linux' | 'xv6', runs: number): Figure[] {
  if (!thirdPartyBuilt(name)) {
    return [{ name: `${name} boot: not measured`, value: NaN, unit: '', note: 'not built (npm run guests:third-party)' }];
  }
  const b = bestOf(name, runs, (compiler) => timeMachineRun(bootRequest(resolveGuestRequest(name, {})), compiler, OS_INSTRUCTIONS));
  const note = `best of ${runs}, a later run in one process; ${stats(b)}; paging, rings, devices`;
  return compilerFigures(`${name} boot to ${mi(b.compiler.icount)}`, b.interpreter.mips, b.compiler.mips, note);
}

export function benchSpeed(): Figure[] {
  const runs = 3;
  const figures = computeLoop(runs);

  const selftest = bestOfBoth('cpu-selftest', undefined, 2);
  figures.push(
    ...guestFigures(
      'cpu-selftest',
      selftest,
      2,
      '; most of its instructions poll the 115200-baud UART (LSR) between lines: compiled, a poll loop runs its first iteration and counts the rest (jit/poll-loop.ts)',
    ),
  );

  const coremark = computeGuestFigures('coremark', COREMARK_ITERATIONS, runs);
  figures.push(...coremark.figures);
  if (coremark.qemuShortSeconds !== null) figures.push(...qemuSelftestFigures(selftest, coremark.qemuShortSeconds, runs));
  figures.push(...computeGuestFigures('kernels', KERNELS_ITERATIONS, runs).figures);
  figures.push(...osFigures('linux', 2), ...osFigures('xv6', 2));
  return figures;
}
