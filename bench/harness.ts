/**
 * Bench plumbing: wall-clock measurement lives here and in bench/ only — never in the
 * simulation. Figures are printed as a table; where possible a ratio to a reference measured
 * in the same run, because the machines are shared and noisy.
 */
import { performance } from 'node:perf_hooks';
import { packageRoot } from '../src/guests/catalog.js';
import { loadThirdPartyGuests, missingFiles } from '../src/guests/third-party.js';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  target?: string;
  note?: string;
}

/** Whether third-party guest `name` (Linux, xv6) is built here (npm run guests:third-party): benches skip it otherwise. */
export function thirdPartyBuilt(name: string): boolean {
  const g = loadThirdPartyGuests(packageRoot()).find((e) => e.name === name);
  return g !== undefined && missingFiles(g).length === 0;
}

export function timed<T>(fn: () => T): { result: T; seconds: number } {
  const t0 = performance.now();
  const result = fn();
  return { result, seconds: (performance.now() - t0) / 1000 };
}

export async function timedAsync<T>(fn: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const t0 = performance.now();
  const result = await fn();
  return { result, seconds: (performance.now() - t0) / 1000 };
}

/** Median of `runs` measurements of fn (seconds). */
export function medianSeconds(runs: number, fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(timed(fn).seconds);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * A reference for "how fast is this machine right now": a register-machine switch loop like
 * the interpreter's core, in plain JS. Interpreter MIPS ÷ this is steadier than MIPS alone.
 */
export function referenceOpsPerSecond(): number {
  const regs = new Int32Array(8);
  const code = new Uint8Array(4096);
  for (let i = 0; i < code.length; i++) code[i] = i % 5;
  const n = 50_000_000;
  const seconds = medianSeconds(3, () => {
    let pc = 0;
    for (let i = 0; i < n; i++) {
      switch (code[pc]) {
        case 0: regs[0] = (regs[0] + regs[1]) | 0; break;
        case 1: regs[1] = (regs[1] ^ i) | 0; break;
        case 2: regs[2] = (regs[2] - regs[0]) | 0; break;
        case 3: regs[3] = regs[2] >>> 3; break;
        default: regs[4] = (regs[4] + 1) | 0; break;
      }
      pc = (pc + 1) & 4095;
    }
  });
  return n / seconds;
}

/**
 * Whether a figure meets its target, for targets that are a bound ("<= 1.10", "< 50",
 * ">= 3", "> 0") or a required value ("1": a check that passed); null for targets that are not
 * ("none, the baseline"). A figure not measured misses.
 */
export function verdict(f: Figure): 'met' | 'missed' | null {
  const m = /^\s*(<=|>=|<|>|=)?\s*(-?\d+(?:\.\d+)?)/.exec(f.target ?? '');
  if (m === null) return null;
  if (Number.isNaN(f.value)) return 'missed';
  const bound = Number(m[2]);
  const ok = { '<=': f.value <= bound, '>=': f.value >= bound, '<': f.value < bound, '>': f.value > bound, '=': f.value === bound }[m[1] ?? '='];
  return ok ? 'met' : 'missed';
}

/** A figure that was not measured (value NaN) prints as "n/a"; one with a bound as its target says met or missed. */
export function printFigures(title: string, figures: Figure[]): void {
  console.log(`\n## ${title}`);
  const w = Math.max(...figures.map((f) => f.name.length));
  for (const f of figures) {
    const v = Number.isNaN(f.value)
      ? 'n/a'
      : Number.isInteger(f.value)
        ? String(f.value)
        : f.value.toFixed(f.value < 10 ? 3 : 1);
    const v2 = verdict(f);
    const target = f.target ? `   (target ${f.target}${v2 === null ? '' : `: ${v2}`})` : '';
    const note = f.note ? `   ${f.note}` : '';
    console.log(`  ${f.name.padEnd(w)}  ${v} ${f.unit}${target}${note}`);
  }
}
